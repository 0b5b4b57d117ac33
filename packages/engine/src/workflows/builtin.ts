/**
 * Cloudify's built-in workflows (spec §2.4, §5), each building a task graph from the
 * deployment and the execution's parameters: install, uninstall, reinstall, start, stop,
 * restart, execute_operation. A problem with the parameters is a {@link WorkflowError} before
 * any task exists.
 */
import { pythonStr, type PlanValue } from '@cairn/dsl';
import type { NodeInstanceRecord } from '@cairn/store';
import { TaskGraph, type Subgraph, type TaskSpec } from '../graph/task-graph.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import { checkStatus, HEAL } from './heal.js';
import { SCALE } from './scale.js';
import type { BuiltinWorkflow } from './workflow-context.js';
import { WorkflowError, type WorkflowParameters } from './builtin-types.js';
import { filterInstances } from './filters.js';
import { addInstall, addRelatedEstablish, addRelatedUnlink, addUninstall } from './lifecycle.js';

export { WorkflowError, type WorkflowParameters };

/** Builds the graph of one built-in workflow. */
export type WorkflowBuilder = (model: DeploymentModel, params: WorkflowParameters) => TaskGraph;

function flag(value: PlanValue | undefined, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

const install: WorkflowBuilder = (model, params) => {
  const graph = new TaskGraph();
  addInstall(graph, model, filterInstances(model, params));
  return graph;
};

const uninstall: WorkflowBuilder = (model, params) => {
  const graph = new TaskGraph();
  addUninstall(graph, model, filterInstances(model, params), {
    ignoreFailure: flag(params.ignore_failure, false),
  });
  return graph;
};

const reinstall: WorkflowBuilder = (model, params) => {
  const graph = new TaskGraph();
  const instances = filterInstances(model, params);
  const down = addUninstall(graph, model, instances, {
    ignoreFailure: flag(params.ignore_failure, false),
  });
  addRelatedUnlink(graph, model, down);
  const up = addInstall(
    graph,
    model,
    instances.map((i) => ({ ...i, state: 'deleted' })),
  );
  const allDown = [...down.values()].flatMap((s) => s.last);
  for (const sub of up.values()) graph.waitFor(sub, allDown);
  addRelatedEstablish(graph, model, up);
  return graph;
};

/**
 * Makes each selected instance's subgraph wait for the subgraphs of the selected instances it
 * depends on, directly or through instances that are not selected.
 */
function orderByDependencies(
  graph: TaskGraph,
  model: DeploymentModel,
  subs: ReadonlyMap<string, Subgraph>,
): void {
  for (const [id, sub] of subs) {
    const seen = new Set<string>([id]);
    const stack = [model.instance(id)];
    while (stack.length > 0) {
      const current = stack.pop() as NodeInstanceRecord;
      for (const rel of current.relationships) {
        if (seen.has(rel.target_id) || !model.hasInstance(rel.target_id)) continue;
        seen.add(rel.target_id);
        const target = subs.get(rel.target_id);
        if (target !== undefined) graph.subgraphWaits(sub, target);
        else stack.push(model.instance(rel.target_id));
      }
    }
  }
}

interface OperationRun {
  readonly operation: string;
  readonly kwargs: { readonly [key: string]: PlanValue };
  readonly allowOverride: boolean;
  readonly byDependencyOrder: boolean;
  readonly prefix: string;
}

function addOperationRun(
  graph: TaskGraph,
  model: DeploymentModel,
  instances: readonly NodeInstanceRecord[],
  run: OperationRun,
): Map<string, Subgraph> {
  const subs = new Map<string, Subgraph>();
  const hasKwargs = Object.keys(run.kwargs).length > 0;
  const params = hasKwargs ? ` (Operation parameters: ${pythonStr(run.kwargs)})` : '';
  for (const instance of instances) {
    const op = model.operation(model.nodeOf(instance), run.operation);
    // Instances whose node lacks the operation are skipped silently, as Cloudify does.
    if (op === undefined) continue;
    if (!run.allowOverride) {
      for (const key of Object.keys(run.kwargs)) {
        if (Object.hasOwn(op.inputs, key)) {
          throw new WorkflowError(
            `Duplicate definition of ${key} in operation properties and in kwargs. To allow redefinition, pass "allow_kwargs_override" to "execute_operation"`,
          );
        }
      }
    }
    const sub = graph.subgraph(`${run.prefix}${instance.id}`, instance.id);
    const task: TaskSpec = {
      kind: 'operation',
      instanceId: instance.id,
      operation: run.operation,
      ...(hasKwargs ? { kwargs: run.kwargs, allowKwargsOverride: run.allowOverride } : {}),
    };
    graph.append(sub, [
      [
        {
          kind: 'event',
          instanceId: instance.id,
          message: `Starting operation ${run.operation}${params}`,
        },
      ],
      [task],
      [{ kind: 'event', instanceId: instance.id, message: `Finished operation ${run.operation}` }],
    ]);
    subs.set(instance.id, sub);
  }
  if (run.byDependencyOrder) orderByDependencies(graph, model, subs);
  return subs;
}

function kwargsOf(value: PlanValue | undefined, name: string): { [key: string]: PlanValue } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new WorkflowError(`The parameter '${name}' must be a mapping.`);
  }
  return value;
}

const executeOperation: WorkflowBuilder = (model, params) => {
  const operation = params.operation;
  if (typeof operation !== 'string' || operation === '') {
    throw new WorkflowError(
      "execute_operation needs the parameter 'operation' (an operation name).",
    );
  }
  const graph = new TaskGraph();
  addOperationRun(graph, model, filterInstances(model, params), {
    operation,
    kwargs: kwargsOf(params.operation_kwargs, 'operation_kwargs'),
    allowOverride: flag(params.allow_kwargs_override, false),
    byDependencyOrder: flag(params.run_by_dependency_order, false),
    prefix: 'execute_operation_',
  });
  return graph;
};

function lifecycleRun(name: 'start' | 'stop'): WorkflowBuilder {
  return (model, params) => {
    const graph = new TaskGraph();
    addOperationRun(graph, model, filterInstances(model, params), {
      operation: `cloudify.interfaces.lifecycle.${name}`,
      kwargs: kwargsOf(params.operation_parms, 'operation_parms'),
      allowOverride: true,
      byDependencyOrder: flag(params.run_by_dependency_order, true),
      prefix: `${name}_`,
    });
    return graph;
  };
}

const restart: WorkflowBuilder = (model, params) => {
  const graph = new TaskGraph();
  const instances = filterInstances(model, params);
  const byOrder = flag(params.run_by_dependency_order, true);
  const stops = addOperationRun(graph, model, instances, {
    operation: 'cloudify.interfaces.lifecycle.stop',
    kwargs: kwargsOf(params.stop_parms, 'stop_parms'),
    allowOverride: true,
    byDependencyOrder: byOrder,
    prefix: 'stop_',
  });
  const starts = addOperationRun(graph, model, instances, {
    operation: 'cloudify.interfaces.lifecycle.start',
    kwargs: kwargsOf(params.start_parms, 'start_parms'),
    allowOverride: true,
    byDependencyOrder: byOrder,
    prefix: 'start_',
  });
  const allStops = [...stops.values()].flatMap((s) => s.last);
  for (const sub of starts.values()) graph.waitFor(sub, allStops);
  return graph;
};

function graph(build: WorkflowBuilder): BuiltinWorkflow {
  return { kind: 'graph', build };
}

/** Built-in workflows by the function their mapping names (`cloudify.plugins.workflows.<fn>`). */
export const BUILTIN_WORKFLOWS: ReadonlyMap<string, BuiltinWorkflow> = new Map([
  ['install', graph(install)],
  ['uninstall', graph(uninstall)],
  ['reinstall', graph(reinstall)],
  ['start', graph(lifecycleRun('start'))],
  ['stop', graph(lifecycleRun('stop'))],
  ['restart', graph(restart)],
  ['execute_operation', graph(executeOperation)],
  ['check_status', graph(checkStatus)],
  ['auto_heal_reinstall_node_subgraph', HEAL],
  ['scale_entity', SCALE],
]);
