/**
 * `_all_tenants=true` on a tenant's list: the same list asked of every tenant the caller may
 * list in (every tenant for a sys_admin; for anyone else, each tenant where their role allows
 * the route), merged and then sorted, paged and cut to `_include` as one list.
 *
 * Each tenant's part comes from the route's own handler working in that tenant, so visibility
 * is decided exactly as for a request with that `Tenant` header. A global resource shows in
 * every tenant's part; it is listed once.
 */
import type { ListResponse } from '@cairn/api';
import type { TenantRole } from '@cairn/store';
import { isAdmin, roleAtLeast } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { listPage, type ListParams } from './list.js';

/** What merging needs to know of the request. */
export interface AcrossTenants {
  readonly principal: Principal;
  /** The role the route needs in a tenant. */
  readonly role: TenantRole;
  readonly query: ListParams;
  /** Every tenant that exists. */
  listTenants(): Promise<readonly string[]>;
  /** The route's handler, asked in one tenant. */
  listIn(tenant: string, query: ListParams): Promise<ListResponse<object>>;
}

/** The tenants the caller may list in, by name. */
async function listableTenants(across: AcrossTenants): Promise<string[]> {
  const { principal } = across;
  const names = isAdmin(principal)
    ? await across.listTenants()
    : [...principal.tenants.entries()]
        .filter(([, role]) => roleAtLeast(role, across.role))
        .map(([name]) => name);
  return [...names].sort();
}

/** What makes an item one resource, across tenants (a global one is in every tenant's part). */
function identity(item: object): string | undefined {
  const fields = item as Record<string, unknown>;
  const tenant = fields.tenant_name;
  const own = fields.id ?? fields.key ?? fields.seq;
  if (typeof tenant !== 'string' || own === undefined) return undefined;
  // A node's id is its template's name: one per deployment.
  return JSON.stringify([tenant, fields.deployment_id ?? null, own]);
}

/** The list over every tenant the caller may list in. */
export async function listAcrossTenants(across: AcrossTenants): Promise<ListResponse<object>> {
  const { query } = across;
  // Each part whole and with every field: sorting, paging and `_include` apply to the merge.
  const part: ListParams = {
    ...query,
    _all_tenants: false,
    _offset: 0,
    _get_all_results: true,
    _include: undefined,
    _sort: undefined,
  };
  const seen = new Set<string>();
  const merged: object[] = [];
  for (const tenant of await listableTenants(across)) {
    for (const item of (await across.listIn(tenant, part)).items) {
      const key = identity(item);
      if (key !== undefined) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      merged.push(item);
    }
  }
  // Without `_sort`, in the order things happened (each tenant's own order otherwise).
  const sortField = merged.some((item) => 'created_at' in item)
    ? 'created_at'
    : merged.some((item) => 'timestamp' in item)
      ? 'timestamp'
      : undefined;
  // The parts are filtered and searched already: only the paging is left.
  const paging: ListParams = {
    _sort: query._sort ?? (sortField === undefined ? undefined : [sortField]),
    _offset: query._offset,
    _size: query._size,
    _get_all_results: query._get_all_results,
    _include: query._include,
  };
  return listPage(merged, paging, { filters: [], searchField: 'id' });
}
