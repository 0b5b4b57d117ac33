import type { Migration } from '../../migrations/migration.js';

/**
 * Events lose their two foreign keys: the insert checks them instead, once per statement rather
 * than once per row (PostgresStore.insertEvents). Checked per row, the keys cost about a third
 * of the time an event takes to store. A deployment's delete removes its events itself.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'events-checked-by-insert',
  sql: `ALTER TABLE events DROP CONSTRAINT events_execution_fk;
ALTER TABLE events DROP CONSTRAINT events_deployment_fk;`,
};
