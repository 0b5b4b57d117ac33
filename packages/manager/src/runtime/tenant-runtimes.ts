/**
 * One engine per tenant, each over the tenant's own store and with its own worker processes,
 * opened when the tenant is first used. The engine and plugin host are the ones local mode uses:
 * the manager adds no workflow logic of its own.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type Executor } from '@cairn/engine';
import {
  createLocalExecutor,
  installedEntry,
  pluginAt,
  type ResolvedPlugin,
} from '@cairn/plugin-host';
import { InvalidInputError } from '@cairn/errors';
import type { ManagerStore, Store } from '@cairn/store';
import type { ManagerDatabases } from '../storage/database.js';
import { DeploymentIndex } from './deployment-index.js';
import type { SecretVault } from './secret-vault.js';

/** A tenant's open engine. */
export interface TenantRuntime {
  readonly tenant: string;
  readonly store: Store;
  readonly engine: Engine;
  readonly executor: Executor;
  /** The tenant's deployments, summarised for lists. */
  readonly deployments: DeploymentIndex;
}

/** What a tenant name may be: the API's resource ids (no `/`, no leading `.`). */
const TENANT_NAME = /^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,255}$/;

/** Cairn's own first-party plugins (`<repo>/plugins/<name>`), found from this file. */
function bundledPluginsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'plugins');
}

/** The SDK worker runtime for plugins that carry none of their own. */
function fallbackRuntime(): string {
  return fileURLToPath(import.meta.resolve('@cairn/plugin-sdk/worker'));
}

/** Options of {@link TenantRuntimes}. */
export interface TenantRuntimesOptions {
  readonly databases: ManagerDatabases;
  readonly directory: ManagerStore;
  readonly vault: SecretVault;
  /** The manager's content-addressed plugin store. */
  readonly pluginStore: string;
  /** Where plugin workdirs go: `<workRoot>/<tenant>/…`. */
  readonly workRoot: string;
  /** Most worker processes per plugin and tenant. */
  readonly maxWorkersPerPlugin?: number;
}

/** The open tenant engines. */
export class TenantRuntimes {
  private readonly open = new Map<string, Promise<TenantRuntime>>();

  constructor(private readonly options: TenantRuntimesOptions) {}

  /**
   * The tenant's runtime, opened on first use. The name must be a tenant's (the routes check it
   * exists); one that could leave the tenants' folder is refused outright.
   */
  get(tenant: string): Promise<TenantRuntime> {
    if (!TENANT_NAME.test(tenant)) {
      return Promise.reject(new InvalidInputError(`'${tenant}' is not a valid tenant name`));
    }
    let runtime = this.open.get(tenant);
    if (runtime === undefined) {
      runtime = this.start(tenant);
      this.open.set(tenant, runtime);
      runtime.catch(() => this.open.delete(tenant));
    }
    return runtime;
  }

  /** The tenants opened so far. */
  opened(): string[] {
    return [...this.open.keys()];
  }

  private async start(tenant: string): Promise<TenantRuntime> {
    const { databases, vault, pluginStore, workRoot } = this.options;
    const store = await databases.openTenantStore(tenant);
    const blueprintDirs = async (): Promise<string[]> =>
      (await store.listBlueprints()).map((bp) => bp.resources_path);
    let knownBlueprintDirs = await blueprintDirs();
    const executor = createLocalExecutor({
      fallbackRuntime: fallbackRuntime(),
      spareWorkers: 0,
      ...(this.options.maxWorkersPerPlugin === undefined
        ? {}
        : { maxWorkersPerPlugin: this.options.maxWorkersPerPlugin }),
      resolvePlugin: (plugin): ResolvedPlugin | undefined => {
        // A deployment pinned to an uploaded bundle runs exactly that bundle, or nothing.
        if (plugin.bundle_id !== null) {
          const pinned = installedEntry(pluginStore, plugin.bundle_id);
          if (pinned === undefined) {
            throw new Error(
              `the plugin bundle ${plugin.bundle_id.slice(0, 12)} this deployment is pinned to was deleted from the manager; upload it again`,
            );
          }
          return pinned;
        }
        // Otherwise a plugin shipped inside the blueprint, or one of Cairn's own.
        const candidates = [
          ...knownBlueprintDirs.map((dir) => join(dir, 'plugins', plugin.name)),
          join(bundledPluginsDir(), plugin.name),
        ];
        for (const dir of candidates) {
          const found = existsSync(dir) ? pluginAt(dir) : undefined;
          if (found !== undefined) return found;
        }
        return undefined;
      },
    });
    const engine = createEngine({
      store,
      executor,
      tenant,
      workdir: join(workRoot, tenant),
      secrets: vault.sourceFor(tenant),
    });
    const deployments = await DeploymentIndex.load(
      store,
      await this.options.directory.listResources({ tenant, kind: 'deployment' }),
    );
    const runtime: TenantRuntime & { refresh(): Promise<void> } = {
      tenant,
      store,
      engine,
      executor,
      deployments,
      async refresh() {
        knownBlueprintDirs = await blueprintDirs();
      },
    };
    this.refreshers.set(tenant, () => runtime.refresh());
    return runtime;
  }

  private readonly refreshers = new Map<string, () => Promise<void>>();

  /** Re-reads which blueprint folders may ship plugins (after an upload or a delete). */
  async blueprintsChanged(tenant: string): Promise<void> {
    await this.refreshers.get(tenant)?.();
  }

  /** Stops every tenant's workers and closes their stores. */
  async close(): Promise<void> {
    const runtimes = await Promise.allSettled(this.open.values());
    this.open.clear();
    for (const result of runtimes) {
      if (result.status !== 'fulfilled') continue;
      await result.value.executor.close();
      await result.value.store.close();
    }
  }
}
