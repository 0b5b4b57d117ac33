/**
 * A Store that forwards to a real one and appends every node-instance state write to a JSON
 * lines file — the same file the trace plugin appends its operation records to, so the file
 * holds both in the real order (as the traces in `spec/traces` do).
 */
import { appendFileSync } from 'node:fs';
import type { BatchResult, Store, StoreBatch } from '@cairn/store';

/** Wraps `inner`, recording state writes into `file`. */
export function recordingStore(inner: Store, file: () => string | undefined): Store {
  const nodeOf = new Map<string, string>();
  return {
    putBlueprint: (r) => inner.putBlueprint(r),
    getBlueprint: (id) => inner.getBlueprint(id),
    listBlueprints: () => inner.listBlueprints(),
    deleteBlueprint: (id) => inner.deleteBlueprint(id),
    createDeployment: async (record, instances) => {
      for (const i of instances) nodeOf.set(i.id, i.node_id);
      await inner.createDeployment(record, instances);
    },
    getDeployment: (id) => inner.getDeployment(id),
    listDeployments: (q) => inner.listDeployments(q),
    setDeploymentPlugins: (id, plugins) => inner.setDeploymentPlugins(id, plugins),
    deleteDeployment: (id) => inner.deleteDeployment(id),
    getNodeInstance: (id) => inner.getNodeInstance(id),
    listNodeInstances: (q) => inner.listNodeInstances(q),
    createExecution: (r) => inner.createExecution(r),
    getExecution: (id) => inner.getExecution(id),
    listExecutions: (q) => inner.listExecutions(q),
    listTasks: (id) => inner.listTasks(id),
    listEvents: (q) => inner.listEvents(q),
    close: () => inner.close(),
    async apply(batch: StoreBatch): Promise<BatchResult> {
      const result = await inner.apply(batch);
      const target = file();
      if (target !== undefined) {
        for (const change of batch.instances ?? []) {
          if (change.state === undefined) continue;
          const line = {
            kind: 'state',
            node: nodeOf.get(change.id) ?? change.id.replace(/_[a-z0-9]{6}$/, ''),
            instance: change.id,
            state: change.state,
          };
          appendFileSync(target, `${JSON.stringify(line)}\n`);
        }
      }
      return result;
    },
  };
}
