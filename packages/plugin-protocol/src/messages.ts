/**
 * The messages between Cairn's plugin host and a plugin worker, as discriminated unions on `type`.
 *
 * Everything here is plain JSON: a worker in any language can speak it. The payload shapes mirror
 * the engine's `OperationRequest` / `OperationOutcome` structurally (this package may depend only
 * on `@cairn/errors`), so the host passes the engine's values through unchanged.
 */
import type { JsonValue } from '@cairn/errors';

export type { JsonValue };

/**
 * The protocol version this package speaks. A worker announces its own in `hello`; the host
 * refuses any other. Bump it on any change a peer of the previous version would misread.
 */
export const PROTOCOL_VERSION = 1;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A node template as an operation sees it (`ctx.node`). */
export interface NodeData {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: JsonObject;
  readonly number_of_instances: number;
}

/** A relationship of a node instance (`ctx.instance.relationships[i]`). */
export interface RelationshipData {
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly target: { readonly node: NodeData; readonly instance: InstanceData };
}

/** A node instance as an operation sees it (`ctx.instance`). */
export interface InstanceData {
  readonly id: string;
  readonly runtime_properties: JsonObject;
  /** The stored version the runtime properties were read at (for `instance.update`). */
  readonly version: number;
  readonly host_id: string | null;
  readonly host_ip: string | null;
  readonly index: number;
  readonly scaling_groups: readonly { readonly name: string; readonly id: string }[];
  /** Present for node operations; one level deep. */
  readonly relationships?: readonly RelationshipData[];
}

/** One end of a relationship operation (`ctx.source`, `ctx.target`). */
export interface EndpointData {
  readonly node: NodeData;
  readonly instance: InstanceData;
}

/** The plugin an operation belongs to (`ctx.plugin`). */
export interface PluginData {
  readonly name: string;
  readonly package_name: string | null;
  readonly package_version: string | null;
  readonly source: string | null;
  readonly properties: JsonObject;
}

/** Which operation runs (`ctx.operation`). */
export interface OperationData {
  /** Full name, e.g. `cloudify.interfaces.lifecycle.create`. */
  readonly name: string;
  /** Property path of the function in the plugin's entry module exports, e.g. `tasks.create`. */
  readonly function: string;
  readonly retry_number: number;
  /** -1 when unlimited. */
  readonly max_retries: number;
  /** For relationship operations: which end's interface runs it. */
  readonly relationship?: 'source' | 'target';
}

/** Everything a worker needs to run one operation (the engine's `OperationRequest`). */
export interface RunRequest {
  readonly task_id: string;
  readonly execution_id: string;
  readonly deployment_id: string;
  readonly blueprint_id: string;
  readonly workflow_id: string;
  readonly tenant: string;
  readonly plugin: PluginData;
  readonly operation: OperationData;
  readonly inputs: JsonObject;
  /** Seconds; null for no limit. The host enforces it; the worker only reports it. */
  readonly timeout: number | null;
  readonly timeout_recoverable: boolean;
  readonly node?: NodeData;
  readonly instance?: InstanceData;
  readonly source?: EndpointData;
  readonly target?: EndpointData;
  /** Absolute folder of the blueprint's files. */
  readonly resources_path: string;
  /** Absolute folder for `ctx.plugin.workdir`, created on demand. */
  readonly workdir: string;
}

/** One cause of a failure. */
export interface FailureCause {
  readonly type: string;
  readonly message: string;
  readonly traceback?: string;
}

/** How an operation failed (the engine's `OperationError`). */
export interface FailureData {
  readonly type: string;
  readonly recoverable: boolean;
  readonly message: string;
  /** Seconds to wait before a retry. */
  readonly retry_after?: number;
  readonly causes?: readonly FailureCause[];
  readonly traceback?: string;
  readonly output_tail?: string;
}

/** Instance id → runtime properties as the operation left them (changed instances only). */
export interface RuntimePropertiesData {
  readonly [instanceId: string]: JsonObject;
}

/** What running an operation gave (the engine's `OperationOutcome`). */
export type RunOutcome =
  | {
      readonly status: 'succeeded';
      readonly result: JsonValue;
      readonly runtime_properties: RuntimePropertiesData;
    }
  | {
      readonly status: 'failed';
      readonly error: FailureData;
      readonly runtime_properties: RuntimePropertiesData;
    };

/** Log levels an operation may write at. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** Every log level, for validation. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error'];

/** Parameters of `instance.update`: store these runtime properties if still at `version`. */
export interface InstanceUpdateParams {
  readonly instance_id: string;
  readonly runtime_properties: JsonObject;
  readonly version: number;
}

/** Result of `instance.update`: the version the properties were stored at. */
export interface InstanceUpdateResult {
  readonly version: number;
}

// ---- workflows ----------------------------------------------------------------------------

/** A node as a workflow function sees it (the engine's `WorkflowNodeView`). */
export interface WorkflowNodeData {
  readonly id: string;
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: JsonObject;
  /** Operation names the node has (full and unique short names). */
  readonly operations: readonly string[];
  readonly number_of_instances: number;
}

/** A relationship of a node instance as a workflow function sees it. */
export interface WorkflowRelationshipData {
  readonly type: string;
  /** The target instance's id. */
  readonly target_id: string;
  /** The target node's id. */
  readonly target_name: string;
}

/** A node instance as a workflow function sees it (the engine's `WorkflowInstanceView`). */
export interface WorkflowInstanceData {
  readonly id: string;
  readonly node_id: string;
  readonly state: string | null;
  readonly runtime_properties: JsonObject;
  readonly host_id: string | null;
  readonly index: number;
  /** In the node template's declaration order (a task's `relationship.index` points here). */
  readonly relationships: readonly WorkflowRelationshipData[];
}

/** Everything a worker needs to run one workflow function (the engine's `WorkflowRequest`). */
export interface WorkflowRunRequest {
  readonly task_id: string;
  readonly execution_id: string;
  readonly deployment_id: string;
  readonly blueprint_id: string;
  readonly workflow_id: string;
  readonly tenant: string;
  readonly plugin: PluginData;
  /** Property path of the function in the plugin's entry module exports. */
  readonly function: string;
  /** The workflow's parameters, checked and with defaults. */
  readonly parameters: JsonObject;
  readonly nodes: readonly WorkflowNodeData[];
  readonly instances: readonly WorkflowInstanceData[];
  /** True when the execution is being resumed. */
  readonly resume: boolean;
  readonly resources_path: string;
  readonly workdir: string;
}

/**
 * One task of a graph a workflow function asks the engine to run (the engine's
 * `WorkflowTaskSpec`): an operation on an instance or on one side of one of its relationships, a
 * state write, or a node event. `depends_on` names tasks of the same graph it waits for.
 */
export type WorkflowTaskData = {
  /** Unique inside the graph. */
  readonly id: string;
  readonly instance_id: string;
  readonly depends_on: readonly string[];
} & (
  | {
      readonly kind: 'operation';
      readonly operation: string;
      readonly kwargs?: JsonObject;
      readonly allow_kwargs_override?: boolean;
      /** For relationship operations: the index of the instance's relationship, and the side. */
      readonly relationship?: { readonly index: number; readonly side: 'source' | 'target' };
    }
  | { readonly kind: 'state'; readonly state: string }
  | { readonly kind: 'event'; readonly message: string }
);

/** Every kind of {@link WorkflowTaskData}. */
export const WORKFLOW_TASK_KINDS: readonly WorkflowTaskData['kind'][] = [
  'operation',
  'state',
  'event',
];

/** How a graph ended (the engine's `WorkflowGraphResult`). */
export interface WorkflowGraphResultData {
  readonly status: 'terminated' | 'failed' | 'cancelled';
  /** Why it failed ('' otherwise). */
  readonly error: string;
  /** What operations returned, by task id (those that returned something). */
  readonly results?: { readonly [taskId: string]: JsonValue };
}

/** Every status of {@link WorkflowGraphResultData}. */
export const WORKFLOW_GRAPH_STATUSES: readonly WorkflowGraphResultData['status'][] = [
  'terminated',
  'failed',
  'cancelled',
];

/** What running a workflow function gave (the engine's `WorkflowOutcome`). */
export type WorkflowRunOutcome =
  | { readonly status: 'succeeded'; readonly result: JsonValue }
  | { readonly status: 'failed'; readonly error: FailureData };

/**
 * Parameters of `workflow.run_graph`: run these tasks with the engine's scheduler. The call has
 * no rpc timeout (a graph runs as long as its tasks do); the workflow's cancel ends it.
 */
export interface WorkflowRunGraphParams {
  readonly tasks: readonly WorkflowTaskData[];
}

/** Parameters of `workflow.send_event`: a `workflow_stage` event, or a node event for an instance. */
export interface WorkflowSendEventParams {
  readonly message: string;
  readonly instance_id?: string;
}

/** Parameters of `workflow.instances` (none): the node instances as stored now. */
export type WorkflowInstancesParams = Readonly<Record<string, never>>;

/**
 * The calls a worker may make to the host while an operation or workflow runs, by method name
 * (`instance.update` from operations, `workflow.*` from workflow functions). Add a method
 * here, then handle it in the parser and in the host's exhaustive `switch`.
 */
export interface RpcMethods {
  'instance.update': { params: InstanceUpdateParams; result: InstanceUpdateResult };
  'workflow.run_graph': { params: WorkflowRunGraphParams; result: WorkflowGraphResultData };
  'workflow.send_event': { params: WorkflowSendEventParams; result: null };
  'workflow.instances': {
    params: WorkflowInstancesParams;
    result: readonly WorkflowInstanceData[];
  };
}

/** A method name of {@link RpcMethods}. */
export type RpcMethod = keyof RpcMethods;

/** Every method of {@link RpcMethods}, for validation; the compiler checks the list is complete. */
export const RPC_METHODS = Object.keys({
  'instance.update': true,
  'workflow.run_graph': true,
  'workflow.send_event': true,
  'workflow.instances': true,
} satisfies Record<RpcMethod, true>) as readonly RpcMethod[];

/** Why a host-side call failed, as the worker sees it. */
export interface RpcErrorData {
  /** The error's name (e.g. `ConflictError`); the worker rebuilds an error with this name. */
  readonly type: string;
  readonly message: string;
  /** The Cairn error code, when the error had one. */
  readonly code?: string;
}

// ---- worker → host ------------------------------------------------------------------------

/**
 * The first message of a worker: what it speaks. Its required fields never change across
 * protocol versions, so that a host can always read it and refuse politely.
 */
export interface HelloMessage {
  readonly type: 'hello';
  readonly protocol: number;
  /** The version of the worker runtime / plugin SDK. */
  readonly sdk_version: string;
  readonly pid: number;
  /** Free text naming the runtime, e.g. `node v20.20.2`. */
  readonly runtime: string;
  /**
   * Optional parts of the protocol the worker implements (see {@link WorkerFeature}); absent in
   * workers written before there were any. Unknown names are kept and ignored.
   */
  readonly features?: readonly string[];
}

/**
 * Optional parts of protocol 1 a worker may announce in `hello`:
 * - `workflows`: it runs `run_workflow` and calls `workflow.*` methods. The host sends
 *   `run_workflow` only to a worker that announced it.
 * - `concurrent`: it can run several operations or workflow functions at once, keeping them
 *   apart by id. The host sends more than one at a time only to a worker that announced it, and
 *   only up to the welcome's `max_concurrent`.
 */
export type WorkerFeature = 'workflows' | 'concurrent';

/** A log record of the running operation (`ctx.logger`). */
export interface LogMessage {
  readonly type: 'log';
  readonly id: string;
  readonly level: LogLevel;
  readonly message: string;
}

/** A call from the running operation to the host; answered by an `rpc_result` with `call_id`. */
export type RpcMessage = {
  [M in RpcMethod]: {
    readonly type: 'rpc';
    readonly id: string;
    readonly call_id: number;
    readonly method: M;
    readonly params: RpcMethods[M]['params'];
  };
}[RpcMethod];

/**
 * The operation or workflow function `id` ended; the worker is idle again. An operation's
 * outcome always has `runtime_properties`, a workflow's never: that is how they are told apart.
 */
export interface DoneMessage {
  readonly type: 'done';
  readonly id: string;
  readonly outcome: RunOutcome | WorkflowRunOutcome;
}

/** Every message a worker sends. */
export type WorkerMessage = HelloMessage | LogMessage | RpcMessage | DoneMessage;

// ---- host → worker ------------------------------------------------------------------------

/** The host accepts the worker: it may now receive `run`. Names the plugin module to load. */
export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly protocol: number;
  /** Absolute path of the plugin's entry module (the worker imports it on first use). */
  readonly entry: string;
  /** How long the worker waits for an `rpc_result` before failing the call. */
  readonly rpc_timeout_ms: number;
  /**
   * How many runs the host may have on this worker at once (absent: 1). Above 1 only for a
   * worker that announced the `concurrent` feature, running a plugin that declared it safe.
   */
  readonly max_concurrent?: number;
}

/** The host refuses the worker (e.g. another protocol version); the worker should exit. */
export interface RefuseMessage {
  readonly type: 'refuse';
  /** The version the host speaks. */
  readonly protocol: number;
  readonly reason: string;
}

/** Run one operation. A worker runs one at a time, or up to the welcome's `max_concurrent`. */
export interface RunMessage {
  readonly type: 'run';
  readonly id: string;
  readonly request: RunRequest;
}

/**
 * Run one workflow function (only sent to a worker that announced the `workflows` feature). It
 * occupies the worker like an operation; it ends with `done` like one.
 */
export interface RunWorkflowMessage {
  readonly type: 'run_workflow';
  readonly id: string;
  readonly request: WorkflowRunRequest;
}

/**
 * Cancel operation or workflow `id`: the worker aborts `ctx.signal`; the host kills it after a
 * grace.
 */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: string;
}

/** The answer to an `rpc`: exactly one of `result` and `error`. */
export type RpcResultMessage =
  | {
      readonly type: 'rpc_result';
      readonly id: string;
      readonly call_id: number;
      readonly result: JsonValue;
      readonly error?: undefined;
    }
  | {
      readonly type: 'rpc_result';
      readonly id: string;
      readonly call_id: number;
      readonly error: RpcErrorData;
      readonly result?: undefined;
    };

/** Exit now (the host kills the worker after a grace if it does not). */
export interface ShutdownMessage {
  readonly type: 'shutdown';
}

/** Every message the host sends. */
export type HostMessage =
  | WelcomeMessage
  | RefuseMessage
  | RunMessage
  | RunWorkflowMessage
  | CancelMessage
  | RpcResultMessage
  | ShutdownMessage;

/**
 * Before each `done`, a worker writes `OUTPUT_SYNC_PREFIX + id + "\n"` to both stdout and stderr.
 * stdout, stderr and the message channel are separate pipes, so without this mark the host could
 * see `done` before the last lines the operation printed; it waits (briefly) for both marks so
 * that every line is attributed to the operation that wrote it. The NUL keeps it out of the way
 * of real output.
 */
export const OUTPUT_SYNC_PREFIX = '\u0000cairn:sync:';
