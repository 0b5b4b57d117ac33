/**
 * Test helper: a {@link Store} that keeps node instances in memory and records every batch it
 * applies, one per transaction, so that tests can see how the engine groups its writes. Only
 * `apply` works (the engine's run path needs nothing else); `refuse` makes it fail a batch the
 * way the SQLite store does, with nothing written.
 */
import { ConflictError } from '@cairn/errors';
import { applyInstanceChange } from '@cairn/store';
import type { BatchResult, NodeInstanceRecord, Store, StoreBatch } from '@cairn/store';

/** An in-memory store that records its transactions. */
export class MemoryStore implements Store {
  /** Every batch applied, one per transaction, in order. */
  readonly transactions: StoreBatch[] = [];
  /** Refuses (nothing written, ConflictError) a batch for which this returns true. */
  refuse: (batch: StoreBatch) => boolean = () => false;
  private readonly instances = new Map<string, NodeInstanceRecord>();

  constructor(instances: readonly NodeInstanceRecord[]) {
    for (const instance of instances) this.instances.set(instance.id, instance);
  }

  apply(batch: StoreBatch): Promise<BatchResult> {
    if (this.refuse(batch)) return Promise.reject(new ConflictError('refused by the test'));
    const written = new Map<string, NodeInstanceRecord>();
    for (const change of batch.instances ?? []) {
      const current = written.get(change.id) ?? this.instances.get(change.id);
      if (current === undefined) return Promise.reject(new Error(`no instance ${change.id}`));
      if (change.expected_version !== undefined && change.expected_version !== current.version) {
        return Promise.reject(new ConflictError(`stale version of ${change.id}`));
      }
      written.set(change.id, applyInstanceChange(current, change));
    }
    for (const record of written.values()) this.instances.set(record.id, record);
    this.transactions.push(batch);
    return Promise.resolve({ instances: [...written.values()] });
  }

  putBlueprint(): Promise<void> {
    return notUsed();
  }
  getBlueprint(): Promise<undefined> {
    return notUsed();
  }
  listBlueprints(): Promise<[]> {
    return notUsed();
  }
  deleteBlueprint(): Promise<void> {
    return notUsed();
  }
  createDeployment(): Promise<void> {
    return notUsed();
  }
  getDeployment(): Promise<undefined> {
    return notUsed();
  }
  listDeployments(): Promise<[]> {
    return notUsed();
  }
  listDeploymentSummaries(): Promise<[]> {
    return notUsed();
  }
  setDeploymentPlugins(): Promise<void> {
    return notUsed();
  }
  deleteDeployment(): Promise<void> {
    return notUsed();
  }
  getNodeInstance(id: string): Promise<NodeInstanceRecord | undefined> {
    return Promise.resolve(this.instances.get(id));
  }
  listNodeInstances(): Promise<NodeInstanceRecord[]> {
    return Promise.resolve([...this.instances.values()]);
  }
  createExecution(): Promise<void> {
    return notUsed();
  }
  getExecution(): Promise<undefined> {
    return notUsed();
  }
  listExecutions(): Promise<[]> {
    return notUsed();
  }
  listTasks(): Promise<[]> {
    return Promise.resolve([]);
  }
  listEvents(): Promise<[]> {
    return notUsed();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function notUsed(): Promise<never> {
  return Promise.reject(new Error('not used by these tests'));
}
