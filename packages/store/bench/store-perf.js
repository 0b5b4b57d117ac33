/**
 * A quick timing of the SQLite store's two hot paths (`node packages/store/bench/store-perf.js`
 * after `tsc -b`): creating a deployment of N instances in one call, and applying N
 * single-instance batches, each with its own transaction, as the engine does after every task.
 * Prints the figures; asserts nothing about time.
 *
 * Environment: STORE_PERF_N (default 10000), STORE_PERF_DIR (default a new temp folder).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../dist/index.js';

const n = Number(process.env.STORE_PERF_N ?? '10000');
const dir = process.env.STORE_PERF_DIR ?? mkdtempSync(join(tmpdir(), 'cairn-store-perf-'));
const path = join(dir, 'perf.db');
const now = new Date().toISOString();

const store = createSqliteStore({ path });
await store.putBlueprint({
  id: 'bp',
  plan: { nodes: [] },
  main_file_name: 'blueprint.yaml',
  resources_path: dir,
  description: null,
  created_at: now,
  updated_at: now,
});

const instances = Array.from({ length: n }, (_, i) => ({
  id: `vm_${i.toString(36).padStart(6, '0')}`,
  deployment_id: 'dep',
  node_id: `node_${i % 100}`,
  host_id: null,
  state: 'uninitialized',
  runtime_properties: { ip: `10.0.${i >> 8}.${i & 255}`, tags: ['a', 'b'] },
  system_properties: {},
  relationships: [
    { type: 'cloudify.relationships.depends_on', target_name: 'db', target_id: 'db_1' },
  ],
  scaling_groups: [],
  index: i,
  version: 1,
}));

let start = performance.now();
await store.createDeployment(
  { id: 'dep', blueprint_id: 'bp', inputs: {}, plan: {}, created_at: now, updated_at: now },
  instances,
);
const createMs = performance.now() - start;

await store.createExecution({
  id: 'ex',
  deployment_id: 'dep',
  workflow_id: 'install',
  status: 'started',
  parameters: {},
  settings: {},
  is_dry_run: false,
  created_at: now,
  started_at: now,
  ended_at: null,
  error: '',
  owner: null,
});

start = performance.now();
for (const instance of instances) {
  await store.apply({
    instances: [
      {
        id: instance.id,
        state: 'started',
        runtime_properties: { ...instance.runtime_properties, ready: true },
        expected_version: 1,
      },
    ],
  });
}
const applyMs = performance.now() - start;

start = performance.now();
for (const instance of instances) {
  await store.apply({
    instances: [{ id: instance.id, state: 'configured', expected_version: 2 }],
    tasks: [
      {
        execution_id: 'ex',
        id: `task-${instance.id}`,
        status: 'succeeded',
        attempts: 1,
        updated_at: now,
      },
    ],
    events: [
      {
        execution_id: 'ex',
        deployment_id: 'dep',
        timestamp: now,
        type: 'cloudify_event',
        event_type: 'task_succeeded',
        level: null,
        logger: null,
        message: `configured ${instance.id}`,
        context: { node_id: instance.node_id, node_instance_id: instance.id },
        error_causes: null,
      },
    ],
  });
}
const taskBatchMs = performance.now() - start;

start = performance.now();
const listed = await store.listNodeInstances({ deployment_id: 'dep' });
const listMs = performance.now() - start;

start = performance.now();
await store.deleteDeployment('dep');
const deleteMs = performance.now() - start;
await store.close();
if (process.env.STORE_PERF_DIR === undefined) rmSync(dir, { recursive: true, force: true });

const round = (ms) => Math.round(ms);
console.log(`createDeployment with ${n} instances:         ${round(createMs)} ms`);
console.log(
  `${n} single-instance apply() batches:          ${round(applyMs)} ms (${((applyMs * 1000) / n).toFixed(0)} µs each)`,
);
console.log(`${n} batches of instance + task + event:       ${round(taskBatchMs)} ms`);
console.log(`listNodeInstances of ${listed.length}:                  ${round(listMs)} ms`);
console.log(`deleteDeployment (cascade):                    ${round(deleteMs)} ms`);
