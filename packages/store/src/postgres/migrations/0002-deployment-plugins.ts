import type { Migration } from '../../migrations/migration.js';

/**
 * The plugins a deployment is pinned to (SQLite's migration 2): a JSON list on the deployment,
 * `[]` for deployments made before.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'deployment-plugins',
  sql: `ALTER TABLE deployments ADD COLUMN plugins JSON NOT NULL DEFAULT '[]';`,
};
