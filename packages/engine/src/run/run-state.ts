/**
 * What every task of one running execution shares: the store and executor, the deployment
 * model kept in step with the store, the execution's settings, the attempts already made
 * (for resume) and the cancel signals. `commit` is the one way a task writes: its batch is
 * written atomically, then the in-memory model and live listeners see it.
 *
 * Group commit: the batches committed while the event loop runs one macrotask are written
 * together, in the order they were committed, in one store transaction (a large install commits
 * tens of thousands of small batches; one transaction each made the commits most of its time).
 * Each batch stays all-or-nothing: when a joint write fails, its batches are written again one
 * by one, so a batch only ever fails for its own reason.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { PlanNode } from '@cairn/dsl';
import type {
  NewEvent,
  NodeInstanceChange,
  NodeInstanceRecord,
  Store,
  StoreBatch,
  TaskRecord,
} from '@cairn/store';
import type { Executor, OperationPlugin } from '../executor/executor.js';
import type { SecretSource } from '../functions/runtime-functions.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import { timestamp, type EventScope } from './events.js';

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

/** A batch waiting for its write. */
interface PendingCommit {
  readonly batch: StoreBatch;
  readonly shown: ReadonlySet<NewEvent> | undefined;
  readonly resolve: (instances: readonly NodeInstanceRecord[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Whether a batch must be written in a transaction of its own: a version check can fail for
 * that batch's reason alone, and instance creations and deletions are applied by the store
 * before and after changes, which would reorder them relative to other batches.
 */
function writtenAlone(batch: StoreBatch): boolean {
  return (
    (batch.newInstances?.length ?? 0) > 0 ||
    (batch.deletedInstances?.length ?? 0) > 0 ||
    (batch.instances ?? []).some((change) => change.expected_version !== undefined)
  );
}

/** Consecutive runs of batches that can share a transaction (one execution change at most). */
function groupsOf(pending: readonly PendingCommit[]): PendingCommit[][] {
  const groups: PendingCommit[][] = [];
  let current: PendingCommit[] = [];
  let hasExecution = false;
  const close = (): void => {
    if (current.length > 0) groups.push(current);
    current = [];
    hasExecution = false;
  };
  for (const item of pending) {
    if (writtenAlone(item.batch)) {
      close();
      groups.push([item]);
      continue;
    }
    if (item.batch.execution !== undefined) {
      if (hasExecution) close();
      hasExecution = true;
    }
    current.push(item);
  }
  close();
  return groups;
}

/** One batch holding every change of `group`, in order. */
function merged(group: readonly PendingCommit[]): StoreBatch {
  if (group.length === 1) return (group[0] as PendingCommit).batch;
  const instances: NodeInstanceChange[] = [];
  const tasks: TaskRecord[] = [];
  const events: NewEvent[] = [];
  let execution: StoreBatch['execution'];
  for (const { batch } of group) {
    if (batch.instances !== undefined) instances.push(...batch.instances);
    if (batch.tasks !== undefined) tasks.push(...batch.tasks);
    if (batch.events !== undefined) events.push(...batch.events);
    execution ??= batch.execution;
  }
  return { instances, tasks, events, ...(execution === undefined ? {} : { execution }) };
}

/** The stored records of the instances `batch` changed (after its whole group). */
function changedBy(
  batch: StoreBatch,
  stored: ReadonlyMap<string, NodeInstanceRecord>,
): NodeInstanceRecord[] {
  const ids = new Set((batch.instances ?? []).map((change) => change.id));
  const out: NodeInstanceRecord[] = [];
  for (const id of ids) {
    const record = stored.get(id);
    if (record !== undefined) out.push(record);
  }
  return out;
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
  /** Batches committed since the last write round started. */
  private pending: PendingCommit[] = [];
  /** Whether a write round is scheduled or running (rounds never overlap). */
  private writing = false;

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
    // Every running operation (and every retry's wait) listens to these: up to `parallelism`
    // listeners at once is expected, not a leak.
    setMaxListeners(0, this.cancelSignal, this.forceSignal);
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
      updated_at: timestamp(),
    };
  }

  /**
   * Writes a batch atomically (sharing its transaction with the other batches of this turn of
   * the event loop), then updates the model and tells listeners (of the events not already
   * `shown` live). Resolves with the instances it changed, as stored once its transaction
   * committed.
   */
  commit(batch: StoreBatch, shown?: ReadonlySet<NewEvent>): Promise<readonly NodeInstanceRecord[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, shown, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = true;
    // After the current macrotask and its microtasks: what the tasks resumed in it commit
    // joins this round.
    setImmediate(() => {
      void this.writeRound();
    });
  }

  private async writeRound(): Promise<void> {
    const round = this.pending;
    this.pending = [];
    try {
      for (const group of groupsOf(round)) {
        await this.writeGroup(group).catch((error: unknown) => {
          // Not the store's refusal (that is handled inside): no batch of it may hang.
          for (const item of group) item.reject(error);
        });
      }
    } finally {
      this.writing = false;
      this.schedule();
    }
  }

  private async writeGroup(group: readonly PendingCommit[]): Promise<void> {
    let instances: readonly NodeInstanceRecord[];
    try {
      instances = (await this.store.apply(merged(group))).instances;
    } catch (error) {
      if (group.length === 1) {
        (group[0] as PendingCommit).reject(error);
        return;
      }
      // Nothing of the joint transaction was written: each batch on its own, so only the
      // batch at fault fails.
      for (const item of group) await this.writeGroup([item]);
      return;
    }
    this.model.update(instances);
    const stored =
      group.length === 1 ? undefined : new Map(instances.map((record) => [record.id, record]));
    for (const item of group) {
      try {
        if (this.listener !== undefined) {
          for (const e of item.batch.events ?? []) {
            if (item.shown?.has(e) !== true) this.listener(e);
          }
        }
        item.resolve(stored === undefined ? instances : changedBy(item.batch, stored));
      } catch (error) {
        // A listener threw: the batch is stored, but its committer hears of the failure.
        item.reject(error);
      }
    }
  }

  /** Shows a record live before it is committed (log lines while an operation runs). */
  emitLive(event: NewEvent): void {
    this.listener?.(event);
  }

  /** The plugin an operation of `node` belongs to, as `ctx.plugin` shows it. */
  pluginOf(node: PlanNode, name: string): OperationPlugin {
    const declared = node.plugins.find((p) => p.name === name);
    const pinned = this.model.deployment.plugins.find((p) => p.name === name);
    return {
      name,
      package_name: pinned?.package_name ?? declared?.package_name ?? null,
      package_version: pinned?.package_version ?? declared?.package_version ?? null,
      source: declared?.source ?? null,
      properties: declared?.properties ?? {},
      bundle_id: pinned?.bundle_id ?? null,
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
