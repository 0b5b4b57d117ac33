/**
 * Options and arguments manager-mode commands share.
 */
import { Option } from 'commander';
import type { ApiClient, Visibility } from '@cairn/api';
import { UsageError } from '@cairn/errors';

/** Appends a repeated option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `-l, --visibility <visibility>`: private, tenant, and global where the resource may be. */
export function visibilityOption(what: string, global = true): Option {
  return new Option(
    '-l, --visibility <visibility>',
    `who may see the ${what}: private, tenant (the default)${global ? ' or global (admins only)' : ''}`,
  ).choices(global ? ['private', 'tenant', 'global'] : ['private', 'tenant']);
}

/** The visibility parsed by {@link visibilityOption}. */
export type VisibilityOptions = { readonly visibility?: Visibility };

/**
 * The deployment a command works on: the argument, else `-d`, else the tenant's only
 * deployment (as local mode picks it).
 */
export async function chooseDeployment(
  client: ApiClient,
  given: string | undefined,
  option: string | undefined,
): Promise<string> {
  if (given !== undefined && option !== undefined && given !== option) {
    throw new UsageError(`Give the deployment once: '${given}' or -d ${option}.`);
  }
  const id = given ?? option;
  if (id !== undefined) return id;
  const all = await client.call('listDeployments', { query: { _include: 'id' } });
  const only = all.items[0]?.id;
  if (all.items.length === 1 && only !== undefined) return only;
  if (all.items.length === 0) {
    throw new UsageError(
      `There are no deployments in tenant ${client.tenant}. Create one with cairn install PATH.`,
    );
  }
  throw new UsageError(
    `There are ${all.items.length} deployments (${all.items.map((d) => d.id ?? '?').join(', ')}); say which one.`,
  );
}

/** `-a, --all-tenants`: a list over every tenant the caller may list in (as `cfy … list -a`). */
export const ALL_TENANTS_FLAGS = '-a, --all-tenants';
/** The help text of {@link ALL_TENANTS_FLAGS}. */
export const ALL_TENANTS_HELP = 'from every tenant you may list in, not only the current one';

/** The option {@link ALL_TENANTS_FLAGS} gives. */
export type AllTenantsOptions = { readonly allTenants?: boolean };

/** The query parameter for {@link ALL_TENANTS_FLAGS}. */
export function allTenantsQuery(options: AllTenantsOptions): { _all_tenants?: true } {
  return options.allTenants === true ? { _all_tenants: true } : {};
}
