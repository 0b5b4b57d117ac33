/**
 * The manager end to end over plain HTTP: tenants and users, a plugin bundle uploaded, a
 * blueprint that uses it and a secret, a deployment installed while its events stream live,
 * outputs, uninstall and deletion — and afterwards no trace of the secret's value anywhere a
 * user or operator could look.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient, Event } from '@cairn/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseForBlock, type TestDatabase } from '@cairn/store/testing';
import {
  blueprintArchive,
  blueprintForm,
  filePluginBundle,
  startTestManager,
  type TestManager,
} from './harness.js';

const SECRET = 'the-secret-value-7c1e9a';

const BLUEPRINT = (folder: string): string => `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cairn-file-plugin
inputs:
  name:
    type: string
    default: world
node_templates:
  greeting:
    type: cairn.nodes.File
    properties:
      path: ${folder}/greeting.txt
      content: { concat: ['hello ', { get_input: name }, ' ', { get_secret: greeting }] }
outputs:
  digest:
    value: { get_attribute: [greeting, sha256] }
`;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

describe.each(['sqlite', 'postgres'] as const)('manager lifecycle over HTTP (%s)', (db) => {
  let t: TestManager;
  let work: string;
  let alice: ApiClient;
  let admin: ApiClient;
  const databaseOf = databaseForBlock(db);
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-manager-life-'));
    database = databaseOf();
    t = await startTestManager(database === undefined ? {} : { db: database.url });
    admin = t.admin();
    await admin.call('createTenant', { params: { name: 'acme' } });
    await admin.call('createUser', { body: { username: 'alice', password: 'alice-password-1' } });
    await admin.call('addTenantUser', {
      body: { tenant_name: 'acme', username: 'alice', role: 'user' },
    });
    alice = t.client('alice', 'alice-password-1', 'acme');
    await alice.login();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('uploads, deploys, installs with live events, reads outputs, uninstalls and deletes', async () => {
    const bundle = await filePluginBundle(work);
    const plugin = await alice.call('uploadPlugin', {
      query: { visibility: 'tenant' },
      body: readFileSync(bundle),
    });
    expect(plugin).toMatchObject({
      package_name: 'cairn-file-plugin',
      tenant_name: 'acme',
      created_by: 'alice',
      visibility: 'tenant',
    });

    const secret = await alice.call('createSecret', {
      params: { key: 'greeting' },
      body: { value: SECRET },
    });
    expect(secret).not.toHaveProperty('value');

    const folder = join(work, 'out');
    const archive = await blueprintArchive({ 'app.yaml': BLUEPRINT(folder) });
    const blueprint = await alice.call('uploadBlueprint', {
      params: { id: 'hello' },
      body: blueprintForm(archive, { application_file_name: 'app.yaml', visibility: 'tenant' }),
    });
    expect(blueprint).toMatchObject({ id: 'hello', state: 'uploaded', main_file_name: 'app.yaml' });

    const deployment = await alice.call('createDeployment', {
      params: { id: 'hello-1' },
      body: { blueprint_id: 'hello', inputs: { name: 'acme' } },
    });
    expect(deployment.workflows.map((w) => w.name)).toContain('install');

    const execution = await alice.call('startExecution', {
      body: { deployment_id: 'hello-1', workflow_id: 'install' },
    });
    expect(['queued', 'pending', 'started']).toContain(execution.status);
    const streamed: Event[] = [];
    await alice.followExecution(execution.id, (event) => streamed.push(event));
    const types = streamed.map((e) => e.event_type);
    expect(types).toContain('workflow_started');
    expect(types.at(-1)).toBe('workflow_succeeded');
    expect(streamed.some((e) => e.operation === 'cloudify.interfaces.lifecycle.create')).toBe(true);

    const done = await alice.call('getExecution', { params: { id: execution.id } });
    expect(done.status).toBe('terminated');
    expect(done.created_by).toBe('alice');
    expect(readFileSync(join(folder, 'greeting.txt'), 'utf8')).toBe(`hello acme ${SECRET}`);

    const outputs = await alice.call('deploymentOutputs', { params: { id: 'hello-1' } });
    expect(outputs.outputs?.digest).toMatch(/^[0-9a-f]{64}$/);
    const instances = await alice.call('listNodeInstances', {
      query: { deployment_id: 'hello-1' },
    });
    expect(instances.items.map((i) => i.state)).toEqual(['started']);

    // The stored list has what the stream had, in the same order.
    const events = await alice.call('listEvents', {
      query: { execution_id: execution.id, include_logs: true, _size: 10_000 },
    });
    expect(events.items.map((e) => e.seq)).toEqual(streamed.map((e) => e.seq));

    const uninstall = await alice.call('startExecution', {
      body: { deployment_id: 'hello-1', workflow_id: 'uninstall' },
    });
    await alice.followExecution(uninstall.id, () => undefined);
    expect((await alice.call('getExecution', { params: { id: uninstall.id } })).status).toBe(
      'terminated',
    );
    expect(existsSync(join(folder, 'greeting.txt'))).toBe(false);

    await alice.call('deleteDeployment', { params: { id: 'hello-1' }, query: {} });
    await alice.call('deleteBlueprint', { params: { id: 'hello' }, query: {} });
    await alice.call('deletePlugin', { params: { id: plugin.id }, body: {} });
    expect((await alice.call('listDeployments', {})).items).toEqual([]);
    expect((await alice.call('listBlueprints', {})).items).toEqual([]);
    expect((await alice.call('listPlugins', {})).items).toEqual([]);

    // The secret's value is nowhere: not in the events and logs (checked above, and all of
    // them here), not in the manager's log, not in any file of its data folder.
    const everything = JSON.stringify(streamed);
    expect(everything).not.toContain(SECRET);
    expect(t.log()).not.toContain(SECRET);
    const secrets = await alice.call('listSecrets', {});
    expect(JSON.stringify(secrets)).not.toContain(SECRET);
    // On PostgreSQL the rows are in the server: the secrets table holds only ciphertext.
    if (database !== undefined) {
      expect(await database.dump()).not.toContain(SECRET);
      expect(await database.dump()).toContain('v1.');
    }
    for (const file of filesUnder(t.dataDir)) {
      if (statSync(file).size > 50 * 1048576) continue;
      expect(readFileSync(file).includes(SECRET), file).toBe(false);
    }
    // The owner can read it back.
    expect((await alice.call('getSecret', { params: { key: 'greeting' } })).value).toBe(SECRET);
  }, 120_000);
});
