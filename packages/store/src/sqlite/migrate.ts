import { IoError } from '@cairn/errors';
import type BetterSqlite3 from 'better-sqlite3';
import type { Migration } from '../migrations/index.js';
import { checkHistory, foreignStep, foreignStepMessage } from '../migrations/migration.js';
import { SchemaVersionError } from '../schema-version-error.js';

/**
 * Written into the SQLite header (`PRAGMA application_id`) so that `file(1)` and this code can
 * tell a Cairn database from another application's. The bytes spell `CRN1`.
 */
export const CAIRN_APPLICATION_ID = 0x43524e31;

/** What a migration run did. */
export interface MigrationResult {
  /** Schema version before (0 for a new database). */
  readonly from: number;
  /** Schema version now. */
  readonly to: number;
}

/** True when the file holds tables of its own but was never a Cairn database. */
function isForeignDatabase(db: BetterSqlite3.Database): boolean {
  const applicationId = db.pragma('application_id', { simple: true });
  if (applicationId === CAIRN_APPLICATION_ID) return false;
  if (applicationId !== 0) return true;
  const tables = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .all();
  return tables.length > 0 && !tables.some((table) => table.name === 'schema_migrations');
}

/**
 * Brings the database's schema up to the last of `migrations`. All pending migrations run in one
 * IMMEDIATE transaction: two processes opening a new file at once serialise here, and the second
 * finds nothing left to do. Refuses a database whose schema is newer than `migrations` know, and
 * one whose recorded history is another kind of Cairn database's (see {@link foreignStep}).
 */
export function migrate(
  db: BetterSqlite3.Database,
  migrations: readonly Migration[],
  path: string,
): MigrationResult {
  checkHistory(migrations);
  const supported = migrations.length;
  const run = db.transaction((): MigrationResult => {
    if (isForeignDatabase(db)) {
      throw new IoError(
        `The file ${path} is a SQLite database of another application, not a Cairn database.`,
        { details: { path } },
      );
    }
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const recorded = db
      .prepare<[], { version: number; name: string }>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      )
      .all();
    const foreign = foreignStep(recorded, migrations);
    if (foreign !== undefined) {
      throw new IoError(foreignStepMessage(`The file ${path}`, foreign), { details: { path } });
    }
    const found = recorded.at(-1)?.version ?? 0;
    if (found > supported) throw new SchemaVersionError(path, { found, supported });
    const record = db.prepare<[number, string, string]>(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const migration of migrations.slice(found)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
    if (db.pragma('application_id', { simple: true }) !== CAIRN_APPLICATION_ID) {
      db.pragma(`application_id = ${CAIRN_APPLICATION_ID}`);
    }
    return { from: found, to: supported };
  });
  return run.immediate();
}
