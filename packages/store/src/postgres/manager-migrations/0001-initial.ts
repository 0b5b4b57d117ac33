import type { Migration } from '../../migrations/migration.js';

/**
 * The manager's directory on PostgreSQL: the same tables, columns and constraints as SQLite's
 * `migrations/manager/0001-initial.ts`, in PostgreSQL's types and with the same version numbers.
 * As in the store's schema: JSON is `json` (keys kept in their order), timestamps `timestamptz`,
 * `pk` an identity column giving creation order, constraints named so that a refusal can say
 * which rule was broken. `text` compares exactly (the default collation is deterministic), so
 * names are case-sensitive as on SQLite.
 *
 * The statements run with `search_path` set to the manager's schema: names are not qualified.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'manager-initial',
  sql: `
CREATE TABLE tenants (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL CONSTRAINT tenants_name_key UNIQUE,
  created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username TEXT NOT NULL CONSTRAINT users_username_key UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('sys_admin', 'default')),
  active BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  last_login_at TIMESTAMPTZ
);

CREATE TABLE memberships (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant TEXT NOT NULL
    CONSTRAINT memberships_tenant_fk REFERENCES tenants (name) ON DELETE CASCADE,
  username TEXT NOT NULL
    CONSTRAINT memberships_user_fk REFERENCES users (username) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('manager', 'user', 'operations', 'viewer')),
  CONSTRAINT memberships_key UNIQUE (tenant, username)
);
CREATE INDEX memberships_by_user ON memberships (username);

CREATE TABLE tokens (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL CONSTRAINT tokens_id_key UNIQUE,
  digest TEXT NOT NULL CONSTRAINT tokens_digest_key UNIQUE,
  username TEXT NOT NULL
    CONSTRAINT tokens_user_fk REFERENCES users (username) ON DELETE CASCADE,
  description TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (username);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE secrets (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant TEXT NOT NULL CONSTRAINT secrets_tenant_fk REFERENCES tenants (name),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant', 'global')),
  is_hidden_value BOOLEAN NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT secrets_key UNIQUE (tenant, key)
);

-- Cloudify's rule (spec §9.2): one upload of a package version per tenant.
CREATE TABLE plugins (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL CONSTRAINT plugins_id_key UNIQUE,
  tenant TEXT NOT NULL CONSTRAINT plugins_tenant_fk REFERENCES tenants (name),
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant', 'global')),
  created_by TEXT NOT NULL,
  uploaded_at TIMESTAMPTZ NOT NULL,
  package_name TEXT NOT NULL,
  package_version TEXT NOT NULL,
  archive_name TEXT NOT NULL,
  bundle_id TEXT NOT NULL,
  title TEXT,
  manifest JSON NOT NULL,
  CONSTRAINT plugins_package_key UNIQUE (tenant, package_name, package_version)
);

CREATE TABLE resources (
  pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant TEXT NOT NULL CONSTRAINT resources_tenant_fk REFERENCES tenants (name),
  kind TEXT NOT NULL CHECK (kind IN ('blueprint', 'deployment', 'execution')),
  id TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant', 'global')),
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT resources_key UNIQUE (tenant, kind, id)
);
`,
};
