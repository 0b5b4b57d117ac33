/**
 * The deployment index on a real SQLite store: it starts from summaries, reads a deployment's
 * full record only when a page needs it, once however many requests want it at the same time,
 * and again only after the deployment changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore, type Store } from '@cairn/store';
import { aBlueprint, aDeployment, aResource } from '@cairn/store/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeploymentIndex } from './deployment-index.js';

let dir: string;
let store: Store;
let reads: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-index-'));
  store = createSqliteStore({ path: join(dir, 'tenant.db') });
  await store.putBlueprint(aBlueprint('bp'));
  // The plan fields a deployment's view reads.
  const plan = {
    description: null,
    nodes: [],
    outputs: {},
    capabilities: {},
    workflows: {},
    groups: {},
    scaling_groups: {},
    policy_types: {},
    policy_triggers: {},
  };
  for (const id of ['a', 'b']) await store.createDeployment(aDeployment(id, 'bp', { plan }), []);
  // Count the full reads the index makes.
  reads = [];
  const getDeployment = store.getDeployment.bind(store);
  store.getDeployment = (id) => {
    reads.push(id);
    return getDeployment(id);
  };
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const owners = [aResource('t', 'deployment', 'a'), aResource('t', 'deployment', 'b')];

describe('DeploymentIndex', () => {
  it('loads from summaries, and reads a record once for requests that want it together', async () => {
    const index = await DeploymentIndex.load(store, owners);
    expect(index.all().map((s) => s.id)).toEqual(['a', 'b']);
    expect(reads).toEqual([]);
    const [summaryA] = index.all();
    if (summaryA === undefined) throw new Error('no summary');
    const views = await Promise.all([index.view(summaryA), index.view(summaryA)]);
    expect(views.map((v) => v?.id)).toEqual(['a', 'a']);
    expect(reads).toEqual(['a']);
    // Kept: a later page does not read it again …
    await index.view(summaryA);
    expect(reads).toEqual(['a']);
    // … until the deployment changed.
    index.touched('a', '2026-11-23T00:00:00.000Z');
    expect((await index.view(summaryA))?.id).toBe('a');
    expect(reads).toEqual(['a', 'a']);
  });

  it('shows the latest execution without reading the record again', async () => {
    const index = await DeploymentIndex.load(store, owners);
    const [summaryA] = index.all();
    if (summaryA === undefined) throw new Error('no summary');
    expect((await index.view(summaryA))?.installation_status).toBe('inactive');
    index.executionChanged({ deployment_id: 'a', status: 'terminated', workflow_id: 'install' });
    const view = await index.view(summaryA);
    expect(view?.installation_status).toBe('active');
    expect(view?.latest_execution_status).toBe('terminated');
    expect(reads).toEqual(['a']);
  });

  it('leaves out a deployment without an owner record (never finished being created)', async () => {
    const index = await DeploymentIndex.load(store, owners.slice(1));
    expect(index.all().map((s) => s.id)).toEqual(['b']);
  });
});
