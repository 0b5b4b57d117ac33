import { CairnError, IoError } from '@cairn/errors';
import type pg from 'pg';
import {
  checkHistory,
  foreignStep,
  foreignStepMessage,
  type Migration,
} from '../migrations/migration.js';
import { SchemaVersionError } from '../schema-version-error.js';
import { lockKey, quoteIdentifier, type ServerTarget } from './target.js';

/**
 * The first key of the advisory lock every migration run of a schema takes (`CRNM`); the second
 * is the schema's {@link lockKey}.
 */
export const MIGRATION_LOCK = 0x43524e4d;

/** What a migration run did. */
export interface MigrationResult {
  /** Schema version before (0 for a new schema). */
  readonly from: number;
  /** Schema version now. */
  readonly to: number;
}

/** What the schema holds before migrating. */
interface SchemaState {
  readonly schema_exists: boolean;
  /** Tables, views … of any kind (count(*), a bigint: text). */
  readonly relations: string;
  /** The columns of `schema_migrations`, or null when there is no such table. */
  readonly migration_columns: string[] | null;
}

const INSPECT = `
  SELECT n.oid IS NOT NULL AS schema_exists,
    (SELECT count(*) FROM pg_class c
      WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) AS relations,
    (SELECT array_agg(a.attname::text) FROM pg_attribute a
      WHERE a.attrelid = to_regclass(format('%I.schema_migrations', $1::text))
        AND a.attnum > 0 AND NOT a.attisdropped) AS migration_columns
  FROM (SELECT $1::text AS name) wanted LEFT JOIN pg_namespace n ON n.nspname = wanted.name`;

/** The columns that tell Cairn's `schema_migrations` from another tool's of the same name. */
const CAIRN_MIGRATION_COLUMNS = ['version', 'name', 'applied_at'];

/**
 * Brings the store's schema up to the last of `migrations`, creating the schema if needed. All
 * pending migrations run in one transaction, under an advisory lock of the schema: two processes
 * opening a new schema at once serialise here, and the second finds nothing left to do. Refuses a
 * schema whose version is newer than `migrations` know, one holding another application's
 * tables, and one holding another kind of Cairn database (see {@link foreignStep}). Creates nothing that exists, so that a role without CREATE rights can open an
 * up-to-date store.
 *
 * @param client - a connection outside any transaction
 */
export async function migrate(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  target: ServerTarget,
): Promise<MigrationResult> {
  checkHistory(migrations);
  const supported = migrations.length;
  const schema = quoteIdentifier(target.schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
      MIGRATION_LOCK,
      lockKey(target.schema),
    ]);
    const { rows } = await client.query<SchemaState>(INSPECT, [target.schema]);
    const state = rows[0];
    if (state === undefined) throw new CairnError('INTERNAL', 'The schema inspection gave no row');
    const columns = state.migration_columns;
    const ours =
      columns !== null && CAIRN_MIGRATION_COLUMNS.every((column) => columns.includes(column));
    if (!state.schema_exists) {
      await client.query(`CREATE SCHEMA ${schema}`);
    } else if (!ours && Number(state.relations) > 0) {
      throw new IoError(
        `The schema "${target.schema}" of ${target.address}/${target.database} holds another ` +
          `application's tables, not a Cairn store; give Cairn a database or schema of its own.`,
        { details: { server: target.address, database: target.database, schema: target.schema } },
      );
    }
    if (columns === null) {
      await client.query(`CREATE TABLE ${schema}.schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    }
    const recorded = (
      await client.query<{ version: number; name: string }>(
        `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
      )
    ).rows;
    const foreign = foreignStep(recorded, migrations);
    if (foreign !== undefined) {
      throw new IoError(foreignStepMessage(`The schema ${target.label}`, foreign), {
        details: { server: target.address, database: target.database, schema: target.schema },
      });
    }
    const found = recorded.at(-1)?.version ?? 0;
    if (found > supported) throw new SchemaVersionError(target.label, { found, supported });
    if (found < supported) {
      // The migrations name tables without their schema; SET LOCAL ends with the transaction.
      await client.query(`SET LOCAL search_path TO ${schema}`);
      for (const migration of migrations.slice(found)) {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`,
          [migration.version, migration.name],
        );
      }
    }
    await client.query('COMMIT');
    return { from: found, to: supported };
  } catch (error) {
    // Fails only if the connection is gone, and then the server has rolled back already.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
