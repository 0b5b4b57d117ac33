/**
 * Rows as the PostgreSQL store reads them, and the conversions between them and the records of
 * the `Store` port. The pool reads `json` and `bigint` columns as their text (see `pool.ts`): JSON
 * is parsed here, and `seq` turned into a number. Timestamps are selected as ISO-8601 text.
 * Values to write are parameter lists (for one row) or column arrays (for many rows at once,
 * spread by `unnest`).
 */
import type { JsonValue } from '@cairn/errors';
// The same check SQLite applies: both stores refuse the same values with the same message.
import { toJson } from '../json-column.js';
import type {
  BlueprintRecord,
  DeploymentPlugin,
  DeploymentRecord,
  EventRecord,
  ExecutionRecord,
  ExecutionStatus,
  JsonObject,
  NewEvent,
  NodeInstanceRecord,
  RelationshipInstanceRecord,
  TaskRecord,
} from '../store.js';

/** A `blueprints` row. */
export interface BlueprintRow {
  id: string;
  plan: string;
  main_file_name: string;
  resources_path: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** A `deployments` row. */
export interface DeploymentRow {
  id: string;
  blueprint_id: string;
  inputs: string;
  plan: string;
  plugins: string;
  created_at: string;
  updated_at: string;
}

/** A `node_instances` row. */
export interface NodeInstanceRow {
  id: string;
  deployment_id: string;
  node_id: string;
  host_id: string | null;
  state: string | null;
  runtime_properties: string;
  system_properties: string;
  relationships: string;
  scaling_groups: string;
  instance_index: number;
  version: number;
}

/** An `executions` row. */
export interface ExecutionRow {
  id: string;
  deployment_id: string;
  workflow_id: string;
  status: string;
  parameters: string;
  settings: string;
  is_dry_run: boolean;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string;
  owner: string | null;
}

/** A `tasks` row. */
export interface TaskRow {
  execution_id: string;
  id: string;
  status: string;
  attempts: number;
  updated_at: string;
}

/** An `events` row; `seq` is a bigint, read as text. */
export interface EventRow {
  seq: string;
  execution_id: string;
  deployment_id: string;
  timestamp: string;
  type: string;
  event_type: string | null;
  level: string | null;
  logger: string | null;
  message: string;
  context: string;
  error_causes: string;
}

/** The value of a JSON column; callers assert its type, which the writer guaranteed. */
function fromJson(text: string): unknown {
  return JSON.parse(text);
}

/** Maps `undefined` to SQL NULL explicitly (the driver would too, silently). */
function nullable<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

/** Parameters $1…$7 of the blueprint statements. */
export function blueprintParams(record: BlueprintRecord): unknown[] {
  return [
    record.id,
    toJson(record.plan, `blueprint ${record.id}: plan`),
    record.main_file_name,
    record.resources_path,
    nullable(record.description),
    record.created_at,
    record.updated_at,
  ];
}

/** The blueprint a row holds. */
export function blueprintRecord(row: BlueprintRow): BlueprintRecord {
  return {
    id: row.id,
    plan: fromJson(row.plan) as JsonObject,
    main_file_name: row.main_file_name,
    resources_path: row.resources_path,
    description: row.description,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Parameters $1…$7 of the deployment insert. */
export function deploymentParams(record: DeploymentRecord): unknown[] {
  return [
    record.id,
    record.blueprint_id,
    toJson(record.inputs, `deployment ${record.id}: inputs`),
    toJson(record.plan, `deployment ${record.id}: plan`),
    toJson(record.plugins, `deployment ${record.id}: plugins`),
    record.created_at,
    record.updated_at,
  ];
}

/** The deployment a row holds. */
export function deploymentRecord(row: DeploymentRow): DeploymentRecord {
  return {
    id: row.id,
    blueprint_id: row.blueprint_id,
    inputs: fromJson(row.inputs) as JsonObject,
    plan: fromJson(row.plan) as JsonObject,
    plugins: fromJson(row.plugins) as DeploymentPlugin[],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/**
 * The column arrays of node instances to insert, parameters $1…$11 of `insertInstances`, in the
 * order of `INSTANCE_COLUMNS`.
 */
export function instanceColumns(records: readonly NodeInstanceRecord[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  for (const record of records) {
    const field = (name: string): string => `node instance ${record.id}: ${name}`;
    const row = [
      record.id,
      record.deployment_id,
      record.node_id,
      nullable(record.host_id),
      nullable(record.state),
      toJson(record.runtime_properties, field('runtime_properties')),
      toJson(record.system_properties, field('system_properties')),
      toJson(record.relationships, field('relationships')),
      toJson(record.scaling_groups, field('scaling_groups')),
      record.index,
      record.version,
    ];
    row.forEach((value, index) => columns[index]?.push(value));
  }
  return columns;
}

/**
 * The column arrays of instance updates, parameters $1…$7 of `updateInstances`: the new values,
 * and the version each row must still have.
 */
export function instanceUpdateColumns(
  updates: readonly { readonly record: NodeInstanceRecord; readonly previousVersion: number }[],
): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 7 }, () => []);
  for (const { record, previousVersion } of updates) {
    const field = (name: string): string => `node instance ${record.id}: ${name}`;
    const row = [
      record.id,
      nullable(record.state),
      toJson(record.runtime_properties, field('runtime_properties')),
      toJson(record.system_properties, field('system_properties')),
      toJson(record.relationships, field('relationships')),
      record.version,
      previousVersion,
    ];
    row.forEach((value, index) => columns[index]?.push(value));
  }
  return columns;
}

/** The node instance a row holds. */
export function nodeInstanceRecord(row: NodeInstanceRow): NodeInstanceRecord {
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    node_id: row.node_id,
    host_id: row.host_id,
    state: row.state,
    runtime_properties: fromJson(row.runtime_properties) as JsonObject,
    system_properties: fromJson(row.system_properties) as JsonObject,
    relationships: fromJson(row.relationships) as RelationshipInstanceRecord[],
    scaling_groups: fromJson(row.scaling_groups) as { name: string; id: string }[],
    index: row.instance_index,
    version: row.version,
  };
}

/** Parameters $1…$12 of the execution insert. */
export function executionParams(record: ExecutionRecord): unknown[] {
  const field = (name: string): string => `execution ${record.id}: ${name}`;
  const owner = nullable(record.owner);
  return [
    record.id,
    record.deployment_id,
    record.workflow_id,
    record.status,
    toJson(record.parameters, field('parameters')),
    toJson(record.settings, field('settings')),
    record.is_dry_run,
    record.created_at,
    nullable(record.started_at),
    nullable(record.ended_at),
    record.error,
    owner === null ? null : toJson(owner, field('owner')),
  ];
}

/** The execution a row holds. */
export function executionRecord(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    workflow_id: row.workflow_id,
    // The column's CHECK constraint admits only ExecutionStatus values.
    status: row.status as ExecutionStatus,
    parameters: fromJson(row.parameters) as JsonObject,
    settings: fromJson(row.settings) as JsonObject,
    is_dry_run: row.is_dry_run,
    created_at: row.created_at,
    started_at: row.started_at,
    ended_at: row.ended_at,
    error: row.error,
    owner: row.owner === null ? null : (fromJson(row.owner) as { pid: number; hostname: string }),
  };
}

/** The column arrays of tasks to upsert, parameters $1…$5 of `upsertTasks`. */
export function taskColumns(records: readonly TaskRecord[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 5 }, () => []);
  for (const record of records) {
    const row = [record.execution_id, record.id, record.status, record.attempts, record.updated_at];
    row.forEach((value, index) => columns[index]?.push(value));
  }
  return columns;
}

/** The task a row holds. */
export function taskRecord(row: TaskRow): TaskRecord {
  return {
    execution_id: row.execution_id,
    id: row.id,
    // The column's CHECK constraint admits only these values.
    status: row.status as TaskRecord['status'],
    attempts: row.attempts,
    updated_at: row.updated_at,
  };
}

/** The column arrays of new events, parameters $1…$10 of `insertEvents`. */
export function eventColumns(events: readonly NewEvent[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 10 }, () => []);
  for (const event of events) {
    const row = [
      event.execution_id,
      event.deployment_id,
      event.timestamp,
      event.type,
      nullable(event.event_type),
      nullable(event.level),
      nullable(event.logger),
      event.message,
      toJson(event.context, 'event context'),
      // A missing error_causes is stored as JSON null, which is what it means.
      toJson(event.error_causes ?? null, 'event error_causes'),
    ];
    row.forEach((value, index) => columns[index]?.push(value));
  }
  return columns;
}

/** The event a row holds. */
export function eventRecord(row: EventRow): EventRecord {
  return {
    // A bigint; Number is exact up to 2^53, far beyond any event count.
    seq: Number(row.seq),
    execution_id: row.execution_id,
    deployment_id: row.deployment_id,
    timestamp: row.timestamp,
    // The column's CHECK constraint admits only these values.
    type: row.type as EventRecord['type'],
    event_type: row.event_type,
    level: row.level,
    logger: row.logger,
    message: row.message,
    context: fromJson(row.context) as JsonObject,
    error_causes: fromJson(row.error_causes) as JsonValue,
  };
}
