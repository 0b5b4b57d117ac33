/**
 * Every refusal a user can meet, over HTTP: who they are (401), what they may do (403), bad
 * uploads (400, 409, 413), stale writes (409), things in use (405) — each with Cloudify's
 * error_code, a clear message, no detail leaked, and nothing half-stored.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, ApiError } from '@cairn/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  blueprintArchive,
  blueprintForm,
  filePluginBundle,
  startTestManager,
  type TestManager,
} from './harness.js';

/** The rejection of `call`, which must be an answer of `status` with Cloudify's `code`. */
async function refused(call: Promise<unknown>, status: number, code: string): Promise<ApiError> {
  let error: unknown;
  try {
    await call;
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected HTTP ${status}`).toBeInstanceOf(ApiError);
  const apiError = error as ApiError;
  expect({
    status: apiError.status,
    code: apiError.errorCode,
    message: apiError.message,
  }).toMatchObject({
    status,
    code,
  });
  return apiError;
}

const GOOD = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  a: { type: cloudify.nodes.Root }
`;

describe('manager refusals', () => {
  let t: TestManager;
  let admin: ApiClient;
  let viewer: ApiClient;
  let operator: ApiClient;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-manager-refusals-'));
    t = await startTestManager({ maxUploadBytes: 256 * 1024 });
    admin = t.admin();
    await admin.login();
    for (const [username, role] of [
      ['vera', 'viewer'],
      ['otto', 'operations'],
      ['gus', 'viewer'],
    ] as const) {
      await admin.call('createUser', { body: { username, password: `${username}-password` } });
      await admin.call('addTenantUser', {
        body: { tenant_name: 'default_tenant', username, role },
      });
    }
    viewer = t.client('vera', 'vera-password');
    operator = t.client('otto', 'otto-password');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('who is calling (401)', () => {
    it('refuses a request without credentials, a wrong password and an unknown user alike', async () => {
      const anonymous = await fetch(`${t.url}/api/v3.1/blueprints`);
      expect(anonymous.status).toBe(401);
      const body = (await anonymous.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error_code: 'unauthorized_error', server_traceback: null });
      const wrong = await refused(
        t.client('admin', 'not-the-password').call('listBlueprints', {}),
        401,
        'unauthorized_error',
      );
      const unknown = await refused(
        t.client('nobody', 'whatever-password').call('listBlueprints', {}),
        401,
        'unauthorized_error',
      );
      // The same words whatever was wrong: nothing tells which users exist.
      expect(wrong.message).toBe(unknown.message);
      expect(wrong.message).toBe(String(body.message));
    });

    it('refuses a made-up token and a token that expired', async () => {
      const fake = t.client('admin', ADMIN_PASSWORD);
      await refused(
        new (fake.constructor as typeof ApiClient)({
          url: t.url,
          credentials: { token: 'ctok-0000000000-forged' },
        }).call('listBlueprints', {}),
        401,
        'unauthorized_error',
      );
      const short = await startTestManager({ tokenTtlSeconds: 1 });
      try {
        const client = short.admin();
        const token = await client.login();
        await client.call('listBlueprints', {});
        await new Promise((resolve) => setTimeout(resolve, 1200));
        const expired = new (client.constructor as typeof ApiClient)({
          url: short.url,
          credentials: { token },
        });
        await refused(expired.call('listBlueprints', {}), 401, 'unauthorized_error');
      } finally {
        await short.close();
      }
    });

    it('refuses a revoked token at once, and a deactivated user', async () => {
      const mine = t.client('otto', 'otto-password');
      const token = await mine.call('createToken', { body: { description: 'to revoke' } });
      const holder = new ApiClient({ url: t.url, credentials: { token: token.value } });
      await holder.call('listBlueprints', {});
      await mine.call('deleteToken', { params: { id: token.id } });
      await refused(holder.call('listBlueprints', {}), 401, 'unauthorized_error');

      const other = await t
        .client('otto', 'otto-password')
        .call('createToken', { body: { description: 'deactivated' } });
      const user = new ApiClient({ url: t.url, credentials: { token: other.value } });
      await user.call('listBlueprints', {});
      await admin.call('setUserActive', {
        params: { username: 'otto' },
        body: { action: 'deactivate' },
      });
      await refused(user.call('listBlueprints', {}), 401, 'unauthorized_error');
      await admin.call('setUserActive', {
        params: { username: 'otto' },
        body: { action: 'activate' },
      });
      await user.call('listBlueprints', {});
    });

    it('slows down password guessing: after five failures even the right password waits', async () => {
      const guesser = (password: string): ApiClient => t.client('gus', password);
      for (let i = 0; i < 5; i += 1) {
        await refused(guesser(`guess-${i}`).call('listBlueprints', {}), 401, 'unauthorized_error');
      }
      const blocked = await refused(
        guesser('gus-password').call('listBlueprints', {}),
        401,
        'unauthorized_error',
      );
      expect(blocked.message).toMatch(/Too many failed logins for this user; try again in \d+ s/);
    }, 30_000);
  });

  describe('what they may do (403)', () => {
    it('refuses a tenant the user is not in, and one that does not exist, in the same words', async () => {
      await admin.call('createTenant', { params: { name: 'other' } });
      const member = await refused(
        t.client('otto', 'otto-password', 'other').call('listBlueprints', {}),
        403,
        'forbidden_error',
      );
      const missing = await refused(
        t.client('otto', 'otto-password', 'no-such-tenant').call('listBlueprints', {}),
        403,
        'forbidden_error',
      );
      expect(member.message.replace('other', 'T')).toBe(
        missing.message.replace('no-such-tenant', 'T'),
      );
    });

    it('refuses a role too low for the route', async () => {
      const archive = await blueprintArchive({ 'blueprint.yaml': GOOD });
      const error = await refused(
        viewer.call('uploadBlueprint', { params: { id: 'x' }, body: blueprintForm(archive, {}) }),
        403,
        'forbidden_error',
      );
      expect(error.message).toMatch(/needs the user role or higher \(has viewer\)/);
      await refused(
        viewer.call('createTenant', { params: { name: 'mine' } }),
        403,
        'forbidden_error',
      );
      await refused(operator.call('listUsers', {}), 403, 'forbidden_error');
      expect((await admin.call('listBlueprints', {})).items).toEqual([]);
    });

    it('refuses making a resource global to anyone but a sys_admin', async () => {
      const alice = t.client('otto', 'otto-password');
      await refused(
        alice.call('createSecret', {
          params: { key: 'g' },
          body: { value: 'v', visibility: 'global' },
        }),
        403,
        'forbidden_error',
      );
    });
  });

  describe('bad uploads (400, 409, 413)', () => {
    it('answers an invalid blueprint with its diagnostics (file, line, column, code) and stores nothing', async () => {
      const archive = await blueprintArchive({
        'blueprint.yaml': `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  a:
    type: cloudify.nodes.NoSuchType
`,
      });
      const error = await refused(
        admin.call('uploadBlueprint', { params: { id: 'bad' }, body: blueprintForm(archive, {}) }),
        400,
        'invalid_blueprint_error',
      );
      expect(error.code).toBe('BLUEPRINT_INVALID');
      const diagnostics = error.details?.diagnostics as {
        code: string;
        file: string;
        line: number;
        column: number;
      }[];
      expect(diagnostics).toContainEqual(
        expect.objectContaining({
          code: 'DSL_UNKNOWN_TYPE',
          file: 'blueprint.yaml',
          line: 5,
          column: 11,
        }),
      );
      expect(error.message).toContain('blueprint.yaml:5:11');
      await refused(admin.call('getBlueprint', { params: { id: 'bad' } }), 404, 'not_found_error');
      const blueprintsDir = join(t.dataDir, 'blueprints', 'default_tenant');
      expect(existsSync(join(blueprintsDir, 'bad'))).toBe(false);
      expect(readdirSync(join(t.dataDir, 'blueprints', '.staging'))).toEqual([]);
    });

    it('refuses an import from outside the archive, even of a file that exists', async () => {
      const outside = join(work, 'outside.yaml');
      writeFileSync(
        outside,
        'node_types: { leaked.Type: { derived_from: cloudify.nodes.Root } }\n',
      );
      const archive = await blueprintArchive({
        'blueprint.yaml': `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml, ${outside}, ../../../outside.yaml]
`,
      });
      const error = await refused(
        admin.call('uploadBlueprint', {
          params: { id: 'escape' },
          body: blueprintForm(archive, {}),
        }),
        400,
        'invalid_blueprint_error',
      );
      expect(error.message).toMatch(/only files inside its archive/);
      const codes = (error.details?.diagnostics as { code: string }[]).map((d) => d.code);
      expect(codes).toEqual(['DSL_IMPORT_UNSUPPORTED', 'DSL_IMPORT_UNSUPPORTED']);
    });

    it('refuses a corrupt archive, a zip, and a missing main file', async () => {
      await refused(
        admin.call('uploadBlueprint', {
          params: { id: 'corrupt' },
          body: blueprintForm(Buffer.from('this is not a tarball at all'), {}),
        }),
        400,
        'bad_parameters_error',
      );
      await refused(
        admin.call('uploadBlueprint', {
          params: { id: 'zip' },
          body: blueprintForm(Buffer.from('PK\u0003\u0004rest-of-a-zip'), {}),
        }),
        400,
        'bad_parameters_error',
      );
      const archive = await blueprintArchive({ 'blueprint.yaml': GOOD });
      const missing = await refused(
        admin.call('uploadBlueprint', {
          params: { id: 'nomain' },
          body: blueprintForm(archive, { application_file_name: 'app.yaml' }),
        }),
        400,
        'bad_parameters_error',
      );
      expect(missing.message).toMatch(/no 'app.yaml'/);
      expect((await admin.call('listBlueprints', {})).items).toEqual([]);
    });

    it('refuses a duplicate id with 409 and keeps the first', async () => {
      const archive = await blueprintArchive({ 'blueprint.yaml': GOOD });
      await admin.call('uploadBlueprint', {
        params: { id: 'dup' },
        body: blueprintForm(archive, {}),
      });
      const other = await blueprintArchive({
        'blueprint.yaml': `${GOOD}  b: { type: cloudify.nodes.Root }\n`,
      });
      await refused(
        admin.call('uploadBlueprint', { params: { id: 'dup' }, body: blueprintForm(other, {}) }),
        409,
        'conflict_error',
      );
      const kept = await admin.call('getBlueprint', { params: { id: 'dup' } });
      expect((kept.plan.nodes as unknown[]).length).toBe(1);
      await admin.call('createDeployment', {
        params: { id: 'dup-1' },
        body: { blueprint_id: 'dup' },
      });
      await refused(
        admin.call('createDeployment', { params: { id: 'dup-1' }, body: { blueprint_id: 'dup' } }),
        409,
        'conflict_error',
      );
      await refused(
        admin.call('deleteBlueprint', { params: { id: 'dup' }, query: {} }),
        405,
        'blueprint_in_use',
      );
      await admin.call('createSecret', { params: { key: 'once' }, body: { value: 'first' } });
      await refused(
        admin.call('createSecret', { params: { key: 'once' }, body: { value: 'second' } }),
        409,
        'conflict_error',
      );
      expect((await admin.call('getSecret', { params: { key: 'once' } })).value).toBe('first');
    });

    it('refuses an oversized body with 413 and keeps no part of it', async () => {
      const big = Buffer.alloc(400 * 1024, 7);
      await refused(
        admin.call('uploadPlugin', { query: {}, body: big }),
        413,
        'payload_too_large_error',
      );
      expect(readdirSync(join(t.dataDir, 'uploads'))).toEqual([]);
    });

    it('refuses a tampered plugin bundle and installs nothing', async () => {
      const roomy = await startTestManager();
      const admin = roomy.admin();
      const bundle = readFileSync(await filePluginBundle(work));
      // Flip bytes in the middle of the compressed data.
      const tampered = Buffer.from(bundle);
      for (let i = 2000; i < 2050 && i < tampered.length; i += 1)
        tampered[i] = (tampered[i] ?? 0) ^ 0xff;
      const error = await refused(
        admin.call('uploadPlugin', { query: {}, body: tampered }),
        400,
        'invalid_plugin_error',
      );
      expect(error.code).toBe('BUNDLE_INVALID');
      expect((await admin.call('listPlugins', {})).items).toEqual([]);
      const store = join(roomy.dataDir, 'plugin-store');
      expect(
        existsSync(store) ? readdirSync(store).filter((f) => /^[0-9a-f]{64}$/.test(f)) : [],
      ).toEqual([]);
      await roomy.close();
    });
  });

  describe('concurrent writes (409)', () => {
    it('refuses a node instance update with a stale version and overwrites nothing', async () => {
      const archive = await blueprintArchive({ 'blueprint.yaml': GOOD });
      await admin.call('uploadBlueprint', {
        params: { id: 'ni' },
        body: blueprintForm(archive, {}),
      });
      await admin.call('createDeployment', {
        params: { id: 'ni-1' },
        body: { blueprint_id: 'ni' },
      });
      const [instance] = (
        await admin.call('listNodeInstances', { query: { deployment_id: 'ni-1' } })
      ).items;
      if (instance === undefined) throw new Error('no instance');
      const first = await operator.call('updateNodeInstance', {
        params: { id: instance.id },
        body: { version: instance.version, runtime_properties: { owner: 'first' } },
      });
      expect(first.version).toBe(instance.version + 1);
      await refused(
        operator.call('updateNodeInstance', {
          params: { id: instance.id },
          body: { version: instance.version, runtime_properties: { owner: 'second' } },
        }),
        409,
        'conflict_error',
      );
      const now = await admin.call('getNodeInstance', { params: { id: instance.id } });
      expect(now.runtime_properties).toEqual({ owner: 'first' });
      expect(now.version).toBe(first.version);
    });
  });

  describe('what Cloudify clients send', () => {
    it('takes JSON content types on bodiless requests, True/False in queries, string flags and nulls', async () => {
      const headers = {
        Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
        'Content-type': 'application/json',
      };
      const list = await fetch(
        `${t.url}/api/v3.1/executions?_include_system_workflows=False&_get_all_results=True`,
        {
          headers,
        },
      );
      expect(list.status).toBe(200);
      const deleted = await fetch(`${t.url}/api/v3.1/secrets/once`, { method: 'DELETE', headers });
      expect(deleted.status).toBe(204);
      const start = await fetch(`${t.url}/api/v3.1/executions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          deployment_id: 'ni-1',
          workflow_id: 'install',
          parameters: null,
          allow_custom_parameters: 'false',
          force: 'false',
          dry_run: 'false',
          queue: 'false',
          scheduled_time: null,
          wait_after_fail: 600,
          force_status: null,
          created_by: null,
        }),
      });
      expect(start.status).toBe(201);
      const version = await fetch(`${t.url}/api/version`, { headers });
      expect(await version.json()).toMatchObject({ api_version: 'v3.1', distribution: 'cairn' });
      const unknown = await fetch(`${t.url}/api/v3.1/no-such-thing`, { headers });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error_code: 'not_found_error' });
    });

    it('answers malformed JSON with 400', async () => {
      const response = await fetch(`${t.url}/api/v3.1/deployments/x`, {
        method: 'PUT',
        headers: {
          Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: '{"blueprint_id": ',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error_code: 'bad_parameters_error' });
    });
  });
});
