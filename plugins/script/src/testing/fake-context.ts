/**
 * A stand-in for the operation ctx in this plugin's tests: real files for resources (a
 * blueprint folder), runtime properties in memory, log records and retry requests recorded.
 * The scripts, the proxy and the `ctx` command under test are all real.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  CtxEndpoint,
  CtxInstance,
  CtxNode,
  CtxRelationship,
  JsonObject,
  OperationContext,
} from '../context.js';

/** A log record the script's operation wrote. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warning' | 'error';
  readonly message: string;
}

/** What a test can look at after a run. */
export interface FakeContext {
  readonly ctx: OperationContext;
  readonly logs: LoggedLine[];
  readonly runtimeProperties: JsonObject;
  /** The target's runtime properties, in a relationship operation. */
  readonly targetRuntimeProperties: JsonObject;
  readonly updates: JsonObject[];
  retry: { message: string | undefined; retryAfter: number | undefined } | undefined;
  readonly controller: AbortController;
}

function node(properties: JsonObject): CtxNode {
  return {
    id: 'web',
    name: 'web',
    type: 'cloudify.nodes.WebServer',
    type_hierarchy: [
      'cloudify.nodes.Root',
      'cloudify.nodes.SoftwareComponent',
      'cloudify.nodes.WebServer',
    ],
    properties,
    number_of_instances: 1,
  };
}

/** The target node of a relationship operation (see `relationship` in {@link fakeContext}). */
function targetNode(): CtxNode {
  return {
    id: 'db',
    name: 'db',
    type: 'cloudify.nodes.DBMS',
    type_hierarchy: ['cloudify.nodes.Root', 'cloudify.nodes.DBMS'],
    properties: { engine: 'postgres' },
    number_of_instances: 1,
  };
}

/** The error Cairn's ctx throws for a member the operation's kind does not have. */
function misuse(member: string, kind: string): Error {
  return Object.assign(new Error(`ctx.${member} is not available in a ${kind} operation`), {
    name: 'NonRecoverableError',
  });
}

/** What a test may set up. */
export interface FakeContextOptions {
  properties?: JsonObject;
  runtimeProperties?: JsonObject;
  hostIp?: string;
  /** The instance's relationships. */
  relationships?: CtxRelationship[];
  /**
   * Makes it a relationship operation run on this side, the instance above as its source and
   * a `db` instance (with `targetRuntimeProperties`) as its target.
   */
  relationship?: 'source' | 'target';
  targetRuntimeProperties?: JsonObject;
}

/** A node-instance operation's ctx over `blueprintDir` (or a relationship operation's). */
export function fakeContext(blueprintDir: string, options: FakeContextOptions = {}): FakeContext {
  const logs: LoggedLine[] = [];
  const runtimeProperties: JsonObject = options.runtimeProperties ?? {};
  const targetRuntimeProperties: JsonObject = options.targetRuntimeProperties ?? {};
  const updates: JsonObject[] = [];
  const controller = new AbortController();
  const instance: CtxInstance = {
    id: 'web_abc123',
    runtime_properties: runtimeProperties,
    version: 1,
    host_id: options.hostIp === undefined ? null : 'vm_1',
    host_ip: options.hostIp ?? null,
    index: 1,
    scaling_groups: [],
    relationships: options.relationships ?? [],
    update: () => {
      updates.push(JSON.parse(JSON.stringify(runtimeProperties)) as JsonObject);
      return Promise.resolve();
    },
  };
  const source: CtxEndpoint = { node: node(options.properties ?? {}), instance };
  const target: CtxEndpoint = {
    node: targetNode(),
    instance: {
      id: 'db_xyz789',
      runtime_properties: targetRuntimeProperties,
      version: 1,
      host_id: null,
      host_ip: null,
      index: 0,
      scaling_groups: [],
      relationships: [],
      update: () => Promise.resolve(),
    },
  };
  const kind = options.relationship === undefined ? 'node-instance' : 'relationship-instance';
  const inNode = <T>(member: string, value: T): T => {
    if (kind !== 'node-instance') throw misuse(member, kind);
    return value;
  };
  const inRelationship = <T>(member: string, value: T): T => {
    if (kind !== 'relationship-instance') throw misuse(member, kind);
    return value;
  };
  const nodeOfOperation = node(options.properties ?? {});
  const resource = (path: string): string => join(blueprintDir, path);
  const render = (text: string, variables: Readonly<Record<string, unknown>> = {}): string =>
    text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
      const value = variables[name];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    });
  const fake: FakeContext = {
    logs,
    runtimeProperties,
    targetRuntimeProperties,
    updates,
    retry: undefined,
    controller,
    ctx: {
      type: kind,
      get node() {
        return inNode('node', nodeOfOperation);
      },
      get instance() {
        return inNode('instance', instance);
      },
      get source() {
        return inRelationship('source', source);
      },
      get target() {
        return inRelationship('target', target);
      },
      deployment: { id: 'dep' },
      blueprint: { id: 'bp' },
      execution_id: 'exec-1',
      workflow_id: 'install',
      tenant_name: 'default_tenant',
      task_id: 'task-1',
      timeout: null,
      plugin: {
        name: 'script',
        package_name: null,
        package_version: null,
        source: null,
        properties: {},
        workdir: join(blueprintDir, '.workdir'),
      },
      operation: {
        name:
          options.relationship === undefined
            ? 'cloudify.interfaces.lifecycle.create'
            : 'cloudify.interfaces.relationship_lifecycle.preconfigure',
        retry_number: 0,
        max_retries: 3,
        relationship: options.relationship,
        retry: (message?: string, retryAfter?: number) => {
          fake.retry = { message, retryAfter };
        },
      },
      logger: {
        debug: (m: unknown) => logs.push({ level: 'debug', message: String(m) }),
        info: (m: unknown) => logs.push({ level: 'info', message: String(m) }),
        warning: (m: unknown) => logs.push({ level: 'warning', message: String(m) }),
        error: (m: unknown) => logs.push({ level: 'error', message: String(m) }),
      },
      signal: controller.signal,
      getResource: (path) => readFile(resource(path), 'utf8'),
      downloadResource: async (path, target) => {
        const to = target ?? join(blueprintDir, '.downloads', path);
        await mkdir(dirname(to), { recursive: true });
        await copyFile(resource(path), to);
        return to;
      },
      getResourceAndRender: async (path, variables) =>
        render(await readFile(resource(path), 'utf8'), variables),
      downloadResourceAndRender: async (path, target, variables) => {
        const { writeFile } = await import('node:fs/promises');
        const to = target ?? join(blueprintDir, '.downloads', `${path}.rendered`);
        await mkdir(dirname(to), { recursive: true });
        await writeFile(to, render(await readFile(resource(path), 'utf8'), variables));
        return to;
      },
    },
  };
  return fake;
}
