/**
 * The `ctx` object an operation function receives (Cloudify's `cloudify.ctx`, spec §7), built in
 * the worker from the request, and what is collected from it when the function returns.
 *
 * Names follow Cloudify where they are data (`runtime_properties`, `type_hierarchy`) and
 * JavaScript where they are methods (`getResource`, `operation.retry`).
 */
import { mkdirSync } from 'node:fs';
import { format } from 'node:util';
import {
  parseInstanceUpdateResult,
  type InstanceData,
  type JsonObject,
  type JsonValue,
  type LogLevel,
  type NodeData,
  type RunRequest,
  type RpcMethod,
  type RpcMethods,
} from '@cairn/plugin-protocol';
import { NonRecoverableError } from '../errors.js';
import {
  downloadResource,
  readResource,
  renderTemplate,
  writeRendered,
  type TemplateVariables,
} from './resources.js';

/**
 * `ctx.node`: the node template (properties are frozen). `P` types the properties: give it the
 * interface `cairn plugins typegen` writes for the node type.
 */
export interface ContextNode<P extends object = JsonObject> {
  /** The node template's name in the blueprint. */
  readonly id: string;
  /** The same as `id` (Cloudify has both). */
  readonly name: string;
  /** Its node type, e.g. `cloudify.nodes.Compute`. */
  readonly type: string;
  /** Its type and every type it derives from, from `cloudify.nodes.Root` down. */
  readonly type_hierarchy: readonly string[];
  /** Its properties with the blueprint's values and the type's defaults, evaluated. */
  readonly properties: Readonly<P>;
  /** How many instances the node has in the deployment. */
  readonly number_of_instances: number;
}

/** A node instance seen read-only (a relationship's target from a node operation). */
export interface ContextInstanceView {
  /** The node instance id, e.g. `server_a1b2c3`. */
  readonly id: string;
  /** Frozen. */
  readonly runtime_properties: Readonly<JsonObject>;
  /** The id of the Compute instance it is contained in (itself for a Compute), or null. */
  readonly host_id: string | null;
  /** The host's `ip` runtime property, else the host node's `ip` property, else null. */
  readonly host_ip: string | null;
  /** Its position among its node's instances (0, 1, …), stable across scaling. */
  readonly index: number;
  /** The scaling group instances it belongs to. */
  readonly scaling_groups: readonly { readonly name: string; readonly id: string }[];
}

/** `ctx.instance.relationships[i]`. */
export interface ContextRelationship {
  /** The relationship type, e.g. `cloudify.relationships.connected_to`. */
  readonly type: string;
  /** Its type and every type it derives from. */
  readonly type_hierarchy: readonly string[];
  /** The target node and its instance, read-only. */
  readonly target: { readonly node: ContextNode; readonly instance: ContextInstanceView };
}

/** `ctx.instance` (and `ctx.source.instance`, `ctx.target.instance`): writable. */
export interface ContextInstance extends ContextInstanceView {
  /** Change freely; changed properties are saved when the operation ends, failed or not. */
  readonly runtime_properties: JsonObject;
  /** The stored version the properties were read (or last saved) at. */
  readonly version: number;
  /** Its relationships, one per target instance. */
  readonly relationships: readonly ContextRelationship[];
  /**
   * Saves the runtime properties now. Rejects with a `ConflictError` when the stored instance
   * changed since it was read; on success the instance adopts the new version.
   */
  update(): Promise<void>;
}

/** `ctx.source` / `ctx.target` in a relationship operation. */
export interface ContextEndpoint {
  /** The node template on this side of the relationship. */
  readonly node: ContextNode;
  /** Its instance; its runtime properties are saved like `ctx.instance`'s. */
  readonly instance: ContextInstance;
}

/** `ctx.logger`: each call becomes a log record of the operation (`util.format` arguments). */
export interface ContextLogger {
  /** A `debug` record. `message` may hold `%s`-style placeholders for `args`. */
  debug(message: unknown, ...args: unknown[]): void;
  /** An `info` record. */
  info(message: unknown, ...args: unknown[]): void;
  /** A `warning` record. */
  warning(message: unknown, ...args: unknown[]): void;
  /** Alias of {@link ContextLogger.warning}. */
  warn(message: unknown, ...args: unknown[]): void;
  /** An `error` record (it does not fail the operation: throw for that). */
  error(message: unknown, ...args: unknown[]): void;
}

/**
 * What an operation function receives as its first argument. Calling convention: the function
 * found at `operation.function` in the plugin's exports is called as `fn(ctx, inputs)` with
 * `this` the object it hangs from, and awaited; its resolved value is the result. `P` types
 * `ctx.node.properties` (see {@link ContextNode}).
 */
export interface OperationContext<P extends object = JsonObject> {
  /** `node-instance`, `relationship-instance`, or `deployment` (neither). */
  readonly type: 'node-instance' | 'relationship-instance' | 'deployment';
  /** Node operations only; throws a NonRecoverableError elsewhere, as Cloudify does. */
  readonly node: ContextNode<P>;
  /** Node operations only; throws a NonRecoverableError elsewhere. */
  readonly instance: ContextInstance;
  /** Relationship operations only; throws a NonRecoverableError elsewhere. */
  readonly source: ContextEndpoint;
  /** Relationship operations only; throws a NonRecoverableError elsewhere. */
  readonly target: ContextEndpoint;
  /** The deployment the operation runs in. */
  readonly deployment: { readonly id: string };
  /** The blueprint the deployment was created from. */
  readonly blueprint: { readonly id: string };
  /** The execution (workflow run) the operation is part of. */
  readonly execution_id: string;
  /** That execution's workflow, e.g. `install`. */
  readonly workflow_id: string;
  /** The tenant (`default_tenant` in local mode). */
  readonly tenant_name: string;
  /** This attempt's id: `<task id>#<attempt>`. */
  readonly task_id: string;
  /** Seconds the operation may run before it is stopped, or null for no limit. */
  readonly timeout: number | null;
  /** Whether running out of time is a recoverable failure (retried). */
  readonly timeout_recoverable: boolean;
  /** The plugin this operation belongs to, as the blueprint declares it. */
  readonly plugin: {
    readonly name: string;
    readonly package_name: string | null;
    readonly package_version: string | null;
    readonly source: string | null;
    readonly properties: Readonly<JsonObject>;
    /** A folder for the plugin's files in this deployment, created on first access. */
    readonly workdir: string;
  };
  /** The operation: its name, which attempt this is, and `retry()`. */
  readonly operation: {
    readonly name: string;
    readonly retry_number: number;
    readonly max_retries: number;
    readonly relationship: 'source' | 'target' | undefined;
    /**
     * Records a retry request: once the function returns, the operation fails with an
     * `OperationRetry` (its return value is dropped), as Cloudify's `ctx.operation.retry`.
     */
    retry(message?: string, retryAfter?: number): void;
  };
  /** Log records of this operation, shown with its events. */
  readonly logger: ContextLogger;
  /** Aborted when the host cancels the operation (it kills the worker after a grace). */
  readonly signal: AbortSignal;
  /** A blueprint resource as UTF-8 text, or as bytes with `encoding` null. */
  getResource(path: string, encoding?: BufferEncoding): Promise<string>;
  getResource(path: string, encoding: null): Promise<Buffer>;
  /** Copies a resource to `targetPath` (else a temporary file); resolves to the local path. */
  downloadResource(path: string, targetPath?: string): Promise<string>;
  /** A resource rendered as a Jinja-style (nunjucks) template; `ctx` is always a variable. */
  getResourceAndRender(path: string, variables?: TemplateVariables): Promise<string>;
  /** {@link OperationContext.getResourceAndRender}, written to a local file; resolves to its path. */
  downloadResourceAndRender(
    path: string,
    targetPath?: string,
    variables?: TemplateVariables,
  ): Promise<string>;
}

/** What the context needs from the worker runtime. */
export interface ContextServices {
  log(level: LogLevel, message: string): void;
  call<M extends RpcMethod>(method: M, params: RpcMethods[M]['params']): Promise<JsonValue>;
  readonly signal: AbortSignal;
}

/** What the operation left behind, read once its function has returned or thrown. */
export interface ContextResult {
  /** Instance id → runtime properties, for instances whose properties changed. */
  readonly runtime_properties: Record<string, JsonObject>;
  /** Why some properties could not be reported (e.g. not JSON-serialisable). */
  readonly problems: readonly string[];
  /** Set when the operation called `ctx.operation.retry`. */
  readonly retry: { readonly message: string; readonly retryAfter: number | undefined } | undefined;
}

/** The context and its collector. */
export interface ContextHandle {
  readonly ctx: OperationContext;
  collect(): ContextResult;
}

/** Freezes a JSON value all the way down (what a worker shows read-only). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function contextNode(data: NodeData): ContextNode {
  return Object.freeze({
    id: data.id,
    name: data.name,
    type: data.type,
    type_hierarchy: deepFreeze([...data.type_hierarchy]),
    properties: deepFreeze(data.properties),
    number_of_instances: data.number_of_instances,
  });
}

function instanceView(data: InstanceData): ContextInstanceView {
  return Object.freeze({
    id: data.id,
    runtime_properties: deepFreeze(data.runtime_properties),
    host_id: data.host_id,
    host_ip: data.host_ip,
    index: data.index,
    scaling_groups: deepFreeze([...data.scaling_groups]),
  });
}

/** Runtime properties as JSON text; throws a NonRecoverableError when they are not JSON. */
function serialize(instanceId: string, properties: JsonObject): string {
  try {
    return JSON.stringify(properties);
  } catch (error) {
    throw new NonRecoverableError(
      `runtime properties of ${instanceId} are not JSON-serialisable: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** A writable instance and what it had when last stored. */
class TrackedInstance {
  readonly view: ContextInstance;
  private properties: JsonObject;
  private stored: string;
  private version: number;

  constructor(
    private readonly data: InstanceData,
    services: ContextServices,
  ) {
    this.properties = data.runtime_properties;
    this.stored = JSON.stringify(data.runtime_properties);
    this.version = data.version;
    const relationships = Object.freeze(
      (data.relationships ?? []).map((rel): ContextRelationship =>
        Object.freeze({
          type: rel.type,
          type_hierarchy: deepFreeze([...rel.type_hierarchy]),
          target: Object.freeze({
            node: contextNode(rel.target.node),
            instance: instanceView(rel.target.instance),
          }),
        }),
      ),
    );
    // Getters, not fields: `runtime_properties` cannot be replaced, and `version` follows updates.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below need it
    const self = this;
    this.view = Object.freeze({
      id: data.id,
      get runtime_properties(): JsonObject {
        return self.properties;
      },
      get version(): number {
        return self.version;
      },
      host_id: data.host_id,
      host_ip: data.host_ip,
      index: data.index,
      scaling_groups: deepFreeze([...data.scaling_groups]),
      relationships,
      async update(): Promise<void> {
        const text = serialize(data.id, self.properties);
        const result = await services.call('instance.update', {
          instance_id: data.id,
          runtime_properties: JSON.parse(text) as JsonObject,
          version: self.version,
        });
        const parsed = parseInstanceUpdateResult(result);
        if (parsed === undefined) {
          throw new Error(`instance.update of ${data.id} returned no version`);
        }
        self.version = parsed.version;
        self.stored = text;
      },
    });
  }

  get id(): string {
    return this.data.id;
  }

  /** The properties when they differ from what is stored, as fresh JSON. */
  changed(): JsonObject | undefined {
    const text = serialize(this.data.id, this.properties);
    return text === this.stored ? undefined : (JSON.parse(text) as JsonObject);
  }
}

function misuse(member: string, kind: OperationContext['type']): NonRecoverableError {
  const hint =
    kind === 'relationship-instance'
      ? 'use ctx.source or ctx.target in relationship operations'
      : kind === 'node-instance'
        ? 'use ctx.node and ctx.instance in node operations'
        : 'this operation runs on no node instance';
  return new NonRecoverableError(`ctx.${member} is not available in a ${kind} operation: ${hint}`);
}

/** A {@link ContextLogger} whose records go to `services.log`. */
export function createContextLogger(services: Pick<ContextServices, 'log'>): ContextLogger {
  const write =
    (level: LogLevel) =>
    (message: unknown, ...args: unknown[]): void => {
      services.log(level, format(message, ...args));
    };
  return Object.freeze({
    debug: write('debug'),
    info: write('info'),
    warning: write('warning'),
    warn: write('warning'),
    error: write('error'),
  });
}

/** Builds the `ctx` of one operation. */
export function createOperationContext(
  request: RunRequest,
  services: ContextServices,
): ContextHandle {
  const kind: OperationContext['type'] =
    request.node !== undefined && request.instance !== undefined
      ? 'node-instance'
      : request.source !== undefined && request.target !== undefined
        ? 'relationship-instance'
        : 'deployment';

  const tracked: TrackedInstance[] = [];
  const track = (data: InstanceData): ContextInstance => {
    const instance = new TrackedInstance(data, services);
    tracked.push(instance);
    return instance.view;
  };
  const endpoint = (data: { node: NodeData; instance: InstanceData }): ContextEndpoint =>
    Object.freeze({ node: contextNode(data.node), instance: track(data.instance) });

  const node = request.node === undefined ? undefined : contextNode(request.node);
  const instance =
    kind === 'node-instance' && request.instance ? track(request.instance) : undefined;
  const source =
    kind === 'relationship-instance' && request.source ? endpoint(request.source) : undefined;
  const target =
    kind === 'relationship-instance' && request.target ? endpoint(request.target) : undefined;

  let retry: ContextResult['retry'];
  const logger = createContextLogger(services);
  const root = request.resources_path;

  const ctx = Object.freeze({
    type: kind,
    get node(): ContextNode {
      if (kind !== 'node-instance' || node === undefined) throw misuse('node', kind);
      return node;
    },
    get instance(): ContextInstance {
      if (instance === undefined) throw misuse('instance', kind);
      return instance;
    },
    get source(): ContextEndpoint {
      if (source === undefined) throw misuse('source', kind);
      return source;
    },
    get target(): ContextEndpoint {
      if (target === undefined) throw misuse('target', kind);
      return target;
    },
    deployment: Object.freeze({ id: request.deployment_id }),
    blueprint: Object.freeze({ id: request.blueprint_id }),
    execution_id: request.execution_id,
    workflow_id: request.workflow_id,
    tenant_name: request.tenant,
    task_id: request.task_id,
    timeout: request.timeout,
    timeout_recoverable: request.timeout_recoverable,
    plugin: Object.freeze({
      name: request.plugin.name,
      package_name: request.plugin.package_name,
      package_version: request.plugin.package_version,
      source: request.plugin.source,
      properties: deepFreeze(request.plugin.properties),
      get workdir(): string {
        mkdirSync(request.workdir, { recursive: true });
        return request.workdir;
      },
      toString(): string {
        return request.plugin.name;
      },
    }),
    operation: Object.freeze({
      name: request.operation.name,
      retry_number: request.operation.retry_number,
      max_retries: request.operation.max_retries,
      relationship: request.operation.relationship,
      retry(message?: string, retryAfter?: number): void {
        retry = { message: message ?? 'operation retry requested', retryAfter };
      },
    }),
    logger,
    signal: services.signal,
    getResource: ((path: string, encoding: BufferEncoding | null = 'utf8') =>
      readResource(root, path, encoding)) as OperationContext['getResource'],
    downloadResource: (path: string, targetPath?: string): Promise<string> =>
      downloadResource(root, path, targetPath),
    getResourceAndRender: async (path: string, variables?: TemplateVariables): Promise<string> =>
      renderTemplate(String(await readResource(root, path, 'utf8')), variables, ctx),
    downloadResourceAndRender: async (
      path: string,
      targetPath?: string,
      variables?: TemplateVariables,
    ): Promise<string> => {
      const text = await renderTemplate(
        String(await readResource(root, path, 'utf8')),
        variables,
        ctx,
      );
      return writeRendered(path, text, targetPath);
    },
  }) satisfies OperationContext;

  return {
    ctx,
    collect(): ContextResult {
      const runtimeProperties: Record<string, JsonObject> = {};
      const problems: string[] = [];
      for (const item of tracked) {
        try {
          const changed = item.changed();
          if (changed !== undefined) runtimeProperties[item.id] = changed;
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      return { runtime_properties: runtimeProperties, problems, retry };
    },
  };
}
