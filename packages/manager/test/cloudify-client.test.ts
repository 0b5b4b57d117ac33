/**
 * Replays, request for request, what Cloudify's Python REST client (cloudify-rest-client 7.x)
 * sends for the calls issue 6 lists, and checks what it reads of each answer
 * (docs/manager/cloudify-rest-client.md records both, call by call). The client itself cannot
 * run here (PyPI is out of reach), so its wire behaviour is reproduced: `Content-type:
 * application/json` on every request, preemptive basic auth then `Authentication-Token`, the
 * `Tenant` header, `True`/`False` in queries, chunked raw plugin uploads, Cloudify's multipart
 * blueprint upload, exact expected statuses.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `any(type)`, typed for object literals (vitest types it as any). */
const any = (type: unknown): unknown => expect.any(type) as unknown;
import {
  ADMIN_PASSWORD,
  blueprintArchive,
  filePluginBundle,
  startTestManager,
  type TestManager,
} from './harness.js';

/** What the Python client would do with an answer: the parsed JSON, or null for 204. */
interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

/** A request as cloudify-rest-client makes it (requests.Session). */
class CloudifyWire {
  token: string | undefined;

  constructor(
    private readonly base: string,
    private readonly tenant: string,
    private readonly user: string,
    private readonly password: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = {
      'Content-type': 'application/json',
      Tenant: this.tenant,
      'User-Agent': 'python-requests/2.32.3',
      Accept: '*/*',
      'Accept-Encoding': 'gzip, deflate',
      ...extra,
    };
    if (this.token !== undefined) headers['Authentication-Token'] = this.token;
    else {
      headers.Authorization = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    }
    return headers;
  }

  /** One call; fails the test when the status is not one the client expects. */
  async call(
    method: string,
    path: string,
    options: {
      query?: [string, string][];
      body?: unknown;
      raw?: RequestInit['body'];
      headers?: Record<string, string>;
      expect?: readonly number[];
      versioned?: boolean;
    } = {},
  ): Promise<Answer> {
    const query =
      options.query === undefined ? '' : `?${new URLSearchParams(options.query).toString()}`;
    const prefix = options.versioned === false ? '/api' : '/api/v3.1';
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: this.headers(options.headers),
    };
    if (options.raw !== undefined) {
      init.body = options.raw;
      init.duplex = 'half';
    } else if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
    }
    const response = await fetch(`${this.base}${prefix}${path}${query}`, init);
    const expected = options.expect ?? (method === 'DELETE' ? [200, 204] : [200]);
    const text = await response.text();
    expect(
      expected,
      `${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`,
    ).toContain(response.status);
    // Every non-204 success must be JSON (the client calls response.json()), unless a download.
    const download = response.headers.get('content-disposition') !== null;
    const json = response.status === 204 || download ? null : (JSON.parse(text) as unknown);
    return { status: response.status, headers: response.headers, json };
  }
}

/** A list answer as the client reads it: items and metadata.pagination with integers. */
function listOf(answer: Answer): Record<string, unknown>[] {
  const body = answer.json as {
    items: Record<string, unknown>[];
    metadata: { pagination: Record<string, unknown> };
  };
  expect(Array.isArray(body.items)).toBe(true);
  for (const key of ['total', 'size', 'offset']) {
    expect(Number.isInteger(body.metadata.pagination[key])).toBe(true);
  }
  return body.items;
}

/** A body streamed in 8 KiB pieces with no length (Transfer-Encoding: chunked). */
function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + 8192));
      offset += 8192;
    },
  });
}

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cairn-file-plugin
inputs:
  folder: { type: string }
node_templates:
  f:
    type: cairn.nodes.File
    properties:
      path: { concat: [{ get_input: folder }, /f.txt] }
      content: { get_secret: db_password }
outputs:
  where: { value: { get_property: [f, path] } }
`;

describe("Cloudify's REST client, replayed", () => {
  let t: TestManager;
  let work: string;
  let cfy: CloudifyWire;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-cfy-wire-'));
    t = await startTestManager();
    // The client always puts the port in the URL.
    cfy = new CloudifyWire(t.url, 'default_tenant', 'admin', ADMIN_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('tokens.create with basic auth, then every call with the token; tenants.list; version', async () => {
    const token = await cfy.call('POST', '/tokens', { body: {} });
    const created = token.json as Record<string, unknown>;
    expect(created).toMatchObject({ username: 'admin', role: 'sys_admin' });
    expect(String(created.value)).toMatch(/^ctok-[0-9a-f]{10}-/);
    expect(created.id).toBe(String(created.value).split('-')[1]);
    cfy.token = String(created.value);
    const tokens = listOf(await cfy.call('GET', '/tokens'));
    expect(tokens.some((t) => t.id === created.id)).toBe(true);
    expect(JSON.stringify(tokens)).not.toContain(String(created.value));
    const tenants = listOf(
      await cfy.call('GET', '/tenants', { query: [['_include', 'name,users']] }),
    );
    expect(tenants.map((t) => t.name)).toContain('default_tenant');
    const version = await cfy.call('GET', '/version', { versioned: false });
    expect(version.json).toMatchObject({
      version: any(String),
      edition: any(String),
    });
  });

  it('plugins: upload (raw, chunked, JSON content type), list, get, download, delete', async () => {
    const bundle = readFileSync(await filePluginBundle(work));
    const uploaded = await cfy.call('POST', '/plugins', {
      query: [['visibility', 'tenant']],
      raw: chunked(bundle),
      expect: [201],
    });
    const plugin = uploaded.json as Record<string, unknown>;
    expect(plugin).toMatchObject({ package_name: 'cairn-file-plugin', visibility: 'tenant' });
    for (const field of [
      'id',
      'package_version',
      'archive_name',
      'supported_platform',
      'uploaded_at',
      'yaml_url_path',
    ]) {
      expect(plugin[field], field).toEqual(any(String));
    }
    const listed = listOf(
      await cfy.call('GET', '/plugins', {
        query: [
          ['package_name', 'cairn-file-plugin'],
          ['_sort', '-uploaded_at'],
        ],
      }),
    );
    expect(listed.map((p) => p.id)).toEqual([plugin.id]);
    await cfy.call('GET', `/plugins/${String(plugin.id)}`);
    const download = await cfy.call('GET', `/plugins/${String(plugin.id)}/archive`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=[^"]+$/);
    expect(Number(download.headers.get('content-length'))).toBe(bundle.length);
    const yaml = await cfy.call('GET', `/plugins/${String(plugin.id)}/yaml`, {
      query: [['dsl_version', '1_5']],
    });
    expect(yaml.headers.get('content-disposition')).toMatch(/filename=plugin/);
    // Deleted at the end of the flow below; here, a delete with a JSON body of a missing one.
    await cfy.call('DELETE', '/plugins/no-such-plugin', { body: { force: false }, expect: [404] });
  });

  it('secrets, blueprints, deployments, executions, node instances and events, end to end', async () => {
    expect(
      (
        await cfy.call('PUT', '/secrets/db_password', {
          body: {
            value: 'pw-in-a-secret',
            update_if_exists: false,
            is_hidden_value: false,
            visibility: 'tenant',
          },
        })
      ).json,
    ).toMatchObject({ key: 'db_password', visibility: 'tenant' });
    expect((await cfy.call('GET', '/secrets/db_password')).json).toMatchObject({
      value: 'pw-in-a-secret',
    });
    const secrets = listOf(await cfy.call('GET', '/secrets', { query: [['_sort', 'key']] }));
    expect(secrets.map((s) => s.key)).toEqual(['db_password']);
    expect(JSON.stringify(secrets)).not.toContain('pw-in-a-secret');

    // blueprints.upload: the config probe first (a 404 is fine), then the multipart PUT.
    await cfy.call('GET', '/config', { query: [['scope', 'rest']], expect: [200, 404] });
    const archive = await blueprintArchive({ 'app.yaml': BLUEPRINT }, 'app');
    const form = new FormData();
    form.append(
      'params',
      JSON.stringify({
        visibility: 'tenant',
        async_upload: false,
        skip_execution: false,
        application_file_name: 'app.yaml',
      }),
    );
    form.append('blueprint_archive', new Blob([archive], { type: 'text/plain' }), 'filename');
    const response = await fetch(`${t.url}/api/v3.1/blueprints/app`, {
      method: 'PUT',
      headers: { 'Authentication-Token': cfy.token ?? '', Tenant: 'default_tenant' },
      body: form,
    });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({
      id: 'app',
      state: 'uploaded',
      main_file_name: 'app.yaml',
      labels: [],
    });
    expect(
      listOf(await cfy.call('GET', '/blueprints', { query: [['_include', 'id,created_at']] })),
    ).toEqual([{ id: 'app', created_at: any(String) }]);
    await cfy.call('GET', '/blueprints/app');

    const folder = join(work, 'deployed');
    const created = await cfy.call('PUT', '/deployments/app-1', {
      body: {
        blueprint_id: 'app',
        visibility: 'tenant',
        skip_plugins_validation: false,
        runtime_only_evaluation: false,
        inputs: { folder },
      },
      expect: [201],
    });
    const deployment = created.json as Record<string, unknown>;
    const workflows = deployment.workflows as Record<string, unknown>[];
    for (const workflow of workflows) {
      expect(workflow).toMatchObject({ name: any(String), parameters: any(Object) });
    }
    expect(deployment.labels).toEqual([]);
    for (const group of Object.values(
      deployment.scaling_groups as Record<string, Record<string, unknown>>,
    )) {
      expect(group).toHaveProperty('members');
      expect(group).toHaveProperty('properties');
    }
    await cfy.call('GET', '/deployments/app-1', {
      query: [
        ['all_sub_deployments', 'True'],
        ['include_workdir', 'False'],
      ],
    });
    expect(
      listOf(await cfy.call('GET', '/deployments', { query: [['blueprint_id', 'app']] })).map(
        (d) => d.id,
      ),
    ).toEqual(['app-1']);
    // `cfy deployments list -a`: every tenant, as the client spells it.
    expect(
      listOf(
        await cfy.call('GET', '/deployments', {
          query: [
            ['_all_tenants', 'True'],
            ['_include', 'id,tenant_name'],
          ],
        }),
      ),
    ).toContainEqual({ id: 'app-1', tenant_name: expect.any(String) as unknown });
    const nodes = listOf(
      await cfy.call('GET', '/nodes', {
        query: [
          ['_evaluate_functions', 'False'],
          ['deployment_id', 'app-1'],
          ['id', 'f'],
        ],
      }),
    );
    expect(nodes[0]).toMatchObject({
      type: 'cairn.nodes.File',
      type_hierarchy: expect.arrayContaining(['cloudify.nodes.Root']) as unknown,
    });

    const started = await cfy.call('POST', '/executions', {
      body: {
        deployment_id: 'app-1',
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
        created_at: null,
        started_at: null,
        ended_at: null,
        id: null,
        is_system_workflow: null,
        error: null,
      },
      expect: [201],
    });
    const execution = started.json as Record<string, unknown>;
    // The CLI's wait loop: poll the execution, then page through its events.
    let status = String(execution.status);
    for (let i = 0; i < 300 && !['terminated', 'failed', 'cancelled'].includes(status); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await cfy.call('GET', `/executions/${String(execution.id)}`);
      status = String((now.json as Record<string, unknown>).status);
    }
    expect(status).toBe('terminated');
    const events: Record<string, unknown>[] = [];
    for (let offset = 0; ;) {
      const batch = listOf(
        await cfy.call('GET', '/events', {
          query: [
            ['execution_id', String(execution.id)],
            ['_offset', String(offset)],
            ['_size', '100'],
            ['type', 'cloudify_event'],
            ['type', 'cloudify_log'],
            ['_sort', 'reported_timestamp'],
          ],
        }),
      );
      events.push(...batch);
      offset += batch.length;
      if (batch.length < 100) break;
    }
    for (const key of [
      'deployment_id',
      'execution_id',
      'node_name',
      'operation',
      'workflow_id',
      'node_instance_id',
      'message',
      'error_causes',
      'type',
      'reported_timestamp',
    ]) {
      expect(events[0], key).toHaveProperty(key);
    }
    expect(events.map((e) => e.event_type)).toContain('workflow_succeeded');
    expect(events.some((e) => e.type === 'cloudify_log')).toBe(true);
    expect(JSON.stringify(events)).not.toContain('pw-in-a-secret');

    const executions = listOf(
      await cfy.call('GET', '/executions', {
        query: [
          ['_include_system_workflows', 'False'],
          ['deployment_id', 'app-1'],
        ],
      }),
    );
    expect(executions.map((e) => e.status)).toEqual(['terminated']);
    const instances = listOf(
      await cfy.call('GET', '/node-instances', { query: [['deployment_id', 'app-1']] }),
    );
    expect(instances[0]).toMatchObject({
      node_id: 'f',
      state: 'started',
      version: any(Number),
    });
    await cfy.call('GET', `/node-instances/${String(instances[0]?.id)}`, {
      query: [['_evaluate_functions', 'False']],
    });
    expect((await cfy.call('GET', '/deployments/app-1/outputs')).json).toEqual({
      deployment_id: 'app-1',
      outputs: { where: join(folder, 'f.txt') },
    });

    // cancel of an ended execution is refused; resume of a terminated one too.
    await cfy.call('POST', `/executions/${String(execution.id)}`, {
      body: { action: 'cancel' },
      expect: [409],
    });
    await cfy.call('POST', `/executions/${String(execution.id)}`, {
      body: { action: 'resume' },
      expect: [409],
    });

    const uninstall = await cfy.call('POST', '/executions', {
      body: {
        deployment_id: 'app-1',
        workflow_id: 'uninstall',
        parameters: null,
        allow_custom_parameters: 'false',
        force: 'false',
        dry_run: 'false',
        queue: 'false',
      },
      expect: [201],
    });
    for (let i = 0; i < 300; i += 1) {
      const now = (
        await cfy.call(
          'GET',
          `/executions/${String((uninstall.json as Record<string, unknown>).id)}`,
        )
      ).json as Record<string, unknown>;
      if (now.status === 'terminated') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await cfy.call('DELETE', '/deployments/app-1', {
      query: [
        ['force', 'False'],
        ['delete_logs', 'False'],
        ['recursive', 'False'],
      ],
    });
    await cfy.call('DELETE', '/blueprints/app', { query: [['force', 'False']] });
    const [plugin] = listOf(await cfy.call('GET', '/plugins'));
    await cfy.call('DELETE', `/plugins/${String(plugin?.id)}`, { body: { force: false } });
    await cfy.call('DELETE', '/secrets/db_password');
    expect(listOf(await cfy.call('GET', '/secrets'))).toEqual([]);
  }, 60_000);

  it('answers errors as the client parses them: message, error_code, server_traceback', async () => {
    const missing = await cfy.call('GET', '/deployments/nope', { expect: [404] });
    expect(missing.json).toEqual({
      message: expect.stringContaining('nope') as unknown,
      error_code: 'not_found_error',
      server_traceback: null,
      cairn_code: 'NOT_FOUND',
    });
  });
});
