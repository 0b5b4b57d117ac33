/**
 * The service routes (`/ok`, `/version`), tokens, tenants and their members, and users.
 */
import type { SystemRole, Tenant, Token, User } from '@cairn/api';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '@cairn/errors';
import type { MembershipRecord, TenantRecord, TokenRecord, UserRecord } from '@cairn/store';
import { isAdmin } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { listPage } from '../http/list.js';
import { hashPassword } from '../security/passwords.js';
import { issueToken, maskedToken, tokenValid } from '../security/tokens.js';
import { type ManagerContext, now } from './context.js';

type AccountHandlers = Pick<
  Handlers,
  | 'ok'
  | 'version'
  | 'status'
  | 'listTokens'
  | 'getToken'
  | 'deleteToken'
  | 'createToken'
  | 'getSelf'
  | 'listTenants'
  | 'getTenant'
  | 'createTenant'
  | 'deleteTenant'
  | 'addTenantUser'
  | 'updateTenantUser'
  | 'removeTenantUser'
  | 'listUsers'
  | 'createUser'
  | 'getUser'
  | 'updateUser'
  | 'setUserActive'
  | 'deleteUser'
>;

/** A tenant as the API shows it. */
function tenantView(record: TenantRecord, members: readonly MembershipRecord[]): Tenant {
  const direct = Object.fromEntries(members.map((m) => [m.username, m.role]));
  return {
    id: record.name,
    name: record.name,
    users: members.length,
    user_roles: { direct },
    created_at: record.created_at,
  };
}

/** A user as the API shows it: never the password hash. */
function userView(record: UserRecord, members: readonly MembershipRecord[]): User {
  const roles = Object.fromEntries(members.map((m) => [m.tenant, m.role]));
  return {
    id: record.username,
    username: record.username,
    role: record.role,
    active: record.active,
    tenants: Object.fromEntries(members.map((m) => [m.tenant, { 'tenant-role': m.role }])),
    tenant_roles: { direct: roles },
    created_at: record.created_at,
    last_login_at: record.last_login_at,
  };
}

/** `+12h`, `+30d`, or an ISO date: the expiry of a new token, in seconds from now. */
function ttlOf(expiration: string | null | undefined, fallback: number): number {
  if (expiration === undefined || expiration === null || expiration === '') return fallback;
  const relative = /^\+(\d+)([mhd])$/.exec(expiration);
  if (relative !== null) {
    const unit = { m: 60, h: 3600, d: 86400 }[relative[2] as 'm' | 'h' | 'd'];
    return Number(relative[1]) * unit;
  }
  const at = Date.parse(expiration);
  if (Number.isNaN(at) || at <= Date.now()) {
    throw new InvalidInputError(
      `expiration_date must be a future ISO-8601 time or +N[mhd], not '${expiration}'`,
    );
  }
  return (at - Date.now()) / 1000;
}

/** The account routes. */
export function accountHandlers(ctx: ManagerContext): AccountHandlers {
  const { directory } = ctx;

  async function tenantOr404(name: string): Promise<TenantRecord> {
    const tenant = await directory.getTenant(name);
    if (tenant === undefined) throw new NotFoundError(`Tenant '${name}' not found`);
    return tenant;
  }

  async function userOr404(username: string): Promise<UserRecord> {
    const user = await directory.getUser(username);
    if (user === undefined) throw new NotFoundError(`User '${username}' not found`);
    return user;
  }

  async function tenantAnswer(name: string): Promise<Tenant> {
    return tenantView(await tenantOr404(name), await directory.listMemberships({ tenant: name }));
  }

  async function userAnswer(username: string): Promise<User> {
    return userView(await userOr404(username), await directory.listMemberships({ username }));
  }

  /** A token as the API shows it; the whole value only when just issued. */
  function tokenView(record: TokenRecord, role: SystemRole, value: string): Token {
    return {
      id: record.id,
      token_id: record.id,
      username: record.username,
      value,
      role,
      expiration_date: record.expires_at,
      last_used: null,
      description: record.description,
    };
  }

  async function newToken(username: string, description: string, ttl: number): Promise<Token> {
    const user = await userOr404(username);
    const issued = issueToken(ttl);
    const record: TokenRecord = {
      id: issued.id,
      digest: issued.digest,
      username,
      description,
      created_at: now(),
      expires_at: issued.expiresAt,
    };
    await directory.createToken(record);
    await directory.updateUser(username, { last_login_at: now() });
    return tokenView(record, user.role, issued.token);
  }

  /** The caller's token with that id (any user's, for sys_admin). */
  async function tokenOr404(principal: Principal, id: string): Promise<TokenRecord> {
    const users = isAdmin(principal)
      ? (await directory.listUsers()).map((u) => u.username)
      : [principal.username];
    for (const username of users) {
      const found = (await directory.listTokens(username)).find((t) => t.id === id);
      if (found !== undefined) return found;
    }
    throw new NotFoundError(`Token '${id}' not found`);
  }

  return {
    ok: () => Promise.resolve({ status: 'ok' }),
    version: () =>
      Promise.resolve({
        version: ctx.version,
        edition: 'community',
        distribution: 'cairn',
        api_version: 'v3.1',
        build: null,
        date: null,
        commit: null,
      }),

    status: () => {
      const { queued, running } = ctx.queue.counts();
      return Promise.resolve({
        status: 'OK',
        services: {
          'REST API': { status: 'Active', extra_info: {} },
          'Execution workers': { status: 'Active', extra_info: { queued, running } },
        },
      });
    },
    listTokens: async ({ principal, query }) => {
      const user = await userOr404(principal.username);
      const tokens = (await directory.listTokens(principal.username)).filter((t) =>
        tokenValid(t.expires_at),
      );
      const page = listPage(
        tokens.map((t) => tokenView(t, user.role, maskedToken(t.id))),
        query,
        { filters: [], searchField: 'description' },
      );
      // Clients before Cloudify 6 sign in with basic auth and read a new token's value here.
      if (principal.via !== 'password') return page;
      const fresh = await newToken(principal.username, 'GET /tokens', ctx.tokenTtlSeconds);
      return {
        ...page,
        id: fresh.id,
        value: fresh.value,
        role: fresh.role,
        username: fresh.username,
        expiration_date: fresh.expiration_date,
      };
    },
    createToken: async ({ principal, body }) =>
      newToken(
        principal.username,
        body?.description ?? '',
        ttlOf(body?.expiration_date, ctx.tokenTtlSeconds),
      ),
    getToken: async ({ principal, params }) => {
      const record = await tokenOr404(principal, params.id);
      const user = await userOr404(record.username);
      return tokenView(record, user.role, maskedToken(record.id));
    },
    deleteToken: async ({ principal, params }) => {
      const record = await tokenOr404(principal, params.id);
      await directory.deleteToken(record.digest);
      ctx.accountsChanged();
    },
    getSelf: async ({ principal }) => userAnswer(principal.username),

    listTenants: async ({ principal, query }) => {
      const tenants = (await directory.listTenants()).filter(
        (t) => isAdmin(principal) || principal.tenants.has(t.name),
      );
      const views = await Promise.all(
        tenants.map(async (t) =>
          tenantView(t, await directory.listMemberships({ tenant: t.name })),
        ),
      );
      return listPage(views, query, { filters: ['name'], searchField: 'name' });
    },
    getTenant: async ({ principal, params }) => {
      // A tenant one does not belong to answers as one that does not exist.
      if (!isAdmin(principal) && !principal.tenants.has(params.name)) {
        throw new NotFoundError(`Tenant '${params.name}' not found`);
      }
      return tenantAnswer(params.name);
    },
    createTenant: async ({ params }) => {
      await directory.createTenant({ name: params.name, created_at: now() });
      return tenantAnswer(params.name);
    },
    deleteTenant: async ({ params }) => {
      await tenantOr404(params.name);
      const runtime = await ctx.runtimes.get(params.name);
      const deployments = await runtime.store.listDeploymentSummaries();
      const blueprints = await runtime.store.listBlueprints();
      if (deployments.length > 0 || blueprints.length > 0) {
        throw new ConflictError(
          `Tenant '${params.name}' still has ${blueprints.length} blueprint(s) and ${deployments.length} deployment(s); delete them first`,
        );
      }
      await directory.deleteTenant(params.name);
      ctx.accountsChanged();
    },
    addTenantUser: async ({ body }) => {
      await tenantOr404(body.tenant_name);
      await userOr404(body.username);
      const existing = await directory.listMemberships({
        tenant: body.tenant_name,
        username: body.username,
      });
      if (existing.length > 0) {
        throw new ConflictError(
          `User '${body.username}' is already in tenant '${body.tenant_name}'`,
        );
      }
      await directory.setMembership({
        tenant: body.tenant_name,
        username: body.username,
        role: body.role ?? 'user',
      });
      ctx.accountsChanged();
      return tenantAnswer(body.tenant_name);
    },
    updateTenantUser: async ({ body }) => {
      const existing = await directory.listMemberships({
        tenant: body.tenant_name,
        username: body.username,
      });
      if (existing.length === 0) {
        throw new NotFoundError(`User '${body.username}' is not in tenant '${body.tenant_name}'`);
      }
      await directory.setMembership({
        tenant: body.tenant_name,
        username: body.username,
        role: body.role,
      });
      ctx.accountsChanged();
      return tenantAnswer(body.tenant_name);
    },
    removeTenantUser: async ({ body }) => {
      await directory.removeMembership(body.tenant_name, body.username);
      ctx.accountsChanged();
      return tenantAnswer(body.tenant_name);
    },

    listUsers: async ({ query }) => {
      const users = await directory.listUsers();
      const views = await Promise.all(
        users.map(async (u) =>
          userView(u, await directory.listMemberships({ username: u.username })),
        ),
      );
      return listPage(views, query, { filters: ['username'], searchField: 'username' });
    },
    createUser: async ({ body }) => {
      await directory.createUser({
        username: body.username,
        password_hash: await hashPassword(body.password),
        role: body.role ?? 'default',
        active: true,
        created_at: now(),
        last_login_at: null,
      });
      return userAnswer(body.username);
    },
    getUser: async ({ principal, params }) => {
      if (!isAdmin(principal) && principal.username !== params.username) {
        throw new ForbiddenError(`User '${principal.username}' may only read their own user`);
      }
      return userAnswer(params.username);
    },
    updateUser: async ({ principal, params, body }) => {
      if (!isAdmin(principal)) {
        if (principal.username !== params.username) {
          throw new ForbiddenError(
            `User '${principal.username}' may only change their own password`,
          );
        }
        if (body.role !== undefined) throw new ForbiddenError('Only a sys_admin may change roles');
      }
      await userOr404(params.username);
      await directory.updateUser(params.username, {
        ...(body.password === undefined
          ? {}
          : { password_hash: await hashPassword(body.password) }),
        ...(body.role === undefined ? {} : { role: body.role }),
      });
      ctx.accountsChanged();
      return userAnswer(params.username);
    },
    setUserActive: async ({ principal, params, body }) => {
      if (params.username === principal.username && body.action === 'deactivate') {
        throw new InvalidInputError('A user cannot deactivate themself');
      }
      await userOr404(params.username);
      await directory.updateUser(params.username, { active: body.action === 'activate' });
      ctx.accountsChanged();
      return userAnswer(params.username);
    },
    deleteUser: async ({ principal, params }) => {
      if (params.username === principal.username) {
        throw new InvalidInputError('A user cannot delete themself');
      }
      await userOr404(params.username);
      await directory.deleteUser(params.username);
      ctx.accountsChanged();
    },
  };
}
