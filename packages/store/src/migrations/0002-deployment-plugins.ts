import type { Migration } from './migration.js';

/**
 * The plugins a deployment is pinned to (issue 5): which installed bundle, by hash, each plugin
 * the deployment uses runs from. A JSON list on the deployment, written with it in one
 * transaction; `[]` for deployments made before, which resolve their plugins as they did then.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'deployment-plugins',
  sql: `ALTER TABLE deployments ADD COLUMN plugins TEXT NOT NULL DEFAULT '[]';`,
};
