/**
 * The parts of Cairn's `ctx` this plugin uses, taken from `@cairn/plugin-sdk`. Operations use
 * the SDK's types as they are (less what the plugin never calls, so its test fakes stay small).
 * Workflow functions get the narrow structural view below: the SDK's `WorkflowContext`
 * satisfies it, and the fakes in this plugin's tests need implement only what it names.
 */
import type {
  ContextEndpoint,
  ContextInstance,
  ContextInstanceView,
  ContextLogger,
  ContextNode,
  ContextRelationship,
  JsonObject,
  JsonValue,
  OperationContext as SdkOperationContext,
} from '@cairn/plugin-sdk';

export type { JsonObject };

/** A JSON value. */
export type Json = JsonValue;

export type CtxNode = ContextNode;
export type CtxInstanceView = ContextInstanceView;
export type CtxRelationship = ContextRelationship;
export type CtxInstance = ContextInstance;
export type CtxEndpoint = ContextEndpoint;
export type CtxLogger = Pick<ContextLogger, 'debug' | 'info' | 'warning' | 'error'>;

/** What an operation function receives as its first argument (the parts this plugin uses). */
export type OperationContext = Omit<
  SdkOperationContext,
  'getResource' | 'timeout_recoverable' | 'logger'
> & {
  readonly logger: CtxLogger;
  getResource(path: string): Promise<string>;
};

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
