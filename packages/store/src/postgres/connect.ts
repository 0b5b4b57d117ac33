/**
 * Opening a PostgreSQL-backed store, the same for every kind (a tenant's store, the manager's
 * directory): the options checked, a pool set up, the schema brought up to date.
 */
import { InvalidInputError } from '@cairn/errors';
import type pg from 'pg';
import type { Migration } from '../migrations/migration.js';
import { migrate } from './migrate.js';
import { createPool } from './pool.js';
import { toStoreError } from './sql-errors.js';
import { describeTarget, type ServerTarget } from './target.js';

/** Where a PostgreSQL-backed store lives and how it connects. */
export interface ServerOptions {
  /**
   * Where the database is: `postgres://user:password@host:port/database` (the `PG*` environment
   * variables fill in what it leaves out). Messages name the host, port, database and user it
   * leads to, never the string itself: it may hold a password.
   */
  readonly connectionString: string;
  /**
   * The schema holding the tables, created on first use when missing. Lower-case letters, digits
   * and `_`, not starting with a digit or `pg_`.
   */
  readonly schema?: string;
  /** The most connections the store opens at once. Default 10. */
  readonly poolSize?: number;
  /**
   * How long a statement waits for a lock another connection holds before failing with a
   * `TIMEOUT` error. Default 10 000 ms: Cairn's transactions are short, so a longer wait means a
   * process is stuck, not busy.
   */
  readonly lockTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** How long opening a connection may take: an unreachable host fails instead of hanging. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Names that need no quoting anywhere (options, messages, `search_path`) and fit in 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The options with their defaults, checked.
 *
 * @throws InvalidInputError naming the option out of range
 */
export function checkServerOptions(
  options: ServerOptions,
  defaultSchema: string,
): Required<ServerOptions> {
  const { connectionString } = options;
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new InvalidInputError('The PostgreSQL connection string is empty');
  }
  const schema = options.schema ?? defaultSchema;
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new InvalidInputError(
      `Invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, ` +
        'digits and _, starting with a letter or _ (not pg_), at most 63 characters',
      { details: { schema } },
    );
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  for (const [name, value] of [
    ['poolSize', poolSize],
    ['lockTimeoutMs', lockTimeoutMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidInputError(`${name} must be a whole number of 1 or more, not ${value}`);
    }
  }
  return { connectionString, schema, poolSize, lockTimeoutMs };
}

/** An open pool on a migrated schema, and what messages call it. */
export interface OpenServer {
  readonly pool: pg.Pool;
  readonly target: ServerTarget;
}

/**
 * Connects, creates the schema when missing and migrates it to the last of `migrations`. On
 * failure the pool is closed and the error is a Cairn error naming the server (never the
 * password).
 */
export async function openServer(
  settings: Required<ServerOptions>,
  migrations: readonly Migration[],
): Promise<OpenServer> {
  const target = describeTarget(settings.connectionString, settings.schema);
  const pool = createPool({
    connectionString: settings.connectionString,
    poolSize: settings.poolSize,
    lockTimeoutMs: settings.lockTimeoutMs,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  });
  try {
    const client = await pool.connect();
    try {
      await migrate(client, migrations, target);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw toStoreError(error, { target, action: 'opening the store' });
  }
  return { pool, target };
}
