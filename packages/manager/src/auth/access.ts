/**
 * Authorization, in one place: whether a caller may call a route in a tenant (the route
 * table's `access` against the caller's roles), and whether they may see or change one
 * resource (tenant and visibility, spec §9.4). Every handler goes through these; none decides
 * on its own.
 */
import type { Access } from '@cairn/api';
import { ForbiddenError, InvalidInputError, NotFoundError } from '@cairn/errors';
import type { TenantRole, Visibility } from '@cairn/store';
import type { Principal } from './principal.js';

/** Tenant roles from least to most: each may do what the ones before it may. */
const ROLE_RANK: Record<TenantRole, number> = { viewer: 0, operations: 1, user: 2, manager: 3 };

/** Whether `role` is at least `least`. */
export function roleAtLeast(role: TenantRole | undefined, least: TenantRole): boolean {
  return role !== undefined && ROLE_RANK[role] >= ROLE_RANK[least];
}

/** Whether the caller is a sys_admin. */
export function isAdmin(principal: Principal): boolean {
  return principal.role === 'sys_admin';
}

/**
 * Checks a route's access rule for a caller in a tenant; throws ForbiddenError. The message
 * names the caller's lack, never whether the tenant exists.
 */
export function authorizeRoute(access: Access, principal: Principal, tenant: string): void {
  if (access.kind === 'public' || access.kind === 'user') return;
  if (isAdmin(principal)) return;
  if (access.kind === 'admin') {
    throw new ForbiddenError(
      `User '${principal.username}' is not permitted to do this: it needs the sys_admin role`,
    );
  }
  const role = principal.tenants.get(tenant);
  if (role === undefined) {
    throw new ForbiddenError(
      `User '${principal.username}' is not permitted to access tenant '${tenant}'`,
    );
  }
  if (!roleAtLeast(role, access.role)) {
    throw new ForbiddenError(
      `User '${principal.username}' is not permitted to do this in tenant '${tenant}': it needs the ${access.role} role or higher (has ${role})`,
    );
  }
}

/** What visibility rules need to know of a resource. */
export interface Visible {
  readonly tenant: string;
  readonly visibility: Visibility;
  readonly created_by: string;
}

/** Whether the caller, working in `tenant`, may see `resource`. */
export function canSee(principal: Principal, tenant: string, resource: Visible): boolean {
  if (resource.visibility === 'global') return true;
  if (resource.tenant !== tenant) return false;
  if (resource.visibility === 'tenant') return true;
  return (
    resource.created_by === principal.username ||
    isAdmin(principal) ||
    principal.tenants.get(tenant) === 'manager'
  );
}

/**
 * Throws NotFoundError when the caller may not see the resource: a resource one cannot see
 * answers exactly as one that does not exist.
 */
export function requireVisible(
  principal: Principal,
  tenant: string,
  resource: Visible | undefined,
  what: string,
): asserts resource is Visible {
  if (resource === undefined || !canSee(principal, tenant, resource)) {
    throw new NotFoundError(`${what} not found`);
  }
}

/**
 * Throws unless the caller may change the resource: it must be the tenant's own (another
 * tenant's global resource is read-only here), and a private one only by its creator, the
 * tenant's managers and admins.
 */
export function requireChangeable(
  principal: Principal,
  tenant: string,
  resource: Visible,
  what: string,
): void {
  if (!canSee(principal, tenant, resource)) throw new NotFoundError(`${what} not found`);
  if (resource.tenant !== tenant && !isAdmin(principal)) {
    throw new ForbiddenError(
      `${what} belongs to tenant '${resource.tenant}' and is read-only here`,
    );
  }
}

const VISIBILITY_RANK: Record<Visibility, number> = { private: 0, tenant: 1, global: 2 };

/** Checks a visibility change: only wider, and global only by a sys_admin. */
export function checkVisibilityChange(
  principal: Principal,
  from: Visibility,
  to: Visibility,
  what: string,
): void {
  if (VISIBILITY_RANK[to] < VISIBILITY_RANK[from]) {
    throw new InvalidInputError(
      `${what} is ${from}; visibility can only be widened, not set to ${to}`,
    );
  }
  if (to === 'global' && !isAdmin(principal)) {
    throw new ForbiddenError(`Only a sys_admin may make a resource global`);
  }
}

/** The visibility a new resource gets: `private_resource` wins, then `visibility`, then tenant. */
export function newVisibility(
  principal: Principal,
  requested: { readonly visibility?: Visibility; readonly private_resource?: boolean },
): Visibility {
  const visibility =
    requested.private_resource === true ? 'private' : (requested.visibility ?? 'tenant');
  if (visibility === 'global' && !isAdmin(principal)) {
    throw new ForbiddenError(`Only a sys_admin may make a resource global`);
  }
  return visibility;
}
