/**
 * The `ManagerStore` port: what the manager keeps beside the tenants' own stores — tenants,
 * users and their roles, API tokens, secrets, uploaded plugins, and who owns each blueprint and
 * deployment with which visibility.
 *
 * Each tenant's blueprints, deployments, executions and events live in a {@link Store} of its
 * own (a SQLite file or a PostgreSQL schema per tenant), so the engine runs unchanged and one
 * tenant's rows cannot be reached through another's store. This store is the directory over
 * them. Secrets are stored as the manager hands them over (already encrypted); this port never
 * sees a plaintext value.
 */
import type { JsonObject, Timestamp } from './store.js';

/**
 * Who may see a resource (spec §9.4). Only widened, and `global` is final: the store refuses a
 * change that would narrow it (`CONFLICT`).
 */
export type Visibility = 'private' | 'tenant' | 'global';

/** A user's role on the whole manager. `sys_admin` may do anything in every tenant. */
export type SystemRole = 'sys_admin' | 'default';

/** A user's role in one tenant, Cloudify's names. */
export type TenantRole = 'manager' | 'user' | 'operations' | 'viewer';

/** A tenant. */
export interface TenantRecord {
  readonly name: string;
  readonly created_at: Timestamp;
}

/** A user of the manager. */
export interface UserRecord {
  readonly username: string;
  /** `hashPassword`'s output (never the password). */
  readonly password_hash: string;
  readonly role: SystemRole;
  readonly active: boolean;
  readonly created_at: Timestamp;
  readonly last_login_at: Timestamp | null;
}

/** A change to a user: absent fields keep their value. */
export interface UserChange {
  readonly password_hash?: string;
  readonly role?: SystemRole;
  readonly active?: boolean;
  readonly last_login_at?: Timestamp | null;
}

/** A user's membership of a tenant, with a role there. */
export interface MembershipRecord {
  readonly tenant: string;
  readonly username: string;
  readonly role: TenantRole;
}

/** An API token, kept only as a digest of its secret part. */
export interface TokenRecord {
  /** The token's public id, the part between `ctok-` and the secret; safe to show. */
  readonly id: string;
  /** `tokenDigest(token)`: the key a presented token is looked up by. */
  readonly digest: string;
  readonly username: string;
  readonly description: string;
  readonly created_at: Timestamp;
  readonly expires_at: Timestamp;
}

/** A secret of a tenant. `value` is ciphertext (the manager's `SecretCipher` output). */
export interface SecretRecord {
  readonly tenant: string;
  readonly key: string;
  readonly value: string;
  readonly visibility: Visibility;
  readonly is_hidden_value: boolean;
  readonly created_by: string;
  readonly created_at: Timestamp;
  readonly updated_at: Timestamp;
}

/** A change to a secret: absent fields keep their value; `updated_at` is always set. */
export interface SecretChange {
  readonly value?: string;
  readonly visibility?: Visibility;
  readonly is_hidden_value?: boolean;
  readonly updated_at: Timestamp;
}

/** A plugin bundle uploaded to a tenant. */
export interface PluginRecord {
  /** The manager's id for this upload (a UUID). */
  readonly id: string;
  readonly tenant: string;
  readonly visibility: Visibility;
  readonly created_by: string;
  readonly uploaded_at: Timestamp;
  readonly package_name: string;
  readonly package_version: string;
  /** The bundle's file name as uploaded or as `pack` names it. */
  readonly archive_name: string;
  /** The bundle's sha256: its id in the manager's content-addressed plugin store. */
  readonly bundle_id: string;
  readonly title: string | null;
  /** The bundle's manifest as read at upload (platform, plugin YAML files, entry …). */
  readonly manifest: JsonObject;
}

/** The kinds of tenant resources whose ownership the manager records here. */
export type ResourceKind = 'blueprint' | 'deployment' | 'execution';

/**
 * Who owns a blueprint, deployment or execution of a tenant's store (for an execution: who
 * started it), and who may see it.
 */
export interface ResourceRecord {
  readonly tenant: string;
  readonly kind: ResourceKind;
  readonly id: string;
  readonly visibility: Visibility;
  readonly created_by: string;
  readonly created_at: Timestamp;
}

/**
 * The manager's directory. Names are exact (case-sensitive). Every method that is refused
 * rejects with a Cairn error: `NOT_FOUND` for a missing record (or the tenant or user a new
 * record belongs to), `CONFLICT` for a duplicate, a record still in use, a uniqueness rule
 * broken or a visibility narrowed; `INVALID_INPUT` for a value outside the record's types. Lists
 * come back in creation order. Timestamps are stored as given (PostgreSQL gives them back in
 * UTC, `…Z`, whatever offset they were written with).
 */
export interface ManagerStore {
  // Tenants
  /** CONFLICT when it exists. */
  createTenant(record: TenantRecord): Promise<void>;
  getTenant(name: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;
  /**
   * Deletes the tenant with its memberships. CONFLICT while it has secrets, plugins or
   * resources; NOT_FOUND when missing.
   */
  deleteTenant(name: string): Promise<void>;

  // Users
  /** CONFLICT when it exists. */
  createUser(record: UserRecord): Promise<void>;
  getUser(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** NOT_FOUND when missing. Returns the user as now stored. */
  updateUser(username: string, change: UserChange): Promise<UserRecord>;
  /**
   * Deletes the user with their memberships and tokens. NOT_FOUND when missing. What they
   * created keeps their name in `created_by`.
   */
  deleteUser(username: string): Promise<void>;

  // Memberships
  /** Adds a user to a tenant, or changes their role there. NOT_FOUND when either is missing. */
  setMembership(record: MembershipRecord): Promise<void>;
  /** NOT_FOUND when the user is not in the tenant. */
  removeMembership(tenant: string, username: string): Promise<void>;
  /** The memberships of a tenant, of a user, or of both filters at once; with neither, all. */
  listMemberships(query: {
    readonly tenant?: string;
    readonly username?: string;
  }): Promise<MembershipRecord[]>;

  // Tokens
  /** CONFLICT when the digest or the id exists; NOT_FOUND when the user is missing. */
  createToken(record: TokenRecord): Promise<void>;
  /** The token, expired or not (the caller checks `expires_at`). */
  getToken(digest: string): Promise<TokenRecord | undefined>;
  /**
   * The user's tokens, expired or not, in creation order: empty when they have none or the user
   * is unknown.
   */
  listTokens(username: string): Promise<TokenRecord[]>;
  /** NOT_FOUND when missing. */
  deleteToken(digest: string): Promise<void>;
  /**
   * Deletes the tokens that expired before `now` (`expires_at < now`, compared as instants, not
   * as text); returns how many. INVALID_INPUT when `now` is not a timestamp.
   */
  deleteExpiredTokens(now: Timestamp): Promise<number>;

  // Secrets
  /** CONFLICT when the tenant has it already; NOT_FOUND when the tenant is missing. */
  createSecret(record: SecretRecord): Promise<void>;
  getSecret(tenant: string, key: string): Promise<SecretRecord | undefined>;
  /** The tenant's secrets and, with `includeGlobal`, every other tenant's global ones. */
  listSecrets(query: {
    readonly tenant: string;
    readonly includeGlobal?: boolean;
  }): Promise<SecretRecord[]>;
  /**
   * NOT_FOUND when missing; CONFLICT when it would narrow the visibility. Returns the secret as
   * now stored.
   */
  updateSecret(tenant: string, key: string, change: SecretChange): Promise<SecretRecord>;
  /** NOT_FOUND when missing. */
  deleteSecret(tenant: string, key: string): Promise<void>;

  // Plugins
  /**
   * CONFLICT when the tenant already has this package_name and package_version (Cloudify's
   * uniqueness rule, spec §9.2), or the id is taken (in any tenant); NOT_FOUND when the tenant
   * is missing.
   */
  createPlugin(record: PluginRecord): Promise<void>;
  getPlugin(id: string): Promise<PluginRecord | undefined>;
  /**
   * The tenant's plugins and, with `includeGlobal`, every other tenant's global ones; without a
   * tenant, every tenant's. `package_name` narrows either.
   */
  listPlugins(query: {
    readonly tenant?: string;
    readonly includeGlobal?: boolean;
    readonly package_name?: string;
  }): Promise<PluginRecord[]>;
  /** NOT_FOUND when missing; CONFLICT when it would narrow the visibility. */
  setPluginVisibility(id: string, visibility: Visibility): Promise<PluginRecord>;
  /** NOT_FOUND when missing. */
  deletePlugin(id: string): Promise<void>;

  // Resource ownership
  /**
   * CONFLICT when the tenant has a resource of that kind and id; NOT_FOUND when the tenant is
   * missing.
   */
  createResource(record: ResourceRecord): Promise<void>;
  getResource(tenant: string, kind: ResourceKind, id: string): Promise<ResourceRecord | undefined>;
  /** The tenant's resources of a kind and, with `includeGlobal`, other tenants' global ones. */
  listResources(query: {
    readonly tenant: string;
    readonly kind: ResourceKind;
    readonly includeGlobal?: boolean;
  }): Promise<ResourceRecord[]>;
  /** NOT_FOUND when missing; CONFLICT when it would narrow the visibility. */
  setResourceVisibility(
    tenant: string,
    kind: ResourceKind,
    id: string,
    visibility: Visibility,
  ): Promise<ResourceRecord>;
  /** Idempotent: deleting a missing resource does nothing. */
  deleteResource(tenant: string, kind: ResourceKind, id: string): Promise<void>;

  /** Releases the database (idempotent). */
  close(): Promise<void>;
}
