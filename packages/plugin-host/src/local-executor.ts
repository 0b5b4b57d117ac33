/**
 * The local executor: runs each operation in a long-lived worker process on this machine, one
 * pool of workers per plugin entry module (so two versions of a plugin never share a process).
 */
import { resolve as resolvePath } from 'node:path';
import type {
  Executor,
  OperationCallbacks,
  OperationOutcome,
  OperationPlugin,
  OperationRequest,
} from '@cairn/engine';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '@cairn/plugin-protocol';
import { failedOutcome, hostFailure } from './failures.js';
import { WorkerPool } from './worker-pool.js';
import { defaultWorkerScript } from './worker-script.js';
import type { WorkerSettings } from './worker-process.js';

/** Which code runs a plugin's operations. */
export interface ResolvedPlugin {
  /** Absolute path of the plugin's ESM entry module; operation functions are found in its exports. */
  readonly entry: string;
}

/** Options of {@link createLocalExecutor}. Logs go to each operation's callbacks, not a logger. */
export interface LocalExecutorOptions {
  /** Finds the code of a plugin; undefined when it is not installed (a non-recoverable failure). */
  resolvePlugin(plugin: OperationPlugin): ResolvedPlugin | undefined;
  /** Most worker processes per plugin entry (default 4). */
  maxWorkersPerPlugin?: number;
  /** Operations a worker runs before it is replaced (default 1000). */
  maxUsesPerWorker?: number;
  /** V8 heap limit of a worker, `--max-old-space-size` (default 512). */
  memoryLimitMb?: number;
  /** Time between asking a worker to stop (SIGTERM, `cancel`, `shutdown`) and SIGKILL (default 2000). */
  killGraceMs?: number;
  /** How much of a worker's last output a crash report keeps, in characters (default 8192). */
  outputTailBytes?: number;
  /** Output (stdout, stderr, logger) forwarded per operation before the rest is dropped (default 1 MiB). */
  maxLogBytesPerOperation?: number;
  /** How long a new worker has to say hello (default 10000). */
  startTimeoutMs?: number;
  /** How long a worker waits for the host to answer a `ctx` call (default 60000). */
  rpcTimeoutMs?: number;
  /** The worker script to spawn (default: the built `dist/worker/main.js`); for tests. */
  workerScript?: string;
}

/** Longest output line forwarded as one log record; longer lines are cut. */
const MAX_LINE_LENGTH = 16 * 1024;

/** How long the host waits for a worker's sync marks after `done`. */
const SYNC_WAIT_MS = 500;

/**
 * Creates an {@link Executor} that runs operations in local worker processes.
 *
 * A plugin entry module exports its operations; `request.operation.function` is a property path
 * into its exports (`tasks.create` → `exports.tasks.create`), called as `fn(ctx, inputs)` and
 * awaited. Every failure, of the plugin or of its worker, comes back as a `failed` outcome.
 */
export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const settings: WorkerSettings = {
    workerScript: options.workerScript ?? defaultWorkerScript(),
    memoryLimitMb: options.memoryLimitMb ?? 512,
    killGraceMs: options.killGraceMs ?? 2000,
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    rpcTimeoutMs: options.rpcTimeoutMs ?? 60_000,
    outputTailBytes: options.outputTailBytes ?? 8192,
    maxLogBytesPerOperation: options.maxLogBytesPerOperation ?? 1024 * 1024,
    maxLineLength: MAX_LINE_LENGTH,
    maxMessageLength: DEFAULT_MAX_MESSAGE_LENGTH,
    syncWaitMs: SYNC_WAIT_MS,
  };
  const limits = {
    maxWorkers: Math.max(1, options.maxWorkersPerPlugin ?? 4),
    maxUses: Math.max(1, options.maxUsesPerWorker ?? 1000),
  };
  const pools = new Map<string, WorkerPool>();
  let sequence = 0;
  let closing: Promise<void> | undefined;

  const pluginLabel = (plugin: OperationPlugin): string =>
    plugin.package_name === null
      ? JSON.stringify(plugin.name)
      : `${JSON.stringify(plugin.name)} (package ${plugin.package_name}${
          plugin.package_version === null ? '' : ` ${plugin.package_version}`
        })`;

  return {
    run(
      request: OperationRequest,
      callbacks: OperationCallbacks,
      signal?: AbortSignal,
    ): Promise<OperationOutcome> {
      if (closing !== undefined) {
        return Promise.resolve(
          failedOutcome(hostFailure('ExecutorClosedError', 'the executor is closed')),
        );
      }
      if (signal?.aborted === true) {
        return Promise.resolve(
          failedOutcome(
            hostFailure('CancelledError', 'the operation was cancelled before it started'),
          ),
        );
      }
      let resolved: ResolvedPlugin | undefined;
      try {
        resolved = options.resolvePlugin(request.plugin);
      } catch (error) {
        return Promise.resolve(
          failedOutcome(
            hostFailure(
              'PluginNotFoundError',
              `cannot resolve plugin ${pluginLabel(request.plugin)}: ${
                error instanceof Error ? error.message : String(error)
              }`,
            ),
          ),
        );
      }
      if (resolved === undefined) {
        return Promise.resolve(
          failedOutcome(
            hostFailure(
              'PluginNotFoundError',
              `plugin ${pluginLabel(request.plugin)} is not installed, so operation ${request.operation.name} cannot run`,
            ),
          ),
        );
      }
      const entry = resolvePath(resolved.entry);
      let pool = pools.get(entry);
      if (pool === undefined) {
        pool = new WorkerPool(entry, settings, limits);
        pools.set(entry, pool);
      }
      sequence += 1;
      return pool.run(`op-${sequence}`, request, { callbacks, signal });
    },
    close(): Promise<void> {
      closing ??= Promise.all([...pools.values()].map((pool) => pool.close())).then(
        () => undefined,
      );
      return closing;
    },
  };
}
