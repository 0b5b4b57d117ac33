/**
 * Plugins: upload (a Cairn bundle, verified and installed), list, get, delete (refused while a
 * deployment is pinned to it, unless forced), the bundle and its YAML for download, and
 * visibility.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Plugin } from '@cairn/api';
import { choosePluginYaml } from '@cairn/dsl';
import { InvalidInputError, NotFoundError } from '@cairn/errors';
import type { BundleManifest } from '@cairn/plugin-host';
import type { PluginRecord } from '@cairn/store';
import {
  checkVisibilityChange,
  newVisibility,
  requireChangeable,
  requireVisible,
} from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { listPage } from '../http/list.js';
import type { ManagerContext } from './context.js';
import { refusal } from './refusal.js';
import { owned } from './views.js';

type PluginHandlers = Pick<
  Handlers,
  | 'listPlugins'
  | 'getPlugin'
  | 'uploadPlugin'
  | 'deletePlugin'
  | 'downloadPlugin'
  | 'pluginYaml'
  | 'setPluginVisibility'
>;

function manifestOf(record: PluginRecord): BundleManifest {
  return record.manifest as unknown as BundleManifest;
}

/** A plugin as Cloudify's REST API shows one (spec §9.2). */
export function pluginView(record: PluginRecord): Plugin {
  const manifest = manifestOf(record);
  const platform = manifest.supported_platform;
  return {
    id: record.id,
    package_name: record.package_name,
    package_version: record.package_version,
    archive_name: record.archive_name,
    package_source: null,
    supported_platform: platform === 'any' ? 'any' : `${platform.os}_${platform.arch}`,
    distribution: null,
    distribution_version: null,
    distribution_release: null,
    wheels: [],
    excluded_wheels: [],
    supported_py_versions: [],
    uploaded_at: record.uploaded_at,
    title: record.title,
    yaml_url_path: `plugin:${record.package_name}?version=${record.package_version}`,
    yaml_files_paths: [...manifest.plugin_yaml],
    blueprint_labels: {},
    labels: {},
    resource_tags: {},
    installation_state: [],
    bundle_id: record.bundle_id,
    plugin_name: manifest.plugin_name,
    ...owned(record),
  };
}

/** A bundle's file name: what the upload said, else `<package>-<version>.cairn.tgz`. */
function archiveName(given: string | undefined, fallback: string): string {
  const name = (given ?? '').split(/[\\/]/).pop() ?? '';
  return /^[A-Za-z0-9_.@+-]{1,200}$/.test(name) ? name : fallback;
}

/** The plugin routes. */
export function pluginHandlers(ctx: ManagerContext): PluginHandlers {
  const { directory, plugins } = ctx;

  async function visiblePlugin(
    principal: Principal,
    tenant: string,
    id: string,
  ): Promise<PluginRecord> {
    const record = await directory.getPlugin(id);
    requireVisible(principal, tenant, record, `Plugin '${id}'`);
    return record;
  }

  /** The deployments (as `tenant/id`) pinned to a bundle, in the tenants that could use it. */
  async function pinnedBy(record: PluginRecord): Promise<string[]> {
    const tenants =
      record.visibility === 'global'
        ? (await directory.listTenants()).map((t) => t.name)
        : [record.tenant];
    const users: string[] = [];
    for (const tenant of tenants) {
      const runtime = await ctx.runtimes.get(tenant);
      for (const deployment of await runtime.store.listDeploymentSummaries()) {
        if (deployment.plugins.some((p) => p.bundle_id === record.bundle_id)) {
          users.push(`${tenant}/${deployment.id}`);
        }
      }
    }
    return users;
  }

  return {
    listPlugins: async ({ principal, tenant, query }) => {
      const views = (await plugins.visibleRecords(principal, tenant)).map(pluginView);
      return listPage(views, query, {
        filters: ['id', 'package_name', 'package_version', 'visibility'],
        searchField: 'package_name',
      });
    },
    getPlugin: async ({ principal, tenant, params }) =>
      pluginView(await visiblePlugin(principal, tenant, params.id)),
    uploadPlugin: async ({ principal, tenant, query, upload }) => {
      if (upload === undefined || upload.size === 0) {
        throw new InvalidInputError('The plugin bundle is missing: send its bytes as the body');
      }
      const visibility = newVisibility(principal, query);
      const record = await plugins.upload(principal, tenant, upload.path, {
        visibility,
        title: query.title ?? null,
        archiveName: archiveName(query.archive_name, 'plugin.cairn.tgz'),
      });
      return pluginView(
        record.archive_name === 'plugin.cairn.tgz'
          ? {
              ...record,
              archive_name: `${record.package_name}-${record.package_version}.cairn.tgz`,
            }
          : record,
      );
    },
    deletePlugin: async ({ principal, tenant, params, body }) => {
      const record = await visiblePlugin(principal, tenant, params.id);
      requireChangeable(principal, tenant, record, `Plugin '${params.id}'`);
      const users = await pinnedBy(record);
      if (users.length > 0 && body?.force !== true) {
        throw refusal(
          405,
          'plugin_in_use',
          `Plugin ${record.package_name} ${record.package_version} is used by deployment(s) ${users.join(', ')}; delete them first, or delete with force`,
        );
      }
      await directory.deletePlugin(record.id);
      await plugins.forgetBundleIfUnused(record.bundle_id);
    },
    downloadPlugin: async ({ principal, tenant, params, reply }) => {
      const record = await visiblePlugin(principal, tenant, params.id);
      const file = plugins.archiveOf(record.bundle_id);
      const bytes = await readFile(file).catch(() => {
        throw new NotFoundError(`The bundle of plugin '${params.id}' is missing from the store`);
      });
      void reply
        .header('Content-Type', 'application/gzip')
        .header('Content-Disposition', `attachment; filename=${record.archive_name}`)
        .header('Content-Length', (await stat(file)).size);
      return bytes;
    },
    pluginYaml: async ({ principal, tenant, params, query, reply }) => {
      const record = await visiblePlugin(principal, tenant, params.id);
      const installed = await plugins.installed(record);
      const names = installed.pluginYamlFiles.map((f) => f.slice(f.lastIndexOf('/') + 1));
      const requested = (query.dsl_version ?? '1_5').replace(/^cloudify_dsl_/, '');
      const minor = /^1_(\d+)$/.exec(requested);
      if (minor === null) {
        throw new InvalidInputError(`dsl_version must look like 1_4, not '${requested}'`);
      }
      const chosen = choosePluginYaml(names, Number(minor[1]));
      const file = installed.pluginYamlFiles.find((f) => f.endsWith(`/${chosen ?? ''}`));
      if (chosen === undefined || file === undefined) {
        throw new NotFoundError(`Plugin '${params.id}' has no YAML for DSL ${requested}`);
      }
      const text = await readFile(file, 'utf8');
      void reply
        .header('Content-Type', 'text/yaml; charset=utf-8')
        .header('Content-Disposition', `attachment; filename=${chosen}`)
        .header('Content-Length', Buffer.byteLength(text));
      return text;
    },
    setPluginVisibility: async ({ principal, tenant, params, body }) => {
      const record = await visiblePlugin(principal, tenant, params.id);
      requireChangeable(principal, tenant, record, `Plugin '${params.id}'`);
      checkVisibilityChange(principal, record.visibility, body.visibility, `Plugin '${params.id}'`);
      return pluginView(await directory.setPluginVisibility(record.id, body.visibility));
    },
  };
}
