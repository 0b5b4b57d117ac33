/**
 * The scale workflow on the `08-scale` trace blueprint (group `g` = [web]; web connected_to db;
 * web_cfg contained_in web; lb connected_to web), run for real: operations in worker processes,
 * state in SQLite. Cloudify's local mode cannot scale (the trace records its failure), so these
 * tests pin the manager's semantics from the spec: new instances are installed and related
 * instances establish; removed ones are unlinked, uninstalled and deleted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Executor } from '@cairn/engine';
import { createLocalExecutor } from '@cairn/plugin-host';
import { createSqliteStore, type NodeInstanceRecord, type Store } from '@cairn/store';
import { deployBlueprint } from './helpers/deploy.js';

const here = dirname(fileURLToPath(import.meta.url));
const BLUEPRINT = join(here, '..', '..', 'shared', 'spec', 'traces', '08-scale', 'blueprint.yaml');
const PLUGIN = join(here, 'fixtures', 'trace-plugin', 'index.js');

interface Op {
  readonly operation: string;
  readonly instance?: string;
  readonly source?: string;
  readonly target?: string;
  readonly side?: string;
}

let dir: string;
let store: Store;
let executor: Executor;
let engine: Engine;
let traceFile: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-scale-'));
  traceFile = join(dir, 'trace.jsonl');
  process.env.TRACE_FILE = traceFile;
  delete process.env.TRACE_CONTROL;
  store = createSqliteStore({ path: join(dir, 'cairn.db') });
  executor = createLocalExecutor({
    resolvePlugin: (plugin) => (plugin.name === 'trace' ? { entry: PLUGIN } : undefined),
  });
  engine = createEngine({ store, executor, workdir: join(dir, 'work') });
  await deployBlueprint(engine, BLUEPRINT);
  const install = await engine.execute({ deploymentId: 'dep', workflowId: 'install' });
  expect(install.status).toBe('terminated');
});

afterEach(async () => {
  await executor.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function ops(): Op[] {
  return readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Op);
}

async function instances(): Promise<NodeInstanceRecord[]> {
  return store.listNodeInstances({ deployment_id: 'dep' });
}

function byNode(list: readonly NodeInstanceRecord[], node: string): NodeInstanceRecord[] {
  return list.filter((i) => i.node_id === node);
}

describe('scale', () => {
  it('scales a group out: a new web with its web_cfg, installed; lb establishes with it', async () => {
    writeFileSync(traceFile, '');
    const before = await instances();
    const run = await engine.execute({
      deploymentId: 'dep',
      workflowId: 'scale',
      parameters: { scalable_entity_name: 'g', delta: 1 },
    });
    expect(run.status, run.error).toBe('terminated');
    const after = await instances();
    expect(after).toHaveLength(before.length + 2);
    const webs = byNode(after, 'web');
    const [oldWeb] = byNode(before, 'web');
    const newWeb = webs.find((w) => w.id !== oldWeb?.id);
    if (newWeb === undefined || oldWeb === undefined) throw new Error('no new web');
    expect(newWeb.state).toBe('started');
    expect(newWeb.index).toBe(2);
    expect(newWeb.scaling_groups).toHaveLength(1);
    expect(newWeb.scaling_groups[0]?.id).not.toBe(oldWeb.scaling_groups[0]?.id);
    expect(newWeb.relationships.map((r) => r.target_name)).toEqual(['db']);
    const cfg = byNode(after, 'web_cfg').find((c) => c.relationships[0]?.target_id === newWeb.id);
    expect(cfg?.state).toBe('started');
    const lb = byNode(after, 'lb')[0];
    expect(lb?.relationships.map((r) => r.target_id).sort()).toEqual([oldWeb.id, newWeb.id].sort());

    const ran = ops();
    // Only the new instances are installed …
    const installed = new Set(
      ran.filter((o) => o.operation.endsWith('.create')).map((o) => o.instance),
    );
    expect([...installed].sort()).toEqual([newWeb.id, cfg?.id].sort());
    // … and lb establishes with the new web, after the new web is up.
    const establish = ran.filter(
      (o) => o.operation.endsWith('.establish') && o.source === lb?.id && o.target === newWeb.id,
    );
    expect(establish.map((o) => o.side).sort()).toEqual(['source', 'target']);
    const webStart = ran.findIndex(
      (o) => o.instance === newWeb.id && o.operation.endsWith('.start'),
    );
    expect(ran.indexOf(establish[0] as Op)).toBeGreaterThan(webStart);
  });

  it('scales a group in: lb unlinks, the web and its web_cfg are uninstalled and removed', async () => {
    const out = await engine.execute({
      deploymentId: 'dep',
      workflowId: 'scale',
      parameters: { scalable_entity_name: 'g', delta: 1 },
    });
    expect(out.status).toBe('terminated');
    const before = await instances();
    const oldWeb = byNode(before, 'web').find((w) => w.index === 1);
    writeFileSync(traceFile, '');
    const run = await engine.execute({
      deploymentId: 'dep',
      workflowId: 'scale',
      parameters: { scalable_entity_name: 'g', delta: -1, include_instances: [oldWeb?.id ?? ''] },
    });
    expect(run.status, run.error).toBe('terminated');
    const after = await instances();
    expect(after).toHaveLength(before.length - 2);
    expect(after.find((i) => i.id === oldWeb?.id)).toBeUndefined();
    const lb = byNode(after, 'lb')[0];
    expect(lb?.relationships).toHaveLength(1);
    expect(lb?.relationships[0]?.target_id).not.toBe(oldWeb?.id);
    const ran = ops();
    const unlinks = ran.filter((o) => o.operation.endsWith('.unlink') && o.source === lb?.id);
    expect(unlinks.map((o) => o.target)).toEqual([oldWeb?.id, oldWeb?.id]);
    const deleted = ran.filter((o) => o.operation.endsWith('.delete')).map((o) => o.instance);
    expect(deleted).toContain(oldWeb?.id);
    // The uninstall mirrors install: lb unlinks before the web it points at stops.
    const webStop = ran.findIndex(
      (o) => o.instance === oldWeb?.id && o.operation.endsWith('.stop'),
    );
    expect(ran.indexOf(unlinks[0] as Op)).toBeLessThan(webStop);
  });

  it('scales a contained node per container', async () => {
    const run = await engine.execute({
      deploymentId: 'dep',
      workflowId: 'scale',
      parameters: { scalable_entity_name: 'web_cfg', delta: 2 },
    });
    expect(run.status, run.error).toBe('terminated');
    const cfgs = byNode(await instances(), 'web_cfg');
    expect(cfgs).toHaveLength(3);
    expect(cfgs.every((c) => c.state === 'started')).toBe(true);
    expect(new Set(cfgs.map((c) => c.relationships[0]?.target_id)).size).toBe(1);
  });

  it('refuses bad parameters before anything runs', async () => {
    await expect(
      engine.execute({
        deploymentId: 'dep',
        workflowId: 'scale',
        parameters: { scalable_entity_name: 'nope' },
      }),
    ).rejects.toThrow(/'nope' is neither a scaling group nor a node/);
    await expect(
      engine.execute({
        deploymentId: 'dep',
        workflowId: 'scale',
        parameters: { scalable_entity_name: 'g', delta: -2 },
      }),
    ).rejects.toThrow(/Cannot remove 2 instance\(s\) of 'g': there are only 1/);
    await expect(
      engine.execute({
        deploymentId: 'dep',
        workflowId: 'scale',
        parameters: { scalable_entity_name: 'g', delta: 1.5 },
      }),
    ).rejects.toThrow(/'delta' must be of type integer, not 1.5/);
    expect(await store.listExecutions({ deployment_id: 'dep' })).toHaveLength(1);
  });
});
