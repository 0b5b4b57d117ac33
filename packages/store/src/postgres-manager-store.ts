import { InvalidInputError, UsageError } from '@cairn/errors';
import type pg from 'pg';
import {
  type TenantContents,
  describeResource,
  missingOwnerTenant,
  missingPlugin,
  missingResource,
  missingSecret,
  missingTenant,
  missingToken,
  missingTokenUser,
  missingUser,
  notAMember,
  pluginIdTaken,
  pluginVersionExists,
  resourceExists,
  secretExists,
  tenantExists,
  tenantInUse,
  tokenExists,
  tokenIdExists,
  userExists,
  visibilityNarrowed,
} from './manager-store-errors.js';
import type {
  ManagerStore,
  MembershipRecord,
  PluginRecord,
  ResourceKind,
  ResourceRecord,
  SecretChange,
  SecretRecord,
  TenantRecord,
  TokenRecord,
  UserChange,
  UserRecord,
  Visibility,
} from './manager-store.js';
import { checkServerOptions, openServer, type ServerOptions } from './postgres/connect.js';
import { POSTGRES_MANAGER_MIGRATIONS } from './postgres/manager-migrations/index.js';
import {
  type MembershipRow,
  type PluginRow,
  type ResourceRow,
  type SecretRow,
  type TenantRow,
  type TokenRow,
  type UserRow,
  membershipParams,
  membershipRecord,
  pluginParams,
  pluginRecord,
  resourceParams,
  resourceRecord,
  secretChangeParams,
  secretParams,
  secretRecord,
  tenantParams,
  tenantRecord,
  tokenParams,
  tokenRecord,
  userChangeParams,
  userParams,
  userRecord,
} from './postgres/manager-rows.js';
import { type ManagerStatements, prepareManagerStatements } from './postgres/manager-statements.js';
import { type Queryable, inTransaction, run } from './postgres/queries.js';
import { isForeignKeyViolation, isUniqueViolation, toStoreError } from './postgres/sql-errors.js';
import type { Statement } from './postgres/statements.js';
import type { ServerTarget } from './postgres/target.js';
import type { Timestamp } from './store.js';

/** Options of {@link createPostgresManagerStore}. */
export interface PostgresManagerStoreOptions extends ServerOptions {
  /**
   * The schema holding the manager's tables, created on first use when missing. Default
   * `cairn_manager`. A schema of its own: a tenant's store schema is refused, and so is this
   * schema as a store.
   */
  readonly schema?: string;
}

const DEFAULT_SCHEMA = 'cairn_manager';

/**
 * Connects to PostgreSQL, brings the manager's schema up to date (creating it when missing) and
 * returns the {@link ManagerStore} over it. Several processes may share the schema: every
 * refusal is decided inside the statement or transaction that writes, so two managers racing
 * for one name get one success and one CONFLICT.
 *
 * @throws InvalidInputError for options out of range or a connection string that does not parse;
 *   IoError when the server cannot be reached or refuses the credentials, or the schema holds
 *   another application's tables or another kind of Cairn database, naming `host:port/database`
 *   (never the password); SchemaVersionError (code `CONFLICT`) when a newer Cairn wrote it.
 */
export async function createPostgresManagerStore(
  options: PostgresManagerStoreOptions,
): Promise<ManagerStore> {
  const settings = checkServerOptions(options, DEFAULT_SCHEMA);
  const { pool, target } = await openServer(settings, POSTGRES_MANAGER_MIGRATIONS);
  return new PostgresManagerStore(pool, target);
}

function quote(name: string): string {
  return JSON.stringify(name);
}

/**
 * Writes are single statements where they can be. A new record is inserted straight away, and
 * only when the database refuses it (a unique or foreign key) is it looked up why, in the same
 * order SQLite checks beforehand (the owner exists, then the name is free): the common path
 * costs one round trip, and the refusal is the same on both stores. Changes that depend on the
 * stored value (narrowing a visibility, deleting a tenant still in use) read it under a row lock
 * in a transaction.
 */
class PostgresManagerStore implements ManagerStore {
  private readonly sql: ManagerStatements;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: ServerTarget,
  ) {
    this.sql = prepareManagerStatements(target.schema);
  }

  /** Runs database work and translates every failure, once (no driver error escapes). */
  private async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new UsageError(`The manager store of ${this.target.label} is closed`);
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, { target: this.target, action });
    }
  }

  /** True when `statement` (an existence check) finds a row. */
  private async exists(statement: Statement, values: unknown[]): Promise<boolean> {
    return ((await run(this.pool, statement, values)).rowCount ?? 0) > 0;
  }

  /**
   * Runs an insert; when a key refuses it, throws what `explain` finds (the refusal the port
   * promises), or the database's own error if it finds nothing (a race that has passed).
   */
  private async insert(
    statement: Statement,
    values: unknown[],
    explain: () => Promise<Error | undefined>,
  ): Promise<void> {
    try {
      await run(this.pool, statement, values);
    } catch (error) {
      if (!isUniqueViolation(error) && !isForeignKeyViolation(error)) throw error;
      throw (await explain()) ?? error;
    }
  }

  /** The first row of a statement, or undefined. */
  private async first<R extends pg.QueryResultRow>(
    on: Queryable,
    statement: Statement,
    values: unknown[],
  ): Promise<R | undefined> {
    return (await run<R>(on, statement, values)).rows[0];
  }

  // Tenants

  createTenant(record: TenantRecord): Promise<void> {
    return this.guard(`creating tenant ${quote(record.name)}`, () =>
      this.insert(this.sql.insertTenant, tenantParams(record), async () =>
        (await this.exists(this.sql.tenantExists, [record.name]))
          ? tenantExists(record.name)
          : undefined,
      ),
    );
  }

  getTenant(name: string): Promise<TenantRecord | undefined> {
    return this.guard(`reading tenant ${quote(name)}`, async () => {
      const row = await this.first<TenantRow>(this.pool, this.sql.getTenant, [name]);
      return row === undefined ? undefined : tenantRecord(row);
    });
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.guard('listing tenants', async () => {
      const { rows } = await run<TenantRow>(this.pool, this.sql.listTenants, []);
      return rows.map(tenantRecord);
    });
  }

  deleteTenant(name: string): Promise<void> {
    return this.guard(`deleting tenant ${quote(name)}`, () =>
      inTransaction(this.pool, async (client) => {
        if ((await run(client, this.sql.lockTenant, [name])).rowCount === 0) {
          throw missingTenant(name);
        }
        // count(*) is a bigint, which the pool reads as text.
        const counts = await this.first<Record<keyof TenantContents, string>>(
          client,
          this.sql.tenantContents,
          [name],
        );
        const inUse =
          counts === undefined
            ? undefined
            : tenantInUse(name, {
                secrets: Number(counts.secrets),
                plugins: Number(counts.plugins),
                blueprints: Number(counts.blueprints),
                deployments: Number(counts.deployments),
                executions: Number(counts.executions),
              });
        if (inUse !== undefined) throw inUse;
        await run(client, this.sql.deleteTenant, [name]);
      }),
    );
  }

  // Users

  createUser(record: UserRecord): Promise<void> {
    return this.guard(`creating user ${quote(record.username)}`, () =>
      this.insert(this.sql.insertUser, userParams(record), async () =>
        (await this.exists(this.sql.userExists, [record.username]))
          ? userExists(record.username)
          : undefined,
      ),
    );
  }

  getUser(username: string): Promise<UserRecord | undefined> {
    return this.guard(`reading user ${quote(username)}`, async () => {
      const row = await this.first<UserRow>(this.pool, this.sql.getUser, [username]);
      return row === undefined ? undefined : userRecord(row);
    });
  }

  listUsers(): Promise<UserRecord[]> {
    return this.guard('listing users', async () => {
      const { rows } = await run<UserRow>(this.pool, this.sql.listUsers, []);
      return rows.map(userRecord);
    });
  }

  updateUser(username: string, change: UserChange): Promise<UserRecord> {
    return this.guard(`updating user ${quote(username)}`, async () => {
      const params = userChangeParams(username, change);
      const row = await this.first<UserRow>(this.pool, this.sql.updateUser, params);
      if (row === undefined) throw missingUser(username);
      return userRecord(row);
    });
  }

  deleteUser(username: string): Promise<void> {
    return this.guard(`deleting user ${quote(username)}`, async () => {
      if ((await run(this.pool, this.sql.deleteUser, [username])).rowCount === 0) {
        throw missingUser(username);
      }
    });
  }

  // Memberships

  setMembership(record: MembershipRecord): Promise<void> {
    const action = `adding user ${quote(record.username)} to tenant ${quote(record.tenant)}`;
    return this.guard(action, () =>
      this.insert(this.sql.upsertMembership, membershipParams(record), async () => {
        if (!(await this.exists(this.sql.tenantExists, [record.tenant]))) {
          return missingTenant(record.tenant);
        }
        if (!(await this.exists(this.sql.userExists, [record.username]))) {
          return missingUser(record.username);
        }
        return undefined;
      }),
    );
  }

  removeMembership(tenant: string, username: string): Promise<void> {
    const action = `removing user ${quote(username)} from tenant ${quote(tenant)}`;
    return this.guard(action, async () => {
      if ((await run(this.pool, this.sql.deleteMembership, [tenant, username])).rowCount === 0) {
        throw notAMember(tenant, username);
      }
    });
  }

  listMemberships(query: {
    readonly tenant?: string;
    readonly username?: string;
  }): Promise<MembershipRecord[]> {
    return this.guard('listing memberships', async () => {
      const { rows } = await run<MembershipRow>(this.pool, this.sql.listMemberships, [
        query.tenant ?? null,
        query.username ?? null,
      ]);
      return rows.map(membershipRecord);
    });
  }

  // Tokens

  createToken(record: TokenRecord): Promise<void> {
    return this.guard(`creating an API token of user ${quote(record.username)}`, () =>
      this.insert(this.sql.insertToken, tokenParams(record), async () => {
        if (!(await this.exists(this.sql.userExists, [record.username]))) {
          return missingTokenUser(record.username);
        }
        if (await this.exists(this.sql.tokenExists, [record.digest])) {
          return tokenExists(record.digest);
        }
        if (await this.exists(this.sql.tokenIdExists, [record.id])) {
          return tokenIdExists(record.id);
        }
        return undefined;
      }),
    );
  }

  getToken(digest: string): Promise<TokenRecord | undefined> {
    return this.guard('reading an API token', async () => {
      const row = await this.first<TokenRow>(this.pool, this.sql.getToken, [digest]);
      return row === undefined ? undefined : tokenRecord(row);
    });
  }

  listTokens(username: string): Promise<TokenRecord[]> {
    return this.guard(`listing the API tokens of user ${quote(username)}`, async () => {
      const { rows } = await run<TokenRow>(this.pool, this.sql.listTokens, [username]);
      return rows.map(tokenRecord);
    });
  }

  deleteToken(digest: string): Promise<void> {
    return this.guard('deleting an API token', async () => {
      if ((await run(this.pool, this.sql.deleteToken, [digest])).rowCount === 0) {
        throw missingToken(digest);
      }
    });
  }

  deleteExpiredTokens(now: Timestamp): Promise<number> {
    return this.guard('deleting expired API tokens', async () => {
      if (typeof now !== 'string') {
        throw new InvalidInputError(`now must be an ISO-8601 timestamp, not ${String(now)}`);
      }
      // Text that is no time is refused by the cast (22007: INVALID_INPUT).
      return (await run(this.pool, this.sql.deleteExpiredTokens, [now])).rowCount ?? 0;
    });
  }

  // Secrets

  createSecret(record: SecretRecord): Promise<void> {
    const name = `secret ${quote(record.key)}`;
    return this.guard(`creating ${name} of tenant ${quote(record.tenant)}`, () =>
      this.insert(this.sql.insertSecret, secretParams(record), async () => {
        if (!(await this.exists(this.sql.tenantExists, [record.tenant]))) {
          return missingOwnerTenant(record.tenant, name);
        }
        if (await this.exists(this.sql.secretExists, [record.tenant, record.key])) {
          return secretExists(record.tenant, record.key);
        }
        return undefined;
      }),
    );
  }

  getSecret(tenant: string, key: string): Promise<SecretRecord | undefined> {
    return this.guard(`reading secret ${quote(key)} of tenant ${quote(tenant)}`, async () => {
      const row = await this.first<SecretRow>(this.pool, this.sql.getSecret, [tenant, key]);
      return row === undefined ? undefined : secretRecord(row);
    });
  }

  listSecrets(query: {
    readonly tenant: string;
    readonly includeGlobal?: boolean;
  }): Promise<SecretRecord[]> {
    return this.guard(`listing secrets of tenant ${quote(query.tenant)}`, async () => {
      const { rows } = await run<SecretRow>(this.pool, this.sql.listSecrets, [
        query.tenant,
        query.includeGlobal === true,
      ]);
      return rows.map(secretRecord);
    });
  }

  updateSecret(tenant: string, key: string, change: SecretChange): Promise<SecretRecord> {
    return this.guard(`updating secret ${quote(key)} of tenant ${quote(tenant)}`, () =>
      inTransaction(this.pool, async (client) => {
        const current = await this.first<{ visibility: string }>(client, this.sql.lockSecret, [
          tenant,
          key,
        ]);
        if (current === undefined) throw missingSecret(tenant, key);
        if (change.visibility !== undefined) {
          this.checkVisibility(
            `Secret ${quote(key)} of tenant ${quote(tenant)}`,
            current.visibility,
            change.visibility,
          );
        }
        const params = secretChangeParams(tenant, key, change);
        const row = await this.first<SecretRow>(client, this.sql.updateSecret, params);
        if (row === undefined) throw missingSecret(tenant, key);
        return secretRecord(row);
      }),
    );
  }

  deleteSecret(tenant: string, key: string): Promise<void> {
    return this.guard(`deleting secret ${quote(key)} of tenant ${quote(tenant)}`, async () => {
      if ((await run(this.pool, this.sql.deleteSecret, [tenant, key])).rowCount === 0) {
        throw missingSecret(tenant, key);
      }
    });
  }

  // Plugins

  createPlugin(record: PluginRecord): Promise<void> {
    const name = `plugin ${quote(record.id)}`;
    return this.guard(`creating ${name} of tenant ${quote(record.tenant)}`, () =>
      this.insert(this.sql.insertPlugin, pluginParams(record), async () => {
        if (!(await this.exists(this.sql.tenantExists, [record.tenant]))) {
          return missingOwnerTenant(record.tenant, name);
        }
        const taken = await this.first<{ tenant: string }>(this.pool, this.sql.pluginTenant, [
          record.id,
        ]);
        if (taken !== undefined) return pluginIdTaken(record.id, taken.tenant);
        const same = await this.first<{ id: string }>(this.pool, this.sql.pluginOfVersion, [
          record.tenant,
          record.package_name,
          record.package_version,
        ]);
        return same === undefined ? undefined : pluginVersionExists(record, same.id);
      }),
    );
  }

  getPlugin(id: string): Promise<PluginRecord | undefined> {
    return this.guard(`reading plugin ${quote(id)}`, async () => {
      const row = await this.first<PluginRow>(this.pool, this.sql.getPlugin, [id]);
      return row === undefined ? undefined : pluginRecord(row);
    });
  }

  listPlugins(query: {
    readonly tenant?: string;
    readonly includeGlobal?: boolean;
    readonly package_name?: string;
  }): Promise<PluginRecord[]> {
    return this.guard('listing plugins', async () => {
      const { rows } = await run<PluginRow>(this.pool, this.sql.listPlugins, [
        query.tenant ?? null,
        query.includeGlobal === true,
        query.package_name ?? null,
      ]);
      return rows.map(pluginRecord);
    });
  }

  setPluginVisibility(id: string, visibility: Visibility): Promise<PluginRecord> {
    return this.guard(`setting the visibility of plugin ${quote(id)}`, () =>
      inTransaction(this.pool, async (client) => {
        const current = await this.first<{ visibility: string }>(client, this.sql.lockPlugin, [id]);
        if (current === undefined) throw missingPlugin(id);
        this.checkVisibility(`Plugin ${quote(id)}`, current.visibility, visibility);
        const row = await this.first<PluginRow>(client, this.sql.setPluginVisibility, [
          id,
          visibility,
        ]);
        if (row === undefined) throw missingPlugin(id);
        return pluginRecord(row);
      }),
    );
  }

  deletePlugin(id: string): Promise<void> {
    return this.guard(`deleting plugin ${quote(id)}`, async () => {
      if ((await run(this.pool, this.sql.deletePlugin, [id])).rowCount === 0) {
        throw missingPlugin(id);
      }
    });
  }

  // Resources

  createResource(record: ResourceRecord): Promise<void> {
    const { tenant, kind, id } = record;
    const name = `${kind} ${quote(id)}`;
    return this.guard(`recording ${name} of tenant ${quote(tenant)}`, () =>
      this.insert(this.sql.insertResource, resourceParams(record), async () => {
        if (!(await this.exists(this.sql.tenantExists, [tenant]))) {
          return missingOwnerTenant(tenant, name);
        }
        if (await this.exists(this.sql.resourceExists, [tenant, kind, id])) {
          return resourceExists(tenant, kind, id);
        }
        return undefined;
      }),
    );
  }

  getResource(tenant: string, kind: ResourceKind, id: string): Promise<ResourceRecord | undefined> {
    return this.guard(`reading ${kind} ${quote(id)} of tenant ${quote(tenant)}`, async () => {
      const row = await this.first<ResourceRow>(this.pool, this.sql.getResource, [
        tenant,
        kind,
        id,
      ]);
      return row === undefined ? undefined : resourceRecord(row);
    });
  }

  listResources(query: {
    readonly tenant: string;
    readonly kind: ResourceKind;
    readonly includeGlobal?: boolean;
  }): Promise<ResourceRecord[]> {
    return this.guard(`listing ${query.kind}s of tenant ${quote(query.tenant)}`, async () => {
      const { rows } = await run<ResourceRow>(this.pool, this.sql.listResources, [
        query.tenant,
        query.kind,
        query.includeGlobal === true,
      ]);
      return rows.map(resourceRecord);
    });
  }

  setResourceVisibility(
    tenant: string,
    kind: ResourceKind,
    id: string,
    visibility: Visibility,
  ): Promise<ResourceRecord> {
    const action = `setting the visibility of ${kind} ${quote(id)} of tenant ${quote(tenant)}`;
    return this.guard(action, () =>
      inTransaction(this.pool, async (client) => {
        const key = [tenant, kind, id];
        const current = await this.first<{ visibility: string }>(
          client,
          this.sql.lockResource,
          key,
        );
        if (current === undefined) throw missingResource(tenant, kind, id);
        this.checkVisibility(describeResource(tenant, kind, id), current.visibility, visibility);
        const row = await this.first<ResourceRow>(client, this.sql.setResourceVisibility, [
          ...key,
          visibility,
        ]);
        if (row === undefined) throw missingResource(tenant, kind, id);
        return resourceRecord(row);
      }),
    );
  }

  deleteResource(tenant: string, kind: ResourceKind, id: string): Promise<void> {
    return this.guard(`deleting ${kind} ${quote(id)} of tenant ${quote(tenant)}`, async () => {
      // Idempotent by contract: nothing to refuse when it is gone already.
      await run(this.pool, this.sql.deleteResource, [tenant, kind, id]);
    });
  }

  /** Refuses narrowing (the stored value passed the column's CHECK: it is a Visibility). */
  private checkVisibility(thing: string, current: string, wanted: Visibility): void {
    const refusal = visibilityNarrowed(thing, current as Visibility, wanted);
    if (refusal !== undefined) throw refusal;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Waits for queries under way, then closes every connection.
      await this.pool.end();
    } catch (error) {
      throw toStoreError(error, { target: this.target, action: 'closing it' });
    }
  }
}
