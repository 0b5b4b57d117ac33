/**
 * What both stores read back: the rows of every table as the drivers return them (JSON columns
 * as text, which the PostgreSQL pool is set to return too) and their conversion to the records
 * of the `Store` port. Writing differs (named parameters for SQLite, parameter lists and column
 * arrays for PostgreSQL) and stays with each store.
 */
import type {
  BlueprintRecord,
  DeploymentPlugin,
  DeploymentRecord,
  DeploymentSummaryRecord,
  EventRecord,
  ExecutionRecord,
  ExecutionStatus,
  JsonObject,
  NodeInstanceRecord,
  RelationshipInstanceRecord,
  TaskRecord,
} from './store.js';
import type { JsonValue } from '@cairn/errors';

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
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  is_dry_run: number | boolean;
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

/** An `events` row: `seq` is a number in SQLite, a bigint read as text in PostgreSQL. */
export interface EventRow extends NewEventRow {
  seq: number | string;
}

/** The value of a JSON column; callers assert its type, which the writer guaranteed. */
function fromJson(text: string): unknown {
  return JSON.parse(text);
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

/** A `deployments` row without its inputs and plan. */
export type DeploymentSummaryRow = Omit<DeploymentRow, 'inputs' | 'plan'>;

/** The deployment summary a row holds. */
export function deploymentSummaryRecord(row: DeploymentSummaryRow): DeploymentSummaryRecord {
  return {
    id: row.id,
    blueprint_id: row.blueprint_id,
    plugins: fromJson(row.plugins) as DeploymentPlugin[],
    created_at: row.created_at,
    updated_at: row.updated_at,
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
    is_dry_run: row.is_dry_run === 1 || row.is_dry_run === true,
    created_at: row.created_at,
    started_at: row.started_at,
    ended_at: row.ended_at,
    error: row.error,
    owner: row.owner === null ? null : (fromJson(row.owner) as { pid: number; hostname: string }),
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

/** The event a row holds. */
export function eventRecord(row: EventRow): EventRecord {
  return {
    // PostgreSQL reads its bigint as text; Number is exact up to 2^53, far beyond any event count.
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
