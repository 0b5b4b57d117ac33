/**
 * Small builders of valid manager records for tests: each gives a complete record with plausible
 * values, and takes the fields a test cares about as overrides.
 */
import type {
  PluginRecord,
  ResourceKind,
  ResourceRecord,
  SecretRecord,
  TenantRecord,
  TokenRecord,
  UserRecord,
} from '../manager-store.js';
import { T0 } from './fixtures.js';

/** A tenant record. */
export function aTenant(name: string, overrides: Partial<TenantRecord> = {}): TenantRecord {
  return { name, created_at: T0, ...overrides };
}

/** An active user with the `default` role who never logged in. */
export function aUser(username: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    username,
    password_hash: `scrypt$16384$8$1$c2FsdA$${username}-hash`,
    role: 'default',
    active: true,
    created_at: T0,
    last_login_at: null,
    ...overrides,
  };
}

/**
 * A token of `username` (the digest is the key: pass a distinct one per token). Its id is
 * `id-<digest>` unless overridden, so distinct digests give distinct ids.
 */
export function aToken(
  digest: string,
  username: string,
  overrides: Partial<TokenRecord> = {},
): TokenRecord {
  return {
    id: `id-${digest}`,
    digest,
    username,
    description: `token of ${username}`,
    created_at: T0,
    expires_at: '2026-11-22T19:12:05.123Z',
    ...overrides,
  };
}

/** A tenant-visible secret of `tenant`, its value as the manager's cipher would give it. */
export function aSecret(
  tenant: string,
  key: string,
  overrides: Partial<SecretRecord> = {},
): SecretRecord {
  return {
    tenant,
    key,
    value: `v1:aes-256-gcm:${tenant}:${key}:Zm9vYmFy`,
    visibility: 'tenant',
    is_hidden_value: false,
    created_by: 'admin',
    created_at: T0,
    updated_at: T0,
    ...overrides,
  };
}

/** A tenant-visible plugin upload of `tenant`: `cairn-file-plugin` 1.0.0 unless overridden. */
export function aPlugin(
  id: string,
  tenant: string,
  overrides: Partial<PluginRecord> = {},
): PluginRecord {
  return {
    id,
    tenant,
    visibility: 'tenant',
    created_by: 'admin',
    uploaded_at: T0,
    package_name: 'cairn-file-plugin',
    package_version: '1.0.0',
    archive_name: 'cairn-file-plugin-1.0.0-any.cairn-plugin',
    bundle_id: 'a'.repeat(64),
    title: 'File plugin',
    manifest: {
      platform: 'any',
      plugin_yaml: ['plugin.yaml'],
      entry: 'dist/index.js',
      cairn_api: '1',
    },
    ...overrides,
  };
}

/** A tenant-visible resource record of `tenant`. */
export function aResource(
  tenant: string,
  kind: ResourceKind,
  id: string,
  overrides: Partial<ResourceRecord> = {},
): ResourceRecord {
  return {
    tenant,
    kind,
    id,
    visibility: 'tenant',
    created_by: 'admin',
    created_at: T0,
    ...overrides,
  };
}
