/**
 * The ctx a script's `ctx` command reaches: Cairn's operation ctx under Cloudify's Python names
 * (`download_resource`, `runtime_properties`, `host_ip`, …), plus what the script runner adds:
 * `returns`, `abort_operation` and `retry_operation`.
 */
import type {
  JsonObject,
  CtxEndpoint,
  CtxInstance,
  CtxInstanceView,
  CtxNode,
  Json,
  OperationContext,
} from '../context.js';
import {
  PyCallable,
  PyError,
  PyObject,
  ReadOnlyDict,
  StopOperation,
  type PyValue,
} from './python-object.js';
import { loggerView, text } from './shared-views.js';

/** How the script asked its operation to end, besides its exit code. */
export type ScriptEnding =
  | { readonly kind: 'returned'; readonly value: Json }
  | { readonly kind: 'abort'; readonly message: string }
  | { readonly kind: 'retry'; readonly message: string; readonly retryAfter: number | undefined };

/** What the script did through `ctx` that decides its operation's outcome. */
export class ScriptState {
  ending: ScriptEnding | undefined;

  /** `returns`, `abort_operation`, `retry_operation`: only one of them, only once. */
  end(ending: ScriptEnding): void {
    if (this.ending !== undefined) {
      throw new PyError('NonRecoverableError', 'ctx may only abort or return once');
    }
    this.ending = ending;
  }

  /**
   * An uncaught exception of a Python script (Cairn's `cloudify` package reports it): it fails
   * or reschedules the operation even after a `returns`, as the exception would in Cloudify's
   * in-process scripts; an earlier abort or retry stands.
   */
  fail(ending: Exclude<ScriptEnding, { kind: 'returned' }>): void {
    if (this.ending === undefined || this.ending.kind === 'returned') this.ending = ending;
  }
}

const READ_ONLY_PROPERTIES = 'Cannot override read only properties';

function resourcePath(value: Json | undefined): string {
  if (typeof value !== 'string') throw new PyError('TypeError', 'resource_path must be a string');
  return value;
}

function optionalString(value: Json | undefined, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PyError('TypeError', `${what} must be a string`);
  return value;
}

function variables(value: Json | undefined): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new PyError('TypeError', 'template_variables must be a dict');
  }
  if (Object.hasOwn(value, 'ctx')) {
    throw new PyError('RuntimeError', "'ctx' cannot be used as a template variable");
  }
  return value;
}

function nodeView(node: CtxNode): PyObject {
  return new PyObject('NodeContext', {
    id: node.id,
    name: node.name,
    type: node.type,
    type_hierarchy: [...node.type_hierarchy],
    properties: new ReadOnlyDict(node.properties, READ_ONLY_PROPERTIES),
    number_of_instances: node.number_of_instances,
  });
}

function hostIp(instance: CtxInstanceView): string {
  if (instance.host_ip === null) {
    throw new PyError('NonRecoverableError', `node instance ${instance.id} has no host ip`);
  }
  return instance.host_ip;
}

/** A node as plain data (for Cairn's Python package). */
function nodeData(node: CtxNode): JsonObject {
  return {
    id: node.id,
    name: node.name,
    type: node.type,
    type_hierarchy: [...node.type_hierarchy],
    properties: node.properties,
    number_of_instances: node.number_of_instances,
  };
}

/** An instance as plain data (for Cairn's Python package). */
function instanceData(instance: CtxInstanceView): JsonObject {
  return {
    id: instance.id,
    runtime_properties: instance.runtime_properties,
    host_id: instance.host_id,
    host_ip: instance.host_ip,
    index: instance.index,
    scaling_groups: instance.scaling_groups.map((g) => ({ name: g.name, id: g.id })),
  };
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The operation's own instance (or either end of a relationship): writable. Besides Cloudify's
 * attributes, two that only Cairn's Python package uses: `_cairn_relationships` (the
 * relationships as data) and `_cairn_set_runtime_properties` (all of them at once, so that keys
 * can be removed and nested changes saved).
 */
function instanceView(instance: CtxInstance): PyObject {
  return new PyObject('NodeInstanceContext', {
    id: instance.id,
    runtime_properties: () => instance.runtime_properties,
    host_ip: () => hostIp(instance),
    index: instance.index,
    scaling_groups: instance.scaling_groups.map((g) => ({ name: g.name, id: g.id })),
    update: new PyCallable('update', ['on_conflict'], 0, async () => {
      await instance.update();
      return null;
    }),
    _cairn_relationships: () =>
      instance.relationships.map((rel) => ({
        type: rel.type,
        type_hierarchy: [...rel.type_hierarchy],
        target: { node: nodeData(rel.target.node), instance: instanceData(rel.target.instance) },
      })),
    _cairn_set_runtime_properties: new PyCallable(
      '_cairn_set_runtime_properties',
      ['properties'],
      1,
      (properties) => {
        if (!isObject(properties)) {
          throw new PyError('TypeError', 'runtime properties must be a dict');
        }
        const target = instance.runtime_properties;
        for (const key of Object.keys(target)) Reflect.deleteProperty(target, key);
        Object.assign(target, properties);
        return null;
      },
    ),
  });
}

function endpointView(endpoint: CtxEndpoint): PyObject {
  return new PyObject('RelationshipSubjectContext', {
    node: nodeView(endpoint.node),
    instance: instanceView(endpoint.instance),
  });
}

/** Raises Cairn's error (a misuse such as `ctx node` in a relationship operation) as-is. */
function guarded(read: () => PyValue): () => PyValue {
  return () => {
    try {
      return read();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const type = error instanceof Error ? error.name : 'Error';
      throw new PyError(type, message);
    }
  };
}

/**
 * The ctx of one script run. `inputs` are the operation's inputs, which Cairn's Python package
 * reads as `_cairn_inputs` (Cloudify's `ctx_parameters`).
 */
export function ctxView(
  ctx: OperationContext,
  state: ScriptState,
  inputs: Readonly<Record<string, Json>> = {},
): PyObject {
  return new PyObject('CloudifyContext', {
    type: ctx.type,
    _cairn_inputs: () => ({ ...inputs }),
    node: guarded(() => nodeView(ctx.node)),
    instance: guarded(() => instanceView(ctx.instance)),
    source: guarded(() => endpointView(ctx.source)),
    target: guarded(() => endpointView(ctx.target)),
    deployment: new PyObject('DeploymentContext', { id: ctx.deployment.id }),
    blueprint: new PyObject('BlueprintContext', { id: ctx.blueprint.id }),
    execution_id: ctx.execution_id,
    workflow_id: ctx.workflow_id,
    tenant_name: ctx.tenant_name,
    task_id: ctx.task_id,
    timeout: ctx.timeout,
    plugin: new PyObject(
      'PluginContext',
      {
        name: ctx.plugin.name,
        package_name: ctx.plugin.package_name,
        package_version: ctx.plugin.package_version,
        source: ctx.plugin.source,
        properties: new ReadOnlyDict(ctx.plugin.properties, READ_ONLY_PROPERTIES),
        workdir: () => ctx.plugin.workdir,
      },
      ctx.plugin.name,
    ),
    operation: new PyObject('OperationContext', {
      name: ctx.operation.name,
      retry_number: ctx.operation.retry_number,
      max_retries: ctx.operation.max_retries,
      relationship: ctx.operation.relationship ?? null,
      retry: new PyCallable('retry', ['message', 'retry_after'], 0, (message, retryAfter) => {
        ctx.operation.retry(
          optionalString(message, 'message'),
          typeof retryAfter === 'number' ? retryAfter : undefined,
        );
        return null;
      }),
    }),
    logger: loggerView(ctx.logger, 'CloudifyPluginLoggingAdapter'),
    get_resource: new PyCallable('get_resource', ['resource_path'], 1, (path) =>
      ctx.getResource(resourcePath(path)),
    ),
    get_resource_and_render: new PyCallable(
      'get_resource_and_render',
      ['resource_path', 'template_variables'],
      1,
      (path, vars) => ctx.getResourceAndRender(resourcePath(path), variables(vars)),
    ),
    download_resource: new PyCallable(
      'download_resource',
      ['resource_path', 'target_path'],
      1,
      (path, target) =>
        ctx.downloadResource(resourcePath(path), optionalString(target, 'target_path')),
    ),
    download_resource_and_render: new PyCallable(
      'download_resource_and_render',
      ['resource_path', 'target_path', 'template_variables'],
      1,
      (path, target, vars) =>
        ctx.downloadResourceAndRender(
          resourcePath(path),
          optionalString(target, 'target_path'),
          variables(vars),
        ),
    ),
    returns: new PyCallable('returns', ['value'], 1, (value) => {
      state.end({ kind: 'returned', value });
      return null;
    }),
    abort_operation: new PyCallable('abort_operation', ['message'], 0, (message) => {
      const why = text(message, 'None');
      state.end({ kind: 'abort', message: why });
      return new StopOperation(why);
    }),
    _cairn_fail: new PyCallable(
      '_cairn_fail',
      ['kind', 'message', 'retry_after'],
      2,
      (kind, message, retryAfter) => {
        const why = text(message, 'None');
        if (kind === 'abort') state.fail({ kind: 'abort', message: why });
        else if (kind === 'retry') {
          const after = typeof retryAfter === 'number' ? retryAfter : undefined;
          state.fail({ kind: 'retry', message: why, retryAfter: after });
        } else throw new PyError('ValueError', "kind must be 'abort' or 'retry'");
        return null;
      },
    ),
    retry_operation: new PyCallable(
      'retry_operation',
      ['message', 'retry_after'],
      0,
      (message, retryAfter) => {
        const why = text(message, 'None');
        const after = typeof retryAfter === 'number' ? retryAfter : undefined;
        state.end({ kind: 'retry', message: why, retryAfter: after });
        return new StopOperation(why);
      },
    ),
  });
}
