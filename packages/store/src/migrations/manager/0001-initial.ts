import type { Migration } from '../migration.js';

/**
 * The manager's directory, first schema (a database of its own, apart from the tenants' stores).
 * As in the store's schema: every table is STRICT, listed tables have an explicit
 * `pk INTEGER PRIMARY KEY` whose order is creation order (an upsert keeps it), JSON is text.
 * Names compare as SQLite's default BINARY collation does: exactly, case included.
 *
 * - Memberships and tokens belong to their user (and memberships to their tenant): they go with
 *   it (ON DELETE CASCADE).
 * - Secrets, plugins and resources belong to their tenant, which cannot be deleted while it has
 *   any (no cascade: the store refuses with a message first, the key is the backstop).
 * - `created_by` is a name, not a reference: a record keeps who made it after the user is gone.
 *
 * The name `manager-initial` tells this history from the store's (`initial`): see `foreignStep`.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'manager-initial',
  sql: `
CREATE TABLE tenants (
  pk INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  pk INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('sys_admin', 'default')),
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at TEXT NOT NULL,
  last_login_at TEXT
) STRICT;

CREATE TABLE memberships (
  pk INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
  username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('manager', 'user', 'operations', 'viewer')),
  UNIQUE (tenant, username)
) STRICT;
CREATE INDEX memberships_by_user ON memberships (username);

-- Expired tokens are found by comparing julianday() values (offsets make text comparison
-- wrong), so an expiry must be a time SQLite can read: one it cannot would never expire.
CREATE TABLE tokens (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  digest TEXT NOT NULL UNIQUE,
  username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL CHECK (julianday(expires_at) IS NOT NULL)
) STRICT;
CREATE INDEX tokens_by_user ON tokens (username);

CREATE TABLE secrets (
  pk INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants (name),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant', 'global')),
  is_hidden_value INTEGER NOT NULL CHECK (is_hidden_value IN (0, 1)),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant, key)
) STRICT;

-- Cloudify's rule (spec §9.2): one upload of a package version per tenant.
CREATE TABLE plugins (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL REFERENCES tenants (name),
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant', 'global')),
  created_by TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  package_name TEXT NOT NULL,
  package_version TEXT NOT NULL,
  archive_name TEXT NOT NULL,
  bundle_id TEXT NOT NULL,
  title TEXT,
  manifest TEXT NOT NULL,
  UNIQUE (tenant, package_name, package_version)
) STRICT;

CREATE TABLE resources (
  pk INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants (name),
  kind TEXT NOT NULL CHECK (kind IN ('blueprint', 'deployment', 'execution')),
  id TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant', 'global')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (tenant, kind, id)
) STRICT;
`,
};
