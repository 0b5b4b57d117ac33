/**
 * Rows as SQLite holds them, and their conversion to and from the records of the `Store` port.
 * JSON columns are text; booleans are 0/1; column names are the records' names except where SQL
 * reserves the word (`index` → `instance_index`).
 */
import type { JsonValue } from '@cairn/errors';
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
  is_dry_run: number;
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

/** An `events` row without its `seq`, as inserted. */
export interface NewEventRow {
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

/** An `events` row. */
export interface EventRow extends NewEventRow {
  seq: number;
}

/** The value of a JSON column; callers assert its type, which the writer guaranteed. */
function fromJson(text: string): unknown {
  return JSON.parse(text);
}

/** Maps `undefined` to SQL NULL: the driver refuses to bind `undefined`. */
function nullable<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

/** Row values for a blueprint. */
export function blueprintRow(record: BlueprintRecord): BlueprintRow {
  return {
    id: record.id,
    plan: toJson(record.plan, `blueprint ${record.id}: plan`),
    main_file_name: record.main_file_name,
    resources_path: record.resources_path,
    description: nullable(record.description),
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
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

/** Row values for a deployment. */
export function deploymentRow(record: DeploymentRecord): DeploymentRow {
  return {
    id: record.id,
    blueprint_id: record.blueprint_id,
    inputs: toJson(record.inputs, `deployment ${record.id}: inputs`),
    plan: toJson(record.plan, `deployment ${record.id}: plan`),
    plugins: toJson(record.plugins, `deployment ${record.id}: plugins`),
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
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

/** Row values for a node instance. */
export function nodeInstanceRow(record: NodeInstanceRecord): NodeInstanceRow {
  const field = (name: string): string => `node instance ${record.id}: ${name}`;
  return {
    id: record.id,
    deployment_id: record.deployment_id,
    node_id: record.node_id,
    host_id: nullable(record.host_id),
    state: nullable(record.state),
    runtime_properties: toJson(record.runtime_properties, field('runtime_properties')),
    system_properties: toJson(record.system_properties, field('system_properties')),
    relationships: toJson(record.relationships, field('relationships')),
    scaling_groups: toJson(record.scaling_groups, field('scaling_groups')),
    instance_index: record.index,
    version: record.version,
  };
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

/** Row values for an execution. */
export function executionRow(record: ExecutionRecord): ExecutionRow {
  const field = (name: string): string => `execution ${record.id}: ${name}`;
  const owner = nullable(record.owner);
  return {
    id: record.id,
    deployment_id: record.deployment_id,
    workflow_id: record.workflow_id,
    status: record.status,
    parameters: toJson(record.parameters, field('parameters')),
    settings: toJson(record.settings, field('settings')),
    is_dry_run: record.is_dry_run ? 1 : 0,
    created_at: record.created_at,
    started_at: nullable(record.started_at),
    ended_at: nullable(record.ended_at),
    error: record.error,
    owner: owner === null ? null : toJson(owner, field('owner')),
  };
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
    is_dry_run: row.is_dry_run === 1,
    created_at: row.created_at,
    started_at: row.started_at,
    ended_at: row.ended_at,
    error: row.error,
    owner: row.owner === null ? null : (fromJson(row.owner) as { pid: number; hostname: string }),
  };
}

/** Row values for a task. */
export function taskRow(record: TaskRecord): TaskRow {
  return {
    execution_id: record.execution_id,
    id: record.id,
    status: record.status,
    attempts: record.attempts,
    updated_at: record.updated_at,
  };
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

/** Row values for a new event. */
export function newEventRow(event: NewEvent): NewEventRow {
  return {
    execution_id: event.execution_id,
    deployment_id: event.deployment_id,
    timestamp: event.timestamp,
    type: event.type,
    event_type: nullable(event.event_type),
    level: nullable(event.level),
    logger: nullable(event.logger),
    message: event.message,
    context: toJson(event.context, 'event context'),
    // A missing error_causes is stored as JSON null, which is what it means.
    error_causes: toJson(event.error_causes ?? null, 'event error_causes'),
  };
}

/** The event a row holds. */
export function eventRecord(row: EventRow): EventRecord {
  return {
    seq: row.seq,
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
