import type BetterSqlite3 from 'better-sqlite3';
import type {
  BlueprintRow,
  DeploymentRow,
  DeploymentSummaryRow,
  EventRow,
  ExecutionRow,
  NewEventRow,
  NodeInstanceRow,
  TaskRow,
} from './rows.js';

type Db = BetterSqlite3.Database;

const BLUEPRINT_COLUMNS =
  'id, plan, main_file_name, resources_path, description, created_at, updated_at';
const DEPLOYMENT_COLUMNS = 'id, blueprint_id, inputs, plan, plugins, created_at, updated_at';
const DEPLOYMENT_SUMMARY_COLUMNS = 'id, blueprint_id, plugins, created_at, updated_at';
const INSTANCE_COLUMNS =
  'id, deployment_id, node_id, host_id, state, runtime_properties, system_properties, ' +
  'relationships, scaling_groups, instance_index, version';
const EXECUTION_COLUMNS =
  'id, deployment_id, workflow_id, status, parameters, settings, is_dry_run, created_at, ' +
  'started_at, ended_at, error, owner';
const TASK_COLUMNS = 'execution_id, id, status, attempts, updated_at';
const NEW_EVENT_COLUMNS =
  'execution_id, deployment_id, timestamp, type, event_type, level, logger, message, context, ' +
  'error_causes';

/** `@a, @b` for the named parameters of a column list. */
function params(columns: string): string {
  return columns
    .split(',')
    .map((column) => `@${column.trim()}`)
    .join(', ');
}

type Statement<P extends unknown[] | object, R = unknown> = BetterSqlite3.Statement<
  P extends unknown[] ? P : [P],
  R
>;

/** The statements of the fixed queries, prepared once per connection and reused. */
export interface Statements {
  readonly upsertBlueprint: Statement<BlueprintRow>;
  readonly getBlueprint: Statement<[string], BlueprintRow>;
  readonly listBlueprints: Statement<[], BlueprintRow>;
  readonly deleteBlueprint: Statement<[string]>;
  readonly blueprintExists: Statement<[string], number>;
  readonly deploymentIdsOfBlueprint: Statement<[string], string>;
  readonly insertDeployment: Statement<DeploymentRow>;
  readonly getDeployment: Statement<[string], DeploymentRow>;
  readonly deploymentExists: Statement<[string], number>;
  readonly listDeployments: Statement<[], DeploymentRow>;
  readonly listDeploymentsOfBlueprint: Statement<[string], DeploymentRow>;
  readonly listDeploymentSummaries: Statement<[], DeploymentSummaryRow>;
  readonly deleteDeployment: Statement<[string]>;
  readonly setDeploymentPlugins: Statement<{ id: string; plugins: string; updated_at: string }>;
  readonly insertInstance: Statement<NodeInstanceRow>;
  readonly getInstance: Statement<[string], NodeInstanceRow>;
  readonly instanceDeployment: Statement<[string], string>;
  readonly listInstances: Statement<[string], NodeInstanceRow>;
  readonly listInstancesOfNode: Statement<[string, string], NodeInstanceRow>;
  readonly updateInstance: Statement<NodeInstanceRow>;
  readonly deleteInstance: Statement<[string]>;
  readonly insertExecution: Statement<ExecutionRow>;
  readonly getExecution: Statement<[string], ExecutionRow>;
  readonly executionExists: Statement<[string], number>;
  readonly activeExecution: Statement<[string], { id: string; status: string }>;
  readonly listExecutions: Statement<[], ExecutionRow>;
  readonly listExecutionsOfDeployment: Statement<[string], ExecutionRow>;
  readonly updateExecution: Statement<ExecutionRow>;
  readonly upsertTask: Statement<TaskRow>;
  readonly listTasks: Statement<[string], TaskRow>;
  readonly insertEvent: Statement<NewEventRow>;
}

/** Prepares every fixed statement the store runs (event listing builds its own, see the store). */
export function prepareStatements(db: Db): Statements {
  return {
    upsertBlueprint: db.prepare<BlueprintRow>(
      `INSERT INTO blueprints (${BLUEPRINT_COLUMNS}) VALUES (${params(BLUEPRINT_COLUMNS)})
       ON CONFLICT (id) DO UPDATE SET plan = excluded.plan,
         main_file_name = excluded.main_file_name, resources_path = excluded.resources_path,
         description = excluded.description, created_at = excluded.created_at,
         updated_at = excluded.updated_at`,
    ),
    getBlueprint: db.prepare<[string], BlueprintRow>(
      `SELECT ${BLUEPRINT_COLUMNS} FROM blueprints WHERE id = ?`,
    ),
    listBlueprints: db.prepare<[], BlueprintRow>(
      `SELECT ${BLUEPRINT_COLUMNS} FROM blueprints ORDER BY pk`,
    ),
    deleteBlueprint: db.prepare<[string]>('DELETE FROM blueprints WHERE id = ?'),
    blueprintExists: db.prepare<[string], number>('SELECT 1 FROM blueprints WHERE id = ?').pluck(),
    deploymentIdsOfBlueprint: db
      .prepare<[string], string>('SELECT id FROM deployments WHERE blueprint_id = ? ORDER BY pk')
      .pluck(),

    insertDeployment: db.prepare<DeploymentRow>(
      `INSERT INTO deployments (${DEPLOYMENT_COLUMNS}) VALUES (${params(DEPLOYMENT_COLUMNS)})`,
    ),
    getDeployment: db.prepare<[string], DeploymentRow>(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments WHERE id = ?`,
    ),
    deploymentExists: db
      .prepare<[string], number>('SELECT 1 FROM deployments WHERE id = ?')
      .pluck(),
    listDeployments: db.prepare<[], DeploymentRow>(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments ORDER BY pk`,
    ),
    listDeploymentsOfBlueprint: db.prepare<[string], DeploymentRow>(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments WHERE blueprint_id = ? ORDER BY pk`,
    ),
    listDeploymentSummaries: db.prepare<[], DeploymentSummaryRow>(
      `SELECT ${DEPLOYMENT_SUMMARY_COLUMNS} FROM deployments ORDER BY pk`,
    ),
    deleteDeployment: db.prepare<[string]>('DELETE FROM deployments WHERE id = ?'),
    setDeploymentPlugins: db.prepare<{ id: string; plugins: string; updated_at: string }>(
      'UPDATE deployments SET plugins = @plugins, updated_at = @updated_at WHERE id = @id',
    ),

    insertInstance: db.prepare<NodeInstanceRow>(
      `INSERT INTO node_instances (${INSTANCE_COLUMNS}) VALUES (${params(INSTANCE_COLUMNS)})`,
    ),
    getInstance: db.prepare<[string], NodeInstanceRow>(
      `SELECT ${INSTANCE_COLUMNS} FROM node_instances WHERE id = ?`,
    ),
    instanceDeployment: db
      .prepare<[string], string>('SELECT deployment_id FROM node_instances WHERE id = ?')
      .pluck(),
    listInstances: db.prepare<[string], NodeInstanceRow>(
      `SELECT ${INSTANCE_COLUMNS} FROM node_instances WHERE deployment_id = ? ORDER BY pk`,
    ),
    listInstancesOfNode: db.prepare<[string, string], NodeInstanceRow>(
      `SELECT ${INSTANCE_COLUMNS} FROM node_instances WHERE deployment_id = ? AND node_id = ?
       ORDER BY pk`,
    ),
    updateInstance: db.prepare<NodeInstanceRow>(
      `UPDATE node_instances SET state = @state, runtime_properties = @runtime_properties,
         system_properties = @system_properties, relationships = @relationships,
         version = @version
       WHERE id = @id`,
    ),
    deleteInstance: db.prepare<[string]>('DELETE FROM node_instances WHERE id = ?'),

    insertExecution: db.prepare<ExecutionRow>(
      `INSERT INTO executions (${EXECUTION_COLUMNS}) VALUES (${params(EXECUTION_COLUMNS)})`,
    ),
    getExecution: db.prepare<[string], ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE id = ?`,
    ),
    executionExists: db.prepare<[string], number>('SELECT 1 FROM executions WHERE id = ?').pluck(),
    activeExecution: db.prepare<[string], { id: string; status: string }>(
      `SELECT id, status FROM executions
       WHERE deployment_id = ? AND status NOT IN ('terminated', 'failed', 'cancelled')
       ORDER BY pk LIMIT 1`,
    ),
    listExecutions: db.prepare<[], ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM executions ORDER BY pk`,
    ),
    listExecutionsOfDeployment: db.prepare<[string], ExecutionRow>(
      `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE deployment_id = ? ORDER BY pk`,
    ),
    updateExecution: db.prepare<ExecutionRow>(
      `UPDATE executions SET status = @status, started_at = @started_at, ended_at = @ended_at,
         error = @error, owner = @owner
       WHERE id = @id`,
    ),

    upsertTask: db.prepare<TaskRow>(
      `INSERT INTO tasks (${TASK_COLUMNS}, ord) VALUES (${params(TASK_COLUMNS)},
         (SELECT IFNULL(MAX(ord), 0) + 1 FROM tasks WHERE execution_id = @execution_id))
       ON CONFLICT (execution_id, id) DO UPDATE SET status = excluded.status,
         attempts = excluded.attempts, updated_at = excluded.updated_at`,
    ),
    listTasks: db.prepare<[string], TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE execution_id = ? ORDER BY ord`,
    ),

    insertEvent: db.prepare<NewEventRow>(
      `INSERT INTO events (${NEW_EVENT_COLUMNS}) VALUES (${params(NEW_EVENT_COLUMNS)})`,
    ),
  };
}

/** The columns of an event row, for the listing queries built at run time. */
export const EVENT_COLUMNS = `seq, ${NEW_EVENT_COLUMNS}`;

/** An event listing statement: its parameters are the query's filter values, in order. */
export type EventListStatement = Statement<unknown[], EventRow>;
