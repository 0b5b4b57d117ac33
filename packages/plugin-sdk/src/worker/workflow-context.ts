/**
 * The `ctx` a workflow function receives (Cloudify's CloudifyWorkflowContext, spec §5.7), built
 * in the worker from a `run_workflow` request.
 *
 * Tasks are data. A graph sends its tasks to the engine (`workflow.run_graph`) and the engine's
 * scheduler runs them with the same machinery as the built-in workflows (retries, events,
 * states); the function only waits for the result. TypeScript names are primary; Cloudify's
 * snake_case names are aliases of the same members.
 */
import {
  parseWorkflowGraphResult,
  parseWorkflowInstances,
  type JsonObject,
  type WorkflowGraphResultData,
  type WorkflowInstanceData,
  type WorkflowNodeData,
  type WorkflowRunRequest,
  type WorkflowTaskData,
} from '@cairn/plugin-protocol';
import { NonRecoverableError, WorkflowFailed } from '../errors.js';
import {
  createContextLogger,
  deepFreeze,
  type ContextLogger,
  type ContextServices,
} from './context.js';
import { downloadResource, readResource } from './resources.js';

/** What a task does. */
export type WorkflowTaskKind = WorkflowTaskData['kind'];

/**
 * One step a graph runs: made by {@link WorkflowNodeInstance.executeOperation},
 * {@link WorkflowNodeInstance.setState}, {@link WorkflowNodeInstance.sendEvent} or a
 * relationship's `executeSourceOperation` / `executeTargetOperation`. Creating it runs nothing.
 */
export interface WorkflowTask {
  /** Unique in the workflow run, hence in every graph. */
  readonly id: string;
  /** What it does: run an operation, set a state, or send an event. */
  readonly kind: WorkflowTaskKind;
  /** The instance it runs on (for a relationship operation, the relationship's source). */
  readonly instanceId: string;
  /** The operation name, the state, or the event message. */
  readonly name: string;
  /** Runs this task alone, as a one-task graph; see {@link WorkflowGraph.execute}. */
  execute(): Promise<WorkflowGraphResultData>;
}

/** A step of a sequence: one task, or tasks that run in parallel (a fork-join). */
export type WorkflowStep = WorkflowTask | readonly WorkflowTask[];

/** A chain inside a graph: each step waits for the step before it (`graph.sequence()`). */
export interface WorkflowSequence {
  /** Appends steps (and adds their tasks to the graph); the first waits for the last step so far. */
  add(...steps: WorkflowStep[]): WorkflowSequence;
}

/**
 * Tasks and what they wait for (`ctx.graph()`). Nothing runs until {@link WorkflowGraph.execute};
 * tasks with no dependency between them may run in parallel.
 */
export interface WorkflowGraph {
  /** The tasks added so far, in the order they were added. */
  readonly tasks: readonly WorkflowTask[];
  /** Adds tasks (adding one twice is harmless). */
  add(...tasks: WorkflowTask[]): WorkflowGraph;
  /** Adds the steps as a chain: each waits for the one before it. */
  sequence(...steps: WorkflowStep[]): WorkflowSequence;
  /** `task` waits for `dependsOn`; both must be in the graph already. */
  addDependency(task: WorkflowTask, dependsOn: WorkflowTask): WorkflowGraph;
  /** Alias of {@link WorkflowGraph.addDependency}. */
  add_dependency(task: WorkflowTask, dependsOn: WorkflowTask): WorkflowGraph;
  /** The tasks as {@link WorkflowGraph.execute} sends them to the engine. */
  specs(): WorkflowTaskData[];
  /**
   * Runs the graph with the engine's scheduler and waits for it: resolves when every task
   * succeeded; throws a `WorkflowFailed` with the engine's reason when it failed, and an error
   * named `CancelledError` when it (or the workflow) was cancelled. A graph runs once.
   */
  execute(): Promise<WorkflowGraphResultData>;
}

/** Options of {@link WorkflowNodeInstance.executeOperation}. */
export interface ExecuteOperationOptions {
  /** Inputs for the operation (JSON), merged over the inputs the blueprint declares. */
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Let `kwargs` override inputs the blueprint declares (Cloudify's `allow_kwargs_override`). */
  readonly allowKwargsOverride?: boolean;
  /** Alias of {@link ExecuteOperationOptions.allowKwargsOverride}. */
  readonly allow_kwargs_override?: boolean;
}

/** A node template as a workflow function sees it (`ctx.nodes`). */
export interface WorkflowNode {
  /** The node template's name in the blueprint. */
  readonly id: string;
  /** Its node type. */
  readonly type: string;
  /** From `cloudify.nodes.Root` down to the node's own type. */
  readonly typeHierarchy: readonly string[];
  /** Alias of {@link WorkflowNode.typeHierarchy}. */
  readonly type_hierarchy: readonly string[];
  /** Frozen. */
  readonly properties: Readonly<JsonObject>;
  /** Operation names the node has (full and unique short names). */
  readonly operations: readonly string[];
  /** How many instances it has. */
  readonly numberOfInstances: number;
  /** Alias of {@link WorkflowNode.numberOfInstances}. */
  readonly number_of_instances: number;
  /** The node's instances (as of the request or the last `ctx.refresh()`). */
  readonly instances: readonly WorkflowNodeInstance[];
  /** Whether the node has this operation (full or unique short name). */
  hasOperation(name: string): boolean;
  /** Alias of {@link WorkflowNode.hasOperation}. */
  has_operation(name: string): boolean;
}

/** A relationship of a node instance, from its source's side. */
export interface WorkflowRelationship {
  /** The relationship type. */
  readonly type: string;
  /** Its position in the source instance's relationships. */
  readonly index: number;
  /** The instance the relationship starts from. */
  readonly source: WorkflowNodeInstance;
  /** The target instance's id. */
  readonly targetId: string;
  /** Alias of {@link WorkflowRelationship.targetId}. */
  readonly target_id: string;
  /** The target node's id. */
  readonly targetName: string;
  /** Alias of {@link WorkflowRelationship.targetName}. */
  readonly target_name: string;
  /** The target instance (undefined if the engine did not list it). */
  readonly target: WorkflowNodeInstance | undefined;
  /** A task running the source side's operation of this relationship (e.g. `establish`). */
  executeSourceOperation(operation: string, options?: ExecuteOperationOptions): WorkflowTask;
  /** Alias of {@link WorkflowRelationship.executeSourceOperation}. */
  execute_source_operation(operation: string, options?: ExecuteOperationOptions): WorkflowTask;
  /** A task running the target side's operation of this relationship. */
  executeTargetOperation(operation: string, options?: ExecuteOperationOptions): WorkflowTask;
  /** Alias of {@link WorkflowRelationship.executeTargetOperation}. */
  execute_target_operation(operation: string, options?: ExecuteOperationOptions): WorkflowTask;
}

/** A node instance as a workflow function sees it (`ctx.nodeInstances`, `node.instances`). */
export interface WorkflowNodeInstance {
  /** The node instance id. */
  readonly id: string;
  /** The id of its node. */
  readonly nodeId: string;
  /** Alias of {@link WorkflowNodeInstance.nodeId}. */
  readonly node_id: string;
  /** Its node. */
  readonly node: WorkflowNode;
  /** As of the request or the last `ctx.refresh()`. */
  readonly state: string | null;
  /** Frozen; as of the request or the last `ctx.refresh()`. */
  readonly runtimeProperties: Readonly<JsonObject>;
  /** Alias of {@link WorkflowNodeInstance.runtimeProperties}. */
  readonly runtime_properties: Readonly<JsonObject>;
  /** The id of the Compute instance it is contained in, or null. */
  readonly hostId: string | null;
  /** Alias of {@link WorkflowNodeInstance.hostId}. */
  readonly host_id: string | null;
  /** Its position among its node's instances. */
  readonly index: number;
  /** In the node template's declaration order. */
  readonly relationships: readonly WorkflowRelationship[];
  /** A task running one of the instance's operations (full or unique short name). */
  executeOperation(operation: string, options?: ExecuteOperationOptions): WorkflowTask;
  /** Alias of {@link WorkflowNodeInstance.executeOperation}. */
  execute_operation(operation: string, options?: ExecuteOperationOptions): WorkflowTask;
  /** A task storing the instance's state (e.g. `started`). */
  setState(state: string): WorkflowTask;
  /** Alias of {@link WorkflowNodeInstance.setState}. */
  set_state(state: string): WorkflowTask;
  /** A task sending a `workflow_node_event` about the instance. */
  sendEvent(message: string): WorkflowTask;
  /** Alias of {@link WorkflowNodeInstance.sendEvent}. */
  send_event(message: string): WorkflowTask;
}

/**
 * What a workflow function receives as its first argument. Calling convention: the function at
 * the workflow's `mapping` (a property path into the plugin's exports) is called as
 * `fn(ctx, parameters)` with `this` the object it hangs from, and awaited; its resolved value
 * (as JSON) is the workflow's result, a throw fails the workflow.
 */
export interface WorkflowContext {
  /** Every node of the deployment. */
  readonly nodes: readonly WorkflowNode[];
  /** Every node instance (as of the request or the last {@link WorkflowContext.refresh}). */
  readonly nodeInstances: readonly WorkflowNodeInstance[];
  /** Alias of {@link WorkflowContext.nodeInstances}. */
  readonly node_instances: readonly WorkflowNodeInstance[];
  /** A node by id, or undefined. */
  getNode(id: string): WorkflowNode | undefined;
  /** Alias of {@link WorkflowContext.getNode}. */
  get_node(id: string): WorkflowNode | undefined;
  /** A node instance by id, or undefined. */
  getNodeInstance(id: string): WorkflowNodeInstance | undefined;
  /** Alias of {@link WorkflowContext.getNodeInstance}. */
  get_node_instance(id: string): WorkflowNodeInstance | undefined;
  /** The deployment the workflow runs on. */
  readonly deployment: { readonly id: string };
  /** The blueprint the deployment was created from. */
  readonly blueprint: { readonly id: string };
  /** This workflow run's execution id. */
  readonly executionId: string;
  /** Alias of {@link WorkflowContext.executionId}. */
  readonly execution_id: string;
  /** The workflow's name, e.g. `my_upgrade`. */
  readonly workflowId: string;
  /** Alias of {@link WorkflowContext.workflowId}. */
  readonly workflow_id: string;
  /** The tenant (`default_tenant` in local mode). */
  readonly tenantName: string;
  /** Alias of {@link WorkflowContext.tenantName}. */
  readonly tenant_name: string;
  /** The workflow's parameters (frozen); also the function's second argument. */
  readonly parameters: Readonly<JsonObject>;
  /** True when the execution is being resumed. */
  readonly resume: boolean;
  /** The plugin the workflow function belongs to. */
  readonly plugin: {
    readonly name: string;
    readonly package_name: string | null;
    readonly package_version: string | null;
    readonly source: string | null;
    readonly properties: Readonly<JsonObject>;
  };
  /** Each call becomes a log record of the execution. */
  readonly logger: ContextLogger;
  /** Aborted when the workflow is cancelled (the worker is killed after a grace). */
  readonly signal: AbortSignal;
  /**
   * Sends a `workflow_stage` event now (a `workflow_node_event` when `instanceId` is given).
   * Resolves once the engine has it.
   */
  sendEvent(message: string, instanceId?: string): Promise<void>;
  /** Alias of {@link WorkflowContext.sendEvent}. */
  send_event(message: string, instanceId?: string): Promise<void>;
  /** A new, empty graph. */
  graph(): WorkflowGraph;
  /** Alias of {@link WorkflowContext.graph} (Cloudify's `graph_mode()`). */
  graph_mode(): WorkflowGraph;
  /**
   * Re-reads the node instances from the engine: states and runtime properties of the objects
   * already held are updated in place; added instances appear, removed ones disappear.
   */
  refresh(): Promise<void>;
  /** A blueprint resource as UTF-8 text, or as bytes with `encoding` null. */
  getResource(path: string, encoding?: BufferEncoding): Promise<string>;
  getResource(path: string, encoding: null): Promise<Buffer>;
  /** Copies a resource to `targetPath` (else a temporary file); resolves to the local path. */
  downloadResource(path: string, targetPath?: string): Promise<string>;
}

// ---- implementation -----------------------------------------------------------------------

type TaskBody =
  | {
      readonly kind: 'operation';
      readonly operation: string;
      readonly kwargs?: JsonObject;
      readonly allow_kwargs_override?: boolean;
      readonly relationship?: { readonly index: number; readonly side: 'source' | 'target' };
    }
  | { readonly kind: 'state'; readonly state: string }
  | { readonly kind: 'event'; readonly message: string };

interface TaskRecord {
  readonly task: WorkflowTask;
  readonly instanceId: string;
  readonly body: TaskBody;
}

/** A message as text: plain JavaScript callers may pass anything. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function cancelledError(message: string): Error {
  const error = new Error(message) as Error & { recoverable: boolean };
  error.name = 'CancelledError';
  error.recoverable = false;
  return error;
}

/** `kwargs` as fresh JSON (later changes by the caller do not leak into the task). */
function kwargsJson(operation: string, kwargs: unknown): JsonObject | undefined {
  if (kwargs === undefined) return undefined;
  let copy: unknown;
  try {
    const text = JSON.stringify(kwargs);
    copy = text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    throw new NonRecoverableError(
      `kwargs of ${operation} are not JSON-serialisable: ${errorMessage(error)}`,
    );
  }
  if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) {
    throw new NonRecoverableError(`kwargs of ${operation} must be an object`);
  }
  return copy as JsonObject;
}

function operationBody(
  operation: string,
  options: ExecuteOperationOptions | undefined,
  relationship?: { index: number; side: 'source' | 'target' },
): TaskBody {
  if (typeof operation !== 'string' || operation === '') {
    throw new NonRecoverableError('an operation name must be a non-empty string');
  }
  const kwargs = kwargsJson(operation, options?.kwargs);
  const override = options?.allowKwargsOverride ?? options?.allow_kwargs_override;
  return {
    kind: 'operation',
    operation,
    ...(kwargs === undefined ? {} : { kwargs }),
    ...(override === undefined ? {} : { allow_kwargs_override: override }),
    ...(relationship === undefined ? {} : { relationship }),
  };
}

/** The state shared by everything one workflow's `ctx` hands out. */
class Workflow {
  private nextTask = 1;
  private readonly records = new WeakMap<WorkflowTask, TaskRecord>();
  readonly nodes: readonly NodeView[];
  private readonly nodesById: ReadonlyMap<string, NodeView>;
  private instancesById = new Map<string, InstanceView>();
  private instanceList: readonly WorkflowNodeInstance[] = [];
  private byNode = new Map<string, readonly WorkflowNodeInstance[]>();

  constructor(
    request: WorkflowRunRequest,
    readonly services: ContextServices,
  ) {
    this.nodes = Object.freeze(request.nodes.map((data) => new NodeView(data, this)));
    this.nodesById = new Map(this.nodes.map((node) => [node.id, node]));
    this.adopt(request.instances);
  }

  node(id: string): NodeView | undefined {
    return this.nodesById.get(id);
  }

  instance(id: string): InstanceView | undefined {
    return this.instancesById.get(id);
  }

  get instances(): readonly WorkflowNodeInstance[] {
    return this.instanceList;
  }

  instancesOf(nodeId: string): readonly WorkflowNodeInstance[] {
    return this.byNode.get(nodeId) ?? Object.freeze([]);
  }

  /** Takes a fresh list of instances, keeping the objects of those already known. */
  adopt(list: readonly WorkflowInstanceData[]): void {
    const next = new Map<string, InstanceView>();
    for (const data of list) {
      const known = this.instancesById.get(data.id);
      if (known === undefined) next.set(data.id, new InstanceView(data, this));
      else {
        known.update(data);
        next.set(data.id, known);
      }
    }
    this.instancesById = next;
    this.instanceList = Object.freeze([...next.values()]);
    const byNode = new Map<string, WorkflowNodeInstance[]>();
    for (const instance of next.values()) {
      const group = byNode.get(instance.nodeId);
      if (group === undefined) byNode.set(instance.nodeId, [instance]);
      else group.push(instance);
    }
    this.byNode = new Map([...byNode].map(([key, group]) => [key, Object.freeze(group)]));
  }

  task(instanceId: string, body: TaskBody): WorkflowTask {
    const id = `task-${this.nextTask}`;
    this.nextTask += 1;
    const name =
      body.kind === 'operation'
        ? body.operation
        : body.kind === 'state'
          ? body.state
          : body.message;
    const task: WorkflowTask = Object.freeze({
      id,
      kind: body.kind,
      instanceId,
      name,
      execute: (): Promise<WorkflowGraphResultData> => this.graph().add(task).execute(),
    });
    this.records.set(task, { task, instanceId, body });
    return task;
  }

  record(task: WorkflowTask): TaskRecord {
    const record = this.records.get(task);
    if (record === undefined) {
      throw new NonRecoverableError(
        'not a task of this workflow: make tasks with instance.executeOperation(), setState() or sendEvent()',
      );
    }
    return record;
  }

  graph(): WorkflowGraph {
    return new Graph(this);
  }

  async runGraph(tasks: WorkflowTaskData[]): Promise<WorkflowGraphResultData> {
    const raw = await this.services.call('workflow.run_graph', { tasks });
    const result = parseWorkflowGraphResult(raw);
    if (result === undefined) {
      throw new Error(`workflow.run_graph returned no graph result: ${JSON.stringify(raw)}`);
    }
    switch (result.status) {
      case 'terminated':
        return result;
      case 'failed':
        throw new WorkflowFailed(result.error === '' ? 'the workflow graph failed' : result.error);
      case 'cancelled':
        throw cancelledError(
          result.error === '' ? 'the workflow graph was cancelled' : result.error,
        );
    }
  }

  async refresh(): Promise<void> {
    const raw = await this.services.call('workflow.instances', {});
    const list = parseWorkflowInstances(raw);
    if (list === undefined) throw new Error('workflow.instances returned no list of instances');
    this.adopt(list);
  }
}

class NodeView implements WorkflowNode {
  readonly id: string;
  readonly type: string;
  readonly typeHierarchy: readonly string[];
  readonly properties: Readonly<JsonObject>;
  readonly operations: readonly string[];
  readonly numberOfInstances: number;
  private readonly operationSet: ReadonlySet<string>;

  constructor(
    data: WorkflowNodeData,
    private readonly workflow: Workflow,
  ) {
    this.id = data.id;
    this.type = data.type;
    this.typeHierarchy = deepFreeze([...data.type_hierarchy]);
    this.properties = deepFreeze(data.properties);
    this.operations = deepFreeze([...data.operations]);
    this.numberOfInstances = data.number_of_instances;
    this.operationSet = new Set(data.operations);
    Object.freeze(this);
  }

  get type_hierarchy(): readonly string[] {
    return this.typeHierarchy;
  }

  get number_of_instances(): number {
    return this.numberOfInstances;
  }

  get instances(): readonly WorkflowNodeInstance[] {
    return this.workflow.instancesOf(this.id);
  }

  hasOperation(name: string): boolean {
    return this.operationSet.has(name);
  }

  has_operation(name: string): boolean {
    return this.hasOperation(name);
  }
}

class InstanceView implements WorkflowNodeInstance {
  readonly id: string;
  readonly nodeId: string;
  private data: WorkflowInstanceData;
  private rels: readonly WorkflowRelationship[];

  constructor(
    data: WorkflowInstanceData,
    private readonly workflow: Workflow,
  ) {
    this.id = data.id;
    this.nodeId = data.node_id;
    this.data = deepFreeze(data);
    this.rels = this.relationshipsOf(data);
  }

  /** Takes fresh data about the same instance (`ctx.refresh`). */
  update(data: WorkflowInstanceData): void {
    const before = JSON.stringify(this.data.relationships);
    this.data = deepFreeze(data);
    if (JSON.stringify(data.relationships) !== before) this.rels = this.relationshipsOf(data);
  }

  private relationshipsOf(data: WorkflowInstanceData): readonly WorkflowRelationship[] {
    return Object.freeze(
      data.relationships.map((rel, index) => new RelationshipView(this, index, rel, this.workflow)),
    );
  }

  get node_id(): string {
    return this.nodeId;
  }

  get node(): WorkflowNode {
    const node = this.workflow.node(this.nodeId);
    if (node === undefined) {
      throw new NonRecoverableError(`instance ${this.id} belongs to unknown node ${this.nodeId}`);
    }
    return node;
  }

  get state(): string | null {
    return this.data.state;
  }

  get runtimeProperties(): Readonly<JsonObject> {
    return this.data.runtime_properties;
  }

  get runtime_properties(): Readonly<JsonObject> {
    return this.data.runtime_properties;
  }

  get hostId(): string | null {
    return this.data.host_id;
  }

  get host_id(): string | null {
    return this.data.host_id;
  }

  get index(): number {
    return this.data.index;
  }

  get relationships(): readonly WorkflowRelationship[] {
    return this.rels;
  }

  executeOperation(operation: string, options?: ExecuteOperationOptions): WorkflowTask {
    return this.workflow.task(this.id, operationBody(operation, options));
  }

  execute_operation(operation: string, options?: ExecuteOperationOptions): WorkflowTask {
    return this.executeOperation(operation, options);
  }

  setState(state: string): WorkflowTask {
    if (typeof state !== 'string' || state === '') {
      throw new NonRecoverableError('a state must be a non-empty string');
    }
    return this.workflow.task(this.id, { kind: 'state', state });
  }

  set_state(state: string): WorkflowTask {
    return this.setState(state);
  }

  sendEvent(message: string): WorkflowTask {
    return this.workflow.task(this.id, { kind: 'event', message: asText(message) });
  }

  send_event(message: string): WorkflowTask {
    return this.sendEvent(message);
  }
}

class RelationshipView implements WorkflowRelationship {
  readonly type: string;
  readonly targetId: string;
  readonly targetName: string;

  constructor(
    readonly source: WorkflowNodeInstance,
    readonly index: number,
    data: WorkflowInstanceData['relationships'][number],
    private readonly workflow: Workflow,
  ) {
    this.type = data.type;
    this.targetId = data.target_id;
    this.targetName = data.target_name;
    Object.freeze(this);
  }

  get target_id(): string {
    return this.targetId;
  }

  get target_name(): string {
    return this.targetName;
  }

  get target(): WorkflowNodeInstance | undefined {
    return this.workflow.instance(this.targetId);
  }

  private side(
    side: 'source' | 'target',
    operation: string,
    options: ExecuteOperationOptions | undefined,
  ): WorkflowTask {
    return this.workflow.task(
      this.source.id,
      operationBody(operation, options, { index: this.index, side }),
    );
  }

  executeSourceOperation(operation: string, options?: ExecuteOperationOptions): WorkflowTask {
    return this.side('source', operation, options);
  }

  execute_source_operation(operation: string, options?: ExecuteOperationOptions): WorkflowTask {
    return this.side('source', operation, options);
  }

  executeTargetOperation(operation: string, options?: ExecuteOperationOptions): WorkflowTask {
    return this.side('target', operation, options);
  }

  execute_target_operation(operation: string, options?: ExecuteOperationOptions): WorkflowTask {
    return this.side('target', operation, options);
  }
}

class Graph implements WorkflowGraph {
  /** Task → what it waits for, in the order tasks were added. */
  private readonly dependencies = new Map<WorkflowTask, Set<WorkflowTask>>();
  private executed = false;

  constructor(private readonly workflow: Workflow) {}

  get tasks(): readonly WorkflowTask[] {
    return Object.freeze([...this.dependencies.keys()]);
  }

  add(...tasks: WorkflowTask[]): WorkflowGraph {
    for (const task of tasks) {
      this.workflow.record(task);
      if (!this.dependencies.has(task)) this.dependencies.set(task, new Set());
    }
    return this;
  }

  sequence(...steps: WorkflowStep[]): WorkflowSequence {
    let previous: readonly WorkflowTask[] = [];
    const sequence: WorkflowSequence = {
      add: (...more: WorkflowStep[]): WorkflowSequence => {
        for (const step of more) {
          const tasks: readonly WorkflowTask[] = Array.isArray(step)
            ? (step as readonly WorkflowTask[])
            : [step as WorkflowTask];
          if (tasks.length === 0) continue;
          this.add(...tasks);
          for (const task of tasks) {
            for (const before of previous) this.addDependency(task, before);
          }
          previous = tasks;
        }
        return sequence;
      },
    };
    return sequence.add(...steps);
  }

  addDependency(task: WorkflowTask, dependsOn: WorkflowTask): WorkflowGraph {
    const waits = this.dependencies.get(task);
    for (const [which, value] of [
      ['task', task],
      ['dependsOn', dependsOn],
    ] as const) {
      this.workflow.record(value);
      if (!this.dependencies.has(value)) {
        throw new NonRecoverableError(
          `addDependency: ${which} ${value.id} (${value.name}) is not in this graph; add it first`,
        );
      }
    }
    if (task === dependsOn) {
      throw new NonRecoverableError(`addDependency: task ${task.id} cannot wait for itself`);
    }
    waits?.add(dependsOn);
    return this;
  }

  add_dependency(task: WorkflowTask, dependsOn: WorkflowTask): WorkflowGraph {
    return this.addDependency(task, dependsOn);
  }

  specs(): WorkflowTaskData[] {
    return [...this.dependencies].map(([task, waits]): WorkflowTaskData => {
      const { instanceId, body } = this.workflow.record(task);
      return {
        id: task.id,
        instance_id: instanceId,
        depends_on: [...waits].map((before) => before.id),
        ...body,
      };
    });
  }

  async execute(): Promise<WorkflowGraphResultData> {
    if (this.executed) {
      throw new NonRecoverableError('this graph has already run; build a new one with ctx.graph()');
    }
    this.executed = true;
    this.checkAcyclic();
    const specs = this.specs();
    if (specs.length === 0) return { status: 'terminated', error: '' };
    return this.workflow.runGraph(specs);
  }

  /** Refuses a dependency cycle here, with the tasks named, rather than as an engine error. */
  private checkAcyclic(): void {
    const waiting = new Map([...this.dependencies].map(([task, waits]) => [task, waits.size]));
    const dependents = new Map<WorkflowTask, WorkflowTask[]>();
    for (const [task, waits] of this.dependencies) {
      for (const before of waits) dependents.set(before, [...(dependents.get(before) ?? []), task]);
    }
    const ready = [...waiting].filter(([, count]) => count === 0).map(([task]) => task);
    for (let task = ready.pop(); task !== undefined; task = ready.pop()) {
      waiting.delete(task);
      for (const next of dependents.get(task) ?? []) {
        const count = (waiting.get(next) ?? 0) - 1;
        waiting.set(next, count);
        if (count === 0) ready.push(next);
      }
    }
    if (waiting.size > 0) {
      const names = [...waiting.keys()].map((task) => `${task.id} (${task.name})`).join(', ');
      throw new NonRecoverableError(`the graph has a dependency cycle among: ${names}`);
    }
  }
}

/** Builds the `ctx` of one workflow function. */
export function createWorkflowContext(
  request: WorkflowRunRequest,
  services: ContextServices,
): WorkflowContext {
  const workflow = new Workflow(request, services);
  const root = request.resources_path;
  const sendEvent = async (message: string, instanceId?: string): Promise<void> => {
    await services.call('workflow.send_event', {
      message: asText(message),
      ...(instanceId === undefined ? {} : { instance_id: instanceId }),
    });
  };
  const getNode = (id: string): WorkflowNode | undefined => workflow.node(id);
  const getNodeInstance = (id: string): WorkflowNodeInstance | undefined => workflow.instance(id);
  const graph = (): WorkflowGraph => workflow.graph();
  return Object.freeze({
    nodes: workflow.nodes,
    get nodeInstances(): readonly WorkflowNodeInstance[] {
      return workflow.instances;
    },
    get node_instances(): readonly WorkflowNodeInstance[] {
      return workflow.instances;
    },
    getNode,
    get_node: getNode,
    getNodeInstance,
    get_node_instance: getNodeInstance,
    deployment: Object.freeze({ id: request.deployment_id }),
    blueprint: Object.freeze({ id: request.blueprint_id }),
    executionId: request.execution_id,
    execution_id: request.execution_id,
    workflowId: request.workflow_id,
    workflow_id: request.workflow_id,
    tenantName: request.tenant,
    tenant_name: request.tenant,
    parameters: deepFreeze(structuredClone(request.parameters)),
    resume: request.resume,
    plugin: Object.freeze({
      name: request.plugin.name,
      package_name: request.plugin.package_name,
      package_version: request.plugin.package_version,
      source: request.plugin.source,
      properties: deepFreeze(request.plugin.properties),
    }),
    logger: createContextLogger(services),
    signal: services.signal,
    sendEvent,
    send_event: sendEvent,
    graph,
    graph_mode: graph,
    refresh: (): Promise<void> => workflow.refresh(),
    getResource: ((path: string, encoding: BufferEncoding | null = 'utf8') =>
      readResource(root, path, encoding)) as WorkflowContext['getResource'],
    downloadResource: (path: string, targetPath?: string): Promise<string> =>
      downloadResource(root, path, targetPath),
  }) satisfies WorkflowContext;
}
