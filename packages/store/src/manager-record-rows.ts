/**
 * What both manager stores read back: the rows of the manager's tables as the drivers return
 * them (JSON as text, booleans as 0/1 in SQLite and as booleans in PostgreSQL, timestamps as
 * ISO-8601 text) and their conversion to the records of the `ManagerStore` port. Writing differs
 * (named parameters for SQLite, parameter lists for PostgreSQL) and stays with each store.
 */
import type {
  MembershipRecord,
  PluginRecord,
  ResourceKind,
  ResourceRecord,
  SecretRecord,
  SystemRole,
  TenantRecord,
  TenantRole,
  TokenRecord,
  UserRecord,
  Visibility,
} from './manager-store.js';
import type { JsonObject } from './store.js';

/** A `tenants` row. */
export interface TenantRow {
  name: string;
  created_at: string;
}

/** A `users` row. */
export interface UserRow {
  username: string;
  password_hash: string;
  role: string;
  active: number | boolean;
  created_at: string;
  last_login_at: string | null;
}

/** A `memberships` row. */
export interface MembershipRow {
  tenant: string;
  username: string;
  role: string;
}

/** A `tokens` row. */
export interface TokenRow {
  id: string;
  digest: string;
  username: string;
  description: string;
  created_at: string;
  expires_at: string;
}

/** A `secrets` row. */
export interface SecretRow {
  tenant: string;
  key: string;
  value: string;
  visibility: string;
  is_hidden_value: number | boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A `plugins` row. */
export interface PluginRow {
  id: string;
  tenant: string;
  visibility: string;
  created_by: string;
  uploaded_at: string;
  package_name: string;
  package_version: string;
  archive_name: string;
  bundle_id: string;
  title: string | null;
  manifest: string;
}

/** A `resources` row. */
export interface ResourceRow {
  tenant: string;
  kind: string;
  id: string;
  visibility: string;
  created_by: string;
  created_at: string;
}

/** 0/1 (SQLite) or a boolean (PostgreSQL). */
function flag(value: number | boolean): boolean {
  return value === 1 || value === true;
}

// The enumerated columns (roles, visibility, kind) have CHECK constraints that admit only the
// port's values: the casts below restate what the database guarantees.

/** The tenant a row holds. */
export function tenantRecord(row: TenantRow): TenantRecord {
  return { name: row.name, created_at: row.created_at };
}

/** The user a row holds. */
export function userRecord(row: UserRow): UserRecord {
  return {
    username: row.username,
    password_hash: row.password_hash,
    role: row.role as SystemRole,
    active: flag(row.active),
    created_at: row.created_at,
    last_login_at: row.last_login_at,
  };
}

/** The membership a row holds. */
export function membershipRecord(row: MembershipRow): MembershipRecord {
  return { tenant: row.tenant, username: row.username, role: row.role as TenantRole };
}

/** The token a row holds. */
export function tokenRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    digest: row.digest,
    username: row.username,
    description: row.description,
    created_at: row.created_at,
    expires_at: row.expires_at,
  };
}

/** The secret a row holds. */
export function secretRecord(row: SecretRow): SecretRecord {
  return {
    tenant: row.tenant,
    key: row.key,
    value: row.value,
    visibility: row.visibility as Visibility,
    is_hidden_value: flag(row.is_hidden_value),
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The plugin a row holds. */
export function pluginRecord(row: PluginRow): PluginRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    visibility: row.visibility as Visibility,
    created_by: row.created_by,
    uploaded_at: row.uploaded_at,
    package_name: row.package_name,
    package_version: row.package_version,
    archive_name: row.archive_name,
    bundle_id: row.bundle_id,
    title: row.title,
    manifest: JSON.parse(row.manifest) as JsonObject,
  };
}

/** The resource a row holds. */
export function resourceRecord(row: ResourceRow): ResourceRecord {
  return {
    tenant: row.tenant,
    kind: row.kind as ResourceKind,
    id: row.id,
    visibility: row.visibility as Visibility,
    created_by: row.created_by,
    created_at: row.created_at,
  };
}
