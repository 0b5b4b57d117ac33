import type { Migration } from '../../migrations/migration.js';

/**
 * The first PostgreSQL schema: the same tables, columns and constraints as SQLite's first
 * migration, in PostgreSQL's types. Versions are kept in step with SQLite's history (1 here is 1
 * there), so that "schema version N" means the same data on both.
 *
 * - JSON columns are `json`, not `jsonb`: `json` keeps the text as written, so objects come back
 *   with their keys in the order they were stored (plan inputs and outputs, runtime properties
 *   are shown in declaration order), exactly as from SQLite. `jsonb` would sort the keys. Both
 *   accept the `->`/`->>` operators and expression indexes, should a query need them.
 * - Timestamps are `timestamptz` (read back as ISO-8601 UTC with milliseconds, see statements).
 * - `pk`, `ord` and `seq` are identity columns (with the default CACHE 1, so numbers are handed
 *   out in the order transactions ask for them). Listing by `pk` gives creation order.
 * - Constraints are named, so that an error can say which reference was missing.
 *
 * The statements run with `search_path` set to the store's schema: names are not qualified.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE blueprints (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL CONSTRAINT blueprints_id_key UNIQUE,
  plan JSON NOT NULL,
  main_file_name TEXT NOT NULL,
  resources_path TEXT NOT NULL,
  description TEXT,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE deployments (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL CONSTRAINT deployments_id_key UNIQUE,
  blueprint_id TEXT NOT NULL CONSTRAINT deployments_blueprint_fk REFERENCES blueprints (id),
  inputs JSON NOT NULL,
  plan JSON NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX deployments_by_blueprint ON deployments (blueprint_id);

CREATE TABLE node_instances (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL CONSTRAINT node_instances_id_key UNIQUE,
  deployment_id TEXT NOT NULL
    CONSTRAINT node_instances_deployment_fk REFERENCES deployments (id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  host_id TEXT,
  state TEXT,
  runtime_properties JSON NOT NULL,
  system_properties JSON NOT NULL,
  relationships JSON NOT NULL,
  scaling_groups JSON NOT NULL,
  instance_index INTEGER NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX node_instances_by_deployment ON node_instances (deployment_id, node_id);

CREATE TABLE executions (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL CONSTRAINT executions_id_key UNIQUE,
  deployment_id TEXT NOT NULL
    CONSTRAINT executions_deployment_fk REFERENCES deployments (id) ON DELETE CASCADE,
  workflow_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'started', 'cancelling',
    'force_cancelling', 'cancelled', 'terminated', 'failed')),
  parameters JSON NOT NULL,
  settings JSON NOT NULL,
  is_dry_run BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  started_at TIMESTAMPTZ,
  ended_at TIMESTAMPTZ,
  error TEXT NOT NULL,
  owner JSON
);
CREATE INDEX executions_by_deployment ON executions (deployment_id, status);

-- ord keeps the order tasks were first stored in: the composite key has no creation order.
CREATE TABLE tasks (
  execution_id TEXT NOT NULL
    CONSTRAINT tasks_execution_fk REFERENCES executions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'running')),
  attempts INTEGER NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (execution_id, id)
);
CREATE INDEX tasks_by_order ON tasks (execution_id, ord);

-- A sequence never hands a number out twice, even after the newest events are deleted: a client
-- tailing with after_seq must not miss events that take an old number. (That numbers also follow
-- commit order is the store's doing: see PostgresStore.insertEvents.)
CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id TEXT NOT NULL
    CONSTRAINT events_execution_fk REFERENCES executions (id) ON DELETE CASCADE,
  deployment_id TEXT NOT NULL
    CONSTRAINT events_deployment_fk REFERENCES deployments (id) ON DELETE CASCADE,
  "timestamp" TIMESTAMPTZ NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('cloudify_event', 'cloudify_log')),
  event_type TEXT,
  level TEXT,
  logger TEXT,
  message TEXT NOT NULL,
  context JSON NOT NULL,
  error_causes JSON NOT NULL
);
-- With seq in the key, a listing of one execution or deployment reads in order, without sorting.
CREATE INDEX events_by_execution ON events (execution_id, seq);
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
`,
};
