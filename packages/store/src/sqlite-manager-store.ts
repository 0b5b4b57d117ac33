import { InvalidInputError, UsageError } from '@cairn/errors';
import type BetterSqlite3 from 'better-sqlite3';
import {
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
import { MANAGER_MIGRATIONS } from './migrations/manager/index.js';
import {
  membershipRecord,
  membershipRow,
  pluginRecord,
  pluginRow,
  resourceRecord,
  resourceRow,
  secretChangeParams,
  secretRecord,
  secretRow,
  tenantRecord,
  tenantRow,
  tokenRecord,
  tokenRow,
  userChangeParams,
  userRecord,
  userRow,
} from './sqlite/manager-rows.js';
import { type ManagerStatements, prepareManagerStatements } from './sqlite/manager-statements.js';
import { openDatabase } from './sqlite/open-database.js';
import { toStoreError } from './sqlite/sql-errors.js';
import type { Timestamp } from './store.js';

/** Options of {@link createSqliteManagerStore}. */
export interface SqliteManagerStoreOptions {
  /**
   * The manager's database file (created when missing, its folder must exist), or `:memory:`.
   * A file of its own: a tenant's store file is refused, and so is this file as a store.
   */
  readonly path: string;
  /**
   * How long a write waits for another process's write to finish before failing with a
   * `TIMEOUT` error. Default 10 000 ms, as for the store.
   */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating and migrating as needed) the manager's SQLite database and returns the
 * {@link ManagerStore} over it. Several processes may share the file: writes are serialised by
 * SQLite, each waiting up to `busyTimeoutMs` for the others.
 *
 * @throws IoError when the file cannot be opened, is not a (sound) Cairn manager database or is
 *   another kind of Cairn database (a tenant's store), naming the path; SchemaVersionError (code
 *   `CONFLICT`) when a newer Cairn wrote it.
 */
export function createSqliteManagerStore(options: SqliteManagerStoreOptions): ManagerStore {
  const db = openDatabase({
    path: options.path,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    migrations: MANAGER_MIGRATIONS,
  });
  return new SqliteManagerStore(options.path, db);
}

function quote(name: string): string {
  return JSON.stringify(name);
}

/**
 * Every write runs in an IMMEDIATE transaction that checks before it writes (the tenant exists,
 * the name is free …): the checks and the write cannot be separated by another process's write,
 * so the refusals are exact and the constraints of the schema are only a backstop.
 */
class SqliteManagerStore implements ManagerStore {
  private readonly sql: ManagerStatements;
  /** Made once: wrapping a function in a transaction is costly next to a short write. */
  private readonly transaction: BetterSqlite3.Transaction<(work: () => unknown) => unknown>;

  constructor(
    private readonly path: string,
    private readonly db: BetterSqlite3.Database,
  ) {
    this.sql = prepareManagerStatements(db);
    this.transaction = db.transaction((work: () => unknown) => work());
  }

  /** Runs synchronous database work, translating every failure once (no driver error escapes). */
  private run<T>(action: string, work: () => T): Promise<T> {
    try {
      if (!this.db.open) throw new UsageError(`The manager store of ${this.path} is closed`);
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(toStoreError(error, { path: this.path, action }));
    }
  }

  /** Runs `work` in an IMMEDIATE transaction (see SqliteStore.write for why IMMEDIATE). */
  private write<T>(action: string, work: () => T): Promise<T> {
    return this.run(action, () => this.transaction.immediate(work) as T);
  }

  private requireTenant(name: string, record: string): void {
    if (this.sql.tenantExists.get(name) === undefined) throw missingOwnerTenant(name, record);
  }

  // Tenants

  createTenant(record: TenantRecord): Promise<void> {
    return this.write(`creating tenant ${quote(record.name)}`, () => {
      if (this.sql.tenantExists.get(record.name) !== undefined) throw tenantExists(record.name);
      this.sql.insertTenant.run(tenantRow(record));
    });
  }

  getTenant(name: string): Promise<TenantRecord | undefined> {
    return this.run(`reading tenant ${quote(name)}`, () => {
      const row = this.sql.getTenant.get(name);
      return row === undefined ? undefined : tenantRecord(row);
    });
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.run('listing tenants', () => this.sql.listTenants.all().map(tenantRecord));
  }

  deleteTenant(name: string): Promise<void> {
    return this.write(`deleting tenant ${quote(name)}`, () => {
      if (this.sql.tenantExists.get(name) === undefined) throw missingTenant(name);
      const contents = this.sql.tenantContents.get({ name });
      const inUse = contents === undefined ? undefined : tenantInUse(name, contents);
      if (inUse !== undefined) throw inUse;
      this.sql.deleteTenant.run(name);
    });
  }

  // Users

  createUser(record: UserRecord): Promise<void> {
    return this.write(`creating user ${quote(record.username)}`, () => {
      if (this.sql.userExists.get(record.username) !== undefined) {
        throw userExists(record.username);
      }
      this.sql.insertUser.run(userRow(record));
    });
  }

  getUser(username: string): Promise<UserRecord | undefined> {
    return this.run(`reading user ${quote(username)}`, () => {
      const row = this.sql.getUser.get(username);
      return row === undefined ? undefined : userRecord(row);
    });
  }

  listUsers(): Promise<UserRecord[]> {
    return this.run('listing users', () => this.sql.listUsers.all().map(userRecord));
  }

  updateUser(username: string, change: UserChange): Promise<UserRecord> {
    return this.write(`updating user ${quote(username)}`, () => {
      const row = this.sql.updateUser.get(userChangeParams(username, change));
      if (row === undefined) throw missingUser(username);
      return userRecord(row);
    });
  }

  deleteUser(username: string): Promise<void> {
    return this.write(`deleting user ${quote(username)}`, () => {
      if (this.sql.deleteUser.run(username).changes === 0) throw missingUser(username);
    });
  }

  // Memberships

  setMembership(record: MembershipRecord): Promise<void> {
    const action = `adding user ${quote(record.username)} to tenant ${quote(record.tenant)}`;
    return this.write(action, () => {
      if (this.sql.tenantExists.get(record.tenant) === undefined) {
        throw missingTenant(record.tenant);
      }
      if (this.sql.userExists.get(record.username) === undefined) {
        throw missingUser(record.username);
      }
      this.sql.upsertMembership.run(membershipRow(record));
    });
  }

  removeMembership(tenant: string, username: string): Promise<void> {
    const action = `removing user ${quote(username)} from tenant ${quote(tenant)}`;
    return this.write(action, () => {
      if (this.sql.deleteMembership.run(tenant, username).changes === 0) {
        throw notAMember(tenant, username);
      }
    });
  }

  listMemberships(query: {
    readonly tenant?: string;
    readonly username?: string;
  }): Promise<MembershipRecord[]> {
    return this.run('listing memberships', () =>
      this.sql.listMemberships
        .all({ tenant: query.tenant ?? null, username: query.username ?? null })
        .map(membershipRecord),
    );
  }

  // Tokens

  createToken(record: TokenRecord): Promise<void> {
    return this.write(`creating an API token of user ${quote(record.username)}`, () => {
      if (this.sql.userExists.get(record.username) === undefined) {
        throw missingTokenUser(record.username);
      }
      if (this.sql.tokenExists.get(record.digest) !== undefined) throw tokenExists(record.digest);
      if (this.sql.tokenIdExists.get(record.id) !== undefined) throw tokenIdExists(record.id);
      this.sql.insertToken.run(tokenRow(record));
    });
  }

  getToken(digest: string): Promise<TokenRecord | undefined> {
    return this.run('reading an API token', () => {
      const row = this.sql.getToken.get(digest);
      return row === undefined ? undefined : tokenRecord(row);
    });
  }

  listTokens(username: string): Promise<TokenRecord[]> {
    return this.run(`listing the API tokens of user ${quote(username)}`, () =>
      this.sql.listTokens.all(username).map(tokenRecord),
    );
  }

  deleteToken(digest: string): Promise<void> {
    return this.write('deleting an API token', () => {
      if (this.sql.deleteToken.run(digest).changes === 0) throw missingToken(digest);
    });
  }

  deleteExpiredTokens(now: Timestamp): Promise<number> {
    return this.write('deleting expired API tokens', () => {
      if (typeof now !== 'string') {
        throw new InvalidInputError(`now must be an ISO-8601 timestamp, not ${String(now)}`);
      }
      // julianday() of text that is no time is NULL, which would quietly expire nothing.
      if (this.sql.isTimestamp.get(now) !== 1) {
        throw new InvalidInputError(`now must be an ISO-8601 timestamp, not ${quote(now)}`);
      }
      return this.sql.deleteExpiredTokens.run(now).changes;
    });
  }

  // Secrets

  createSecret(record: SecretRecord): Promise<void> {
    const name = `secret ${quote(record.key)}`;
    return this.write(`creating ${name} of tenant ${quote(record.tenant)}`, () => {
      this.requireTenant(record.tenant, name);
      if (this.sql.getSecret.get(record.tenant, record.key) !== undefined) {
        throw secretExists(record.tenant, record.key);
      }
      this.sql.insertSecret.run(secretRow(record));
    });
  }

  getSecret(tenant: string, key: string): Promise<SecretRecord | undefined> {
    return this.run(`reading secret ${quote(key)} of tenant ${quote(tenant)}`, () => {
      const row = this.sql.getSecret.get(tenant, key);
      return row === undefined ? undefined : secretRecord(row);
    });
  }

  listSecrets(query: {
    readonly tenant: string;
    readonly includeGlobal?: boolean;
  }): Promise<SecretRecord[]> {
    return this.run(`listing secrets of tenant ${quote(query.tenant)}`, () =>
      this.sql.listSecrets
        .all({ tenant: query.tenant, include_global: query.includeGlobal === true ? 1 : 0 })
        .map(secretRecord),
    );
  }

  updateSecret(tenant: string, key: string, change: SecretChange): Promise<SecretRecord> {
    return this.write(`updating secret ${quote(key)} of tenant ${quote(tenant)}`, () => {
      const current = this.sql.getSecret.get(tenant, key);
      if (current === undefined) throw missingSecret(tenant, key);
      if (change.visibility !== undefined) {
        this.checkVisibility(
          `Secret ${quote(key)} of tenant ${quote(tenant)}`,
          current.visibility,
          change.visibility,
        );
      }
      const row = this.sql.updateSecret.get(secretChangeParams(tenant, key, change));
      if (row === undefined) throw missingSecret(tenant, key);
      return secretRecord(row);
    });
  }

  deleteSecret(tenant: string, key: string): Promise<void> {
    return this.write(`deleting secret ${quote(key)} of tenant ${quote(tenant)}`, () => {
      if (this.sql.deleteSecret.run(tenant, key).changes === 0) throw missingSecret(tenant, key);
    });
  }

  // Plugins

  createPlugin(record: PluginRecord): Promise<void> {
    const name = `plugin ${quote(record.id)}`;
    return this.write(`creating ${name} of tenant ${quote(record.tenant)}`, () => {
      this.requireTenant(record.tenant, name);
      const taken = this.sql.getPlugin.get(record.id);
      if (taken !== undefined) throw pluginIdTaken(record.id, taken.tenant);
      const same = this.sql.pluginOfVersion.get(
        record.tenant,
        record.package_name,
        record.package_version,
      );
      if (same !== undefined) throw pluginVersionExists(record, same);
      this.sql.insertPlugin.run(pluginRow(record));
    });
  }

  getPlugin(id: string): Promise<PluginRecord | undefined> {
    return this.run(`reading plugin ${quote(id)}`, () => {
      const row = this.sql.getPlugin.get(id);
      return row === undefined ? undefined : pluginRecord(row);
    });
  }

  listPlugins(query: {
    readonly tenant?: string;
    readonly includeGlobal?: boolean;
    readonly package_name?: string;
  }): Promise<PluginRecord[]> {
    return this.run('listing plugins', () =>
      this.sql.listPlugins
        .all({
          tenant: query.tenant ?? null,
          include_global: query.includeGlobal === true ? 1 : 0,
          package_name: query.package_name ?? null,
        })
        .map(pluginRecord),
    );
  }

  setPluginVisibility(id: string, visibility: Visibility): Promise<PluginRecord> {
    return this.write(`setting the visibility of plugin ${quote(id)}`, () => {
      const current = this.sql.getPlugin.get(id);
      if (current === undefined) throw missingPlugin(id);
      this.checkVisibility(`Plugin ${quote(id)}`, current.visibility, visibility);
      const row = this.sql.setPluginVisibility.get({ id, visibility });
      if (row === undefined) throw missingPlugin(id);
      return pluginRecord(row);
    });
  }

  deletePlugin(id: string): Promise<void> {
    return this.write(`deleting plugin ${quote(id)}`, () => {
      if (this.sql.deletePlugin.run(id).changes === 0) throw missingPlugin(id);
    });
  }

  // Resources

  createResource(record: ResourceRecord): Promise<void> {
    const { tenant, kind, id } = record;
    const name = `${kind} ${quote(id)}`;
    return this.write(`recording ${name} of tenant ${quote(tenant)}`, () => {
      this.requireTenant(tenant, name);
      if (this.sql.getResource.get(tenant, kind, id) !== undefined) {
        throw resourceExists(tenant, kind, id);
      }
      this.sql.insertResource.run(resourceRow(record));
    });
  }

  getResource(tenant: string, kind: ResourceKind, id: string): Promise<ResourceRecord | undefined> {
    return this.run(`reading ${kind} ${quote(id)} of tenant ${quote(tenant)}`, () => {
      const row = this.sql.getResource.get(tenant, kind, id);
      return row === undefined ? undefined : resourceRecord(row);
    });
  }

  listResources(query: {
    readonly tenant: string;
    readonly kind: ResourceKind;
    readonly includeGlobal?: boolean;
  }): Promise<ResourceRecord[]> {
    return this.run(`listing ${query.kind}s of tenant ${quote(query.tenant)}`, () =>
      this.sql.listResources
        .all({
          tenant: query.tenant,
          kind: query.kind,
          include_global: query.includeGlobal === true ? 1 : 0,
        })
        .map(resourceRecord),
    );
  }

  setResourceVisibility(
    tenant: string,
    kind: ResourceKind,
    id: string,
    visibility: Visibility,
  ): Promise<ResourceRecord> {
    const action = `setting the visibility of ${kind} ${quote(id)} of tenant ${quote(tenant)}`;
    return this.write(action, () => {
      const current = this.sql.getResource.get(tenant, kind, id);
      if (current === undefined) throw missingResource(tenant, kind, id);
      this.checkVisibility(describeResource(tenant, kind, id), current.visibility, visibility);
      const row = this.sql.setResourceVisibility.get({ tenant, kind, id, visibility });
      if (row === undefined) throw missingResource(tenant, kind, id);
      return resourceRecord(row);
    });
  }

  deleteResource(tenant: string, kind: ResourceKind, id: string): Promise<void> {
    return this.write(`deleting ${kind} ${quote(id)} of tenant ${quote(tenant)}`, () => {
      // Idempotent by contract: nothing to refuse when it is gone already.
      this.sql.deleteResource.run(tenant, kind, id);
    });
  }

  /** Refuses narrowing (the stored value passed the column's CHECK: it is a Visibility). */
  private checkVisibility(thing: string, current: string, wanted: Visibility): void {
    const refusal = visibilityNarrowed(thing, current as Visibility, wanted);
    if (refusal !== undefined) throw refusal;
  }

  close(): Promise<void> {
    try {
      if (this.db.open) this.db.close();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(toStoreError(error, { path: this.path, action: 'closing it' }));
    }
  }
}
