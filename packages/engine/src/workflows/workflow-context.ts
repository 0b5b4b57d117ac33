/**
 * What a workflow that runs in phases gets (heal: check first, then heal what is unhealthy):
 * the deployment as it is now, its parameters, and a way to run a task graph and wait for it.
 * Each phase's graph gets its own subgraph names, so task ids stay unique in the execution and
 * a resumed execution finds the tasks of the phases that already ran.
 */
import type { JsonValue } from '@cairn/errors';
import type { JsonObject, StoreBatch } from '@cairn/store';
import type { TaskGraph } from '../graph/task-graph.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import type { WorkflowParameters } from './builtin-types.js';

/** The context of a phased workflow. */
export interface WorkflowContext {
  /** The deployment, kept in step with the store as tasks commit. */
  readonly model: DeploymentModel;
  readonly params: WorkflowParameters;
  /** Runs a graph to its end; throws {@link PhaseFailed} when it does not succeed. */
  /** Runs a graph to its end; resolves to what its operations returned, by task id. */
  run(graph: TaskGraph): Promise<ReadonlyMap<string, JsonValue>>;
  /** Writes an instance's system properties (heal bookkeeping). */
  setSystemProperties(instanceId: string, properties: JsonObject): Promise<void>;
  /** Sends a workflow event (`workflow_stage`). */
  stage(message: string): Promise<void>;
  /**
   * Changes the deployment's instances in one transaction (a deployment modification: scale
   * adds and removes instances and relationship instances); the model follows.
   */
  modify(batch: StoreBatch): Promise<void>;
  /** The execution's id (to mark what this execution created, for resume). */
  readonly executionId: string;
}

/** A graph of a phase did not succeed; the execution ends with its status and error. */
export class PhaseFailed extends Error {
  constructor(
    readonly status: 'failed' | 'cancelled',
    readonly error: string,
  ) {
    super(error === '' ? status : error);
    this.name = 'PhaseFailed';
  }
}

/** A workflow that builds one graph from the deployment as the execution started. */
export interface GraphWorkflow {
  readonly kind: 'graph';
  build(model: DeploymentModel, params: WorkflowParameters): TaskGraph;
}

/**
 * A workflow that runs several graphs, deciding each from what the one before did. `preview`
 * is its first graph, for a dry run.
 */
export interface PhasedWorkflow {
  readonly kind: 'phased';
  /** Checks the parameters before anything runs (throws a WorkflowError). */
  check(model: DeploymentModel, params: WorkflowParameters): void;
  run(context: WorkflowContext): Promise<void>;
  preview(model: DeploymentModel, params: WorkflowParameters): TaskGraph;
}

/** A built-in workflow. */
export type BuiltinWorkflow = GraphWorkflow | PhasedWorkflow;
