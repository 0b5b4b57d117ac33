/**
 * Custom workflows: a blueprint's `workflows:` entry mapped to a plugin function, run in a worker
 * of that plugin, building graphs that the engine runs with its own scheduler.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@cairn/engine';
import { createLocalExecutor, type LocalExecutor } from '@cairn/plugin-host';
import { createSqliteStore, type Store } from '@cairn/store';
import { deployBlueprint } from './helpers/deploy.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, 'fixtures', 'custom-workflow');

let dir: string;
let store: Store;
let executor: LocalExecutor;
let engine: Engine;
let log: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-custom-wf-'));
  log = join(dir, 'ops.log');
  writeFileSync(log, '');
  process.env.WF_LOG = log;
  store = createSqliteStore({ path: join(dir, 'cairn.db') });
  executor = createLocalExecutor({
    resolvePlugin: (plugin) =>
      plugin.name === 'wf' ? { entry: join(FIXTURE, 'plugins', 'wf', 'index.js') } : undefined,
  });
  engine = createEngine({ store, executor, workdir: join(dir, 'work') });
  await deployBlueprint(engine, join(FIXTURE, 'blueprint.yaml'));
  expect((await engine.execute({ deploymentId: 'dep', workflowId: 'install' })).status).toBe(
    'terminated',
  );
  writeFileSync(log, '');
});

afterEach(async () => {
  await executor.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function lines(): string[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

describe('custom workflows', () => {
  it('runs a plugin function whose graph the engine executes in order', async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'rolling_restart' });
    expect(execution.status, execution.error).toBe('terminated');
    expect(execution.parameters).toEqual({ pause: 'between instances' });
    const webs = (await store.listNodeInstances({ deployment_id: 'dep', node_id: 'web' })).sort(
      (a, b) => a.index - b.index,
    );
    expect(lines()).toEqual(
      webs.flatMap((w) => [
        `${w.id} cloudify.interfaces.lifecycle.stop rolling`,
        `${w.id} cloudify.interfaces.lifecycle.start rolling`,
      ]),
    );
    expect(webs.every((w) => w.state === 'started')).toBe(true);
    const events = await store.listEvents({ execution_id: execution.id, include_logs: true });
    const messages = events.map((e) => e.message);
    expect(messages).toContain('Rolling restart begins');
    expect(messages).toContain('Rolling restart done');
    expect(messages).toContain('rolling restart, pausing between instances');
    expect(messages.filter((m) => m === 'Restarting')).toHaveLength(3);
    expect(events.at(-1)?.event_type).toBe('workflow_succeeded');
  });

  it('fails the execution with the failing task named when a graph fails', async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'broken' });
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatch(/Workflow function failed: NonRecoverableError/);
    expect(execution.error).toMatch(/custom\.ops\.fail/);
    expect(execution.error).toMatch(/this operation always fails/);
  });

  it('checks its parameters against the declared ones before anything runs', async () => {
    await expect(
      engine.execute({
        deploymentId: 'dep',
        workflowId: 'rolling_restart',
        parameters: { pace: 'slow' },
      }),
    ).rejects.toThrow(/'pace' is not a parameter of 'rolling_restart' \(it takes: pause\)/);
    expect(lines()).toEqual([]);
  });
});
