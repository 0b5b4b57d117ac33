import { IoError } from '@cairn/errors';
import Database from 'better-sqlite3';
import type { Migration } from '../migrations/index.js';
import { migrate } from './migrate.js';
import { toStoreError } from './sql-errors.js';

/** How to open the database file. */
export interface OpenDatabaseOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  /** How long a write waits for another connection's lock before failing. */
  readonly busyTimeoutMs: number;
  /** The schema history to bring the file up to. */
  readonly migrations: readonly Migration[];
}

/**
 * Opens the file, sets the connection up and migrates it. Every failure names the path: the
 * user's next step (fix permissions, restore a backup, upgrade Cairn) depends on which file it is.
 */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { path, busyTimeoutMs, migrations } = options;
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    // The driver says "directory does not exist" without saying which one.
    const reason = error instanceof Error ? error.message : String(error);
    throw new IoError(`Cannot open the database ${path}: ${reason}`, {
      cause: error,
      details: { path },
    });
  }
  try {
    // WAL lets readers go on while one process writes; NORMAL is durable enough with WAL
    // (a power cut may lose the last commits, never corrupt the file) and saves an fsync per commit.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, path);
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(error, { path, action: 'opening it' });
  }
}
