/**
 * The `Store` port: everything Cairn keeps between runs. Records are plain JSON data with
 * Cloudify's field names, so they can be printed, sent over REST and compared with Cloudify's.
 *
 * Every method is async so that a PostgreSQL implementation can follow without changing callers.
 * Every method that changes more than one record does it in one transaction: a crash at any
 * point leaves either all of the change or none of it.
 */
import type { JsonValue } from '@cairn/errors';

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** An ISO-8601 UTC timestamp with milliseconds, e.g. `2026-11-22T09:12:05.123Z`. */
export type Timestamp = string;

/** A blueprint: its plan and where its files (resources) are. */
export interface BlueprintRecord {
  readonly id: string;
  /** The parsed plan (`@cairn/dsl`'s `Plan`), as JSON. */
  readonly plan: JsonObject;
  /** The main YAML file's name inside `resources_path`. */
  readonly main_file_name: string;
  /** Absolute path of the folder holding the blueprint's files (`ctx.download_resource` reads here). */
  readonly resources_path: string;
  readonly description: string | null;
  readonly created_at: Timestamp;
  readonly updated_at: Timestamp;
}

/** A deployment: its blueprint, inputs, evaluated plan and last outputs. */
export interface DeploymentRecord {
  readonly id: string;
  readonly blueprint_id: string;
  /** Resolved input values. */
  readonly inputs: JsonObject;
  /** The deployment's plan, with deployment-time functions evaluated, as JSON. */
  readonly plan: JsonObject;
  /**
   * The installed plugin bundles it runs, pinned when it was created (or by a deliberate
   * update): newer versions installed later do not change what it runs. Empty when its plugins
   * are found by other means (a blueprint's plugin folder, a built-in plugin).
   */
  readonly plugins: readonly DeploymentPlugin[];
  readonly created_at: Timestamp;
  readonly updated_at: Timestamp;
}

/**
 * A deployment without its inputs and plan: what lists, indexes and usage checks need. Reading
 * these is cheap where whole records are not (a plan is tens of kilobytes of JSON).
 */
export type DeploymentSummaryRecord = Omit<DeploymentRecord, 'inputs' | 'plan'>;

/** A plugin a deployment is pinned to: the exact installed bundle it runs. */
export interface DeploymentPlugin {
  /** The key of the blueprint's `plugins:` entry (what operation mappings start with). */
  readonly name: string;
  readonly package_name: string;
  readonly package_version: string;
  /** The bundle's sha256 (the installed plugin's id in the plugin store). */
  readonly bundle_id: string;
}

/** One relationship of a node instance to one target instance. */
export interface RelationshipInstanceRecord {
  readonly type: string;
  readonly target_name: string;
  readonly target_id: string;
}

/** A node instance. `version` grows by one on every write (optimistic locking). */
export interface NodeInstanceRecord {
  readonly id: string;
  readonly deployment_id: string;
  readonly node_id: string;
  readonly host_id: string | null;
  /** Cloudify's instance states; `null` before the first workflow touched it. */
  readonly state: string | null;
  readonly runtime_properties: JsonObject;
  readonly system_properties: JsonObject;
  readonly relationships: readonly RelationshipInstanceRecord[];
  readonly scaling_groups: readonly { readonly name: string; readonly id: string }[];
  readonly index: number;
  readonly version: number;
}

/** Execution statuses, Cloudify's names (spec §10.2). */
export type ExecutionStatus =
  | 'pending'
  | 'queued'
  | 'started'
  | 'cancelling'
  | 'force_cancelling'
  | 'cancelled'
  | 'terminated'
  | 'failed';

/** A workflow execution. */
export interface ExecutionRecord {
  readonly id: string;
  readonly deployment_id: string;
  readonly workflow_id: string;
  readonly status: ExecutionStatus;
  readonly parameters: JsonObject;
  /** Engine settings of this run (task_retries, task_retry_interval, subgraph_retries, parallelism …). */
  readonly settings: JsonObject;
  readonly is_dry_run: boolean;
  readonly created_at: Timestamp;
  readonly started_at: Timestamp | null;
  readonly ended_at: Timestamp | null;
  /** Why it failed or was cancelled; `''` otherwise (Cloudify's convention). */
  readonly error: string;
  /**
   * Who runs it now: `{pid, hostname}` of the process, or null when nobody does. A process that
   * finds an execution `started` whose owner is gone knows it was interrupted.
   */
  readonly owner: { readonly pid: number; readonly hostname: string } | null;
}

/** What the engine remembers of one task of an execution, enough to resume it. */
export interface TaskRecord {
  readonly execution_id: string;
  /** Stable inside the execution: the same graph built again gives the same ids. */
  readonly id: string;
  readonly status: 'succeeded' | 'failed' | 'running';
  /** Attempts made so far (the next retry_number). */
  readonly attempts: number;
  readonly updated_at: Timestamp;
}

/** An event or a log record, Cloudify's shape (spec §10.4). */
export interface EventRecord {
  /** Assigned by the store, increasing: the order events were stored in. */
  readonly seq: number;
  readonly execution_id: string;
  readonly deployment_id: string;
  readonly timestamp: Timestamp;
  readonly type: 'cloudify_event' | 'cloudify_log';
  /** For events (`task_started`, `workflow_succeeded` …); null for logs. */
  readonly event_type: string | null;
  /** For logs (`debug`, `info`, `warning`, `error`); null for events. */
  readonly level: string | null;
  /** For logs: the logger name (Cloudify uses the task id). */
  readonly logger: string | null;
  readonly message: string;
  /** Context keys of spec §10.4 (node_id, node_name, operation, task_id …). */
  readonly context: JsonObject;
  readonly error_causes: JsonValue;
}

/** An event to store: everything but `seq`. */
export type NewEvent = Omit<EventRecord, 'seq'>;

/** A change to one node instance. With `expected_version`, it is refused on a stale version. */
export interface NodeInstanceChange {
  readonly id: string;
  readonly state?: string | null;
  readonly runtime_properties?: JsonObject;
  readonly system_properties?: JsonObject;
  /** Replaces the relationships (scale-out/in adds or removes relationship instances). */
  readonly relationships?: readonly RelationshipInstanceRecord[];
  readonly expected_version?: number;
}

/** A change to an execution's record. */
export interface ExecutionChange {
  readonly id: string;
  readonly status?: ExecutionStatus;
  readonly started_at?: Timestamp | null;
  readonly ended_at?: Timestamp | null;
  readonly error?: string;
  readonly owner?: { readonly pid: number; readonly hostname: string } | null;
}

/**
 * A set of changes applied in one transaction: the unit the engine commits after each task
 * (the task's outcome, the instances it changed and the events it produced, together).
 */
export interface StoreBatch {
  readonly instances?: readonly NodeInstanceChange[];
  readonly newInstances?: readonly NodeInstanceRecord[];
  readonly deletedInstances?: readonly string[];
  readonly tasks?: readonly TaskRecord[];
  readonly events?: readonly NewEvent[];
  readonly execution?: ExecutionChange;
}

/** What applying a batch gives back: the instances as now stored. */
export interface BatchResult {
  readonly instances: readonly NodeInstanceRecord[];
}

/** Filters for listing events. */
export interface EventQuery {
  readonly execution_id?: string;
  readonly deployment_id?: string;
  /** Only events stored after this sequence number (for tailing). */
  readonly after_seq?: number;
  /** Include `cloudify_log` records too (default false, like Cloudify). */
  readonly include_logs?: boolean;
  readonly limit?: number;
}

/** Cairn's durable state. */
export interface Store {
  // Blueprints
  /** Creates or replaces a blueprint. */
  putBlueprint(record: BlueprintRecord): Promise<void>;
  getBlueprint(id: string): Promise<BlueprintRecord | undefined>;
  listBlueprints(): Promise<BlueprintRecord[]>;
  /** Refuses (ConflictError) while a deployment uses it. */
  deleteBlueprint(id: string): Promise<void>;

  // Deployments
  /** Creates a deployment and its node instances (one transaction). ConflictError if it exists. */
  createDeployment(
    record: DeploymentRecord,
    instances: readonly NodeInstanceRecord[],
  ): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  listDeployments(query?: { readonly blueprint_id?: string }): Promise<DeploymentRecord[]>;
  /** Every deployment without its inputs and plan, in creation order. */
  listDeploymentSummaries(): Promise<DeploymentSummaryRecord[]>;
  /** Replaces the plugins a deployment is pinned to. NotFoundError if it does not exist. */
  setDeploymentPlugins(id: string, plugins: readonly DeploymentPlugin[]): Promise<void>;
  /** Deletes a deployment with its instances, executions, tasks and events (one transaction). */
  deleteDeployment(id: string): Promise<void>;

  // Node instances
  getNodeInstance(id: string): Promise<NodeInstanceRecord | undefined>;
  listNodeInstances(query: {
    readonly deployment_id: string;
    readonly node_id?: string;
  }): Promise<NodeInstanceRecord[]>;

  // Executions
  /** ConflictError if the deployment already has an execution that has not ended (unless it is a dry run). */
  createExecution(record: ExecutionRecord): Promise<void>;
  getExecution(id: string): Promise<ExecutionRecord | undefined>;
  listExecutions(query?: { readonly deployment_id?: string }): Promise<ExecutionRecord[]>;
  listTasks(execution_id: string): Promise<TaskRecord[]>;

  /**
   * Applies a batch in one transaction. Version checks first: if any `expected_version` is stale
   * nothing is written and a ConflictError names the instance. Every written instance's version
   * grows by one.
   */
  apply(batch: StoreBatch): Promise<BatchResult>;

  // Events and logs
  listEvents(query: EventQuery): Promise<EventRecord[]>;

  /** Releases the database (idempotent). */
  close(): Promise<void>;
}
