/**
 * Secrets: encrypted at rest by the vault's cipher, values shown only by `GET /secrets/{key}`,
 * and hidden values only to their creator, the tenant's managers and admins. Lists never carry
 * values.
 */
import type { Secret } from '@cairn/api';
import { ForbiddenError } from '@cairn/errors';
import type { SecretRecord } from '@cairn/store';
import {
  canSee,
  checkVisibilityChange,
  isAdmin,
  newVisibility,
  requireChangeable,
  requireVisible,
} from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { listPage } from '../http/list.js';
import { type ManagerContext, now } from './context.js';

type SecretHandlers = Pick<
  Handlers,
  | 'listSecrets'
  | 'createSecret'
  | 'getSecret'
  | 'updateSecret'
  | 'deleteSecret'
  | 'setSecretVisibility'
>;

/** A secret without its value. */
function secretView(record: SecretRecord): Secret {
  return {
    key: record.key,
    is_hidden_value: record.is_hidden_value,
    created_at: record.created_at,
    updated_at: record.updated_at,
    tenant_name: record.tenant,
    created_by: record.created_by,
    visibility: record.visibility,
    resource_availability: record.visibility,
    private_resource: record.visibility === 'private',
  };
}

/** Whether the caller may read a hidden value. */
function mayReadHidden(principal: Principal, tenant: string, record: SecretRecord): boolean {
  return (
    record.created_by === principal.username ||
    isAdmin(principal) ||
    principal.tenants.get(tenant) === 'manager'
  );
}

/** Throws unless the caller may change a secret whose value is hidden. */
function requireHiddenChangeable(principal: Principal, tenant: string, record: SecretRecord): void {
  if (record.is_hidden_value && !mayReadHidden(principal, tenant, record)) {
    throw new ForbiddenError(
      `Secret '${record.key}' has a hidden value only its creator and the tenant's managers may change`,
    );
  }
}

/** The secret routes. */
export function secretHandlers(ctx: ManagerContext): SecretHandlers {
  const { directory, vault } = ctx;

  /** The secret as the caller in `tenant` sees it: own first, then a global one. */
  async function visibleSecret(
    principal: Principal,
    tenant: string,
    key: string,
  ): Promise<SecretRecord> {
    const own = await directory.getSecret(tenant, key);
    const record = own ?? vault.find(tenant, key);
    const found = record === undefined ? undefined : { ...record, tenant: record.tenant };
    requireVisible(principal, tenant, found, `Secret '${key}'`);
    return record as SecretRecord;
  }

  return {
    listSecrets: async ({ principal, tenant, query }) => {
      const records = await directory.listSecrets({ tenant, includeGlobal: true });
      const views = records.filter((r) => canSee(principal, tenant, r)).map(secretView);
      return listPage(views, query, { filters: ['key', 'visibility'], searchField: 'key' });
    },
    createSecret: async ({ principal, tenant, params, body }) => {
      const existing = await directory.getSecret(tenant, params.key);
      if (existing !== undefined && body.update_if_exists === true) {
        requireChangeable(principal, tenant, existing, `Secret '${params.key}'`);
        requireHiddenChangeable(principal, tenant, existing);
        const updated = await directory.updateSecret(tenant, params.key, {
          value: vault.seal(tenant, params.key, body.value),
          ...(body.is_hidden_value === undefined ? {} : { is_hidden_value: body.is_hidden_value }),
          updated_at: now(),
        });
        vault.remember(updated);
        return secretView(updated);
      }
      const visibility = newVisibility(principal, body);
      const record: SecretRecord = {
        tenant,
        key: params.key,
        value: vault.seal(tenant, params.key, body.value),
        visibility,
        is_hidden_value: body.is_hidden_value ?? false,
        created_by: principal.username,
        created_at: now(),
        updated_at: now(),
      };
      await directory.createSecret(record);
      vault.remember(record);
      return secretView(record);
    },
    getSecret: async ({ principal, tenant, params }) => {
      const record = await visibleSecret(principal, tenant, params.key);
      const view = secretView(record);
      // As Cloudify: a hidden value reads as empty to those who may not see it.
      if (record.is_hidden_value && !mayReadHidden(principal, tenant, record)) {
        return { ...view, value: '' };
      }
      return { ...view, value: vault.open(record) };
    },
    updateSecret: async ({ principal, tenant, params, body }) => {
      const record = await visibleSecret(principal, tenant, params.key);
      requireChangeable(principal, tenant, record, `Secret '${params.key}'`);
      requireHiddenChangeable(principal, tenant, record);
      if (body.visibility !== undefined) {
        checkVisibilityChange(
          principal,
          record.visibility,
          body.visibility,
          `Secret '${params.key}'`,
        );
      }
      const updated = await directory.updateSecret(record.tenant, params.key, {
        ...(body.value === undefined
          ? {}
          : { value: vault.seal(record.tenant, params.key, body.value) }),
        ...(body.visibility === undefined ? {} : { visibility: body.visibility }),
        ...(body.is_hidden_value === undefined ? {} : { is_hidden_value: body.is_hidden_value }),
        updated_at: now(),
      });
      vault.remember(updated);
      return secretView(updated);
    },
    deleteSecret: async ({ principal, tenant, params }) => {
      const record = await visibleSecret(principal, tenant, params.key);
      requireChangeable(principal, tenant, record, `Secret '${params.key}'`);
      await directory.deleteSecret(record.tenant, params.key);
      vault.forget(record.tenant, params.key);
    },
    setSecretVisibility: async ({ principal, tenant, params, body }) => {
      const record = await visibleSecret(principal, tenant, params.key);
      requireChangeable(principal, tenant, record, `Secret '${params.key}'`);
      checkVisibilityChange(
        principal,
        record.visibility,
        body.visibility,
        `Secret '${params.key}'`,
      );
      const updated = await directory.updateSecret(record.tenant, params.key, {
        visibility: body.visibility,
        updated_at: now(),
      });
      vault.remember(updated);
      return secretView(updated);
    },
  };
}
