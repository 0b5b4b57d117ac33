import { ConflictError, InvalidInputError, NotFoundError, UsageError } from '@cairn/errors';
import type BetterSqlite3 from 'better-sqlite3';
import { applyInstanceChange, checkInstanceChange } from './instance-change.js';
import {
  alreadyExists,
  blueprintInUse,
  deploymentBusy,
  instanceToDeleteMissing,
  missing,
  missingParent,
} from './store-errors.js';
import { MIGRATIONS } from './migrations/index.js';
import { openDatabase } from './sqlite/open-database.js';
import {
  type EventRow,
  type NodeInstanceRow,
  blueprintRecord,
  blueprintRow,
  deploymentRecord,
  deploymentRow,
  deploymentSummaryRecord,
  eventRecord,
  executionRecord,
  executionRow,
  newEventRow,
  nodeInstanceRecord,
  nodeInstanceRow,
  taskRecord,
  taskRow,
} from './sqlite/rows.js';
import { toJson } from './json-column.js';
import { isUniqueViolation, toStoreError } from './sqlite/sql-errors.js';
import {
  EVENT_COLUMNS,
  prepareStatements,
  type EventListStatement,
  type Statements,
} from './sqlite/statements.js';
import type {
  BatchResult,
  BlueprintRecord,
  DeploymentPlugin,
  DeploymentRecord,
  DeploymentSummaryRecord,
  EventQuery,
  EventRecord,
  ExecutionChange,
  ExecutionRecord,
  NodeInstanceRecord,
  Store,
  StoreBatch,
  TaskRecord,
} from './store.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created when missing, its folder must exist), or `:memory:`. */
  readonly path: string;
  /**
   * How long a write waits for another process's write to finish before failing with a
   * `TIMEOUT` error. Default 10 000 ms: Cairn's transactions are short, so a longer wait means a
   * process is stuck, not busy.
   */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating and migrating as needed) a SQLite database and returns the {@link Store} over
 * it. Several stores, in one process or several, may share a file: writes are serialised by
 * SQLite and each waits up to `busyTimeoutMs` for the others.
 *
 * @throws IoError when the file cannot be opened or is not a (sound) Cairn database, naming the
 *   path; SchemaVersionError (code `CONFLICT`) when a newer Cairn wrote it.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase({
    path: options.path,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    migrations: MIGRATIONS,
  });
  return new SqliteStore(options.path, db);
}

function quote(id: string): string {
  return JSON.stringify(id);
}

/** The execution after a change: absent fields keep their value. */
function changedExecution(current: ExecutionRecord, change: ExecutionChange): ExecutionRecord {
  return {
    ...current,
    status: change.status ?? current.status,
    started_at: change.started_at === undefined ? current.started_at : change.started_at,
    ended_at: change.ended_at === undefined ? current.ended_at : change.ended_at,
    error: change.error ?? current.error,
    owner: change.owner === undefined ? current.owner : change.owner,
  };
}

/**
 * Remembers which referenced ids were found during one transaction, so that a batch of many
 * events of one execution looks the execution up once.
 */
class ExistenceCache {
  private readonly found = new Set<string>();

  constructor(
    private readonly exists: BetterSqlite3.Statement<[string], number>,
    private readonly kind: 'deployment' | 'execution',
  ) {}

  require(id: string, usedBy: string): void {
    if (this.found.has(id)) return;
    if (this.exists.get(id) === undefined) {
      const label = this.kind === 'deployment' ? 'Deployment' : 'Execution';
      throw new NotFoundError(`${label} ${quote(id)} of ${usedBy} does not exist`, {
        details: { [`${this.kind}_id`]: id },
      });
    }
    this.found.add(id);
  }
}

class SqliteStore implements Store {
  private readonly sql: Statements;
  /** Event listings, one statement per combination of filters, prepared on first use. */
  private readonly eventQueries = new Map<string, EventListStatement>();
  /** Made once: wrapping a function in a transaction is costly next to a short write. */
  private readonly transaction: BetterSqlite3.Transaction<(work: () => unknown) => unknown>;

  constructor(
    private readonly path: string,
    private readonly db: BetterSqlite3.Database,
  ) {
    this.sql = prepareStatements(db);
    this.transaction = db.transaction((work: () => unknown) => work());
  }

  /**
   * Runs synchronous database work and settles the promise the port promises. Every failure is
   * translated here, once, so no driver error escapes whatever method raised it.
   */
  private run<T>(action: string, work: () => T): Promise<T> {
    try {
      if (!this.db.open) throw new UsageError(`The store of ${this.path} is closed`);
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(toStoreError(error, { path: this.path, action }));
    }
  }

  /**
   * Runs `work` in an IMMEDIATE transaction. Taking the write lock at BEGIN matters with WAL:
   * a deferred transaction that reads and then writes fails at once, without waiting, if another
   * connection wrote in between.
   */
  private write<T>(action: string, work: () => T): Promise<T> {
    return this.run(action, () => this.transaction.immediate(work) as T);
  }

  // Blueprints

  putBlueprint(record: BlueprintRecord): Promise<void> {
    return this.run(`storing blueprint ${quote(record.id)}`, () => {
      this.sql.upsertBlueprint.run(blueprintRow(record));
    });
  }

  getBlueprint(id: string): Promise<BlueprintRecord | undefined> {
    return this.run(`reading blueprint ${quote(id)}`, () => {
      const row = this.sql.getBlueprint.get(id);
      return row === undefined ? undefined : blueprintRecord(row);
    });
  }

  listBlueprints(): Promise<BlueprintRecord[]> {
    return this.run('listing blueprints', () => this.sql.listBlueprints.all().map(blueprintRecord));
  }

  deleteBlueprint(id: string): Promise<void> {
    return this.write(`deleting blueprint ${quote(id)}`, () => {
      if (this.sql.blueprintExists.get(id) === undefined) {
        throw missing('Blueprint', id);
      }
      const users = this.sql.deploymentIdsOfBlueprint.all(id);
      if (users.length > 0) {
        throw blueprintInUse(id, users);
      }
      this.sql.deleteBlueprint.run(id);
    });
  }

  // Deployments

  createDeployment(
    record: DeploymentRecord,
    instances: readonly NodeInstanceRecord[],
  ): Promise<void> {
    return this.write(`creating deployment ${quote(record.id)}`, () => {
      if (this.sql.blueprintExists.get(record.blueprint_id) === undefined) {
        throw missingParent('Blueprint', record.blueprint_id, 'deployment', record.id);
      }
      if (this.sql.deploymentExists.get(record.id) !== undefined) {
        throw alreadyExists('Deployment', record.id);
      }
      this.sql.insertDeployment.run(deploymentRow(record));
      for (const instance of instances) {
        if (instance.deployment_id !== record.id) {
          throw new InvalidInputError(
            `Node instance ${quote(instance.id)} belongs to deployment ` +
              `${quote(instance.deployment_id)}, not to ${quote(record.id)}`,
            { details: { instance_id: instance.id, deployment_id: record.id } },
          );
        }
        this.insertInstance(instance);
      }
    });
  }

  getDeployment(id: string): Promise<DeploymentRecord | undefined> {
    return this.run(`reading deployment ${quote(id)}`, () => {
      const row = this.sql.getDeployment.get(id);
      return row === undefined ? undefined : deploymentRecord(row);
    });
  }

  listDeployments(query?: { readonly blueprint_id?: string }): Promise<DeploymentRecord[]> {
    return this.run('listing deployments', () => {
      const blueprintId = query?.blueprint_id;
      const rows =
        blueprintId === undefined
          ? this.sql.listDeployments.all()
          : this.sql.listDeploymentsOfBlueprint.all(blueprintId);
      return rows.map(deploymentRecord);
    });
  }

  listDeploymentSummaries(): Promise<DeploymentSummaryRecord[]> {
    return this.run('listing deployments', () =>
      this.sql.listDeploymentSummaries.all().map(deploymentSummaryRecord),
    );
  }

  setDeploymentPlugins(id: string, plugins: readonly DeploymentPlugin[]): Promise<void> {
    return this.write(`pinning the plugins of deployment ${quote(id)}`, () => {
      const changed = this.sql.setDeploymentPlugins.run({
        id,
        plugins: toJson(plugins, `deployment ${id}: plugins`),
        updated_at: new Date().toISOString(),
      }).changes;
      if (changed === 0) {
        throw missing('Deployment', id);
      }
    });
  }

  deleteDeployment(id: string): Promise<void> {
    return this.write(`deleting deployment ${quote(id)}`, () => {
      // Instances, executions, their tasks and events go with it (ON DELETE CASCADE).
      if (this.sql.deleteDeployment.run(id).changes === 0) {
        throw missing('Deployment', id);
      }
    });
  }

  // Node instances

  getNodeInstance(id: string): Promise<NodeInstanceRecord | undefined> {
    return this.run(`reading node instance ${quote(id)}`, () => this.readInstance(id));
  }

  listNodeInstances(query: {
    readonly deployment_id: string;
    readonly node_id?: string;
  }): Promise<NodeInstanceRecord[]> {
    return this.run(`listing node instances of deployment ${quote(query.deployment_id)}`, () => {
      const rows =
        query.node_id === undefined
          ? this.sql.listInstances.all(query.deployment_id)
          : this.sql.listInstancesOfNode.all(query.deployment_id, query.node_id);
      return rows.map(nodeInstanceRecord);
    });
  }

  private readInstance(id: string): NodeInstanceRecord | undefined {
    const row = this.sql.getInstance.get(id);
    return row === undefined ? undefined : nodeInstanceRecord(row);
  }

  /** Inserts a node instance and gives back the row as written. */
  private insertInstance(instance: NodeInstanceRecord): NodeInstanceRow {
    const row = nodeInstanceRow(instance);
    try {
      this.sql.insertInstance.run(row);
      return row;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Only looked up on failure: the common path pays for one insert and no lookup.
      const owner = this.sql.instanceDeployment.get(instance.id) ?? '?';
      throw new ConflictError(
        `Node instance ${quote(instance.id)} already exists (in deployment ${quote(owner)})`,
        { cause: error, details: { instance_id: instance.id, deployment_id: owner } },
      );
    }
  }

  // Executions

  createExecution(record: ExecutionRecord): Promise<void> {
    return this.write(`creating execution ${quote(record.id)}`, () => {
      const deploymentId = record.deployment_id;
      if (this.sql.deploymentExists.get(deploymentId) === undefined) {
        throw missingParent('Deployment', deploymentId, 'execution', record.id);
      }
      if (this.sql.executionExists.get(record.id) !== undefined) {
        throw alreadyExists('Execution', record.id);
      }
      // The check and the insert share the IMMEDIATE transaction: no other process can start
      // an execution of this deployment in between.
      const active = record.is_dry_run ? undefined : this.sql.activeExecution.get(deploymentId);
      if (active !== undefined) {
        throw deploymentBusy(deploymentId, record.id, active);
      }
      this.sql.insertExecution.run(executionRow(record));
    });
  }

  getExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.run(`reading execution ${quote(id)}`, () => {
      const row = this.sql.getExecution.get(id);
      return row === undefined ? undefined : executionRecord(row);
    });
  }

  listExecutions(query?: { readonly deployment_id?: string }): Promise<ExecutionRecord[]> {
    return this.run('listing executions', () => {
      const deploymentId = query?.deployment_id;
      const rows =
        deploymentId === undefined
          ? this.sql.listExecutions.all()
          : this.sql.listExecutionsOfDeployment.all(deploymentId);
      return rows.map(executionRecord);
    });
  }

  listTasks(execution_id: string): Promise<TaskRecord[]> {
    return this.run(`listing tasks of execution ${quote(execution_id)}`, () =>
      this.sql.listTasks.all(execution_id).map(taskRecord),
    );
  }

  // Batches

  apply(batch: StoreBatch): Promise<BatchResult> {
    return this.write('applying a batch', () => this.applyBatch(batch));
  }

  private applyBatch(batch: StoreBatch): BatchResult {
    const created = new Map<string, NodeInstanceRecord>();
    for (const instance of batch.newInstances ?? []) created.set(instance.id, instance);

    // Every version is checked before anything is written. (The transaction would undo partial
    // writes anyway; checking first keeps a refused batch cheap.)
    const updated = new Map<string, NodeInstanceRecord>();
    for (const change of batch.instances ?? []) {
      const current =
        updated.get(change.id) ?? created.get(change.id) ?? this.readInstance(change.id);
      checkInstanceChange(change, current);
      updated.set(change.id, applyInstanceChange(current, change));
    }

    const deployments = new ExistenceCache(this.sql.deploymentExists, 'deployment');
    const executions = new ExistenceCache(this.sql.executionExists, 'execution');
    // The rows as written, by id: the result is read from them rather than selected again.
    const written = new Map<string, NodeInstanceRow>();
    for (const instance of created.values()) {
      deployments.require(instance.deployment_id, `new node instance ${quote(instance.id)}`);
      written.set(instance.id, this.insertInstance(instance));
    }
    for (const instance of updated.values()) {
      const row = nodeInstanceRow(instance);
      this.sql.updateInstance.run(row);
      written.set(instance.id, row);
    }
    const deleted = new Set(batch.deletedInstances ?? []);
    for (const id of deleted) {
      if (this.sql.deleteInstance.run(id).changes === 0) {
        throw instanceToDeleteMissing(id);
      }
    }

    for (const task of batch.tasks ?? []) {
      executions.require(task.execution_id, `task ${quote(task.id)}`);
      this.sql.upsertTask.run(taskRow(task));
    }
    for (const event of batch.events ?? []) {
      executions.require(event.execution_id, 'an event');
      deployments.require(event.deployment_id, 'an event');
      this.sql.insertEvent.run(newEventRow(event));
    }
    if (batch.execution !== undefined) this.changeExecution(batch.execution);

    const instances: NodeInstanceRecord[] = [];
    for (const [id, row] of written) {
      if (!deleted.has(id)) instances.push(nodeInstanceRecord(row));
    }
    return { instances };
  }

  private changeExecution(change: ExecutionChange): void {
    const row = this.sql.getExecution.get(change.id);
    if (row === undefined) {
      throw missing('Execution', change.id);
    }
    this.sql.updateExecution.run(executionRow(changedExecution(executionRecord(row), change)));
  }

  // Events

  listEvents(query: EventQuery): Promise<EventRecord[]> {
    return this.run('listing events', () => {
      const where: string[] = [];
      const values: unknown[] = [];
      if (query.execution_id !== undefined) {
        where.push('execution_id = ?');
        values.push(query.execution_id);
      }
      if (query.deployment_id !== undefined) {
        where.push('deployment_id = ?');
        values.push(query.deployment_id);
      }
      if (query.after_seq !== undefined) {
        if (!Number.isFinite(query.after_seq)) {
          throw new InvalidInputError(`after_seq must be a number, not ${String(query.after_seq)}`);
        }
        where.push('seq > ?');
        values.push(query.after_seq);
      }
      if (query.include_logs !== true) where.push("type = 'cloudify_event'");
      let sql = `SELECT ${EVENT_COLUMNS} FROM events`;
      if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
      sql += ' ORDER BY seq';
      if (query.limit !== undefined) {
        if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
          throw new InvalidInputError(
            `limit must be a whole number of 0 or more, not ${String(query.limit)}`,
          );
        }
        sql += ' LIMIT ?';
        values.push(query.limit);
      }
      let statement = this.eventQueries.get(sql);
      if (statement === undefined) {
        statement = this.db.prepare<unknown[], EventRow>(sql);
        this.eventQueries.set(sql, statement);
      }
      return statement.all(...values).map(eventRecord);
    });
  }

  close(): Promise<void> {
    try {
      if (this.db.open) this.db.close();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(toStoreError(error, { path: this.path, action: 'closing it' }));
    }
  }
}
