import type { Migration } from './migration.js';

/**
 * Nothing to change here. PostgreSQL's migration 3 moves the events' reference checks into the
 * insert; SQLite keeps its foreign keys, which cost little when the database is in the same
 * process. Kept so that both stores' versions mean the same history.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'events-checked-by-insert',
  sql: `-- PostgreSQL only`,
};
