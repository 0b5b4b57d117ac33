import { ConflictError, InvalidInputError, NotFoundError, UsageError } from '@cairn/errors';
import type pg from 'pg';
import { applyInstanceChange, checkInstanceChange } from './instance-change.js';
import {
  alreadyExists,
  blueprintInUse,
  deploymentBusy,
  instanceToDeleteMissing,
  missing,
  missingParent,
} from './store-errors.js';
import { checkServerOptions, openServer, type ServerOptions } from './postgres/connect.js';
import { POSTGRES_MIGRATIONS } from './postgres/migrations/index.js';
import { inTransaction, run } from './postgres/queries.js';
import {
  type BlueprintRow,
  type DeploymentRow,
  type DeploymentSummaryRow,
  type EventRow,
  type ExecutionRow,
  type NodeInstanceRow,
  type TaskRow,
  blueprintParams,
  blueprintRecord,
  deploymentParams,
  deploymentRecord,
  deploymentSummaryRecord,
  eventColumns,
  eventRecord,
  executionParams,
  executionRecord,
  instanceColumns,
  instanceUpdateColumns,
  nodeInstanceRecord,
  taskColumns,
  taskRecord,
} from './postgres/rows.js';
import {
  type ServerError,
  isForeignKeyViolation,
  isUniqueViolation,
  toStoreError,
} from './postgres/sql-errors.js';
import { EVENT_COLUMNS, prepareStatements, type Statements } from './postgres/statements.js';
import { lockKey, type ServerTarget } from './postgres/target.js';
import { toJson } from './json-column.js';
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
  NewEvent,
  NodeInstanceRecord,
  Store,
  StoreBatch,
  TaskRecord,
} from './store.js';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions extends ServerOptions {
  /**
   * The schema holding Cairn's tables, created on first use when missing. Default `public`.
   * Lower-case letters, digits and `_`, not starting with a digit or `pg_`. Several Cairn
   * installations can share a database, each in a schema of its own.
   */
  readonly schema?: string;
}

const DEFAULT_SCHEMA = 'public';

/**
 * The first key of the advisory lock taken to append events (`CRNE`); the second is the schema's
 * {@link lockKey}, so stores in different schemas do not wait for each other.
 */
const EVENTS_LOCK = 0x43524e45;

/**
 * Connects to PostgreSQL, brings the schema up to date (creating it when missing) and returns
 * the {@link Store} over it. Several stores, in one process or several, may share a schema: each
 * batch is one transaction, stale versions are refused, and events are numbered in commit order.
 *
 * @throws InvalidInputError for options out of range or a connection string that does not parse;
 *   IoError when the server cannot be reached or refuses the credentials, or the schema holds
 *   another application's tables, naming `host:port/database` (never the password);
 *   SchemaVersionError (code `CONFLICT`) when a newer Cairn wrote the schema.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const settings = checkServerOptions(options, DEFAULT_SCHEMA);
  const { pool, target } = await openServer(settings, POSTGRES_MIGRATIONS);
  return new PostgresStore(pool, target);
}

function quote(id: string): string {
  return JSON.stringify(id);
}

/** A node instance the batch changes, with the version it has in the database now. */
interface InstanceUpdate {
  record: NodeInstanceRecord;
  readonly previousVersion: number;
}

/** A record the batch refers to by id, which must exist. */
interface Reference {
  readonly kind: 'deployment' | 'execution';
  readonly id: string;
  /** Who refers to it, for the message: `task "t1"`. */
  readonly usedBy: string;
}

class PostgresStore implements Store {
  private readonly sql: Statements;
  private readonly eventsLockKey: number;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: ServerTarget,
  ) {
    this.sql = prepareStatements(target.schema);
    this.eventsLockKey = lockKey(target.schema);
  }

  /**
   * Runs database work and translates every failure, once, so that no driver error escapes
   * whatever method raised it.
   */
  private async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new UsageError(`The store of ${this.target.label} is closed`);
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, { target: this.target, action });
    }
  }

  /** Runs `work` in one transaction (see {@link inTransaction}). */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  // Blueprints

  putBlueprint(record: BlueprintRecord): Promise<void> {
    return this.guard(`storing blueprint ${quote(record.id)}`, async () => {
      await run(this.pool, this.sql.upsertBlueprint, blueprintParams(record));
    });
  }

  getBlueprint(id: string): Promise<BlueprintRecord | undefined> {
    return this.guard(`reading blueprint ${quote(id)}`, async () => {
      const { rows } = await run<BlueprintRow>(this.pool, this.sql.getBlueprint, [id]);
      return rows[0] === undefined ? undefined : blueprintRecord(rows[0]);
    });
  }

  listBlueprints(): Promise<BlueprintRecord[]> {
    return this.guard('listing blueprints', async () => {
      const { rows } = await run<BlueprintRow>(this.pool, this.sql.listBlueprints, []);
      return rows.map(blueprintRecord);
    });
  }

  deleteBlueprint(id: string): Promise<void> {
    return this.guard(`deleting blueprint ${quote(id)}`, () =>
      this.transaction(async (client) => {
        if ((await run(client, this.sql.lockBlueprint, [id])).rowCount === 0) {
          throw missing('Blueprint', id);
        }
        const users = (
          await run<{ id: string }>(client, this.sql.deploymentIdsOfBlueprint, [id])
        ).rows.map((row) => row.id);
        if (users.length > 0) {
          throw blueprintInUse(id, users);
        }
        await run(client, this.sql.deleteBlueprint, [id]);
      }),
    );
  }

  // Deployments

  createDeployment(
    record: DeploymentRecord,
    instances: readonly NodeInstanceRecord[],
  ): Promise<void> {
    return this.guard(`creating deployment ${quote(record.id)}`, async () => {
      try {
        await this.transaction(async (client) => {
          if ((await run(client, this.sql.blueprintExists, [record.blueprint_id])).rowCount === 0) {
            throw missingParent('Blueprint', record.blueprint_id, 'deployment', record.id);
          }
          // ON CONFLICT DO NOTHING rather than a check first: two stores creating the same
          // deployment at once cannot both pass it.
          const inserted = await run(client, this.sql.insertDeployment, deploymentParams(record));
          if (inserted.rowCount === 0) {
            throw alreadyExists('Deployment', record.id);
          }
          for (const instance of instances) {
            if (instance.deployment_id !== record.id) {
              throw new InvalidInputError(
                `Node instance ${quote(instance.id)} belongs to deployment ` +
                  `${quote(instance.deployment_id)}, not to ${quote(record.id)}`,
                { details: { instance_id: instance.id, deployment_id: record.id } },
              );
            }
          }
          if (instances.length > 0) {
            await run(client, this.sql.insertInstances, instanceColumns(instances));
          }
        });
      } catch (error) {
        throw await this.explainInstanceConflict(error, instances);
      }
    });
  }

  getDeployment(id: string): Promise<DeploymentRecord | undefined> {
    return this.guard(`reading deployment ${quote(id)}`, async () => {
      const { rows } = await run<DeploymentRow>(this.pool, this.sql.getDeployment, [id]);
      return rows[0] === undefined ? undefined : deploymentRecord(rows[0]);
    });
  }

  listDeployments(query?: { readonly blueprint_id?: string }): Promise<DeploymentRecord[]> {
    return this.guard('listing deployments', async () => {
      const blueprintId = query?.blueprint_id;
      const { rows } =
        blueprintId === undefined
          ? await run<DeploymentRow>(this.pool, this.sql.listDeployments, [])
          : await run<DeploymentRow>(this.pool, this.sql.listDeploymentsOfBlueprint, [blueprintId]);
      return rows.map(deploymentRecord);
    });
  }

  listDeploymentSummaries(): Promise<DeploymentSummaryRecord[]> {
    return this.guard('listing deployments', async () => {
      const { rows } = await run<DeploymentSummaryRow>(
        this.pool,
        this.sql.listDeploymentSummaries,
        [],
      );
      return rows.map(deploymentSummaryRecord);
    });
  }

  setDeploymentPlugins(id: string, plugins: readonly DeploymentPlugin[]): Promise<void> {
    return this.guard(`pinning the plugins of deployment ${quote(id)}`, async () => {
      const { rowCount } = await run(this.pool, this.sql.setDeploymentPlugins, [
        id,
        toJson(plugins, `deployment ${id}: plugins`),
        new Date().toISOString(),
      ]);
      if (rowCount === 0) {
        throw missing('Deployment', id);
      }
    });
  }

  deleteDeployment(id: string): Promise<void> {
    return this.guard(`deleting deployment ${quote(id)}`, () =>
      this.transaction(async (client) => {
        // Instances, executions and their tasks go with it (ON DELETE CASCADE). Deleting the
        // executions waits for any batch still appending their events (it holds them FOR KEY
        // SHARE) and stops any later one; the events are deleted after, so none is left over.
        if ((await run(client, this.sql.deleteDeployment, [id])).rowCount === 0) {
          throw missing('Deployment', id);
        }
        await run(client, this.sql.deleteEventsOfDeployment, [id]);
      }),
    );
  }

  // Node instances

  getNodeInstance(id: string): Promise<NodeInstanceRecord | undefined> {
    return this.guard(`reading node instance ${quote(id)}`, async () => {
      const { rows } = await run<NodeInstanceRow>(this.pool, this.sql.getInstance, [id]);
      return rows[0] === undefined ? undefined : nodeInstanceRecord(rows[0]);
    });
  }

  listNodeInstances(query: {
    readonly deployment_id: string;
    readonly node_id?: string;
  }): Promise<NodeInstanceRecord[]> {
    return this.guard(
      `listing node instances of deployment ${quote(query.deployment_id)}`,
      async () => {
        const { rows } =
          query.node_id === undefined
            ? await run<NodeInstanceRow>(this.pool, this.sql.listInstances, [query.deployment_id])
            : await run<NodeInstanceRow>(this.pool, this.sql.listInstancesOfNode, [
                query.deployment_id,
                query.node_id,
              ]);
        return rows.map(nodeInstanceRecord);
      },
    );
  }

  /**
   * The error to report for a failed insert of `instances`: a repeated id is named with the
   * deployment that has it, as SQLite reports it. Looked up only on failure (after the rollback),
   * so that the common path pays for one insert and no lookup.
   */
  private async explainInstanceConflict(
    error: unknown,
    instances: readonly NodeInstanceRecord[],
  ): Promise<unknown> {
    if (!isUniqueViolation(error, 'node_instances_id_key')) return error;
    try {
      const { rows } = await run<{ id: string; deployment_id: string }>(
        this.pool,
        this.sql.instanceDeployments,
        [instances.map((instance) => instance.id)],
      );
      const owners = new Map(rows.map((row) => [row.id, row.deployment_id]));
      const seen = new Set<string>();
      for (const instance of instances) {
        // Stored already, or given twice (the first of the two was the owner).
        const owner =
          owners.get(instance.id) ?? (seen.has(instance.id) ? instance.deployment_id : undefined);
        if (owner !== undefined) {
          return new ConflictError(
            `Node instance ${quote(instance.id)} already exists (in deployment ${quote(owner)})`,
            { cause: error, details: { instance_id: instance.id, deployment_id: owner } },
          );
        }
        seen.add(instance.id);
      }
    } catch {
      // The lookup failed too (the connection is gone): report the insert's own error.
    }
    return error;
  }

  // Executions

  createExecution(record: ExecutionRecord): Promise<void> {
    return this.guard(`creating execution ${quote(record.id)}`, () =>
      this.transaction(async (client) => {
        const deploymentId = record.deployment_id;
        // The lock serialises the creation of executions of this deployment: two stores cannot
        // both find it idle and both start one.
        if ((await run(client, this.sql.lockDeployment, [deploymentId])).rowCount === 0) {
          throw missingParent('Deployment', deploymentId, 'execution', record.id);
        }
        if ((await run(client, this.sql.executionExists, [record.id])).rowCount !== 0) {
          throw alreadyExists('Execution', record.id);
        }
        const active = record.is_dry_run
          ? undefined
          : (
              await run<{ id: string; status: string }>(client, this.sql.activeExecution, [
                deploymentId,
              ])
            ).rows[0];
        if (active !== undefined) {
          throw deploymentBusy(deploymentId, record.id, active);
        }
        await run(client, this.sql.insertExecution, executionParams(record));
      }),
    );
  }

  getExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.guard(`reading execution ${quote(id)}`, async () => {
      const { rows } = await run<ExecutionRow>(this.pool, this.sql.getExecution, [id]);
      return rows[0] === undefined ? undefined : executionRecord(rows[0]);
    });
  }

  listExecutions(query?: { readonly deployment_id?: string }): Promise<ExecutionRecord[]> {
    return this.guard('listing executions', async () => {
      const deploymentId = query?.deployment_id;
      const { rows } =
        deploymentId === undefined
          ? await run<ExecutionRow>(this.pool, this.sql.listExecutions, [])
          : await run<ExecutionRow>(this.pool, this.sql.listExecutionsOfDeployment, [deploymentId]);
      return rows.map(executionRecord);
    });
  }

  listTasks(execution_id: string): Promise<TaskRecord[]> {
    return this.guard(`listing tasks of execution ${quote(execution_id)}`, async () => {
      const { rows } = await run<TaskRow>(this.pool, this.sql.listTasks, [execution_id]);
      return rows.map(taskRecord);
    });
  }

  // Batches

  apply(batch: StoreBatch): Promise<BatchResult> {
    return this.guard('applying a batch', async () => {
      try {
        return await this.transaction((client) => this.applyBatch(client, batch));
      } catch (error) {
        if (isForeignKeyViolation(error)) throw await this.explainMissingReference(error, batch);
        throw await this.explainInstanceConflict(error, batch.newInstances ?? []);
      }
    });
  }

  /**
   * The batch's writes, in one transaction. How concurrent batches stay correct:
   *
   * - Versions: every stored instance the batch changes or deletes is read and locked first, in
   *   one statement, in id order (so two batches cannot deadlock on each other's instances).
   *   Another batch on the same instances waits for this one to commit and then reads the new
   *   versions, so an `expected_version` is checked against the latest commit, and a stale one
   *   refused (ConflictError) before anything is written. The UPDATE still names the version it
   *   expects and its row count is checked: a write never lands on a version it was not checked
   *   against.
   * - Events: see {@link insertEvents}.
   */
  private async applyBatch(client: pg.PoolClient, batch: StoreBatch): Promise<BatchResult> {
    const created = new Map<string, NodeInstanceRecord>();
    for (const instance of batch.newInstances ?? []) created.set(instance.id, instance);
    const changes = batch.instances ?? [];
    const deleted = new Set(batch.deletedInstances ?? []);

    const locked = new Set<string>();
    for (const change of changes) if (!created.has(change.id)) locked.add(change.id);
    for (const id of deleted) if (!created.has(id)) locked.add(id);
    const stored = new Map<string, NodeInstanceRecord>();
    if (locked.size > 0) {
      const { rows } = await run<NodeInstanceRow>(client, this.sql.lockInstances, [[...locked]]);
      for (const row of rows) stored.set(row.id, nodeInstanceRecord(row));
    }

    // Every version is checked before anything is written.
    const updated = new Map<string, InstanceUpdate>();
    for (const change of changes) {
      const update = updated.get(change.id);
      const current = update?.record ?? created.get(change.id) ?? stored.get(change.id);
      checkInstanceChange(change, current);
      const next = applyInstanceChange(current, change);
      if (created.has(change.id)) {
        // Added by this batch: inserted as it ends up.
        created.set(change.id, next);
      } else if (update !== undefined) {
        update.record = next;
      } else {
        updated.set(change.id, { record: next, previousVersion: current.version });
      }
    }
    for (const id of deleted) {
      if (!created.has(id) && !stored.has(id)) {
        throw instanceToDeleteMissing(id);
      }
    }

    if (created.size > 0) {
      await run(client, this.sql.insertInstances, instanceColumns([...created.values()]));
    }
    if (updated.size > 0) {
      const updates = [...updated.values()];
      const { rowCount } = await run(
        client,
        this.sql.updateInstances,
        instanceUpdateColumns(updates),
      );
      if (rowCount !== updates.length) {
        // Cannot happen while the rows are locked; refused rather than half-written if it did.
        throw new ConflictError('Node instances were changed meanwhile; try again', {
          details: { instance_ids: updates.map((each) => each.record.id) },
        });
      }
    }
    if (deleted.size > 0) {
      await run(client, this.sql.deleteInstances, [[...deleted]]);
    }

    const tasks = batch.tasks ?? [];
    if (tasks.length > 0) {
      // One row per task: an upsert may not touch a row twice, so the last of repeated writes
      // wins (as when they are written one by one), in the place of the first.
      const unique = new Map<string, TaskRecord>();
      for (const task of tasks) unique.set(JSON.stringify([task.execution_id, task.id]), task);
      await run(client, this.sql.upsertTasks, taskColumns([...unique.values()]));
    }
    if (batch.execution !== undefined) await this.changeExecution(client, batch.execution);
    // Last: the events lock is then held for the shortest time, and while it is held this
    // transaction takes no lock another batch could hold while waiting for it.
    const events = batch.events ?? [];
    if (events.length > 0) await this.insertEvents(client, events);

    const instances: NodeInstanceRecord[] = [];
    for (const instance of created.values()) {
      if (!deleted.has(instance.id)) instances.push(instance);
    }
    for (const { record } of updated.values()) {
      if (!deleted.has(record.id)) instances.push(record);
    }
    return { instances };
  }

  private async changeExecution(client: pg.PoolClient, change: ExecutionChange): Promise<void> {
    const owner = change.owner;
    const { rowCount } = await run(client, this.sql.changeExecution, [
      change.id,
      change.status ?? null,
      change.started_at !== undefined,
      change.started_at ?? null,
      change.ended_at !== undefined,
      change.ended_at ?? null,
      change.error ?? null,
      owner !== undefined,
      owner === undefined || owner === null ? null : toJson(owner, `execution ${change.id}: owner`),
    ]);
    if (rowCount === 0) {
      throw missing('Execution', change.id);
    }
  }

  /**
   * Appends events. `seq` must grow in commit order, not only in the order numbers were handed
   * out: a client tailing with `after_seq` that has read seq 11 never looks below it again, so
   * seq 10 committed after 11 would be missed for good. A sequence alone gives no such promise
   * (two transactions take 10 and 11 and may commit in either order), so the insert first takes
   * a transaction-scoped advisory lock of the schema: event-writing transactions take their
   * numbers one at a time, and each releases the lock only once committed (or rolled back).
   *
   * The lock is taken last in the batch and by the insert itself, so it is held for the insert
   * and the commit only. Measured on a local server: no cost for one store, and 5–12 % fewer
   * batches per second with 4–8 stores appending at once (without the lock, a tailing client
   * misses events; the tests show it).
   * `LOCK TABLE events IN EXCLUSIVE MODE` would serialise the same way, but also queues behind,
   * and can deadlock with, a deployment's cascading delete; the advisory lock concerns appends
   * alone.
   *
   * The same statement checks what foreign keys would: each event's execution exists and is of
   * the event's deployment (see the statement); an event that fails it is left out, and the
   * count tells.
   */
  private async insertEvents(client: pg.PoolClient, events: readonly NewEvent[]): Promise<void> {
    const { rowCount } = await run(client, this.sql.insertEvents, [
      ...eventColumns(events),
      EVENTS_LOCK,
      this.eventsLockKey,
    ]);
    if (rowCount !== events.length) throw await this.strayEvent(client, events);
  }

  /**
   * The error for events the insert left out: one names an execution that does not exist (or
   * that belongs to another deployment). Thrown inside the batch's transaction, so nothing of
   * the batch is written.
   */
  private async strayEvent(client: pg.PoolClient, events: readonly NewEvent[]): Promise<Error> {
    const ids = [...new Set(events.map((event) => event.execution_id))];
    const { rows } = await run<{ id: string; deployment_id: string }>(
      client,
      this.sql.executionDeployments,
      [ids],
    );
    const deploymentOf = new Map(rows.map((row) => [row.id, row.deployment_id]));
    for (const event of events) {
      const deployment = deploymentOf.get(event.execution_id);
      if (deployment === undefined) {
        return new NotFoundError(
          `Execution ${quote(event.execution_id)} of an event does not exist`,
          { details: { execution_id: event.execution_id } },
        );
      }
      if (deployment !== event.deployment_id) {
        return new InvalidInputError(
          `An event of execution ${quote(event.execution_id)} names deployment ${quote(event.deployment_id)}, but the execution is of deployment ${quote(deployment)}`,
          { details: { execution_id: event.execution_id, deployment_id: event.deployment_id } },
        );
      }
    }
    return new ConflictError('Events were left out of a batch; try again');
  }

  /**
   * The error to report for a batch refused by a foreign key: which execution or deployment is
   * missing, and who refers to it, as SQLite reports it. Looked up after the rollback, so that
   * a batch that succeeds checks nothing beforehand.
   */
  private async explainMissingReference(error: ServerError, batch: StoreBatch): Promise<unknown> {
    const references: Reference[] = [];
    switch (error.constraint) {
      case 'node_instances_deployment_fk':
        for (const instance of batch.newInstances ?? []) {
          references.push({
            kind: 'deployment',
            id: instance.deployment_id,
            usedBy: `new node instance ${quote(instance.id)}`,
          });
        }
        break;
      case 'tasks_execution_fk':
        for (const task of batch.tasks ?? []) {
          references.push({
            kind: 'execution',
            id: task.execution_id,
            usedBy: `task ${quote(task.id)}`,
          });
        }
        break;
      case undefined:
      default:
        return error;
    }
    const kind = references[0]?.kind ?? 'execution';
    try {
      const { rows } = await run<{ id: string }>(
        this.pool,
        kind === 'deployment' ? this.sql.existingDeployments : this.sql.existingExecutions,
        [[...new Set(references.map((reference) => reference.id))]],
      );
      const existing = new Set(rows.map((row) => row.id));
      const missing = references.find((reference) => !existing.has(reference.id));
      if (missing === undefined) return error;
      const label = kind === 'deployment' ? 'Deployment' : 'Execution';
      return new NotFoundError(
        `${label} ${quote(missing.id)} of ${missing.usedBy} does not exist`,
        { cause: error, details: { [`${kind}_id`]: missing.id } },
      );
    } catch {
      // The lookup failed too (the connection is gone): report the insert's own error.
      return error;
    }
  }

  // Events

  listEvents(query: EventQuery): Promise<EventRecord[]> {
    return this.guard('listing events', async () => {
      const where: string[] = [];
      const values: unknown[] = [];
      // Which filters the query has: names the prepared statement of that shape.
      let shape = '';
      const param = (value: unknown): string => {
        values.push(value);
        return `$${values.length}`;
      };
      if (query.execution_id !== undefined) {
        where.push(`execution_id = ${param(query.execution_id)}`);
        shape += 'x';
      }
      if (query.deployment_id !== undefined) {
        where.push(`deployment_id = ${param(query.deployment_id)}`);
        shape += 'd';
      }
      if (query.after_seq !== undefined) {
        if (!Number.isFinite(query.after_seq)) {
          throw new InvalidInputError(`after_seq must be a number, not ${String(query.after_seq)}`);
        }
        // seq is a whole number from 1, and the column a bigint: "after 2.5" is "after 2", and
        // any negative number "after 0". Past 2^53 no seq can be told apart: there is none.
        if (query.after_seq > Number.MAX_SAFE_INTEGER) return [];
        where.push(`seq > ${param(Math.max(0, Math.floor(query.after_seq)))}`);
        shape += 'a';
      }
      if (query.include_logs !== true) {
        where.push("type = 'cloudify_event'");
        shape += 'e';
      }
      let text = `SELECT ${EVENT_COLUMNS} FROM ${this.sql.schema}.events`;
      if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
      text += ' ORDER BY seq';
      if (query.limit !== undefined) {
        if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
          throw new InvalidInputError(
            `limit must be a whole number of 0 or more, not ${String(query.limit)}`,
          );
        }
        text += ` LIMIT ${param(query.limit)}`;
        shape += 'l';
      }
      const { rows } = await run<EventRow>(
        this.pool,
        { name: `cairn_listEvents_${shape}`, text },
        values,
      );
      return rows.map(eventRecord);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Waits for queries under way, then closes every connection.
      await this.pool.end();
    } catch (error) {
      throw toStoreError(error, { target: this.target, action: 'closing it' });
    }
  }
}
