/**
 * One manager per database. A manager keeps the secrets and a summary of every tenant's
 * deployments in memory and runs the queued executions it finds; a second manager on the same
 * database would serve stale lists and could run an execution twice. So a manager claims its
 * database before it reads anything, and a second one is refused with who holds it.
 *
 * The claim is a lock the operating system or the database server drops by itself when the
 * holder dies, so a manager killed outright (kill -9, a crash) leaves nothing to clean up:
 * - SQLite: an exclusive lock on `<directory>.owner` (a small SQLite file of its own, opened
 *   with `locking_mode=EXCLUSIVE`): a POSIX lock, released when the process ends. The holder
 *   writes who it is to `<directory>.owner.json`, for the refusal.
 * - PostgreSQL: a session advisory lock, held by a connection of its own for the manager's
 *   life; released when that session ends.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConflictError, UsageError } from '@cairn/errors';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseTarget } from './database.js';

/** The claim of a running manager on its database. */
export interface DatabaseClaim {
  /** Gives the database up (at shutdown). */
  release(): Promise<void>;
}

/** Who holds a database, as the holder wrote it down. */
interface Holder {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
}

/** `pg_advisory_lock` keys: "CRNM" and 1. The stores' own locks use other first keys. */
const LOCK_KEYS = [0x43524e4d, 1] as const;

function refusal(where: string, holder: string): ConflictError {
  return new ConflictError(
    `Another Cairn manager is running on ${where} (${holder}). Stop it before starting this ` +
      'one: two managers on one database would serve stale answers and could run an ' +
      'execution twice.',
  );
}

/** Claims the database `target` names for this process, or says who has it. */
export async function claimDatabase(target: DatabaseTarget): Promise<DatabaseClaim> {
  return target.kind === 'sqlite' ? claimSqlite(target.path) : claimPostgres(target.url);
}

function claimSqlite(directoryPath: string): Promise<DatabaseClaim> {
  const path = `${directoryPath}.owner`;
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // Nothing in it is worth a journal file beside it.
    db.pragma('journal_mode = MEMORY');
    // The first write takes the exclusive lock; in this mode it is kept until the file closes.
    db.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS claim (n INTEGER); COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw refusal(directoryPath, describeSqliteHolder(path));
    }
    throw error;
  }
  // Who holds it, for the refusal a second manager gets (it cannot read the locked file).
  const holder: Holder = {
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
  };
  writeFileSync(`${path}.json`, `${JSON.stringify(holder)}\n`);
  return Promise.resolve({
    release: () => {
      db.close();
      return Promise.resolve();
    },
  });
}

/** The holder of a SQLite claim, as it wrote itself down. */
function describeSqliteHolder(path: string): string {
  try {
    const holder = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Holder;
    return `pid ${holder.pid} on ${holder.hostname}, since ${holder.since}`;
  } catch {
    return `it holds ${path}`;
  }
}

async function claimPostgres(url: string): Promise<DatabaseClaim> {
  const client = new pg.Client({
    connectionString: url,
    application_name: `cairn-manager pid ${process.pid} on ${hostname()}`,
    // A holder whose host vanished is noticed by the server's keepalive, not hours later.
    keepAlive: true,
  });
  // An error after connecting (the server restarted, the network went) must not crash the
  // process; the claim is then gone with the session, and the stores report their own errors.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new UsageError(
      `Could not connect to the manager's PostgreSQL database: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const taken = await client
    .query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS taken', [...LOCK_KEYS])
    .catch(async (error: unknown) => {
      await client.end().catch(() => undefined);
      throw error;
    });
  if (taken.rows[0]?.taken !== true) {
    const holder = await client
      .query<{ application_name: string; client_addr: string | null; backend_start: Date }>(
        `SELECT a.application_name, a.client_addr::text AS client_addr, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted`,
        [...LOCK_KEYS],
      )
      .then((result) => result.rows[0])
      .catch(() => undefined);
    await client.end().catch(() => undefined);
    const where = new URL(url);
    throw refusal(
      `postgres://${where.host}${where.pathname}`,
      holder === undefined
        ? 'it holds the Cairn manager lock'
        : `${holder.application_name || 'a session'}${holder.client_addr === null ? '' : ` from ${holder.client_addr}`}, since ${holder.backend_start.toISOString()}`,
    );
  }
  return {
    release: async () => {
      await client.end().catch(() => undefined);
    },
  };
}
