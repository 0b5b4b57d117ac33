/**
 * Rows as SQLite is given them: records turned into named parameters. Reading them back is
 * shared with PostgreSQL (record-rows.ts). JSON columns are text; booleans are 0/1; column names are
 * the records' names except where SQL reserves the word (`index` → `instance_index`).
 */
import { toJson } from '../json-column.js';
import type {
  BlueprintRecord,
  DeploymentRecord,
  ExecutionRecord,
  NewEvent,
  NodeInstanceRecord,
  TaskRecord,
} from '../store.js';
import type {
  BlueprintRow,
  DeploymentRow,
  ExecutionRow,
  NewEventRow,
  NodeInstanceRow,
  TaskRow,
} from '../record-rows.js';

// The rows and their reading are the same for both stores (record-rows.ts).
export * from '../record-rows.js';

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
