/**
 * The `Executor` port: how the engine has one operation run, wherever it runs (a local pool of
 * worker processes today, a remote agent later). The engine builds an {@link OperationRequest}
 * with everything the operation's `ctx` needs up front, and gets back an
 * {@link OperationOutcome}; the few things an operation asks for while it runs (log lines,
 * storing runtime properties now) go through {@link OperationCallbacks}.
 *
 * Everything here is plain JSON data: it crosses process boundaries as it is.
 */
import type { JsonValue } from '@cairn/errors';
import type { JsonObject } from '@cairn/store';

/** A node template as an operation sees it (`ctx.node`). */
export interface OperationNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: JsonObject;
  readonly number_of_instances: number;
}

/** A relationship of an instance as an operation sees it (`ctx.instance.relationships[i]`). */
export interface OperationRelationship {
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly target: { readonly node: OperationNode; readonly instance: OperationInstance };
}

/** A node instance as an operation sees it (`ctx.instance`). */
export interface OperationInstance {
  readonly id: string;
  readonly runtime_properties: JsonObject;
  /** The stored version the runtime properties were read at. */
  readonly version: number;
  readonly host_id: string | null;
  /** The host instance's `ip` runtime property, else the host node's `ip` property, else null. */
  readonly host_ip: string | null;
  readonly index: number;
  readonly scaling_groups: readonly { readonly name: string; readonly id: string }[];
  /** Present for node operations; one level deep (targets carry no relationships). */
  readonly relationships?: readonly OperationRelationship[];
}

/** The plugin an operation belongs to (`ctx.plugin`). */
export interface OperationPlugin {
  readonly name: string;
  readonly package_name: string | null;
  readonly package_version: string | null;
  readonly source: string | null;
  /**
   * The installed bundle (its sha256) the deployment is pinned to for this plugin; null when the
   * deployment pins none and the executor finds the plugin by name.
   */
  readonly bundle_id: string | null;
  readonly properties: JsonObject;
}

/** Everything an operation needs to run. */
export interface OperationRequest {
  /** Unique per attempt: `<execution task id>#<attempt>`. */
  readonly task_id: string;
  readonly execution_id: string;
  readonly deployment_id: string;
  readonly blueprint_id: string;
  readonly workflow_id: string;
  readonly tenant: string;
  readonly plugin: OperationPlugin;
  readonly operation: {
    /** Full name, e.g. `cloudify.interfaces.lifecycle.create`. */
    readonly name: string;
    /** The function's path inside the plugin's entry module exports, e.g. `tasks.create`. */
    readonly function: string;
    readonly retry_number: number;
    /** -1 when unlimited. */
    readonly max_retries: number;
    /** For relationship operations: which end's interface runs it. */
    readonly relationship?: 'source' | 'target';
  };
  /** Operation inputs with every intrinsic function evaluated. */
  readonly inputs: JsonObject;
  /** Seconds; null for no limit. */
  readonly timeout: number | null;
  /** Whether a timeout is a recoverable failure (Cloudify's default: false). */
  readonly timeout_recoverable: boolean;
  /** Node operations: the node and the instance the operation runs on. */
  readonly node?: OperationNode;
  readonly instance?: OperationInstance;
  /** Relationship operations: both ends. */
  readonly source?: { readonly node: OperationNode; readonly instance: OperationInstance };
  readonly target?: { readonly node: OperationNode; readonly instance: OperationInstance };
  /** Absolute folder of the blueprint's files (`ctx.download_resource` reads here). */
  readonly resources_path: string;
  /** Absolute folder the operation may use as `ctx.plugin.workdir` (created on demand). */
  readonly workdir: string;
}

/** How an operation failed, in Cloudify's terms (spec §5.4, §7). */
export interface OperationError {
  /**
   * `NonRecoverableError`: no retry. `RecoverableError`: retry (after `retry_after`).
   * `OperationRetry`: the operation asked to be retried. `TimeoutError`, `WorkerCrashedError`,
   * `ProtocolError`, `OutOfMemoryError`: the worker failed (recoverable unless `timeout` says so).
   */
  readonly type: string;
  /** Whether the engine may retry it. */
  readonly recoverable: boolean;
  readonly message: string;
  /** Seconds to wait before the retry, when the operation said. */
  readonly retry_after?: number;
  readonly causes?: readonly {
    readonly type: string;
    readonly message: string;
    readonly traceback?: string;
  }[];
  /** The stack or traceback, for logs (never shown as the message). */
  readonly traceback?: string;
  /** The last lines the worker wrote to stdout/stderr, when it crashed. */
  readonly output_tail?: string;
}

/** What running an operation gave. Runtime properties are reported either way (spec §7). */
export type OperationOutcome =
  | {
      readonly status: 'succeeded';
      readonly result: JsonValue;
      /** Instance id → runtime properties as the operation left them (only changed instances). */
      readonly runtime_properties: { readonly [instanceId: string]: JsonObject };
    }
  | {
      readonly status: 'failed';
      readonly error: OperationError;
      readonly runtime_properties: { readonly [instanceId: string]: JsonObject };
    };

/** A log line an operation wrote (`ctx.logger`, or a line of its stdout/stderr). */
export interface OperationLog {
  readonly level: 'debug' | 'info' | 'warning' | 'error';
  readonly message: string;
}

/** What an operation may ask of the engine while it runs. */
export interface OperationCallbacks {
  /** A log record from the operation. */
  log(record: OperationLog): void;
  /**
   * `ctx.instance.update()`: store these runtime properties now, if the instance is still at
   * `version`. Resolves to the new version; rejects with a ConflictError when stale.
   */
  updateRuntimeProperties(
    instanceId: string,
    properties: JsonObject,
    version: number,
  ): Promise<number>;
}

/** Runs operations. */
export interface Executor {
  /**
   * Runs one operation. Never rejects for a failure of the operation or of its worker: those
   * are `failed` outcomes. `signal` aborts it (cancel): the worker is told, then killed.
   */
  run(
    request: OperationRequest,
    callbacks: OperationCallbacks,
    signal?: AbortSignal,
  ): Promise<OperationOutcome>;
  /** Stops every worker (idempotent). */
  close(): Promise<void>;
}

/** A node instance as a workflow function sees it. */
export interface WorkflowInstanceView {
  readonly id: string;
  readonly node_id: string;
  readonly state: string | null;
  readonly runtime_properties: JsonObject;
  readonly host_id: string | null;
  readonly index: number;
  readonly relationships: readonly {
    readonly type: string;
    readonly target_id: string;
    readonly target_name: string;
  }[];
}

/** A node as a workflow function sees it (`ctx.nodes`). */
export interface WorkflowNodeView {
  readonly id: string;
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: JsonObject;
  /** Operation names the node has (full and unique short names). */
  readonly operations: readonly string[];
  readonly number_of_instances: number;
}

/** Everything a custom workflow function needs to start. */
export interface WorkflowRequest {
  /** Unique per run of the function. */
  readonly task_id: string;
  readonly execution_id: string;
  readonly deployment_id: string;
  readonly blueprint_id: string;
  readonly workflow_id: string;
  readonly tenant: string;
  readonly plugin: OperationPlugin;
  /** The function's path inside the plugin's entry module exports. */
  readonly function: string;
  /** The workflow's parameters, checked and with defaults. */
  readonly parameters: JsonObject;
  readonly nodes: readonly WorkflowNodeView[];
  readonly instances: readonly WorkflowInstanceView[];
  /** True when the execution is being resumed (Cloudify's `ctx.resume`). */
  readonly resume: boolean;
  readonly resources_path: string;
  readonly workdir: string;
}

/**
 * One task of a graph a workflow function builds: an operation on an instance (or one side of
 * one of its relationships), a state write, or a node event. `depends_on` names tasks of the
 * same graph this one waits for.
 */
export type WorkflowTaskSpec = {
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
      /** For relationship operations: the index of the source instance's relationship, and the side. */
      readonly relationship?: { readonly index: number; readonly side: 'source' | 'target' };
    }
  | { readonly kind: 'state'; readonly state: string }
  | { readonly kind: 'event'; readonly message: string }
);

/** How a graph a workflow function ran ended. */
export interface WorkflowGraphResult {
  readonly status: 'terminated' | 'failed' | 'cancelled';
  /** Why it failed ('' otherwise). */
  readonly error: string;
  /** What operations returned, by the workflow's task id (those that returned something). */
  readonly results?: Readonly<Record<string, JsonValue>>;
}

/** What a workflow function may ask of the engine while it runs. */
export interface WorkflowCallbacks {
  /** A log record from the workflow function. */
  log(record: OperationLog): void;
  /**
   * Runs a graph with the engine's scheduler (the same machinery as the built-in workflows:
   * retries, events, state); resolves when it ends. Rejects only on a malformed graph.
   */
  runGraph(tasks: readonly WorkflowTaskSpec[]): Promise<WorkflowGraphResult>;
  /** `ctx.send_event`: a `workflow_stage` event, or a node event when an instance is named. */
  sendEvent(message: string, instanceId?: string): Promise<void>;
  /** The node instances as they are stored now. */
  instances(): Promise<readonly WorkflowInstanceView[]>;
}

/** How a workflow function ended. */
export type WorkflowOutcome =
  | { readonly status: 'succeeded'; readonly result: JsonValue }
  | { readonly status: 'failed'; readonly error: OperationError };

/** Runs custom workflow functions (optional: an executor without it cannot run them). */
export interface WorkflowExecutor {
  /**
   * Runs a workflow function in a worker. Never rejects for a failure of the function or of
   * its worker: those are `failed` outcomes. `signal` cancels it.
   */
  runWorkflow(
    request: WorkflowRequest,
    callbacks: WorkflowCallbacks,
    signal?: AbortSignal,
  ): Promise<WorkflowOutcome>;
}
