/**
 * The SQL of the PostgreSQL manager store. As in `statements.ts`: every table is qualified with
 * the schema (nothing depends on `search_path`), every statement is named and so prepared once
 * per connection, timestamps are selected as ISO-8601 UTC text. Listings filter with
 * `($n IS NULL OR column = $n)` so that one statement serves every combination of filters: the
 * manager's tables hold hundreds of rows, not millions.
 */
import { iso, type Statement } from './statements.js';
import { quoteIdentifier } from './target.js';

const TENANT_COLUMNS = `name, ${iso('created_at')}`;
const USER_COLUMNS =
  `username, password_hash, role, active, ${iso('created_at')}, ` + iso('last_login_at');
const MEMBERSHIP_COLUMNS = 'tenant, username, role';
const TOKEN_COLUMNS =
  `id, digest, username, description, ${iso('created_at')}, ` + iso('expires_at');
const SECRET_COLUMNS =
  'tenant, key, value, visibility, is_hidden_value, created_by, ' +
  `${iso('created_at')}, ${iso('updated_at')}`;
const PLUGIN_COLUMNS =
  `id, tenant, visibility, created_by, ${iso('uploaded_at')}, package_name, package_version, ` +
  'archive_name, bundle_id, title, manifest';
const RESOURCE_COLUMNS = `tenant, kind, id, visibility, created_by, ${iso('created_at')}`;

/** The statements of the manager store. */
export interface ManagerStatements {
  readonly insertTenant: Statement;
  readonly getTenant: Statement;
  readonly listTenants: Statement;
  readonly tenantExists: Statement;
  readonly lockTenant: Statement;
  readonly tenantContents: Statement;
  readonly deleteTenant: Statement;

  readonly insertUser: Statement;
  readonly getUser: Statement;
  readonly listUsers: Statement;
  readonly userExists: Statement;
  readonly updateUser: Statement;
  readonly deleteUser: Statement;

  readonly upsertMembership: Statement;
  readonly deleteMembership: Statement;
  readonly listMemberships: Statement;

  readonly insertToken: Statement;
  readonly getToken: Statement;
  readonly listTokens: Statement;
  readonly tokenExists: Statement;
  readonly tokenIdExists: Statement;
  readonly deleteToken: Statement;
  readonly deleteExpiredTokens: Statement;

  readonly insertSecret: Statement;
  readonly getSecret: Statement;
  readonly secretExists: Statement;
  readonly lockSecret: Statement;
  readonly listSecrets: Statement;
  readonly updateSecret: Statement;
  readonly deleteSecret: Statement;

  readonly insertPlugin: Statement;
  readonly getPlugin: Statement;
  readonly pluginTenant: Statement;
  readonly pluginOfVersion: Statement;
  readonly lockPlugin: Statement;
  readonly listPlugins: Statement;
  readonly setPluginVisibility: Statement;
  readonly deletePlugin: Statement;

  readonly insertResource: Statement;
  readonly getResource: Statement;
  readonly resourceExists: Statement;
  readonly lockResource: Statement;
  readonly listResources: Statement;
  readonly setResourceVisibility: Statement;
  readonly deleteResource: Statement;
}

/** The statements of a manager store whose tables are in `schema`. */
export function prepareManagerStatements(schema: string): ManagerStatements {
  const s = quoteIdentifier(schema);
  // A prefix of their own: a connection keeps one text per statement name.
  const statement = (name: string, text: string): Statement => ({
    name: `cairn_manager_${name}`,
    text,
  });
  return {
    insertTenant: statement(
      'insertTenant',
      `INSERT INTO ${s}.tenants (name, created_at) VALUES ($1, $2)`,
    ),
    getTenant: statement('getTenant', `SELECT ${TENANT_COLUMNS} FROM ${s}.tenants WHERE name = $1`),
    listTenants: statement('listTenants', `SELECT ${TENANT_COLUMNS} FROM ${s}.tenants ORDER BY pk`),
    tenantExists: statement('tenantExists', `SELECT 1 FROM ${s}.tenants WHERE name = $1`),
    // FOR UPDATE waits for records being added to the tenant (their foreign-key checks hold a
    // KEY SHARE lock on it) and keeps new ones out until the deletion commits: what the counts
    // below see is all there is.
    lockTenant: statement('lockTenant', `SELECT 1 FROM ${s}.tenants WHERE name = $1 FOR UPDATE`),
    tenantContents: statement(
      'tenantContents',
      `SELECT (SELECT count(*) FROM ${s}.secrets WHERE tenant = $1) AS secrets,
         (SELECT count(*) FROM ${s}.plugins WHERE tenant = $1) AS plugins,
         (SELECT count(*) FROM ${s}.resources WHERE tenant = $1 AND kind = 'blueprint')
           AS blueprints,
         (SELECT count(*) FROM ${s}.resources WHERE tenant = $1 AND kind = 'deployment')
           AS deployments,
         (SELECT count(*) FROM ${s}.resources WHERE tenant = $1 AND kind = 'execution')
           AS executions`,
    ),
    // Its memberships go with it (ON DELETE CASCADE).
    deleteTenant: statement('deleteTenant', `DELETE FROM ${s}.tenants WHERE name = $1`),

    insertUser: statement(
      'insertUser',
      `INSERT INTO ${s}.users (username, password_hash, role, active, created_at, last_login_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
    ),
    getUser: statement('getUser', `SELECT ${USER_COLUMNS} FROM ${s}.users WHERE username = $1`),
    listUsers: statement('listUsers', `SELECT ${USER_COLUMNS} FROM ${s}.users ORDER BY pk`),
    userExists: statement('userExists', `SELECT 1 FROM ${s}.users WHERE username = $1`),
    updateUser: statement(
      'updateUser',
      `UPDATE ${s}.users SET password_hash = COALESCE($2, password_hash),
         role = COALESCE($3, role), active = COALESCE($4, active),
         last_login_at = CASE WHEN $5::boolean THEN $6::timestamptz ELSE last_login_at END
       WHERE username = $1
       RETURNING ${USER_COLUMNS}`,
    ),
    // Their memberships and tokens go with them (ON DELETE CASCADE).
    deleteUser: statement('deleteUser', `DELETE FROM ${s}.users WHERE username = $1`),

    // A new role keeps the membership's place in the listing (its pk).
    upsertMembership: statement(
      'upsertMembership',
      `INSERT INTO ${s}.memberships (tenant, username, role) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, username) DO UPDATE SET role = excluded.role`,
    ),
    deleteMembership: statement(
      'deleteMembership',
      `DELETE FROM ${s}.memberships WHERE tenant = $1 AND username = $2`,
    ),
    listMemberships: statement(
      'listMemberships',
      `SELECT ${MEMBERSHIP_COLUMNS} FROM ${s}.memberships
       WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR username = $2)
       ORDER BY pk`,
    ),

    insertToken: statement(
      'insertToken',
      `INSERT INTO ${s}.tokens (id, digest, username, description, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
    ),
    getToken: statement('getToken', `SELECT ${TOKEN_COLUMNS} FROM ${s}.tokens WHERE digest = $1`),
    listTokens: statement(
      'listTokens',
      `SELECT ${TOKEN_COLUMNS} FROM ${s}.tokens WHERE username = $1 ORDER BY pk`,
    ),
    tokenExists: statement('tokenExists', `SELECT 1 FROM ${s}.tokens WHERE digest = $1`),
    tokenIdExists: statement('tokenIdExists', `SELECT 1 FROM ${s}.tokens WHERE id = $1`),
    deleteToken: statement('deleteToken', `DELETE FROM ${s}.tokens WHERE digest = $1`),
    deleteExpiredTokens: statement(
      'deleteExpiredTokens',
      `DELETE FROM ${s}.tokens WHERE expires_at < $1::timestamptz`,
    ),

    insertSecret: statement(
      'insertSecret',
      `INSERT INTO ${s}.secrets (tenant, key, value, visibility, is_hidden_value, created_by,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    ),
    getSecret: statement(
      'getSecret',
      `SELECT ${SECRET_COLUMNS} FROM ${s}.secrets WHERE tenant = $1 AND key = $2`,
    ),
    secretExists: statement(
      'secretExists',
      `SELECT 1 FROM ${s}.secrets WHERE tenant = $1 AND key = $2`,
    ),
    lockSecret: statement(
      'lockSecret',
      `SELECT visibility FROM ${s}.secrets WHERE tenant = $1 AND key = $2 FOR NO KEY UPDATE`,
    ),
    listSecrets: statement(
      'listSecrets',
      `SELECT ${SECRET_COLUMNS} FROM ${s}.secrets
       WHERE tenant = $1 OR ($2::boolean AND visibility = 'global')
       ORDER BY pk`,
    ),
    updateSecret: statement(
      'updateSecret',
      `UPDATE ${s}.secrets SET value = COALESCE($3, value),
         visibility = COALESCE($4, visibility),
         is_hidden_value = COALESCE($5, is_hidden_value), updated_at = $6
       WHERE tenant = $1 AND key = $2
       RETURNING ${SECRET_COLUMNS}`,
    ),
    deleteSecret: statement(
      'deleteSecret',
      `DELETE FROM ${s}.secrets WHERE tenant = $1 AND key = $2`,
    ),

    insertPlugin: statement(
      'insertPlugin',
      `INSERT INTO ${s}.plugins (id, tenant, visibility, created_by, uploaded_at, package_name,
         package_version, archive_name, bundle_id, title, manifest)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    ),
    getPlugin: statement('getPlugin', `SELECT ${PLUGIN_COLUMNS} FROM ${s}.plugins WHERE id = $1`),
    pluginTenant: statement('pluginTenant', `SELECT tenant FROM ${s}.plugins WHERE id = $1`),
    pluginOfVersion: statement(
      'pluginOfVersion',
      `SELECT id FROM ${s}.plugins
       WHERE tenant = $1 AND package_name = $2 AND package_version = $3`,
    ),
    lockPlugin: statement(
      'lockPlugin',
      `SELECT visibility FROM ${s}.plugins WHERE id = $1 FOR NO KEY UPDATE`,
    ),
    listPlugins: statement(
      'listPlugins',
      `SELECT ${PLUGIN_COLUMNS} FROM ${s}.plugins
       WHERE ($1::text IS NULL OR tenant = $1 OR ($2::boolean AND visibility = 'global'))
         AND ($3::text IS NULL OR package_name = $3)
       ORDER BY pk`,
    ),
    setPluginVisibility: statement(
      'setPluginVisibility',
      `UPDATE ${s}.plugins SET visibility = $2 WHERE id = $1 RETURNING ${PLUGIN_COLUMNS}`,
    ),
    deletePlugin: statement('deletePlugin', `DELETE FROM ${s}.plugins WHERE id = $1`),

    insertResource: statement(
      'insertResource',
      `INSERT INTO ${s}.resources (tenant, kind, id, visibility, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
    ),
    getResource: statement(
      'getResource',
      `SELECT ${RESOURCE_COLUMNS} FROM ${s}.resources WHERE tenant = $1 AND kind = $2 AND id = $3`,
    ),
    resourceExists: statement(
      'resourceExists',
      `SELECT 1 FROM ${s}.resources WHERE tenant = $1 AND kind = $2 AND id = $3`,
    ),
    lockResource: statement(
      'lockResource',
      `SELECT visibility FROM ${s}.resources WHERE tenant = $1 AND kind = $2 AND id = $3
       FOR NO KEY UPDATE`,
    ),
    listResources: statement(
      'listResources',
      `SELECT ${RESOURCE_COLUMNS} FROM ${s}.resources
       WHERE kind = $2 AND (tenant = $1 OR ($3::boolean AND visibility = 'global'))
       ORDER BY pk`,
    ),
    setResourceVisibility: statement(
      'setResourceVisibility',
      `UPDATE ${s}.resources SET visibility = $4 WHERE tenant = $1 AND kind = $2 AND id = $3
       RETURNING ${RESOURCE_COLUMNS}`,
    ),
    deleteResource: statement(
      'deleteResource',
      `DELETE FROM ${s}.resources WHERE tenant = $1 AND kind = $2 AND id = $3`,
    ),
  };
}
