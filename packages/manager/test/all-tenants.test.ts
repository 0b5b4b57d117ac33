/**
 * `_all_tenants=true`: a list over every tenant the caller may list in. A sys_admin gets every
 * tenant; a member gets the tenants where their role allows the list, and in each only what
 * they could see with that Tenant header; a global resource is listed once; paging, sorting
 * and `_include` apply to the whole list.
 */
import { ApiClient } from '@cairn/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blueprintArchive, blueprintForm, startTestManager, type TestManager } from './harness.js';

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  one: { type: cloudify.nodes.Root }
`;

let t: TestManager;
let admin: ApiClient;
let bob: ApiClient;

/** `name` as `who` sees it over every tenant. */
async function everywhere(
  who: ApiClient,
  route: 'listDeployments' | 'listBlueprints' | 'listSecrets' | 'listExecutions',
  query: Record<string, unknown> = {},
): Promise<{ items: Record<string, unknown>[]; total: number }> {
  const page = await who.call(route, { query: { _all_tenants: true, ...query } });
  return {
    items: page.items as unknown as Record<string, unknown>[],
    total: page.metadata.pagination.total,
  };
}

const pairs = (items: Record<string, unknown>[], field = 'id'): string[] =>
  items.map((item) => `${String(item.tenant_name)}/${String(item[field])}`);

beforeAll(async () => {
  t = await startTestManager();
  admin = t.admin();
  for (const tenant of ['t1', 't2', 't3']) {
    await admin.call('createTenant', { params: { name: tenant } });
  }
  await admin.call('createUser', { body: { username: 'bob', password: 'bob-password-1' } });
  await admin.call('addTenantUser', { body: { tenant_name: 't1', username: 'bob', role: 'user' } });
  await admin.call('addTenantUser', {
    body: { tenant_name: 't2', username: 'bob', role: 'viewer' },
  });
  const archive = await blueprintArchive({ 'blueprint.yaml': BLUEPRINT });
  for (const tenant of ['t1', 't2', 't3']) {
    admin.tenant = tenant;
    await admin.call('uploadBlueprint', {
      params: { id: `bp-${tenant}` },
      body: blueprintForm(archive, {}),
    });
    for (const n of [1, 2]) {
      await admin.call('createDeployment', {
        params: { id: `${tenant}-dep-${n}` },
        body: { blueprint_id: `bp-${tenant}` },
      });
    }
    await admin.call('createSecret', { params: { key: `key-${tenant}` }, body: { value: 'v' } });
  }
  admin.tenant = 't1';
  await admin.call('createDeployment', {
    params: { id: 't1-admins-private' },
    body: { blueprint_id: 'bp-t1', visibility: 'private' },
  });
  await admin.call('startExecution', {
    body: { deployment_id: 't1-dep-1', workflow_id: 'install' },
  });
  admin.tenant = 't3';
  await admin.call('createSecret', {
    params: { key: 'shared' },
    body: { value: 'v', visibility: 'global' },
  });
  admin.tenant = 'default_tenant';
  bob = t.client('bob', 'bob-password-1', 't1');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('_all_tenants', () => {
  it('lists every tenant for a sys_admin, in creation order', async () => {
    const { items, total } = await everywhere(admin, 'listDeployments');
    expect(pairs(items)).toEqual([
      't1/t1-dep-1',
      't1/t1-dep-2',
      't2/t2-dep-1',
      't2/t2-dep-2',
      't3/t3-dep-1',
      't3/t3-dep-2',
      't1/t1-admins-private',
    ]);
    expect(total).toBe(7);
    // Without it, the Tenant header's tenant only.
    const one = await admin.call('listDeployments', {});
    expect(one.items).toEqual([]);
  });

  it("lists a member's tenants only, and in each only what they may see", async () => {
    const deployments = await everywhere(bob, 'listDeployments');
    expect(pairs(deployments.items).sort()).toEqual([
      't1/t1-dep-1',
      't1/t1-dep-2',
      't2/t2-dep-1',
      't2/t2-dep-2',
    ]);
    const blueprints = await everywhere(bob, 'listBlueprints');
    expect(pairs(blueprints.items).sort()).toEqual(['t1/bp-t1', 't2/bp-t2']);
    const executions = await everywhere(bob, 'listExecutions');
    expect(executions.items.map((e) => e.deployment_id)).toEqual(['t1-dep-1']);
  });

  it('lists a global resource once', async () => {
    const admins = await everywhere(admin, 'listSecrets');
    expect(pairs(admins.items, 'key').sort()).toEqual([
      't1/key-t1',
      't2/key-t2',
      't3/key-t3',
      't3/shared',
    ]);
    // bob is in t1 and t2, not t3: t3's global secret only (it shows in both of his tenants).
    const bobs = await everywhere(bob, 'listSecrets');
    expect(pairs(bobs.items, 'key').sort()).toEqual(['t1/key-t1', 't2/key-t2', 't3/shared']);
  });

  it('pages, sorts and cuts to _include over the whole list', async () => {
    const page = await everywhere(admin, 'listDeployments', {
      _sort: '-id',
      _offset: 1,
      _size: 3,
      _include: 'id,tenant_name',
    });
    expect(page.total).toBe(7);
    expect(page.items).toEqual([
      { id: 't3-dep-1', tenant_name: 't3' },
      { id: 't2-dep-2', tenant_name: 't2' },
      { id: 't2-dep-1', tenant_name: 't2' },
    ]);
    const filtered = await everywhere(admin, 'listDeployments', { _search: 'dep-2' });
    expect(pairs(filtered.items)).toEqual(['t1/t1-dep-2', 't2/t2-dep-2', 't3/t3-dep-2']);
  });

  it("still needs a tenant of one's own for the Tenant header", async () => {
    const outsider = t.client('bob', 'bob-password-1', 't3');
    await expect(
      outsider.call('listDeployments', { query: { _all_tenants: true } }),
    ).rejects.toMatchObject({
      status: 403,
    });
  });
});
