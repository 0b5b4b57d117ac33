/**
 * The plugins uploaded to the manager. A bundle is checked as `cairn plugins install` checks it
 * (integrity, signature policy, platform, its plugin YAML, its entry's functions) and installed
 * once into the manager's content-addressed store; each upload is a record of a tenant with a
 * visibility. `plugin:` imports and deployment pins of a tenant see only the records the caller
 * may see, with Cloudify's matching rules (spec §9.5).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkPluginYaml,
  choosePluginYaml,
  highestSatisfying,
  mappedFunctions,
  pluginFunctionsOfPlan,
  type Plan,
  type PlanPlugin,
  type PluginImportRequest,
  type PluginImportResult,
} from '@cairn/dsl';
import { CairnError, InvalidInputError, NotFoundError } from '@cairn/errors';
import {
  checkBundleContents,
  getInstalled,
  installBundle,
  installedEntry,
  installedVersions,
  listInstalled,
  probeFunctions,
  readInstalledPluginYaml,
  removeInstalled,
  resolvePluginImport,
  selectInstalled,
  trustOptions,
  type InstalledPlugin,
  type PluginSelectionRules,
  type ReadBundleOptions,
} from '@cairn/plugin-host';
import type {
  DeploymentPlugin,
  JsonObject,
  ManagerStore,
  PluginRecord,
  Visibility,
} from '@cairn/store';
import { canSee } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

/** Cloudify's matching rules, from the blueprint language. */
const RULES: PluginSelectionRules = { highestSatisfying, choosePluginYaml };

/** Options of {@link PluginCatalog}. */
export interface PluginCatalogOptions {
  readonly directory: ManagerStore;
  /** The content-addressed store bundles are installed into. */
  readonly storeDir: string;
  /** Where trusted signing keys and the signature policy are (`<data>/trusted-keys`). */
  readonly trustDir: string;
  /** Require a trusted signature on every upload (also `CAIRN_REQUIRE_SIGNED_PLUGINS=1`). */
  readonly requireSigned?: boolean;
}

/** What an upload says of itself besides the bundle. */
export interface UploadOptions {
  readonly visibility: Visibility;
  readonly title: string | null;
  readonly archiveName: string;
}

/** The manager's plugins. */
export class PluginCatalog {
  constructor(private readonly options: PluginCatalogOptions) {}

  /** The store bundles are installed in. */
  get storeDir(): string {
    return this.options.storeDir;
  }

  private trust(): ReadBundleOptions {
    const dir = this.options.trustDir;
    const base = trustOptions({ keysDir: dir, policyFile: join(dir, 'policy.json') });
    return this.options.requireSigned === true ? { ...base, requireSignature: true } : base;
  }

  /**
   * Verifies and installs an uploaded bundle and records it for the tenant. Refusals are
   * BUNDLE_INVALID (400) with the diagnostics, or CONFLICT (409) for a version the tenant has;
   * either way nothing is left behind.
   */
  async upload(
    principal: Principal,
    tenant: string,
    file: string,
    options: UploadOptions,
  ): Promise<PluginRecord> {
    const { directory, storeDir } = this.options;
    const known = new Set((await listInstalled(storeDir).catch(() => [])).map((p) => p.id));
    const installed = await installBundle(file, storeDir, this.trust());
    const fresh = !known.has(installed.id);
    try {
      const check = await checkBundleContents(
        {
          label: options.archiveName,
          manifest: installed.manifest,
          yamlByPath: await readInstalledPluginYaml(installed),
          entry: installed.entry,
        },
        { checkPluginYaml, mappedFunctions },
      );
      if (!check.ok) {
        const errors = check.diagnostics.filter((d) => d.severity === 'error');
        const lines = [
          ...errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`),
          ...check.problems,
        ];
        throw new CairnError(
          'BUNDLE_INVALID',
          `The plugin bundle is not valid: ${lines.join('; ')}`,
          {
            details: {
              diagnostics: check.diagnostics.map((d) => ({ ...d })),
              problems: [...check.problems],
            },
          },
        );
      }
      const manifest = installed.manifest;
      const record: PluginRecord = {
        id: randomUUID(),
        tenant,
        visibility: options.visibility,
        created_by: principal.username,
        uploaded_at: new Date().toISOString(),
        package_name: manifest.package_name,
        package_version: manifest.version,
        archive_name: options.archiveName,
        bundle_id: installed.id,
        title: options.title,
        manifest: manifest as unknown as JsonObject,
      };
      // The bundle itself is kept for download, under its sha256 like the installed files.
      await mkdir(this.archivesDir, { recursive: true });
      await copyFile(file, this.archiveOf(installed.id));
      await directory.createPlugin(record);
      return record;
    } catch (error) {
      if (fresh) await this.forgetBundleIfUnused(installed.id);
      throw error;
    }
  }

  /** Removes a bundle from the store when no upload record refers to it any more. */
  async forgetBundleIfUnused(bundleId: string): Promise<void> {
    const users = (await this.options.directory.listPlugins({})).filter(
      (p) => p.bundle_id === bundleId,
    );
    if (users.length === 0) {
      await removeInstalled(this.options.storeDir, bundleId).catch(() => undefined);
      await rm(this.archiveOf(bundleId), { force: true });
    }
  }

  private get archivesDir(): string {
    return join(this.options.storeDir, '..', 'plugin-archives');
  }

  /** Where the uploaded bundle file of an installed bundle is kept. */
  archiveOf(bundleId: string): string {
    return join(this.archivesDir, `${bundleId}.cairn.tgz`);
  }

  /** The upload records the caller, working in `tenant`, may see. */
  async visibleRecords(principal: Principal, tenant: string): Promise<PluginRecord[]> {
    const records = await this.options.directory.listPlugins({ tenant, includeGlobal: true });
    return records.filter((r) => canSee(principal, tenant, r));
  }

  /** The installed bundle of a record. */
  async installed(record: PluginRecord): Promise<InstalledPlugin> {
    try {
      return await getInstalled(this.options.storeDir, record.bundle_id);
    } catch {
      throw new NotFoundError(
        `The bundle of plugin ${record.package_name} ${record.package_version} is missing from the manager's plugin store; upload it again`,
      );
    }
  }

  private async visibleInstalled(principal: Principal, tenant: string): Promise<InstalledPlugin[]> {
    const records = await this.visibleRecords(principal, tenant);
    const bundles = new Map<string, InstalledPlugin>();
    for (const record of records) {
      if (bundles.has(record.bundle_id)) continue;
      const installed = await this.installed(record).catch(() => undefined);
      if (installed !== undefined) bundles.set(record.bundle_id, installed);
    }
    return [...bundles.values()];
  }

  /** Resolves a blueprint's `plugin:NAME?version=…` import among the plugins the caller sees. */
  async resolveImport(
    principal: Principal,
    tenant: string,
    request: PluginImportRequest,
  ): Promise<PluginImportResult> {
    return resolvePluginImport(await this.visibleInstalled(principal, tenant), request, {
      rules: RULES,
      notFoundHint: `upload it to tenant '${tenant}' first: cairn plugins upload BUNDLE`,
    });
  }

  /**
   * The bundles a new deployment of `plan` runs: for each plugin to install with a
   * `package_name`, the highest visible version that fits. Cairn's own plugins (script, file as
   * shipped) need no upload. Every function the plan maps to a pinned bundle must exist in it.
   * Cloudify's `DeploymentPluginNotFound` otherwise (400 deployment_plugin_not_found).
   */
  async pinPlugins(principal: Principal, tenant: string, plan: Plan): Promise<DeploymentPlugin[]> {
    const wanted = new Map<string, PlanPlugin>();
    for (const plugin of [
      ...plan.nodes.flatMap((node) => node.plugins),
      ...Object.values(plan.workflow_plugins_to_install),
    ]) {
      if (plugin.install && plugin.package_name !== null) wanted.set(plugin.name, plugin);
    }
    if (wanted.size === 0) return [];
    const installed = await this.visibleInstalled(principal, tenant);
    const pins: DeploymentPlugin[] = [];
    for (const plugin of wanted.values()) {
      const packageName = plugin.package_name ?? plugin.name;
      const chosen = selectInstalled(
        installed,
        { packageName, version: plugin.package_version ?? undefined },
        RULES,
      );
      if (chosen === undefined) {
        throw new DeploymentPluginNotFound(
          `The blueprint's plugin '${plugin.name}' (package ${packageName}${plugin.package_version === null ? '' : ` ${plugin.package_version}`}) is not uploaded to tenant '${tenant}' (${installedVersions(installed, packageName)})`,
        );
      }
      pins.push({
        name: plugin.name,
        package_name: packageName,
        package_version: chosen.manifest.version,
        bundle_id: chosen.id,
      });
    }
    for (const pin of pins) {
      const functions = pluginFunctionsOfPlan(plan, pin.name);
      const entry = installedEntry(this.options.storeDir, pin.bundle_id);
      if (entry === undefined || functions.length === 0) continue;
      const probe = await probeFunctions(entry.entry, functions);
      const problem = !probe.ok
        ? `its entry module does not load: ${probe.error}`
        : probe.missing.length > 0
          ? `it exports no ${probe.missing.map((fn) => `'${fn}'`).join(', ')}`
          : undefined;
      if (problem !== undefined) {
        throw new InvalidInputError(
          `The blueprint maps operations to plugin '${pin.name}' (${pin.package_name} ${pin.package_version}), but ${problem}.`,
        );
      }
    }
    return pins;
  }
}

/** A blueprint's plugin that is not uploaded: Cloudify's 400 deployment_plugin_not_found. */
export class DeploymentPluginNotFound extends CairnError {
  readonly status = 400;
  readonly errorCode = 'deployment_plugin_not_found';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}
