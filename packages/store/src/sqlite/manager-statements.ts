/**
 * The SQL of the SQLite manager store, prepared once per connection and reused. Listings filter
 * with `(@x IS NULL OR column = @x)` so that one statement serves every combination of filters:
 * the manager's tables hold tenants, users and uploads — hundreds of rows, not millions — so a
 * scan costs less than preparing and keeping a statement per combination.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  MembershipRow,
  PluginRow,
  ResourceRow,
  SecretChangeParams,
  SecretRow,
  TenantRow,
  TokenRow,
  UserChangeParams,
  UserRow,
} from './manager-rows.js';

type Db = BetterSqlite3.Database;

type Statement<P extends unknown[] | object, R = unknown> = BetterSqlite3.Statement<
  P extends unknown[] ? P : [P],
  R
>;

const TENANT_COLUMNS = 'name, created_at';
const USER_COLUMNS = 'username, password_hash, role, active, created_at, last_login_at';
const MEMBERSHIP_COLUMNS = 'tenant, username, role';
const TOKEN_COLUMNS = 'id, digest, username, description, created_at, expires_at';
const SECRET_COLUMNS =
  'tenant, key, value, visibility, is_hidden_value, created_by, created_at, updated_at';
const PLUGIN_COLUMNS =
  'id, tenant, visibility, created_by, uploaded_at, package_name, package_version, ' +
  'archive_name, bundle_id, title, manifest';
const RESOURCE_COLUMNS = 'tenant, kind, id, visibility, created_by, created_at';

/** `@a, @b` for the named parameters of a column list. */
function params(columns: string): string {
  return columns
    .split(',')
    .map((column) => `@${column.trim()}`)
    .join(', ');
}

/** The filters of a listing that may include other tenants' global records (0/1 flag). */
export interface VisibleTo {
  tenant: string;
  include_global: number;
}

/** What names a resource. */
export interface ResourceKey {
  tenant: string;
  kind: string;
  id: string;
}

/** How many records of each kind a tenant has. */
export interface TenantContentsRow {
  secrets: number;
  plugins: number;
  blueprints: number;
  deployments: number;
  executions: number;
}

/** The statements of the manager store. */
export interface ManagerStatements {
  readonly insertTenant: Statement<TenantRow>;
  readonly getTenant: Statement<[string], TenantRow>;
  readonly listTenants: Statement<[], TenantRow>;
  readonly tenantExists: Statement<[string], number>;
  readonly tenantContents: Statement<{ name: string }, TenantContentsRow>;
  readonly deleteTenant: Statement<[string]>;

  readonly insertUser: Statement<UserRow>;
  readonly getUser: Statement<[string], UserRow>;
  readonly listUsers: Statement<[], UserRow>;
  readonly userExists: Statement<[string], number>;
  readonly updateUser: Statement<UserChangeParams, UserRow>;
  readonly deleteUser: Statement<[string]>;

  readonly upsertMembership: Statement<MembershipRow>;
  readonly deleteMembership: Statement<[string, string]>;
  readonly listMemberships: Statement<
    { tenant: string | null; username: string | null },
    MembershipRow
  >;

  readonly insertToken: Statement<TokenRow>;
  readonly getToken: Statement<[string], TokenRow>;
  readonly listTokens: Statement<[string], TokenRow>;
  readonly tokenExists: Statement<[string], number>;
  readonly tokenIdExists: Statement<[string], number>;
  readonly deleteToken: Statement<[string]>;
  readonly isTimestamp: Statement<[string], number>;
  readonly deleteExpiredTokens: Statement<[string]>;

  readonly insertSecret: Statement<SecretRow>;
  readonly getSecret: Statement<[string, string], SecretRow>;
  readonly listSecrets: Statement<VisibleTo, SecretRow>;
  readonly updateSecret: Statement<SecretChangeParams, SecretRow>;
  readonly deleteSecret: Statement<[string, string]>;

  readonly insertPlugin: Statement<PluginRow>;
  readonly getPlugin: Statement<[string], PluginRow>;
  readonly pluginOfVersion: Statement<[string, string, string], string>;
  readonly listPlugins: Statement<
    { tenant: string | null; include_global: number; package_name: string | null },
    PluginRow
  >;
  readonly setPluginVisibility: Statement<{ id: string; visibility: string }, PluginRow>;
  readonly deletePlugin: Statement<[string]>;

  readonly insertResource: Statement<ResourceRow>;
  readonly getResource: Statement<[string, string, string], ResourceRow>;
  readonly listResources: Statement<VisibleTo & { kind: string }, ResourceRow>;
  readonly setResourceVisibility: Statement<ResourceKey & { visibility: string }, ResourceRow>;
  readonly deleteResource: Statement<[string, string, string]>;
}

/** Prepares every statement the manager store runs. */
export function prepareManagerStatements(db: Db): ManagerStatements {
  return {
    insertTenant: db.prepare<TenantRow>(
      `INSERT INTO tenants (${TENANT_COLUMNS}) VALUES (${params(TENANT_COLUMNS)})`,
    ),
    getTenant: db.prepare<[string], TenantRow>(
      `SELECT ${TENANT_COLUMNS} FROM tenants WHERE name = ?`,
    ),
    listTenants: db.prepare<[], TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY pk`),
    tenantExists: db.prepare<[string], number>('SELECT 1 FROM tenants WHERE name = ?').pluck(),
    tenantContents: db.prepare<{ name: string }, TenantContentsRow>(
      `SELECT (SELECT count(*) FROM secrets WHERE tenant = @name) AS secrets,
         (SELECT count(*) FROM plugins WHERE tenant = @name) AS plugins,
         (SELECT count(*) FROM resources WHERE tenant = @name AND kind = 'blueprint') AS blueprints,
         (SELECT count(*) FROM resources WHERE tenant = @name AND kind = 'deployment')
           AS deployments,
         (SELECT count(*) FROM resources WHERE tenant = @name AND kind = 'execution')
           AS executions`,
    ),
    // Its memberships go with it (ON DELETE CASCADE).
    deleteTenant: db.prepare<[string]>('DELETE FROM tenants WHERE name = ?'),

    insertUser: db.prepare<UserRow>(
      `INSERT INTO users (${USER_COLUMNS}) VALUES (${params(USER_COLUMNS)})`,
    ),
    getUser: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`),
    listUsers: db.prepare<[], UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY pk`),
    userExists: db.prepare<[string], number>('SELECT 1 FROM users WHERE username = ?').pluck(),
    updateUser: db.prepare<UserChangeParams, UserRow>(
      `UPDATE users SET password_hash = COALESCE(@password_hash, password_hash),
         role = COALESCE(@role, role), active = COALESCE(@active, active),
         last_login_at = CASE WHEN @set_last_login_at THEN @last_login_at ELSE last_login_at END
       WHERE username = @username
       RETURNING ${USER_COLUMNS}`,
    ),
    // Their memberships and tokens go with them (ON DELETE CASCADE).
    deleteUser: db.prepare<[string]>('DELETE FROM users WHERE username = ?'),

    // A new role keeps the membership's place in the listing (its pk).
    upsertMembership: db.prepare<MembershipRow>(
      `INSERT INTO memberships (${MEMBERSHIP_COLUMNS}) VALUES (${params(MEMBERSHIP_COLUMNS)})
       ON CONFLICT (tenant, username) DO UPDATE SET role = excluded.role`,
    ),
    deleteMembership: db.prepare<[string, string]>(
      'DELETE FROM memberships WHERE tenant = ? AND username = ?',
    ),
    listMemberships: db.prepare<{ tenant: string | null; username: string | null }, MembershipRow>(
      `SELECT ${MEMBERSHIP_COLUMNS} FROM memberships
       WHERE (@tenant IS NULL OR tenant = @tenant) AND (@username IS NULL OR username = @username)
       ORDER BY pk`,
    ),

    insertToken: db.prepare<TokenRow>(
      `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (${params(TOKEN_COLUMNS)})`,
    ),
    getToken: db.prepare<[string], TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE digest = ?`,
    ),
    listTokens: db.prepare<[string], TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE username = ? ORDER BY pk`,
    ),
    tokenExists: db.prepare<[string], number>('SELECT 1 FROM tokens WHERE digest = ?').pluck(),
    tokenIdExists: db.prepare<[string], number>('SELECT 1 FROM tokens WHERE id = ?').pluck(),
    deleteToken: db.prepare<[string]>('DELETE FROM tokens WHERE digest = ?'),
    isTimestamp: db.prepare<[string], number>('SELECT julianday(?) IS NOT NULL').pluck(),
    // As instants: `…T11:00:00+02:00` is before `…T10:00:00Z`, which text comparison gets wrong.
    deleteExpiredTokens: db.prepare<[string]>(
      'DELETE FROM tokens WHERE julianday(expires_at) < julianday(?)',
    ),

    insertSecret: db.prepare<SecretRow>(
      `INSERT INTO secrets (${SECRET_COLUMNS}) VALUES (${params(SECRET_COLUMNS)})`,
    ),
    getSecret: db.prepare<[string, string], SecretRow>(
      `SELECT ${SECRET_COLUMNS} FROM secrets WHERE tenant = ? AND key = ?`,
    ),
    listSecrets: db.prepare<VisibleTo, SecretRow>(
      `SELECT ${SECRET_COLUMNS} FROM secrets
       WHERE tenant = @tenant OR (@include_global AND visibility = 'global')
       ORDER BY pk`,
    ),
    updateSecret: db.prepare<SecretChangeParams, SecretRow>(
      `UPDATE secrets SET value = COALESCE(@value, value),
         visibility = COALESCE(@visibility, visibility),
         is_hidden_value = COALESCE(@is_hidden_value, is_hidden_value), updated_at = @updated_at
       WHERE tenant = @tenant AND key = @key
       RETURNING ${SECRET_COLUMNS}`,
    ),
    deleteSecret: db.prepare<[string, string]>('DELETE FROM secrets WHERE tenant = ? AND key = ?'),

    insertPlugin: db.prepare<PluginRow>(
      `INSERT INTO plugins (${PLUGIN_COLUMNS}) VALUES (${params(PLUGIN_COLUMNS)})`,
    ),
    getPlugin: db.prepare<[string], PluginRow>(
      `SELECT ${PLUGIN_COLUMNS} FROM plugins WHERE id = ?`,
    ),
    pluginOfVersion: db
      .prepare<[string, string, string], string>(
        'SELECT id FROM plugins WHERE tenant = ? AND package_name = ? AND package_version = ?',
      )
      .pluck(),
    listPlugins: db.prepare<
      { tenant: string | null; include_global: number; package_name: string | null },
      PluginRow
    >(
      `SELECT ${PLUGIN_COLUMNS} FROM plugins
       WHERE (@tenant IS NULL OR tenant = @tenant OR (@include_global AND visibility = 'global'))
         AND (@package_name IS NULL OR package_name = @package_name)
       ORDER BY pk`,
    ),
    setPluginVisibility: db.prepare<{ id: string; visibility: string }, PluginRow>(
      `UPDATE plugins SET visibility = @visibility WHERE id = @id RETURNING ${PLUGIN_COLUMNS}`,
    ),
    deletePlugin: db.prepare<[string]>('DELETE FROM plugins WHERE id = ?'),

    insertResource: db.prepare<ResourceRow>(
      `INSERT INTO resources (${RESOURCE_COLUMNS}) VALUES (${params(RESOURCE_COLUMNS)})`,
    ),
    getResource: db.prepare<[string, string, string], ResourceRow>(
      `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE tenant = ? AND kind = ? AND id = ?`,
    ),
    listResources: db.prepare<VisibleTo & { kind: string }, ResourceRow>(
      `SELECT ${RESOURCE_COLUMNS} FROM resources
       WHERE kind = @kind AND (tenant = @tenant OR (@include_global AND visibility = 'global'))
       ORDER BY pk`,
    ),
    setResourceVisibility: db.prepare<ResourceKey & { visibility: string }, ResourceRow>(
      `UPDATE resources SET visibility = @visibility
       WHERE tenant = @tenant AND kind = @kind AND id = @id
       RETURNING ${RESOURCE_COLUMNS}`,
    ),
    deleteResource: db.prepare<[string, string, string]>(
      'DELETE FROM resources WHERE tenant = ? AND kind = ? AND id = ?',
    ),
  };
}
