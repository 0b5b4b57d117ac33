/**
 * Manager records as SQLite is given them: named parameters, booleans as 0/1, JSON as text.
 * Reading rows back is shared with PostgreSQL (`manager-record-rows.ts`).
 */
import { toBoolean } from '../boolean-column.js';
import { toJson } from '../json-column.js';
import type {
  MembershipRecord,
  PluginRecord,
  ResourceRecord,
  SecretChange,
  SecretRecord,
  TenantRecord,
  TokenRecord,
  UserChange,
  UserRecord,
} from '../manager-store.js';
import type {
  MembershipRow,
  PluginRow,
  ResourceRow,
  SecretRow,
  TenantRow,
  TokenRow,
  UserRow,
} from '../manager-record-rows.js';

// The rows and their reading are the same for both stores (manager-record-rows.ts).
export * from '../manager-record-rows.js';

/** Maps `undefined` to SQL NULL: the driver refuses to bind `undefined`. */
function nullable<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

/** A boolean as SQLite stores it. */
function bit(value: unknown, field: string): number {
  return toBoolean(value, field) ? 1 : 0;
}

/** Row values for a tenant. */
export function tenantRow(record: TenantRecord): TenantRow {
  return { name: record.name, created_at: record.created_at };
}

/** Row values for a user. */
export function userRow(record: UserRecord): UserRow {
  return {
    username: record.username,
    password_hash: record.password_hash,
    role: record.role,
    active: bit(record.active, `user ${record.username}: active`),
    created_at: record.created_at,
    last_login_at: nullable(record.last_login_at),
  };
}

/** The parameters of `updateUser`: NULL keeps a column, except where a flag says it changes. */
export interface UserChangeParams {
  username: string;
  password_hash: string | null;
  role: string | null;
  active: number | null;
  set_last_login_at: number;
  last_login_at: string | null;
}

/** Parameters for a change to a user. */
export function userChangeParams(username: string, change: UserChange): UserChangeParams {
  return {
    username,
    password_hash: nullable(change.password_hash),
    role: nullable(change.role),
    active: change.active === undefined ? null : bit(change.active, `user ${username}: active`),
    // last_login_at may be set to NULL: a flag tells that from leaving it alone.
    set_last_login_at: change.last_login_at === undefined ? 0 : 1,
    last_login_at: nullable(change.last_login_at),
  };
}

/** Row values for a membership. */
export function membershipRow(record: MembershipRecord): MembershipRow {
  return { tenant: record.tenant, username: record.username, role: record.role };
}

/** Row values for a token. */
export function tokenRow(record: TokenRecord): TokenRow {
  return {
    id: record.id,
    digest: record.digest,
    username: record.username,
    description: record.description,
    created_at: record.created_at,
    expires_at: record.expires_at,
  };
}

/** Row values for a secret. */
export function secretRow(record: SecretRecord): SecretRow {
  return {
    tenant: record.tenant,
    key: record.key,
    value: record.value,
    visibility: record.visibility,
    is_hidden_value: bit(record.is_hidden_value, `secret ${record.key}: is_hidden_value`),
    created_by: record.created_by,
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
}

/** The parameters of `updateSecret`: NULL keeps a column. */
export interface SecretChangeParams {
  tenant: string;
  key: string;
  value: string | null;
  visibility: string | null;
  is_hidden_value: number | null;
  updated_at: string;
}

/** Parameters for a change to a secret. */
export function secretChangeParams(
  tenant: string,
  key: string,
  change: SecretChange,
): SecretChangeParams {
  return {
    tenant,
    key,
    value: nullable(change.value),
    visibility: nullable(change.visibility),
    is_hidden_value:
      change.is_hidden_value === undefined
        ? null
        : bit(change.is_hidden_value, `secret ${key}: is_hidden_value`),
    updated_at: change.updated_at,
  };
}

/** Row values for a plugin. */
export function pluginRow(record: PluginRecord): PluginRow {
  return {
    id: record.id,
    tenant: record.tenant,
    visibility: record.visibility,
    created_by: record.created_by,
    uploaded_at: record.uploaded_at,
    package_name: record.package_name,
    package_version: record.package_version,
    archive_name: record.archive_name,
    bundle_id: record.bundle_id,
    title: nullable(record.title),
    manifest: toJson(record.manifest, `plugin ${record.id}: manifest`),
  };
}

/** Row values for a resource. */
export function resourceRow(record: ResourceRecord): ResourceRow {
  return {
    tenant: record.tenant,
    kind: record.kind,
    id: record.id,
    visibility: record.visibility,
    created_by: record.created_by,
    created_at: record.created_at,
  };
}
