/**
 * The parts of Cairn's operation `ctx` this plugin uses (Cairn's JavaScript names). The plugin
 * depends on no Cairn package at run time: the worker passes the real object.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

export interface CtxNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: Readonly<JsonObject>;
  readonly number_of_instances: number;
}

export interface CtxInstanceView {
  readonly id: string;
  readonly runtime_properties: Readonly<JsonObject>;
  readonly host_id: string | null;
  readonly host_ip: string | null;
  readonly index: number;
  readonly scaling_groups: readonly { readonly name: string; readonly id: string }[];
}

export interface CtxRelationship {
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly target: { readonly node: CtxNode; readonly instance: CtxInstanceView };
}

export interface CtxInstance extends CtxInstanceView {
  readonly runtime_properties: JsonObject;
  readonly version: number;
  readonly relationships: readonly CtxRelationship[];
  update(): Promise<void>;
}

export interface CtxEndpoint {
  readonly node: CtxNode;
  readonly instance: CtxInstance;
}

export interface CtxLogger {
  debug(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  warning(message: unknown, ...args: unknown[]): void;
  error(message: unknown, ...args: unknown[]): void;
}

/** What an operation function receives as its first argument. */
export interface OperationContext {
  readonly type: 'node-instance' | 'relationship-instance' | 'deployment';
  /** Throws outside node operations. */
  readonly node: CtxNode;
  /** Throws outside node operations. */
  readonly instance: CtxInstance;
  /** Throws outside relationship operations. */
  readonly source: CtxEndpoint;
  /** Throws outside relationship operations. */
  readonly target: CtxEndpoint;
  readonly deployment: { readonly id: string };
  readonly blueprint: { readonly id: string };
  readonly execution_id: string;
  readonly workflow_id: string;
  readonly tenant_name: string;
  readonly task_id: string;
  readonly timeout: number | null;
  readonly plugin: {
    readonly name: string;
    readonly package_name: string | null;
    readonly package_version: string | null;
    readonly source: string | null;
    readonly properties: Readonly<JsonObject>;
    readonly workdir: string;
  };
  readonly operation: {
    readonly name: string;
    readonly retry_number: number;
    readonly max_retries: number;
    readonly relationship: 'source' | 'target' | undefined;
    retry(message?: string, retryAfter?: number): void;
  };
  readonly logger: CtxLogger;
  readonly signal: AbortSignal;
  getResource(path: string): Promise<string>;
  downloadResource(path: string, targetPath?: string): Promise<string>;
  getResourceAndRender(
    path: string,
    variables?: Readonly<Record<string, unknown>>,
  ): Promise<string>;
  downloadResourceAndRender(
    path: string,
    targetPath?: string,
    variables?: Readonly<Record<string, unknown>>,
  ): Promise<string>;
}

// ---- workflows ------------------------------------------------------------------------------

/**
 * A task of a custom workflow (Cairn's `WorkflowTask`): data until a graph holding it runs.
 * `execute()` runs it alone, as a one-task graph.
 */
export interface WfTask {
  readonly id: string;
  readonly kind: 'operation' | 'state' | 'event';
  readonly instanceId: string;
  readonly name: string;
  execute(): Promise<WfGraphResult>;
}

/**
 * How a graph ended, when it did not throw. Cairn's graphs report no task results today;
 * `results` (task id → the operation's result) is read when an engine gives them.
 */
export interface WfGraphResult {
  readonly status: 'terminated' | 'failed' | 'cancelled';
  readonly error: string;
  readonly results?: Readonly<Record<string, Json>>;
}

/** A graph of a custom workflow: nothing runs until `execute()`, which runs once. */
export interface WfGraph {
  add(...tasks: WfTask[]): WfGraph;
  /** `task` waits for `dependsOn`; both must be in the graph already. */
  addDependency(task: WfTask, dependsOn: WfTask): WfGraph;
  /** Resolves when every task succeeded; throws `WorkflowFailed` or `CancelledError` otherwise. */
  execute(): Promise<WfGraphResult>;
}

/** Options of an operation task. */
export interface WfOperationOptions {
  readonly kwargs?: Readonly<Record<string, unknown>>;
  readonly allowKwargsOverride?: boolean;
}

export interface WfNode {
  readonly id: string;
  readonly type: string;
  readonly typeHierarchy: readonly string[];
  readonly properties: Readonly<JsonObject>;
  /** Operation names the node has (full and unique short names). */
  readonly operations: readonly string[];
  readonly numberOfInstances: number;
}

export interface WfRelationship {
  readonly type: string;
  readonly index: number;
  readonly targetId: string;
  /** The target node's id. */
  readonly targetName: string;
  executeSourceOperation(operation: string, options?: WfOperationOptions): WfTask;
  executeTargetOperation(operation: string, options?: WfOperationOptions): WfTask;
}

export interface WfNodeInstance {
  readonly id: string;
  readonly nodeId: string;
  readonly state: string | null;
  readonly runtimeProperties: Readonly<JsonObject>;
  readonly hostId: string | null;
  readonly index: number;
  readonly relationships: readonly WfRelationship[];
  executeOperation(operation: string, options?: WfOperationOptions): WfTask;
  setState(state: string): WfTask;
  sendEvent(message: string): WfTask;
}

/** What a workflow function receives as its first argument (the parts this plugin uses). */
export interface WorkflowContext {
  readonly nodes: readonly WfNode[];
  /** As of the request or the last `refresh()`. */
  readonly nodeInstances: readonly WfNodeInstance[];
  getNodeInstance(id: string): WfNodeInstance | undefined;
  readonly deployment: { readonly id: string };
  readonly blueprint: { readonly id: string };
  readonly executionId: string;
  readonly workflowId: string;
  readonly tenantName: string;
  readonly parameters: Readonly<JsonObject>;
  readonly resume: boolean;
  readonly logger: CtxLogger;
  /** Aborted when the workflow is cancelled. */
  readonly signal: AbortSignal;
  /** A `workflow_stage` event now (a node event when `instanceId` is given). */
  sendEvent(message: string, instanceId?: string): Promise<void>;
  graph(): WfGraph;
  /** Re-reads the node instances from the engine. */
  refresh(): Promise<void>;
  downloadResource(path: string, targetPath?: string): Promise<string>;
}
