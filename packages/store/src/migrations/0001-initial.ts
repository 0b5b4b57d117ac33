import type { Migration } from './migration.js';

/**
 * The first schema. Every table is STRICT so that a value of the wrong type is refused by SQLite
 * instead of being stored as whatever it happens to be. Records that are listed have an explicit
 * `pk INTEGER PRIMARY KEY`: listing by it gives creation order, and unlike an implicit rowid it
 * survives `VACUUM`. JSON is stored as text and parsed on read.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE blueprints (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  plan TEXT NOT NULL,
  main_file_name TEXT NOT NULL,
  resources_path TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE deployments (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  blueprint_id TEXT NOT NULL REFERENCES blueprints (id),
  inputs TEXT NOT NULL,
  plan TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX deployments_by_blueprint ON deployments (blueprint_id);

CREATE TABLE node_instances (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  host_id TEXT,
  state TEXT,
  runtime_properties TEXT NOT NULL,
  system_properties TEXT NOT NULL,
  relationships TEXT NOT NULL,
  scaling_groups TEXT NOT NULL,
  instance_index INTEGER NOT NULL,
  version INTEGER NOT NULL
) STRICT;
CREATE INDEX node_instances_by_deployment ON node_instances (deployment_id, node_id);

CREATE TABLE executions (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  workflow_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'started', 'cancelling',
    'force_cancelling', 'cancelled', 'terminated', 'failed')),
  parameters TEXT NOT NULL,
  settings TEXT NOT NULL,
  is_dry_run INTEGER NOT NULL CHECK (is_dry_run IN (0, 1)),
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  error TEXT NOT NULL,
  owner TEXT
) STRICT;
CREATE INDEX executions_by_deployment ON executions (deployment_id, status);

-- ord keeps the order tasks were first stored in: the composite key has no creation order.
CREATE TABLE tasks (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'running')),
  attempts INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  ord INTEGER NOT NULL,
  PRIMARY KEY (execution_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX tasks_by_order ON tasks (execution_id, ord);

-- AUTOINCREMENT so that a seq is never reused, even after the newest events are deleted:
-- a client tailing with after_seq must not miss events that take an old number.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  timestamp TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('cloudify_event', 'cloudify_log')),
  event_type TEXT,
  level TEXT,
  logger TEXT,
  message TEXT NOT NULL,
  context TEXT NOT NULL,
  error_causes TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_execution ON events (execution_id);
CREATE INDEX events_by_deployment ON events (deployment_id);
`,
};
