/**
 * The ctx a workflow script reaches through the proxy: Cairn's workflow ctx as Cairn's Python
 * package (`cloudify.workflows`) needs it, over the same `{"args": [...]}` walk as operations.
 *
 * Tasks live here, in the worker: Python holds their ids. A Python graph keeps its own shape
 * (tasks, sequences, subgraphs, dependencies) and hands it over whole when it executes, as
 * tasks and "waits for" pairs between them (`_cairn_run`); the run goes on here while Python
 * polls it (`_cairn_wait`), so no HTTP call outlasts the proxy's or the client's timeouts
 * however long the graph takes. Everything Python-only is prefixed `_cairn_`.
 */
import type {
  Json,
  JsonObject,
  WfGraphResult,
  WfNode,
  WfNodeInstance,
  WfTask,
  WorkflowContext,
} from '../context.js';
import { PyCallable, PyError, PyObject, type PyValue } from './python-object.js';
import { loggerView, text } from './shared-views.js';

/** The longest a `_cairn_wait` call holds its answer (below the Python client's 30 s timeout). */
const MAX_WAIT_SECONDS = 20;

/** How a run of tasks ended, as Python reads it from `_cairn_wait`. */
type RunOutcome =
  | { readonly status: 'terminated'; readonly results: Readonly<Record<string, Json>> }
  | { readonly status: 'failed' | 'cancelled'; readonly error: string };

interface Run {
  readonly done: Promise<RunOutcome>;
  /** Set once Python has read the outcome. */
  observed: boolean;
}

/** An uncaught exception the script reported before it ended. */
export interface ScriptFailure {
  readonly type: string;
  readonly message: string;
}

function errorParts(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

function requiredString(value: Json | undefined, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new PyError('TypeError', `${what} must be a non-empty string`);
  }
  return value;
}

function stringList(value: Json | undefined, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new PyError('TypeError', `${what} must be a list of task ids`);
  }
  return value;
}

/** A graph outcome as data: a failure is an answer Python raises, not an error of the call. */
function outcomeOf(result: WfGraphResult): RunOutcome {
  return result.status === 'terminated'
    ? { status: 'terminated', results: result.results ?? {} }
    : { status: result.status, error: result.error };
}

function failureOutcome(error: unknown): RunOutcome {
  const { name, message } = errorParts(error);
  if (name === 'CancelledError') return { status: 'cancelled', error: message };
  // The JavaScript ctx throws WorkflowFailed with the engine's reason as its message.
  return { status: 'failed', error: name === 'WorkflowFailed' ? message : `${name}: ${message}` };
}

/**
 * The script's tasks and runs, and how it ended: what {@link workflowView} serves and what
 * `execute_workflow` reads once the script has exited.
 */
export class WorkflowScriptState {
  /** Set by `_cairn_fail`: the script's uncaught exception (the last report wins). */
  failure: ScriptFailure | undefined;
  private readonly tasks = new Map<string, WfTask>();
  private readonly runs = new Map<string, Run>();
  private nextRun = 1;

  constructor(private readonly ctx: WorkflowContext) {}

  /** Makes a task; its id is Python's handle. */
  task(
    kind: string,
    instanceId: string,
    name: string,
    options: { kwargs?: JsonObject; allowKwargsOverride?: boolean },
    relationship: { index: number; side: 'source' | 'target' } | undefined,
  ): string {
    const instance = this.ctx.getNodeInstance(instanceId);
    if (instance === undefined) {
      throw new PyError('RuntimeError', `${instanceId} is not a node instance of this deployment`);
    }
    let task: WfTask;
    if (kind === 'operation') {
      if (relationship === undefined) task = instance.executeOperation(name, options);
      else {
        const rel = instance.relationships[relationship.index];
        if (rel === undefined) {
          throw new PyError(
            'IndexError',
            `node instance ${instanceId} has no relationship ${relationship.index}`,
          );
        }
        task =
          relationship.side === 'source'
            ? rel.executeSourceOperation(name, options)
            : rel.executeTargetOperation(name, options);
      }
    } else if (kind === 'state') task = instance.setState(name);
    else if (kind === 'event') task = instance.sendEvent(name);
    else throw new PyError('ValueError', `kind must be operation, state or event, not ${kind}`);
    this.tasks.set(task.id, task);
    return task.id;
  }

  /**
   * Starts a graph of known tasks: `dependencies` are `[task, dependsOn]` pairs. A misuse (an
   * unknown task, a task waiting for itself) is raised now; how the run ends, by `wait`.
   */
  run(taskIds: readonly string[], dependencies: readonly (readonly [string, string])[]): string {
    const graph = this.ctx.graph();
    const found = (id: string): WfTask => {
      const task = this.tasks.get(id);
      if (task === undefined) throw new PyError('RuntimeError', `no task ${id} in this workflow`);
      return task;
    };
    for (const id of taskIds) graph.add(found(id));
    for (const [task, dependsOn] of dependencies)
      graph.addDependency(found(task), found(dependsOn));
    const id = `run-${this.nextRun}`;
    this.nextRun += 1;
    this.runs.set(id, {
      done: graph.execute().then(outcomeOf, failureOutcome),
      observed: false,
    });
    return id;
  }

  /** The run's outcome once it has ended, or `{done: false}` after `seconds`. */
  async wait(runId: string, seconds: number): Promise<JsonObject> {
    const run = this.runs.get(runId);
    if (run === undefined) throw new PyError('RuntimeError', `no run ${runId} in this workflow`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(
        () => {
          resolve(undefined);
        },
        Math.max(0, Math.min(seconds, MAX_WAIT_SECONDS)) * 1000,
      );
    });
    const outcome = await Promise.race([run.done, timeout]);
    clearTimeout(timer);
    if (outcome === undefined) return { done: false };
    run.observed = true;
    return outcome.status === 'terminated'
      ? { done: true, status: outcome.status, results: { ...outcome.results } }
      : { done: true, status: outcome.status, error: outcome.error };
  }

  /**
   * Waits for runs the script started and never waited for (it may exit with tasks running);
   * the reason of the first one that failed, if any.
   */
  async unobservedFailure(): Promise<string | undefined> {
    const pending = [...this.runs.values()].filter((run) => !run.observed);
    const outcomes = await Promise.all(pending.map((run) => run.done));
    const failed = outcomes.find((outcome) => outcome.status === 'failed');
    return failed?.status === 'failed' ? failed.error : undefined;
  }
}

function nodeData(node: WfNode): JsonObject {
  return {
    id: node.id,
    type: node.type,
    type_hierarchy: [...node.typeHierarchy],
    properties: { ...node.properties },
    operations: [...node.operations],
    number_of_instances: node.numberOfInstances,
  };
}

function instanceData(instance: WfNodeInstance): JsonObject {
  return {
    id: instance.id,
    node_id: instance.nodeId,
    state: instance.state,
    runtime_properties: { ...instance.runtimeProperties },
    host_id: instance.hostId,
    index: instance.index,
    relationships: instance.relationships.map((rel) => ({
      type: rel.type,
      target_id: rel.targetId,
      target_name: rel.targetName,
    })),
  };
}

/** `_cairn_task`'s optional arguments, checked. */
function taskOptions(
  kwargs: Json | undefined,
  override: Json | undefined,
): { kwargs?: JsonObject; allowKwargsOverride?: boolean } {
  if (kwargs !== undefined && kwargs !== null) {
    if (typeof kwargs !== 'object' || Array.isArray(kwargs)) {
      throw new PyError('TypeError', 'kwargs must be a dict');
    }
  }
  return {
    ...(kwargs === undefined || kwargs === null ? {} : { kwargs }),
    ...(typeof override === 'boolean' ? { allowKwargsOverride: override } : {}),
  };
}

function relationshipOf(
  index: Json | undefined,
  side: Json | undefined,
): { index: number; side: 'source' | 'target' } | undefined {
  if (index === undefined || index === null) return undefined;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    throw new PyError('TypeError', 'relationship must be the index of a relationship');
  }
  if (side !== 'source' && side !== 'target') {
    throw new PyError('ValueError', "side must be 'source' or 'target'");
  }
  return { index, side };
}

function dependencyPairs(value: Json | undefined): [string, string][] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PyError('TypeError', 'dependencies must be a list');
  return value.map((pair) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      typeof pair[1] !== 'string'
    ) {
      throw new PyError('TypeError', 'a dependency must be a pair of task ids [task, depends_on]');
    }
    return [pair[0], pair[1]];
  });
}

/**
 * The ctx of one workflow script. `parameters` are what Python gets as
 * `cloudify.workflows.parameters` (without the runner's own `script_path`).
 */
export function workflowView(
  ctx: WorkflowContext,
  state: WorkflowScriptState,
  parameters: Readonly<JsonObject>,
): PyObject {
  const instances = (): Json => ctx.nodeInstances.map(instanceData);
  return new PyObject('CloudifyWorkflowContext', {
    deployment: new PyObject('DeploymentContext', { id: ctx.deployment.id }),
    blueprint: new PyObject('BlueprintContext', { id: ctx.blueprint.id }),
    execution_id: ctx.executionId,
    workflow_id: ctx.workflowId,
    tenant_name: ctx.tenantName,
    resume: ctx.resume,
    logger: loggerView(ctx.logger, 'CloudifyWorkflowLoggingAdapter'),
    send_event: new PyCallable('send_event', ['message'], 1, async (message) => {
      await ctx.sendEvent(text(message, 'None'));
      return null;
    }),
    download_resource: new PyCallable(
      'download_resource',
      ['resource_path', 'target_path'],
      1,
      (path, target) =>
        ctx.downloadResource(
          requiredString(path, 'resource_path'),
          target === undefined || target === null
            ? undefined
            : requiredString(target, 'target_path'),
        ),
    ),
    _cairn_parameters: () => ({ ...parameters }),
    _cairn_nodes: () => ctx.nodes.map(nodeData),
    _cairn_instances: instances,
    _cairn_refresh: new PyCallable('_cairn_refresh', [], 0, async () => {
      await ctx.refresh();
      return instances();
    }),
    _cairn_cancelled: () => ctx.signal.aborted,
    _cairn_task: new PyCallable(
      '_cairn_task',
      ['kind', 'instance_id', 'name', 'kwargs', 'allow_kwargs_override', 'relationship', 'side'],
      3,
      (kind, instanceId, name, kwargs, override, relationship, side) =>
        state.task(
          requiredString(kind, 'kind'),
          requiredString(instanceId, 'instance_id'),
          requiredString(name, 'name'),
          taskOptions(kwargs, override),
          relationshipOf(relationship, side),
        ),
    ),
    _cairn_run: new PyCallable('_cairn_run', ['tasks', 'dependencies'], 1, (tasks, deps) =>
      state.run(stringList(tasks, 'tasks'), dependencyPairs(deps)),
    ),
    _cairn_wait: new PyCallable(
      '_cairn_wait',
      ['run', 'timeout'],
      1,
      (run, timeout): Promise<PyValue> =>
        state.wait(
          requiredString(run, 'run'),
          typeof timeout === 'number' ? timeout : MAX_WAIT_SECONDS,
        ),
    ),
    _cairn_fail: new PyCallable(
      '_cairn_fail',
      ['kind', 'message', 'retry_after', 'type'],
      2,
      (kind, message, _retryAfter, type) => {
        // `cloudify._hooks` reports NonRecoverableError as 'abort' and OperationRetry as
        // 'retry'; `cloudify.workflows` reports every exception with its type. A workflow is
        // not rescheduled: either way the script failed.
        const fallback = kind === 'retry' ? 'OperationRetry' : 'NonRecoverableError';
        state.failure = {
          type: typeof type === 'string' && type !== '' ? type : fallback,
          message: text(message, ''),
        };
        return null;
      },
    ),
  });
}
