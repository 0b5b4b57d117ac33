/**
 * One operation task: its inputs evaluated against the current instances, the request the
 * executor gets, and the attempt loop with Cloudify's retry rules (spec §5.4–5.5):
 * NonRecoverableError fails at once; any other failure is retried while
 * `retry_number < max_retries` (or forever with -1), after `retry_after` or the interval;
 * `OperationRetry` is a reschedule that still counts. Every attempt's outcome, the runtime
 * properties it left and its events are committed together.
 */
import type { PlanNode, PlanOperation, PlanValue } from '@cairn/dsl';
import { RuntimeEvaluationError } from '@cairn/dsl';
import type { JsonValue } from '@cairn/errors';
import type { JsonObject, NewEvent, NodeInstanceChange, NodeInstanceRecord } from '@cairn/store';
import type {
  OperationError,
  OperationInstance,
  OperationNode,
  OperationOutcome,
  OperationRequest,
} from '../executor/executor.js';
import { evaluateAtRuntime, type FunctionScope } from '../functions/runtime-functions.js';
import type { GraphTask, OperationTaskSpec } from '../graph/task-graph.js';
import type { RunState } from './run-state.js';
import { makeEvent, makeLog, retrySuffix } from './events.js';

/** How an operation task ended. */
export type OperationTaskResult =
  | {
      readonly ok: true;
      /** What the operation returned (`ctx returns` for scripts), when it returned something. */
      readonly result: JsonValue | undefined;
    }
  | {
      readonly ok: false;
      readonly error: OperationError;
      readonly attempt: number;
      readonly maxRetries: number;
      readonly taskName: string;
      readonly operation: string;
      readonly instanceId: string;
    };

/**
 * A node as an operation sees it. Its properties are evaluated now, as Cloudify does when an
 * operation runs: `get_secret` (and the other run-time functions a property may hold) give
 * their current values. The plan keeps the functions, so a secret is never stored with it.
 */
function nodeView(run: RunState, node: PlanNode): OperationNode {
  return {
    id: node.id,
    name: node.name,
    type: node.type,
    type_hierarchy: node.type_hierarchy,
    properties: evaluateAtRuntime(
      run.model,
      node.properties,
      {},
      {
        secrets: run.secrets,
      },
    ) as JsonObject,
    number_of_instances: run.model.instancesOf(node.id).length,
  };
}

function hostIp(run: RunState, instance: NodeInstanceRecord): string | null {
  if (instance.host_id === null || !run.model.hasInstance(instance.host_id)) return null;
  const host = run.model.instance(instance.host_id);
  const ip = host.runtime_properties.ip ?? run.model.nodeOf(host).properties.ip;
  return typeof ip === 'string' ? ip : null;
}

function instanceView(
  run: RunState,
  instance: NodeInstanceRecord,
  withRelationships: boolean,
): OperationInstance {
  const base = {
    id: instance.id,
    runtime_properties: instance.runtime_properties,
    version: instance.version,
    host_id: instance.host_id,
    host_ip: hostIp(run, instance),
    index: instance.index,
    scaling_groups: instance.scaling_groups,
  };
  if (!withRelationships) return base;
  return {
    ...base,
    relationships: run.model.relationshipsOf(instance).map((rel) => ({
      type: rel.declared.type,
      type_hierarchy: rel.declared.type_hierarchy,
      target: {
        node: nodeView(run, run.model.nodeOf(rel.target)),
        instance: instanceView(run, rel.target, false),
      },
    })),
  };
}

interface Resolved {
  readonly op: PlanOperation;
  readonly scope: FunctionScope;
  readonly instance: NodeInstanceRecord;
  readonly target?: NodeInstanceRecord;
  readonly context: JsonObject;
}

function resolve(run: RunState, task: GraphTask, spec: OperationTaskSpec): Resolved {
  const instance = run.model.instance(spec.instanceId);
  const node = run.model.nodeOf(instance);
  if (spec.relationship === undefined) {
    const op = run.model.operation(node, spec.operation);
    if (op === undefined) throw new Error(`node '${node.id}' has no operation ${spec.operation}`);
    return {
      op,
      scope: { self: instance },
      instance,
      context: {
        task_id: task.id,
        task_name: op.operation,
        task_target: null,
        operation: spec.operation,
        plugin: op.plugin,
        node_id: instance.id,
        node_name: instance.node_id,
      },
    };
  }
  const rel = run.model.relationshipsOf(instance).find((r) => r.index === spec.relationship?.index);
  if (rel === undefined) throw new Error(`instance '${instance.id}' has no such relationship`);
  const op = run.model.relationshipOperation(rel.declared, spec.relationship.side, spec.operation);
  if (op === undefined) throw new Error(`relationship has no operation ${spec.operation}`);
  return {
    op,
    scope: { source: instance, target: rel.target },
    instance,
    target: rel.target,
    context: {
      task_id: task.id,
      task_name: op.operation,
      task_target: null,
      operation: spec.operation,
      plugin: op.plugin,
      node_id: spec.relationship.side === 'source' ? instance.id : rel.target.id,
      node_name: spec.relationship.side === 'source' ? instance.node_id : rel.target.node_id,
      source_id: instance.id,
      source_name: instance.node_id,
      target_id: rel.target.id,
      target_name: rel.target.node_id,
    },
  };
}

function mergeInputs(op: PlanOperation, spec: OperationTaskSpec): { [key: string]: PlanValue } {
  const inputs: { [key: string]: PlanValue } = { ...op.inputs };
  for (const [key, value] of Object.entries(spec.kwargs ?? {})) inputs[key] = value as PlanValue;
  return inputs;
}

/** `system_properties` after a health check: the new status, the old one as previous. */
function withStatus(
  instance: NodeInstanceRecord,
  ok: boolean,
  task: string,
  result: JsonValue,
): JsonObject {
  const previous = instance.system_properties.status ?? null;
  return {
    ...instance.system_properties,
    previous_status: previous,
    status: { ok, timestamp: new Date().toISOString(), task, result },
  };
}

function failureMessage(error: OperationError): string {
  const after =
    error.retry_after !== undefined && error.type === 'RecoverableError'
      ? ` [retry_after=${error.retry_after}]`
      : '';
  return `${error.message}${after}`;
}

/** Runs one operation task to its end (success, or a final failure). */
export async function runOperationTask(
  run: RunState,
  task: GraphTask,
  spec: OperationTaskSpec,
): Promise<OperationTaskResult> {
  const resolved = resolve(run, task, spec);
  const { op, context } = resolved;
  const maxRetries = op.max_retries ?? run.settings.task_retries;
  const interval = op.retry_interval ?? run.settings.task_retry_interval;
  let attempt = run.attemptsOf(task.id);
  for (;;) {
    const suffix = retrySuffix(attempt, maxRetries);
    const eventContext = {
      ...context,
      task_current_retries: attempt,
      task_total_retries: maxRetries,
    };
    // Inputs are evaluated for each attempt, against the instances as they are now; so are
    // the node properties the operation sees (a secret may have changed between attempts).
    let inputs: JsonObject;
    let endpoints: Pick<OperationRequest, 'node' | 'instance' | 'source' | 'target'>;
    try {
      inputs = evaluateAtRuntime(
        run.model,
        mergeInputs(op, spec),
        {
          ...resolved.scope,
          ...(resolved.scope.self ? { self: run.model.instance(resolved.instance.id) } : {}),
          ...(resolved.scope.source
            ? {
                source: run.model.instance(resolved.instance.id),
                target: run.model.instance(resolved.target?.id ?? ''),
              }
            : {}),
        },
        { secrets: run.secrets },
      ) as JsonObject;
      const self = run.model.instance(resolved.instance.id);
      endpoints =
        spec.relationship === undefined
          ? { node: nodeView(run, run.model.nodeOf(self)), instance: instanceView(run, self, true) }
          : {
              source: {
                node: nodeView(run, run.model.nodeOf(self)),
                instance: instanceView(run, self, true),
              },
              target: (() => {
                const target = run.model.instance(resolved.target?.id ?? '');
                return {
                  node: nodeView(run, run.model.nodeOf(target)),
                  instance: instanceView(run, target, false),
                };
              })(),
            };
    } catch (error) {
      const message = error instanceof RuntimeEvaluationError ? error.message : String(error);
      const failure: OperationError = {
        type: 'NonRecoverableError',
        recoverable: false,
        message: `The inputs or node properties of ${spec.operation} could not be evaluated: ${message}`,
      };
      await run.commit({
        tasks: [run.taskRecord(task.id, 'failed', attempt)],
        events: [
          makeEvent(
            run.scope,
            'task_failed',
            `Task failed '${op.operation}' -> ${failure.message}${suffix}`,
            {
              context: eventContext,
            },
          ),
        ],
      });
      return {
        ok: false,
        error: failure,
        attempt,
        maxRetries,
        taskName: op.operation,
        operation: spec.operation,
        instanceId: resolved.instance.id,
      };
    }
    const instance = run.model.instance(resolved.instance.id);
    const node = run.model.nodeOf(instance);
    const request: OperationRequest = {
      task_id: `${task.id}#${attempt}`,
      execution_id: run.scope.execution_id,
      deployment_id: run.scope.deployment_id,
      blueprint_id: run.scope.blueprint_id,
      workflow_id: run.scope.workflow_id,
      tenant: run.scope.tenant,
      plugin: run.pluginOf(node, op.plugin),
      operation: {
        name: spec.operation,
        function: op.operation,
        retry_number: attempt,
        max_retries: maxRetries,
        ...(spec.relationship ? { relationship: spec.relationship.side } : {}),
      },
      inputs,
      timeout: op.timeout,
      timeout_recoverable: op.timeout_recoverable ?? false,
      ...endpoints,
      resources_path: run.resourcesPath,
      workdir: run.workdirFor(op.plugin),
    };
    await run.commit({
      events: [
        makeEvent(run.scope, 'task_started', `Task started '${op.operation}'${suffix}`, {
          context: eventContext,
        }),
      ],
    });
    const logs: NewEvent[] = [];
    const outcome: OperationOutcome = await run.executor.run(
      request,
      {
        log: (record) => {
          const log = makeLog(run.scope, record.level, record.message, {
            context: eventContext,
            logger: request.task_id,
          });
          logs.push(log);
          run.emitLive(log);
        },
        updateRuntimeProperties: async (instanceId, properties, version) => {
          const [written] = await run.commit({
            instances: [
              { id: instanceId, runtime_properties: properties, expected_version: version },
            ],
          });
          return written?.version ?? version + 1;
        },
      },
      run.forceSignal,
    );
    const instances: NodeInstanceChange[] = Object.entries(outcome.runtime_properties).map(
      ([id, props]) => ({ id, runtime_properties: props }),
    );
    const finalAttempt =
      outcome.status === 'succeeded' ||
      !outcome.error.recoverable ||
      !(maxRetries < 0 || attempt < maxRetries) ||
      run.cancelSignal.aborted;
    if (spec.recordStatus === true && finalAttempt) {
      const system = withStatus(
        run.model.instance(resolved.instance.id),
        outcome.status === 'succeeded',
        op.operation,
        outcome.status === 'succeeded' ? outcome.result : outcome.error.message,
      );
      const own = instances.find((c) => c.id === resolved.instance.id);
      if (own !== undefined)
        instances[instances.indexOf(own)] = { ...own, system_properties: system };
      else instances.push({ id: resolved.instance.id, system_properties: system });
    }
    const shown = new Set(logs);
    if (outcome.status === 'succeeded') {
      await run.commit(
        {
          instances,
          tasks: [run.taskRecord(task.id, 'succeeded', attempt + 1)],
          events: [
            ...logs,
            makeEvent(run.scope, 'task_succeeded', `Task succeeded '${op.operation}'${suffix}`, {
              context: eventContext,
            }),
          ],
        },
        shown,
      );
      return { ok: true, result: outcome.status === 'succeeded' ? outcome.result : undefined };
    }
    const error = outcome.error;
    const canRetry =
      error.recoverable && (maxRetries < 0 || attempt < maxRetries) && !run.cancelSignal.aborted;
    const type = error.type === 'OperationRetry' ? 'task_rescheduled' : 'task_failed';
    const verb = error.type === 'OperationRetry' ? 'rescheduled' : 'failed';
    await run.commit(
      {
        instances,
        tasks: [run.taskRecord(task.id, canRetry ? 'running' : 'failed', attempt + 1)],
        events: [
          ...logs,
          makeEvent(
            run.scope,
            type,
            `Task ${verb} '${op.operation}' -> ${failureMessage(error)}${suffix}`,
            {
              context: eventContext,
              error_causes: (error.causes ?? []).map((c) => ({ ...c })) as unknown as JsonObject[],
            },
          ),
        ],
      },
      shown,
    );
    if (!canRetry) {
      return {
        ok: false,
        error,
        attempt,
        maxRetries,
        taskName: op.operation,
        operation: spec.operation,
        instanceId: resolved.instance.id,
      };
    }
    await run.sleep((error.retry_after ?? interval) * 1000);
    // A cancel ends the wait early; it must not start the next attempt as well.
    if (run.cancelSignal.aborted) {
      return {
        ok: false,
        error: {
          type: 'CancelledError',
          recoverable: false,
          message: 'the execution was cancelled before the retry',
        },
        attempt,
        maxRetries,
        taskName: op.operation,
        operation: spec.operation,
        instanceId: resolved.instance.id,
      };
    }
    attempt++;
  }
}
