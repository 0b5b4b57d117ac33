/**
 * The local executor: runs each operation in a long-lived worker process on this machine, one
 * pool of workers per plugin entry module (so two versions of a plugin never share a process).
 */
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type {
  Executor,
  OperationCallbacks,
  OperationError,
  OperationOutcome,
  OperationPlugin,
  OperationRequest,
  WorkflowCallbacks,
  WorkflowExecutor,
  WorkflowOutcome,
  WorkflowRequest,
} from '@cairn/engine';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '@cairn/plugin-protocol';
import { failedOutcome, hostFailure } from './failures.js';
import { SpareWorkers } from './spare-workers.js';
import { WorkerPool, type PoolLimits } from './worker-pool.js';
import { sdkRuntimeNear, SDK_PACKAGE } from './plugin-runtime.js';
import type { WorkerSettings } from './worker-process.js';

/** Which code runs a plugin's operations. */
export interface ResolvedPlugin {
  /** Absolute path of the plugin's ESM entry module; operation functions are found in its exports. */
  readonly entry: string;
  /**
   * How many operations (or workflow functions) one worker of this plugin may run at once
   * (default 1). Only for a plugin whose operations keep apart by themselves: they do not change
   * `process.env`, the working folder or other process-wide state, print through `ctx.logger`
   * rather than stdout, and stop when `ctx.signal` aborts (a timeout or a cancel then ends one
   * operation, not the worker). A plugin declares it in its package.json as
   * `"cairn": {"concurrentOperations": N}` (see {@link pluginAt}).
   */
  readonly concurrentOperations?: number;
  /**
   * The worker runtime to start for this plugin: the `./worker` script of the plugin's own copy
   * of `@cairn/plugin-sdk`. Default: the one Node would find from `entry`, else the executor's
   * `fallbackRuntime`.
   */
  readonly runtime?: string;
}

/**
 * What {@link createLocalExecutor} returns: the engine's `Executor` (operations) and
 * `WorkflowExecutor` (custom workflow functions), sharing worker settings and `close`.
 */
export interface LocalExecutor extends Executor, WorkflowExecutor {}

/** What a worker runs. */
type Job = 'operation' | 'workflow';

/** Options of {@link createLocalExecutor}. Logs go to each operation's callbacks, not a logger. */
export interface LocalExecutorOptions {
  /** Finds the code of a plugin; undefined when it is not installed (a non-recoverable failure). */
  resolvePlugin(plugin: OperationPlugin): ResolvedPlugin | undefined;
  /**
   * Most worker processes per plugin entry (default 50, the engine's default parallelism). A
   * worker runs one operation at a time (unless its plugin declares `concurrentOperations`), so
   * this should be at least the parallelism the engine runs executions with: the CLI passes its
   * `--parallelism`.
   */
  maxWorkersPerPlugin?: number;
  /**
   * Workers start lazily, when operations wait for busy ones long enough to pay for a start:
   * short operations keep a few busy, long ones grow the pool to `maxWorkersPerPlugin`. This
   * is how often a waiting pool reconsiders (default 50 ms), and how long an operation waits
   * before another worker starts while no operation has finished yet.
   */
  spawnDelayMs?: number;
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
  /**
   * The worker runtime for a plugin that carries none (a plain JavaScript folder without
   * `@cairn/plugin-sdk` among its dependencies): the caller's own SDK's `./worker` script.
   * Without it, such a plugin fails to start with a `PluginNotFoundError` that says why.
   */
  fallbackRuntime?: string;
  /** A worker script to start for every plugin, whatever runtime it carries; for tests. */
  workerScript?: string;
  /**
   * Node processes kept booted ahead of need (default 1): a pool that needs a worker adopts
   * one and only loads its plugin's runtime. The first is started with the executor; one taken
   * for a pool's first worker is replaced (ADR 0013). 0 starts every worker from scratch.
   */
  spareWorkers?: number;
}

/** Workers per plugin by default: the engine's default parallelism. */
const DEFAULT_MAX_WORKERS = 50;

/** Longest output line forwarded as one log record; longer lines are cut. */
const MAX_LINE_LENGTH = 16 * 1024;

/** How long the host waits for a worker's sync marks after `done`. */
const SYNC_WAIT_MS = 500;

/**
 * Creates a {@link LocalExecutor} that runs operations and workflow functions in local worker
 * processes.
 *
 * A plugin entry module exports its operations; `request.operation.function` is a property path
 * into its exports (`tasks.create` → `exports.tasks.create`), called as `fn(ctx, inputs)` and
 * awaited. A workflow function (`request.function`) is called as `fn(ctx, parameters)`; it has
 * no timeout (it waits for its graphs) but `signal` cancels it. Every failure, of the plugin or
 * of its worker, comes back as a `failed` outcome.
 */
export function createLocalExecutor(options: LocalExecutorOptions): LocalExecutor {
  const settings: Omit<WorkerSettings, 'workerScript'> = {
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
  const limits: PoolLimits = {
    maxWorkers: Math.max(1, options.maxWorkersPerPlugin ?? DEFAULT_MAX_WORKERS),
    maxUses: Math.max(1, options.maxUsesPerWorker ?? 1000),
    spawnDelayMs: Math.max(1, options.spawnDelayMs ?? 50),
    // More at once than there are CPUs makes each start later, not the pool fuller sooner.
    maxStarting: Math.max(2, availableParallelism()),
  };
  /**
   * Pools per entry module: one for operations and one for workflow functions. Same code, same
   * settings, but apart: a workflow function holds its worker while its graphs run, and the
   * graphs' operations (often of the same plugin) must never wait for that worker.
   */
  const pools: Record<Job, Map<string, WorkerPool>> = { operation: new Map(), workflow: new Map() };
  const spares = new SpareWorkers(settings, Math.max(0, options.spareWorkers ?? 1));
  spares.fill();
  let sequence = 0;
  let closing: Promise<void> | undefined;

  const pluginLabel = (plugin: OperationPlugin): string =>
    plugin.package_name === null
      ? JSON.stringify(plugin.name)
      : `${JSON.stringify(plugin.name)} (package ${plugin.package_name}${
          plugin.package_version === null ? '' : ` ${plugin.package_version}`
        })`;

  /** The pool to run `plugin`'s code in, or the failure that keeps it from running. */
  const poolFor = (
    job: Job,
    plugin: OperationPlugin,
    what: string,
    signal: AbortSignal | undefined,
  ): WorkerPool | OperationError => {
    if (closing !== undefined) return hostFailure('ExecutorClosedError', 'the executor is closed');
    if (signal?.aborted === true) {
      return hostFailure('CancelledError', `the ${job} was cancelled before it started`);
    }
    let resolved: ResolvedPlugin | undefined;
    try {
      resolved = options.resolvePlugin(plugin);
    } catch (error) {
      return hostFailure(
        'PluginNotFoundError',
        `cannot resolve plugin ${pluginLabel(plugin)}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    if (resolved === undefined) {
      return hostFailure(
        'PluginNotFoundError',
        `plugin ${pluginLabel(plugin)} is not installed, so ${what} cannot run`,
      );
    }
    const entry = resolvePath(resolved.entry);
    let pool = pools[job].get(entry);
    if (pool === undefined) {
      const workerScript =
        options.workerScript ??
        resolved.runtime ??
        sdkRuntimeNear(entry) ??
        options.fallbackRuntime;
      if (workerScript === undefined) {
        return hostFailure(
          'PluginNotFoundError',
          `plugin ${pluginLabel(plugin)} has no worker runtime, so ${what} cannot run: add ${SDK_PACKAGE} to its dependencies (found nothing from ${entry})`,
        );
      }
      const concurrency = Math.max(1, Math.floor(resolved.concurrentOperations ?? 1));
      pool = new WorkerPool(entry, { ...settings, workerScript }, limits, concurrency, spares);
      pools[job].set(entry, pool);
    }
    return pool;
  };

  return {
    run(
      request: OperationRequest,
      callbacks: OperationCallbacks,
      signal?: AbortSignal,
    ): Promise<OperationOutcome> {
      const pool = poolFor(
        'operation',
        request.plugin,
        `operation ${request.operation.name}`,
        signal,
      );
      if (!(pool instanceof WorkerPool)) return Promise.resolve(failedOutcome(pool));
      sequence += 1;
      return pool.run(`op-${sequence}`, request, { callbacks, signal });
    },
    runWorkflow(
      request: WorkflowRequest,
      callbacks: WorkflowCallbacks,
      signal?: AbortSignal,
    ): Promise<WorkflowOutcome> {
      const pool = poolFor('workflow', request.plugin, `workflow ${request.workflow_id}`, signal);
      if (!(pool instanceof WorkerPool)) return Promise.resolve({ status: 'failed', error: pool });
      sequence += 1;
      return pool.runWorkflow(`wf-${sequence}`, request, { callbacks, signal });
    },
    close(): Promise<void> {
      spares.close();
      closing ??= Promise.all(
        [...pools.operation.values(), ...pools.workflow.values()].map((pool) => pool.close()),
      ).then(() => undefined);
      return closing;
    },
  };
}
