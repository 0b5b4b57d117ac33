/**
 * Manager records as the PostgreSQL store writes them: the parameter lists of the statements in
 * `manager-statements.ts`, in their order. Reading rows back is shared with SQLite
 * (`manager-record-rows.ts`): timestamps are selected as ISO-8601 text and `json` read as text.
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

// The rows and their reading are the same for both stores (manager-record-rows.ts).
export * from '../manager-record-rows.js';

/** Maps `undefined` to SQL NULL explicitly (the driver would too, silently). */
function nullable<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

/** Parameters $1…$2 of `insertTenant`. */
export function tenantParams(record: TenantRecord): unknown[] {
  return [record.name, record.created_at];
}

/** Parameters $1…$6 of `insertUser`. */
export function userParams(record: UserRecord): unknown[] {
  return [
    record.username,
    record.password_hash,
    record.role,
    toBoolean(record.active, `user ${record.username}: active`),
    record.created_at,
    nullable(record.last_login_at),
  ];
}

/**
 * Parameters $1…$6 of `updateUser`: NULL keeps a column, except `last_login_at`, which may be set
 * to NULL and comes with a flag saying whether it changes.
 */
export function userChangeParams(username: string, change: UserChange): unknown[] {
  return [
    username,
    nullable(change.password_hash),
    nullable(change.role),
    change.active === undefined ? null : toBoolean(change.active, `user ${username}: active`),
    change.last_login_at !== undefined,
    nullable(change.last_login_at),
  ];
}

/** Parameters $1…$3 of `upsertMembership`. */
export function membershipParams(record: MembershipRecord): unknown[] {
  return [record.tenant, record.username, record.role];
}

/** Parameters $1…$6 of `insertToken`. */
export function tokenParams(record: TokenRecord): unknown[] {
  return [
    record.id,
    record.digest,
    record.username,
    record.description,
    record.created_at,
    record.expires_at,
  ];
}

/** Parameters $1…$8 of `insertSecret`. */
export function secretParams(record: SecretRecord): unknown[] {
  return [
    record.tenant,
    record.key,
    record.value,
    record.visibility,
    toBoolean(record.is_hidden_value, `secret ${record.key}: is_hidden_value`),
    record.created_by,
    record.created_at,
    record.updated_at,
  ];
}

/** Parameters $1…$6 of `updateSecret`: NULL keeps a column. */
export function secretChangeParams(tenant: string, key: string, change: SecretChange): unknown[] {
  return [
    tenant,
    key,
    nullable(change.value),
    nullable(change.visibility),
    change.is_hidden_value === undefined
      ? null
      : toBoolean(change.is_hidden_value, `secret ${key}: is_hidden_value`),
    change.updated_at,
  ];
}

/** Parameters $1…$11 of `insertPlugin`. */
export function pluginParams(record: PluginRecord): unknown[] {
  return [
    record.id,
    record.tenant,
    record.visibility,
    record.created_by,
    record.uploaded_at,
    record.package_name,
    record.package_version,
    record.archive_name,
    record.bundle_id,
    nullable(record.title),
    toJson(record.manifest, `plugin ${record.id}: manifest`),
  ];
}

/** Parameters $1…$6 of `insertResource`. */
export function resourceParams(record: ResourceRecord): unknown[] {
  return [
    record.tenant,
    record.kind,
    record.id,
    record.visibility,
    record.created_by,
    record.created_at,
  ];
}
