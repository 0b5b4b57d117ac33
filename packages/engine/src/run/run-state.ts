/**
 * What every task of one running execution shares: the store and executor, the deployment
 * model kept in step with the store, the execution's settings, the attempts already made
 * (for resume) and the cancel signals. `commit` is the one way a task writes: one batch, one
 * transaction, then the in-memory model and live listeners see it.
 */
import { join } from 'node:path';
import type { PlanNode } from '@cairn/dsl';
import type { NewEvent, NodeInstanceRecord, Store, StoreBatch, TaskRecord } from '@cairn/store';
import type { Executor, OperationPlugin } from '../executor/executor.js';
import type { SecretSource } from '../functions/runtime-functions.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import type { EventScope } from './events.js';

/** The engine settings of one execution (Cloudify's names). */
export interface ExecutionSettings {
  /** Retries of a failed operation; -1 for unlimited. */
  readonly task_retries: number;
  /** Seconds between retries. */
  readonly task_retry_interval: number;
  /** Reinstalls of a failed install subgraph (Cloudify's default 0). */
  readonly subgraph_retries: number;
  /** At most this many tasks at once. */
  readonly parallelism: number;
}

/** Listens to events as they are stored (progress views). */
export type EventListener = (event: NewEvent) => void;

/** Construction options of {@link RunState}. */
export interface RunStateOptions {
  readonly store: Store;
  readonly executor: Executor;
  readonly model: DeploymentModel;
  readonly scope: EventScope;
  readonly settings: ExecutionSettings;
  readonly resourcesPath: string;
  readonly workdirRoot: string;
  readonly tasks: readonly TaskRecord[];
  readonly secrets?: SecretSource;
  readonly listener?: EventListener;
  readonly cancelSignal: AbortSignal;
  readonly forceSignal: AbortSignal;
}

/** Shared state of a running execution. */
export class RunState {
  readonly store: Store;
  readonly executor: Executor;
  readonly model: DeploymentModel;
  readonly scope: EventScope;
  readonly settings: ExecutionSettings;
  readonly resourcesPath: string;
  readonly secrets: SecretSource | undefined;
  readonly cancelSignal: AbortSignal;
  readonly forceSignal: AbortSignal;
  private readonly workdirRoot: string;
  private readonly listener: EventListener | undefined;
  private readonly previous: Map<string, TaskRecord>;

  constructor(options: RunStateOptions) {
    this.store = options.store;
    this.executor = options.executor;
    this.model = options.model;
    this.scope = options.scope;
    this.settings = options.settings;
    this.resourcesPath = options.resourcesPath;
    this.workdirRoot = options.workdirRoot;
    this.secrets = options.secrets;
    this.listener = options.listener;
    this.cancelSignal = options.cancelSignal;
    this.forceSignal = options.forceSignal;
    this.previous = new Map(options.tasks.map((t) => [t.id, t]));
  }

  /** Whether a task succeeded in an earlier run of this execution (resume). */
  succeededBefore(taskId: string): boolean {
    return this.previous.get(taskId)?.status === 'succeeded';
  }

  /** Attempts an earlier run made of a task that did not succeed (resume keeps counting). */
  attemptsOf(taskId: string): number {
    return this.previous.get(taskId)?.attempts ?? 0;
  }

  taskRecord(id: string, status: TaskRecord['status'], attempts: number): TaskRecord {
    return {
      execution_id: this.scope.execution_id,
      id,
      status,
      attempts,
      updated_at: new Date().toISOString(),
    };
  }

  /**
   * Writes a batch in one transaction, then updates the model and tells listeners (of the
   * events not already `shown` live).
   */
  async commit(
    batch: StoreBatch,
    shown?: ReadonlySet<NewEvent>,
  ): Promise<readonly NodeInstanceRecord[]> {
    const result = await this.store.apply(batch);
    this.model.update(result.instances);
    if (this.listener !== undefined) {
      for (const e of batch.events ?? []) if (shown?.has(e) !== true) this.listener(e);
    }
    return result.instances;
  }

  /** Shows a record live before it is committed (log lines while an operation runs). */
  emitLive(event: NewEvent): void {
    this.listener?.(event);
  }

  /** The plugin an operation of `node` belongs to, as `ctx.plugin` shows it. */
  pluginOf(node: PlanNode, name: string): OperationPlugin {
    const declared = node.plugins.find((p) => p.name === name);
    return {
      name,
      package_name: declared?.package_name ?? null,
      package_version: declared?.package_version ?? null,
      source: declared?.source ?? null,
      properties: declared?.properties ?? {},
    };
  }

  /** `ctx.plugin.workdir`: one folder per deployment and plugin. */
  workdirFor(plugin: string): string {
    return join(this.workdirRoot, this.scope.deployment_id, 'plugins', plugin);
  }

  /** Waits `ms`, or less when the execution is cancelled. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.cancelSignal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.cancelSignal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancelSignal.addEventListener('abort', done, { once: true });
    });
  }
}
