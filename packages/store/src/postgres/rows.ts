/**
 * Records as the PostgreSQL store writes them: parameter lists (for one row) or column arrays
 * (for many rows at once, spread by `unnest`). Reading rows back is shared with SQLite
 * (record-rows.ts): the pool reads `json` and `bigint` columns as their text (see `pool.ts`), and
 * timestamps are selected as ISO-8601 text, so the rows look the same.
 */
// The same check SQLite applies: both stores refuse the same values with the same message.
import { toJson } from '../json-column.js';
import type {
  BlueprintRecord,
  DeploymentRecord,
  ExecutionRecord,
  NewEvent,
  NodeInstanceRecord,
  TaskRecord,
} from '../store.js';

// The rows and their reading are the same for both stores (record-rows.ts).
export * from '../record-rows.js';

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

/** The column arrays of tasks to upsert, parameters $1…$5 of `upsertTasks`. */
export function taskColumns(records: readonly TaskRecord[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 5 }, () => []);
  for (const record of records) {
    const row = [record.execution_id, record.id, record.status, record.attempts, record.updated_at];
    row.forEach((value, index) => columns[index]?.push(value));
  }
  return columns;
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
