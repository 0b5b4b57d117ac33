/**
 * What every route module works with: the directory, the tenants' engines, the secret vault,
 * the plugin catalog, the blueprint files and the execution queue.
 */
import type { ManagerStore, ResourceKind } from '@cairn/store';
import type { BlueprintFiles } from '../blueprints/blueprint-files.js';
import type { PluginCatalog } from '../plugins/plugin-catalog.js';
import type { ExecutionQueue } from '../runtime/execution-queue.js';
import type { SecretVault } from '../runtime/secret-vault.js';
import type { TenantRuntimes } from '../runtime/tenant-runtimes.js';
import type { Metrics } from '../http/metrics.js';

/** The manager's parts, as route handlers see them. */
export interface ManagerContext {
  readonly directory: ManagerStore;
  readonly runtimes: TenantRuntimes;
  readonly vault: SecretVault;
  readonly plugins: PluginCatalog;
  readonly blueprints: BlueprintFiles;
  readonly queue: ExecutionQueue;
  readonly metrics: Metrics;
  readonly version: string;
  /** Lifetime of new tokens, in seconds. */
  readonly tokenTtlSeconds: number;
  /** Call after any change to users, memberships or tokens: cached callers are forgotten. */
  accountsChanged(): void;
  /** ConflictError when another tenant has a resource of that kind and id (global ids are unique). */
  requireGloballyUnique(kind: ResourceKind, id: string, tenant: string): Promise<void>;
}

/** Now, as stored timestamps are. */
export function now(): string {
  return new Date().toISOString();
}
