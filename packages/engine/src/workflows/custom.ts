/**
 * Custom workflows: a blueprint's `workflows: {name: {mapping: plugin.module.fn}}` runs `fn` in
 * a worker of that plugin (through the executor's `runWorkflow`). The function builds task
 * graphs with a typed API and asks the engine to run them: they run on the same scheduler as
 * the built-in workflows, with the same retries, events, states and resume.
 */
import type { JsonValue } from '@cairn/errors';
import type {
  OperationError,
  WorkflowCallbacks,
  WorkflowExecutor,
  WorkflowInstanceView,
  WorkflowNodeView,
  WorkflowRequest,
  WorkflowTaskSpec,
} from '../executor/executor.js';
import { TaskGraph, type TaskSpec } from '../graph/task-graph.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import type { NodeInstanceRecord } from '@cairn/store';
import { WorkflowError, type WorkflowParameters } from './builtin-types.js';
import type { WorkflowContext } from './workflow-context.js';
import { PhaseFailed } from './workflow-context.js';

/** Whether an executor can run workflow functions. */
export function isWorkflowExecutor(executor: unknown): executor is WorkflowExecutor {
  return (
    typeof executor === 'object' &&
    executor !== null &&
    typeof (executor as { runWorkflow?: unknown }).runWorkflow === 'function'
  );
}

function instanceView(instance: NodeInstanceRecord): WorkflowInstanceView {
  return {
    id: instance.id,
    node_id: instance.node_id,
    state: instance.state,
    runtime_properties: instance.runtime_properties,
    host_id: instance.host_id,
    index: instance.index,
    relationships: instance.relationships.map((r) => ({ ...r })),
  };
}

function nodeViews(model: DeploymentModel): WorkflowNodeView[] {
  return model.plan.nodes.map((node) => ({
    id: node.id,
    type: node.type,
    type_hierarchy: node.type_hierarchy,
    properties: node.properties,
    operations: Object.keys(node.operations),
    number_of_instances: model.instancesOf(node.id).length,
  }));
}

/** Turns a function's graph into the engine's, checking every reference. */
function toGraph(
  model: DeploymentModel,
  tasks: readonly WorkflowTaskSpec[],
  name: string,
): { graph: TaskGraph; ids: ReadonlyMap<string, string> } {
  const graph = new TaskGraph();
  const sub = graph.subgraph(name);
  const ids = new Map<string, string>();
  for (const task of tasks) {
    if (ids.has(task.id))
      throw new WorkflowError(`The workflow's graph has two tasks with id '${task.id}'.`);
    if (!model.hasInstance(task.instance_id)) {
      throw new WorkflowError(
        `The workflow's task '${task.id}' names '${task.instance_id}', which is not a node instance of this deployment.`,
      );
    }
    let spec: TaskSpec;
    switch (task.kind) {
      case 'operation': {
        const instance = model.instance(task.instance_id);
        if (task.relationship === undefined) {
          if (model.operation(model.nodeOf(instance), task.operation) === undefined) {
            throw new WorkflowError(
              `The workflow's task '${task.id}' runs ${task.operation} on ${instance.id}, but node '${instance.node_id}' has no such operation (or it is a NO-OP).`,
            );
          }
        }
        spec = {
          kind: 'operation',
          instanceId: task.instance_id,
          operation: task.operation,
          ...(task.relationship === undefined ? {} : { relationship: task.relationship }),
          ...(task.kwargs === undefined ? {} : { kwargs: task.kwargs }),
          ...(task.allow_kwargs_override === undefined
            ? {}
            : { allowKwargsOverride: task.allow_kwargs_override }),
        };
        break;
      }
      case 'state':
        spec = { kind: 'state', instanceId: task.instance_id, state: task.state };
        break;
      case 'event':
        spec = { kind: 'event', instanceId: task.instance_id, message: task.message };
        break;
    }
    ids.set(task.id, graph.addTask(sub, spec));
  }
  for (const task of tasks) {
    for (const dep of task.depends_on) {
      const before = ids.get(dep);
      if (before === undefined) {
        throw new WorkflowError(
          `The workflow's task '${task.id}' depends on '${dep}', which is not in the graph.`,
        );
      }
      graph.depend(ids.get(task.id) as string, before);
    }
  }
  if (graph.order().length !== graph.size)
    throw new WorkflowError("The workflow's graph has a dependency cycle.");
  return { graph, ids };
}

/** What running a custom workflow needs from the engine. */
export interface CustomWorkflowRun {
  readonly executor: WorkflowExecutor;
  readonly request: Omit<WorkflowRequest, 'nodes' | 'instances' | 'parameters'>;
  readonly params: WorkflowParameters;
  readonly context: WorkflowContext;
  readonly log: WorkflowCallbacks['log'];
  readonly nodeEvent: (instanceId: string, message: string) => Promise<void>;
  readonly signal: AbortSignal;
}

/** Runs a custom workflow function to its end; throws PhaseFailed when it fails. */
export async function runCustomWorkflow(run: CustomWorkflowRun): Promise<void> {
  const { context } = run;
  let graphs = 0;
  // Graphs still running when the function ends (its worker died, or it did not wait): the
  // execution ends only after them, so nothing runs behind its back.
  const running = new Set<Promise<unknown>>();
  const outcome = await run.executor.runWorkflow(
    {
      ...run.request,
      parameters: run.params,
      nodes: nodeViews(context.model),
      instances: context.model.allInstances().map(instanceView),
    },
    {
      log: run.log,
      runGraph: async (tasks) => {
        graphs++;
        const { graph, ids } = toGraph(context.model, tasks, `workflow_graph_${graphs}`);
        const done = context.run(graph);
        running.add(done);
        try {
          const byGraphTask = await done;
          // What the operations returned, under the workflow's own task ids.
          const results: Record<string, JsonValue> = {};
          for (const [workflowId, graphId] of ids) {
            const value = byGraphTask.get(graphId);
            if (value !== undefined) results[workflowId] = value;
          }
          return { status: 'terminated', error: '', results };
        } catch (error) {
          if (error instanceof PhaseFailed) return { status: error.status, error: error.error };
          throw error;
        } finally {
          running.delete(done);
        }
      },
      sendEvent: async (message, instanceId) => {
        if (instanceId !== undefined && context.model.hasInstance(instanceId)) {
          await run.nodeEvent(instanceId, message);
        } else await context.stage(message);
      },
      instances: () => Promise.resolve(context.model.allInstances().map(instanceView)),
    },
    run.signal,
  );
  await Promise.allSettled([...running]);
  if (outcome.status === 'failed') {
    const error: OperationError = outcome.error;
    throw new PhaseFailed('failed', `Workflow function failed: ${error.type}: ${error.message}`);
  }
}
