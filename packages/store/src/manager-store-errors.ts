/**
 * The refusals every {@link ManagerStore} gives, with the same messages and details whatever the
 * database: the conformance suite holds both implementations to them, and callers (the manager's
 * REST edge) read the details. Messages name the thing as a user would: `Tenant "acme" already
 * exists`, `Secret "db_password" of tenant "acme" does not exist`.
 */
import { ConflictError, NotFoundError } from '@cairn/errors';
import type { ResourceKind, Visibility } from './manager-store.js';

function quote(name: string): string {
  return JSON.stringify(name);
}

/**
 * How much of a token digest messages show: enough to tell tokens apart in a log, without
 * printing the whole lookup key of a credential.
 */
const DIGEST_SHOWN = 12;

function tokenLabel(digest: string): string {
  const shown = digest.length > DIGEST_SHOWN ? `${digest.slice(0, DIGEST_SHOWN)}…` : digest;
  return `API token ${quote(shown)}`;
}

const RESOURCE_LABELS: Record<ResourceKind, string> = {
  blueprint: 'Blueprint',
  deployment: 'Deployment',
  execution: 'Execution',
};

/** `Blueprint`, `Deployment`, `Execution` (a kind that is none is shown as given). */
function resourceLabel(kind: ResourceKind): string {
  // Undefined for a kind from a caller that bypassed the types; the database refuses it later.
  const label: string | undefined = RESOURCE_LABELS[kind];
  return label ?? kind;
}

/** `Deployment "d1" of tenant "acme"`: a resource, for messages. */
export function describeResource(tenant: string, kind: ResourceKind, id: string): string {
  return `${resourceLabel(kind)} ${quote(id)} of tenant ${quote(tenant)}`;
}

// Missing records

/** `Tenant "acme" does not exist`. */
export function missingTenant(name: string): NotFoundError {
  return new NotFoundError(`Tenant ${quote(name)} does not exist`, { details: { tenant: name } });
}

/** `User "alice" does not exist`. */
export function missingUser(username: string): NotFoundError {
  return new NotFoundError(`User ${quote(username)} does not exist`, { details: { username } });
}

/** A user who is not a member of a tenant. */
export function notAMember(tenant: string, username: string): NotFoundError {
  return new NotFoundError(`User ${quote(username)} is not a member of tenant ${quote(tenant)}`, {
    details: { tenant, username },
  });
}

/** A token looked up by digest that is not there. */
export function missingToken(digest: string): NotFoundError {
  return new NotFoundError(`${tokenLabel(digest)} does not exist`, {
    details: { digest: digest.slice(0, DIGEST_SHOWN) },
  });
}

/** `Secret "k" of tenant "acme" does not exist`. */
export function missingSecret(tenant: string, key: string): NotFoundError {
  return new NotFoundError(`Secret ${quote(key)} of tenant ${quote(tenant)} does not exist`, {
    details: { tenant, key },
  });
}

/** `Plugin "id" does not exist`. */
export function missingPlugin(id: string): NotFoundError {
  return new NotFoundError(`Plugin ${quote(id)} does not exist`, { details: { plugin_id: id } });
}

/** `Deployment "d1" of tenant "acme" does not exist`. */
export function missingResource(tenant: string, kind: ResourceKind, id: string): NotFoundError {
  return new NotFoundError(`${describeResource(tenant, kind, id)} does not exist`, {
    details: { tenant, kind, id },
  });
}

/** The tenant a new record (a secret, a plugin, a resource) would belong to is not there. */
export function missingOwnerTenant(tenant: string, record: string): NotFoundError {
  return new NotFoundError(`Tenant ${quote(tenant)} of ${record} does not exist`, {
    details: { tenant },
  });
}

/** The user a new token would belong to is not there. */
export function missingTokenUser(username: string): NotFoundError {
  return new NotFoundError(`User ${quote(username)} of the new API token does not exist`, {
    details: { username },
  });
}

// Duplicates

/** `Tenant "acme" already exists`. */
export function tenantExists(name: string): ConflictError {
  return new ConflictError(`Tenant ${quote(name)} already exists`, { details: { tenant: name } });
}

/** `User "alice" already exists`. */
export function userExists(username: string): ConflictError {
  return new ConflictError(`User ${quote(username)} already exists`, { details: { username } });
}

/** A token whose digest is stored already. */
export function tokenExists(digest: string): ConflictError {
  return new ConflictError(`${tokenLabel(digest)} already exists`, {
    details: { digest: digest.slice(0, DIGEST_SHOWN) },
  });
}

/** `API token id "k3x9" already exists`: a public id that is taken. */
export function tokenIdExists(id: string): ConflictError {
  return new ConflictError(`API token id ${quote(id)} already exists`, { details: { id } });
}

/** `Secret "k" already exists in tenant "acme"`. */
export function secretExists(tenant: string, key: string): ConflictError {
  return new ConflictError(`Secret ${quote(key)} already exists in tenant ${quote(tenant)}`, {
    details: { tenant, key },
  });
}

/** A plugin id that is taken (ids are the manager's, unique across tenants). */
export function pluginIdTaken(id: string, tenant: string): ConflictError {
  return new ConflictError(`Plugin ${quote(id)} already exists (in tenant ${quote(tenant)})`, {
    details: { plugin_id: id, tenant },
  });
}

/** A second upload of a package version to one tenant (Cloudify's rule, spec §9.2). */
export function pluginVersionExists(
  plugin: {
    readonly tenant: string;
    readonly package_name: string;
    readonly package_version: string;
  },
  existingId: string,
): ConflictError {
  const { tenant, package_name, package_version } = plugin;
  return new ConflictError(
    `Tenant ${quote(tenant)} already has plugin ${quote(package_name)} version ` +
      `${quote(package_version)} (id ${quote(existingId)}); delete it first to upload it again`,
    { details: { tenant, package_name, package_version, plugin_id: existingId } },
  );
}

/** `Deployment "d1" already exists in tenant "acme"`. */
export function resourceExists(tenant: string, kind: ResourceKind, id: string): ConflictError {
  return new ConflictError(
    `${resourceLabel(kind)} ${quote(id)} already exists in tenant ${quote(tenant)}`,
    { details: { tenant, kind, id } },
  );
}

// Records in use, rules broken

/** How many records of each kind a tenant still has. */
export interface TenantContents {
  readonly secrets: number;
  readonly plugins: number;
  readonly blueprints: number;
  readonly deployments: number;
  readonly executions: number;
}

/** `2 secrets`, `1 plugin`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * A tenant deleted while it has secrets, plugins or resources: `Tenant "acme" still has 1 secret
 * and 2 deployments; delete them first`. Undefined when it has none.
 */
export function tenantInUse(name: string, contents: TenantContents): ConflictError | undefined {
  const parts = (
    [
      [contents.secrets, 'secret'],
      [contents.plugins, 'plugin'],
      [contents.blueprints, 'blueprint'],
      [contents.deployments, 'deployment'],
      [contents.executions, 'execution'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, noun]) => count(n, noun));
  if (parts.length === 0) return undefined;
  const listed =
    parts.length === 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return new ConflictError(`Tenant ${quote(name)} still has ${listed}; delete them first`, {
    details: { tenant: name, ...contents },
  });
}

const BREADTH: Record<Visibility, number> = { private: 0, tenant: 1, global: 2 };

/**
 * Refuses narrowing a visibility (spec §9.4: only widened, `global` is final): others may already
 * rely on seeing the record. Undefined when `wanted` is as wide as `current` or wider.
 *
 * @param thing - what the record is, for the message: `Plugin "p1"`
 */
export function visibilityNarrowed(
  thing: string,
  current: Visibility,
  wanted: Visibility,
): ConflictError | undefined {
  // A value that is no visibility at all is left to the database, which refuses it as invalid.
  const breadth = BREADTH[wanted] as number | undefined;
  if (breadth === undefined || breadth >= BREADTH[current]) return undefined;
  return new ConflictError(
    `${thing} is ${current}; its visibility can only be widened, not set to ${quote(wanted)}`,
    { details: { visibility: current, requested_visibility: wanted } },
  );
}
