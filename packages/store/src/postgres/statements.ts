/**
 * The SQL the PostgreSQL store runs. Every table name is qualified with the store's schema, so
 * nothing depends on the connection's `search_path` (which a connection pooler may not keep).
 * Fixed statements are named: the driver prepares each once per connection and then only binds
 * values. Many rows are written by one statement, their values sent as one array per column and
 * spread by `unnest … WITH ORDINALITY`, ordered so that identity columns follow the given order.
 */
import { quoteIdentifier } from './target.js';

/** A named statement. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** A timestamptz column as ISO-8601 UTC with milliseconds, as records hold it (and JS writes). */
export function iso(column: string, as = column): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;
}

const BLUEPRINT_COLUMNS = `id, plan, main_file_name, resources_path, description, ${iso('created_at')}, ${iso('updated_at')}`;
const DEPLOYMENT_COLUMNS = `id, blueprint_id, inputs, plan, plugins, ${iso('created_at')}, ${iso('updated_at')}`;
const DEPLOYMENT_SUMMARY_COLUMNS = `id, blueprint_id, plugins, ${iso('created_at')}, ${iso('updated_at')}`;
const INSTANCE_COLUMNS =
  'id, deployment_id, node_id, host_id, state, runtime_properties, system_properties, ' +
  'relationships, scaling_groups, instance_index, version';
const EXECUTION_COLUMNS =
  'id, deployment_id, workflow_id, status, parameters, settings, is_dry_run, ' +
  `${iso('created_at')}, ${iso('started_at')}, ${iso('ended_at')}, error, owner`;
const TASK_COLUMNS = `execution_id, id, status, attempts, ${iso('updated_at')}`;
/** `timestamp` is quoted: it is also a type name. */
const NEW_EVENT_COLUMNS =
  'execution_id, deployment_id, "timestamp", type, event_type, level, logger, message, ' +
  'context, error_causes';

/** The columns of an event row, for the listing queries built at run time. */
export const EVENT_COLUMNS =
  'seq, execution_id, deployment_id, ' +
  `${iso('"timestamp"', '"timestamp"')}, type, event_type, level, logger, message, context, ` +
  'error_causes';

/** The statements of the fixed queries. */
export interface Statements {
  /** The schema, quoted, for the queries built at run time. */
  readonly schema: string;
  readonly upsertBlueprint: Statement;
  readonly getBlueprint: Statement;
  readonly listBlueprints: Statement;
  readonly lockBlueprint: Statement;
  readonly deleteBlueprint: Statement;
  readonly blueprintExists: Statement;
  readonly deploymentIdsOfBlueprint: Statement;
  readonly insertDeployment: Statement;
  readonly getDeployment: Statement;
  readonly lockDeployment: Statement;
  readonly existingDeployments: Statement;
  readonly listDeployments: Statement;
  readonly listDeploymentsOfBlueprint: Statement;
  readonly listDeploymentSummaries: Statement;
  readonly deleteDeployment: Statement;
  readonly setDeploymentPlugins: Statement;
  readonly insertInstances: Statement;
  readonly getInstance: Statement;
  readonly lockInstances: Statement;
  readonly instanceDeployments: Statement;
  readonly listInstances: Statement;
  readonly listInstancesOfNode: Statement;
  readonly updateInstances: Statement;
  readonly deleteInstances: Statement;
  readonly insertExecution: Statement;
  readonly getExecution: Statement;
  readonly executionExists: Statement;
  readonly existingExecutions: Statement;
  readonly executionDeployments: Statement;
  readonly activeExecution: Statement;
  readonly listExecutions: Statement;
  readonly listExecutionsOfDeployment: Statement;
  readonly changeExecution: Statement;
  readonly upsertTasks: Statement;
  readonly listTasks: Statement;
  readonly insertEvents: Statement;
  readonly deleteEventsOfDeployment: Statement;
}

/** The fixed statements of a store whose tables are in `schema`. */
export function prepareStatements(schema: string): Statements {
  const s = quoteIdentifier(schema);
  const statement = (name: string, text: string): Statement => ({ name: `cairn_${name}`, text });
  return {
    schema: s,
    upsertBlueprint: statement(
      'upsertBlueprint',
      `INSERT INTO ${s}.blueprints (id, plan, main_file_name, resources_path, description,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET plan = excluded.plan,
         main_file_name = excluded.main_file_name, resources_path = excluded.resources_path,
         description = excluded.description, created_at = excluded.created_at,
         updated_at = excluded.updated_at`,
    ),
    getBlueprint: statement(
      'getBlueprint',
      `SELECT ${BLUEPRINT_COLUMNS} FROM ${s}.blueprints WHERE id = $1`,
    ),
    listBlueprints: statement(
      'listBlueprints',
      `SELECT ${BLUEPRINT_COLUMNS} FROM ${s}.blueprints ORDER BY pk`,
    ),
    // FOR UPDATE waits for a deployment being created from it (its foreign-key check holds a
    // KEY SHARE lock) and keeps new ones out until the deletion commits.
    lockBlueprint: statement(
      'lockBlueprint',
      `SELECT 1 FROM ${s}.blueprints WHERE id = $1 FOR UPDATE`,
    ),
    deleteBlueprint: statement('deleteBlueprint', `DELETE FROM ${s}.blueprints WHERE id = $1`),
    blueprintExists: statement('blueprintExists', `SELECT 1 FROM ${s}.blueprints WHERE id = $1`),
    deploymentIdsOfBlueprint: statement(
      'deploymentIdsOfBlueprint',
      `SELECT id FROM ${s}.deployments WHERE blueprint_id = $1 ORDER BY pk`,
    ),

    insertDeployment: statement(
      'insertDeployment',
      `INSERT INTO ${s}.deployments (id, blueprint_id, inputs, plan, plugins, created_at,
         updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING`,
    ),
    getDeployment: statement(
      'getDeployment',
      `SELECT ${DEPLOYMENT_COLUMNS} FROM ${s}.deployments WHERE id = $1`,
    ),
    // NO KEY UPDATE: serialises the creation of executions of one deployment, without blocking
    // the foreign-key checks (KEY SHARE) of events and instances written meanwhile.
    lockDeployment: statement(
      'lockDeployment',
      `SELECT 1 FROM ${s}.deployments WHERE id = $1 FOR NO KEY UPDATE`,
    ),
    existingDeployments: statement(
      'existingDeployments',
      `SELECT id FROM ${s}.deployments WHERE id = ANY($1::text[])`,
    ),
    listDeployments: statement(
      'listDeployments',
      `SELECT ${DEPLOYMENT_COLUMNS} FROM ${s}.deployments ORDER BY pk`,
    ),
    listDeploymentsOfBlueprint: statement(
      'listDeploymentsOfBlueprint',
      `SELECT ${DEPLOYMENT_COLUMNS} FROM ${s}.deployments WHERE blueprint_id = $1 ORDER BY pk`,
    ),
    listDeploymentSummaries: statement(
      'listDeploymentSummaries',
      `SELECT ${DEPLOYMENT_SUMMARY_COLUMNS} FROM ${s}.deployments ORDER BY pk`,
    ),
    deleteDeployment: statement('deleteDeployment', `DELETE FROM ${s}.deployments WHERE id = $1`),
    setDeploymentPlugins: statement(
      'setDeploymentPlugins',
      `UPDATE ${s}.deployments SET plugins = $2, updated_at = $3 WHERE id = $1`,
    ),

    insertInstances: statement(
      'insertInstances',
      `INSERT INTO ${s}.node_instances (${INSTANCE_COLUMNS})
       SELECT ${INSTANCE_COLUMNS}
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::json[],
         $7::json[], $8::json[], $9::json[], $10::integer[], $11::integer[])
         WITH ORDINALITY AS given (${INSTANCE_COLUMNS}, ord)
       ORDER BY ord`,
    ),
    getInstance: statement(
      'getInstance',
      `SELECT ${INSTANCE_COLUMNS} FROM ${s}.node_instances WHERE id = $1`,
    ),
    // Locked in id order, so that two batches touching the same instances cannot deadlock.
    // NO KEY UPDATE is the lock the UPDATE takes anyway; it also keeps a DELETE out.
    lockInstances: statement(
      'lockInstances',
      `SELECT ${INSTANCE_COLUMNS} FROM ${s}.node_instances WHERE id = ANY($1::text[])
       ORDER BY id FOR NO KEY UPDATE`,
    ),
    instanceDeployments: statement(
      'instanceDeployments',
      `SELECT id, deployment_id FROM ${s}.node_instances WHERE id = ANY($1::text[])`,
    ),
    listInstances: statement(
      'listInstances',
      `SELECT ${INSTANCE_COLUMNS} FROM ${s}.node_instances WHERE deployment_id = $1 ORDER BY pk`,
    ),
    listInstancesOfNode: statement(
      'listInstancesOfNode',
      `SELECT ${INSTANCE_COLUMNS} FROM ${s}.node_instances
       WHERE deployment_id = $1 AND node_id = $2 ORDER BY pk`,
    ),
    // Optimistic: a row is written only if it still has the version the batch was checked
    // against, and the caller counts the rows written.
    updateInstances: statement(
      'updateInstances',
      `UPDATE ${s}.node_instances AS stored SET state = given.state,
         runtime_properties = given.runtime_properties,
         system_properties = given.system_properties, relationships = given.relationships,
         version = given.version
       FROM unnest($1::text[], $2::text[], $3::json[], $4::json[], $5::json[], $6::integer[],
         $7::integer[])
         AS given (id, state, runtime_properties, system_properties, relationships, version,
           previous_version)
       WHERE stored.id = given.id AND stored.version = given.previous_version`,
    ),
    deleteInstances: statement(
      'deleteInstances',
      `DELETE FROM ${s}.node_instances WHERE id = ANY($1::text[]) RETURNING id`,
    ),

    insertExecution: statement(
      'insertExecution',
      `INSERT INTO ${s}.executions (id, deployment_id, workflow_id, status, parameters, settings,
         is_dry_run, created_at, started_at, ended_at, error, owner)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    ),
    getExecution: statement(
      'getExecution',
      `SELECT ${EXECUTION_COLUMNS} FROM ${s}.executions WHERE id = $1`,
    ),
    executionExists: statement('executionExists', `SELECT 1 FROM ${s}.executions WHERE id = $1`),
    existingExecutions: statement(
      'existingExecutions',
      `SELECT id FROM ${s}.executions WHERE id = ANY($1::text[])`,
    ),
    executionDeployments: statement(
      'executionDeployments',
      `SELECT id, deployment_id FROM ${s}.executions WHERE id = ANY($1::text[])`,
    ),
    activeExecution: statement(
      'activeExecution',
      `SELECT id, status FROM ${s}.executions
       WHERE deployment_id = $1 AND status NOT IN ('terminated', 'failed', 'cancelled')
       ORDER BY pk LIMIT 1`,
    ),
    listExecutions: statement(
      'listExecutions',
      `SELECT ${EXECUTION_COLUMNS} FROM ${s}.executions ORDER BY pk`,
    ),
    listExecutionsOfDeployment: statement(
      'listExecutionsOfDeployment',
      `SELECT ${EXECUTION_COLUMNS} FROM ${s}.executions WHERE deployment_id = $1 ORDER BY pk`,
    ),
    // One statement, without reading the row first: a NULL status or error keeps the column;
    // the timestamps and the owner, which may be set to NULL, come with a flag saying whether
    // they change.
    changeExecution: statement(
      'changeExecution',
      `UPDATE ${s}.executions SET status = COALESCE($2, status),
         started_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE started_at END,
         ended_at = CASE WHEN $5::boolean THEN $6::timestamptz ELSE ended_at END,
         error = COALESCE($7, error),
         owner = CASE WHEN $8::boolean THEN $9::json ELSE owner END
       WHERE id = $1`,
    ),

    // ord comes from an identity column: new tasks take increasing numbers in the given order,
    // and an update keeps the number of the first write.
    upsertTasks: statement(
      'upsertTasks',
      `INSERT INTO ${s}.tasks (execution_id, id, status, attempts, updated_at)
       SELECT execution_id, id, status, attempts, updated_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::timestamptz[])
         WITH ORDINALITY AS given (execution_id, id, status, attempts, updated_at, ord)
       ORDER BY ord
       ON CONFLICT (execution_id, id) DO UPDATE SET status = excluded.status,
         attempts = excluded.attempts, updated_at = excluded.updated_at`,
    ),
    listTasks: statement(
      'listTasks',
      `SELECT ${TASK_COLUMNS} FROM ${s}.tasks WHERE execution_id = $1 ORDER BY ord`,
    ),

    // $11, $12: the advisory lock that numbers events in commit order (see the store's
    // insertEvents). Taken by the same statement, before any seq is handed out: the rows reach
    // the identity column through the sort, which has read the whole join, lock included. One
    // statement rather than two saves a round trip inside the section the lock serialises.
    // `runs`: the executions the events belong to, locked against deletion until the commit
    // (FOR KEY SHARE, what a foreign key's check takes, but once per statement); an event
    // whose execution is missing, or is another deployment's, joins nothing and is not written
    // (the store compares the count and refuses the batch).
    insertEvents: statement(
      'insertEvents',
      `WITH appending AS MATERIALIZED (SELECT pg_advisory_xact_lock($11::integer, $12::integer)),
       runs AS MATERIALIZED (
         SELECT id, deployment_id FROM ${s}.executions WHERE id = ANY($1::text[]) FOR KEY SHARE)
       INSERT INTO ${s}.events (${NEW_EVENT_COLUMNS})
       SELECT ${NEW_EVENT_COLUMNS.split(', ')
         .map((column) => `given.${column}`)
         .join(', ')}
       FROM appending, unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[],
         $5::text[], $6::text[], $7::text[], $8::text[], $9::json[], $10::json[])
         WITH ORDINALITY AS given (${NEW_EVENT_COLUMNS}, ord)
         JOIN runs ON runs.id = given.execution_id AND runs.deployment_id = given.deployment_id
       ORDER BY ord`,
    ),
    deleteEventsOfDeployment: statement(
      'deleteEventsOfDeployment',
      `DELETE FROM ${s}.events WHERE deployment_id = $1`,
    ),
  };
}
