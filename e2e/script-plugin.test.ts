/**
 * The built-in script plugin driven by the engine: blueprints whose operations are scripts, run
 * in real worker processes, with the real ctx proxy and `ctx` command.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@cairn/engine';
import { createLocalExecutor, type LocalExecutor } from '@cairn/plugin-host';
import { createSqliteStore, type NodeInstanceRecord, type Store } from '@cairn/store';
import { deployBlueprint, scriptPlugin, writeFolder } from './helpers/deploy.js';

const SCRIPT_PLUGIN = scriptPlugin();

let dir: string;
let store: Store;
let executor: LocalExecutor;
let engine: Engine;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-script-e2e-'));
  store = createSqliteStore({ path: join(dir, 'cairn.db') });
  executor = createLocalExecutor({
    resolvePlugin: (plugin) => (plugin.name === 'script' ? SCRIPT_PLUGIN : undefined),
  });
  engine = createEngine({ store, executor, workdir: join(dir, 'work') });
});

afterEach(async () => {
  await executor.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a blueprint folder (`blueprint.yaml` and scripts), stores it and creates `dep`. */
async function deploy(files: Record<string, string>): Promise<void> {
  const root = join(dir, 'bp');
  writeFolder(root, files);
  await deployBlueprint(engine, join(root, 'blueprint.yaml'));
}

async function instances(nodeId?: string): Promise<NodeInstanceRecord[]> {
  return (
    await store.listNodeInstances({ deployment_id: 'dep', ...(nodeId ? { node_id: nodeId } : {}) })
  ).sort((a, b) => a.index - b.index);
}

const HEADER = `tosca_definitions_version: cloudify_dsl_1_4
imports:
  - cloudify/types/types.yaml
`;

describe('scripts run by the engine', () => {
  it('100 instances each increment a runtime property 20 times through ctx, 50 at once', async () => {
    await deploy({
      'blueprint.yaml': `${HEADER}
node_templates:
  counter:
    type: cloudify.nodes.Root
    capabilities:
      scalable:
        properties:
          default_instances: 100
    interfaces:
      cloudify.interfaces.lifecycle:
        create: scripts/count.sh
`,
      'scripts/count.sh': `#!/bin/bash
set -e
ctx instance runtime-properties count @0
for i in $(seq 1 20); do
  n=$(ctx instance runtime-properties count)
  ctx instance runtime-properties count @$((n + 1))
done
`,
    });
    const execution = await engine.execute({
      deploymentId: 'dep',
      workflowId: 'install',
      settings: { parallelism: 50 },
    });
    expect(execution.status, execution.error).toBe('terminated');
    const counts = (await instances()).map((i) => i.runtime_properties.count);
    expect(counts).toHaveLength(100);
    expect(counts.every((c) => c === 20)).toBe(true);
  }, 120_000);

  it('runs relationship scripts once per relationship instance, on the right side', async () => {
    const log = join(dir, 'relationships.log');
    writeFileSync(log, '');
    const record = (what: string): string => `#!/bin/bash
echo "${what} $(ctx source instance id) $(ctx target instance id)" >> "${log}"
`;
    await deploy({
      'blueprint.yaml': `${HEADER}
node_templates:
  host:
    type: cloudify.nodes.Compute
    properties: { ip: 127.0.0.1, agent_config: { install_method: none } }
    capabilities: { scalable: { properties: { default_instances: 3 } } }
  app:
    type: cloudify.nodes.SoftwareComponent
    relationships:
      - type: cloudify.relationships.contained_in
        target: host
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish: scripts/contained-source.sh
        target_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish: scripts/contained-target.sh
  db:
    type: cloudify.nodes.Root
    capabilities: { scalable: { properties: { default_instances: 3 } } }
  web:
    type: cloudify.nodes.Root
    capabilities: { scalable: { properties: { default_instances: 3 } } }
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish: scripts/connected-source.sh
        target_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish: scripts/connected-target.sh
`,
      'scripts/contained-source.sh': record('contained source'),
      'scripts/contained-target.sh': record('contained target'),
      'scripts/connected-source.sh': record('connected source'),
      'scripts/connected-target.sh': record('connected target'),
    });
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'install' });
    expect(execution.status, execution.error).toBe('terminated');
    const lines = readFileSync(log, 'utf8').trim().split('\n').sort();
    const hosts = (await instances('host')).map((i) => i.id);
    const apps = await instances('app');
    const dbs = (await instances('db')).map((i) => i.id);
    const webs = (await instances('web')).map((i) => i.id);
    // contained_in: one app instance per host instance, one relationship instance each.
    expect(apps).toHaveLength(3);
    const contained = apps.flatMap((app) => {
      const host = app.host_id ?? '';
      expect(hosts).toContain(host);
      return [`contained source ${app.id} ${host}`, `contained target ${app.id} ${host}`];
    });
    // connected_to (all_to_all): every web instance with every db instance, both sides once.
    const connected = webs.flatMap((web) =>
      dbs.flatMap((db) => [`connected source ${web} ${db}`, `connected target ${web} ${db}`]),
    );
    expect(lines).toEqual([...contained, ...connected].sort());
  }, 60_000);

  it('keeps runtime properties written before a failing script, and retries it', async () => {
    const attempts = join(dir, 'attempts');
    await deploy({
      'blueprint.yaml': `${HEADER}
node_templates:
  svc:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/fail.sh
          max_retries: 2
          retry_interval: 0
`,
      'scripts/fail.sh': `#!/bin/bash
echo x >> "${attempts}"
ctx instance runtime-properties tried "$(wc -l < "${attempts}")"
echo "cannot reach the API" >&2
exit 4
`,
    });
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'install' });
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatch(
      /attempt 3 of 3\): RecoverableError: Script scripts\/fail\.sh failed/,
    );
    expect(execution.error).toMatch(/exit_code: 4/);
    expect(execution.error).toContain('<err> cannot reach the API');
    const [svc] = await instances();
    expect(svc?.runtime_properties).toEqual({ tried: '3' });
  }, 60_000);

  it('kills a script that outlives its operation timeout, and what it started', async () => {
    const pidFile = join(dir, 'pid');
    await deploy({
      'blueprint.yaml': `${HEADER}
node_templates:
  svc:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/hang.sh
          timeout: 1
          max_retries: 0
`,
      'scripts/hang.sh': `#!/bin/bash
sleep 60 &
echo $! > "${pidFile}"
wait
`,
    });
    const started = Date.now();
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'install' });
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatch(/TimeoutError/);
    expect(Date.now() - started).toBeLessThan(20_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 500));
    let state = 'gone';
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      // gone
    }
    expect(['gone', 'Z']).toContain(state);
  }, 60_000);

  it('stops a script that ignores SIGTERM at its timeout without touching its neighbours', async () => {
    // Both scripts run in one worker (the plugin declares concurrentOperations): the stubborn
    // one must be killed alone, not with the worker and the neighbour.
    await deploy({
      'blueprint.yaml': `${HEADER}
node_templates:
  stubborn:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: scripts/stubborn.sh
          timeout: 1
          max_retries: 0
  neighbour:
    type: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: scripts/neighbour.sh
`,
      'scripts/stubborn.sh': `#!/bin/bash
trap '' TERM
ctx instance runtime-properties pid $$
sleep 30
`,
      'scripts/neighbour.sh': `#!/bin/bash
ctx instance runtime-properties pid $$
sleep 3
ctx instance runtime-properties done true
`,
    });
    const started = Date.now();
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'install' });
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatch(/TimeoutError.*timeout of 1 s/s);
    expect(Date.now() - started).toBeLessThan(15_000);
    const [stubborn] = await instances('stubborn');
    const [neighbour] = await instances('neighbour');
    expect(neighbour?.runtime_properties).toMatchObject({ done: 'true' });
    const pid = stubborn?.runtime_properties.pid;
    expect(typeof pid).toBe('string');
    expect(existsSync(`/proc/${pid as string}`)).toBe(false);
  }, 60_000);
});
