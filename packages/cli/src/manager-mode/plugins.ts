/**
 * Manager mode's `cairn plugins upload|list|get|delete|download|set-global|set-visibility`:
 * bundles (cairn plugins pack) uploaded to the manager, which verifies and installs them. The
 * authoring commands (init, typegen, pack, keygen, sign, show, validate) stay as in local mode.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ApiClient, Plugin } from '@cairn/api';
import { NotFoundError, UsageError } from '@cairn/errors';
import type { ManagerSession } from './client.js';
import { printFields, printJson, printListing } from './format.js';
import {
  visibilityOption,
  type VisibilityOptions,
  ALL_TENANTS_FLAGS,
  ALL_TENANTS_HELP,
  allTenantsQuery,
  type AllTenantsOptions,
} from './options.js';

/** The plugin `given` names: its id, a unique id prefix, or NAME@VERSION. */
async function findPlugin(client: ApiClient, given: string): Promise<Plugin> {
  const all = (await client.call('listPlugins', { query: { _get_all_results: true } })).items;
  const exact = all.find((p) => p.id === given);
  if (exact !== undefined) return exact;
  const at = given.lastIndexOf('@');
  const matches =
    at > 0
      ? all.filter(
          (p) => p.package_name === given.slice(0, at) && p.package_version === given.slice(at + 1),
        )
      : all.filter((p) => p.id.startsWith(given));
  const only = matches[0];
  if (matches.length === 1 && only !== undefined) return only;
  if (matches.length > 1) {
    throw new UsageError(
      `'${given}' names ${matches.length} plugins (${matches.map((p) => p.id).join(', ')}); give the id.`,
    );
  }
  throw new NotFoundError(
    `There is no plugin '${given}' in tenant ${client.tenant} (cairn plugins list shows them).`,
  );
}

function pluginRow(p: Plugin): string[] {
  return [p.id, p.package_name, p.package_version, p.visibility, p.created_by, p.uploaded_at];
}

/** Adds manager mode's verbs to the `plugins` group. */
export function registerPluginCommands(plugins: Command, session: ManagerSession): void {
  const { output } = session;
  plugins
    .command('upload')
    .argument('<file>', 'the bundle (cairn plugins pack)')
    .description('upload a plugin bundle; the manager verifies and installs it')
    .addOption(visibilityOption('plugin'))
    .option('--title <title>', 'a title to show for it')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn plugins upload acme-widget-plugin-0.1.0-any.cairn.tgz
  $ cairn plugins upload cairn-file-plugin-0.1.0-any.cairn.tgz -l global`,
    )
    .action(async (file: string, options: VisibilityOptions & { title?: string }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(resolve(file));
      } catch (error) {
        throw new UsageError(
          `Cannot read '${file}': ${(error as { code?: string }).code ?? String(error)}.`,
        );
      }
      await session.run(async (client) => {
        const plugin = await client.call('uploadPlugin', {
          query: {
            archive_name: basename(file),
            ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
            ...(options.title === undefined ? {} : { title: options.title }),
          },
          body: new Uint8Array(bytes),
        });
        output.out(plugin.id);
        output.err(
          `${output.style.ok('✔')} Uploaded ${plugin.package_name} ${plugin.package_version} (id ${plugin.id}, visibility ${plugin.visibility}). Blueprints import it with: plugin:${plugin.package_name}`,
        );
      });
    });

  plugins
    .command('list')
    .description('list the plugins uploaded to the manager')
    .option(ALL_TENANTS_FLAGS, ALL_TENANTS_HELP)
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean } & AllTenantsOptions) => {
      await session.run(async (client) => {
        const list = await client.call('listPlugins', {
          query: { _get_all_results: true, ...allTenantsQuery(options) },
        });
        printListing(output, options, list.items, {
          none: 'No plugins (cairn plugins upload FILE).',
          headers: ['ID', 'PACKAGE', 'VERSION', 'VISIBILITY', 'UPLOADED BY', 'UPLOADED'],
          row: pluginRow,
        });
      });
    });

  plugins
    .command('get')
    .argument('<id>', 'its id (or a unique prefix), or NAME@VERSION')
    .description('show an uploaded plugin')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await session.run(async (client) => {
        const p = await findPlugin(client, id);
        if (options.json === true) {
          printJson(output, p);
          return;
        }
        printFields(output, [
          ['id', p.id],
          ['package', `${p.package_name} ${p.package_version}`],
          ['plugin', p.plugin_name],
          ['platform', p.supported_platform],
          ['archive', p.archive_name],
          ['yaml', p.yaml_files_paths.join(', ')],
          ['import', `plugin:${p.package_name}`],
          ['visibility', p.visibility],
          ['tenant', p.tenant_name],
          ['uploaded', `${p.uploaded_at} by ${p.created_by}`],
          ['bundle', p.bundle_id],
        ]);
      });
    });

  plugins
    .command('delete')
    .argument('<id>', 'its id (or a unique prefix), or NAME@VERSION')
    .description('delete an uploaded plugin (refused while a deployment is pinned to it)')
    .option('-f, --force', 'delete it even so (those deployments can no longer run it)')
    .action(async (id: string, options: { force?: boolean }) => {
      await session.run(async (client) => {
        const p = await findPlugin(client, id);
        await client.call('deletePlugin', {
          params: { id: p.id },
          body: { force: options.force === true },
        });
        output.err(`Deleted ${p.package_name} ${p.package_version} (${p.id}).`);
      });
    });

  plugins
    .command('download')
    .argument('<id>', 'its id (or a unique prefix), or NAME@VERSION')
    .description("download a plugin's bundle")
    .option('-o, --output <file>', 'where to write it (default: its archive name)')
    .action(async (id: string, options: { output?: string }) => {
      await session.run(async (client) => {
        const p = await findPlugin(client, id);
        const bytes = (await client.call('downloadPlugin', { params: { id: p.id } })) as unknown;
        const file = resolve(options.output ?? p.archive_name);
        writeFileSync(file, typeof bytes === 'string' ? bytes : (bytes as Uint8Array));
        output.out(file);
        output.err(
          `${output.style.ok('✔')} Downloaded ${p.package_name} ${p.package_version} to ${file}.`,
        );
      });
    });

  plugins
    .command('set-global')
    .argument('<id>', 'its id (or a unique prefix), or NAME@VERSION')
    .description('make a plugin visible to every tenant (sys_admin; cannot be undone)')
    .action(async (id: string) => {
      await session.run(async (client) => {
        const p = await findPlugin(client, id);
        await client.call('setPluginVisibility', {
          params: { id: p.id },
          body: { visibility: 'global' },
        });
        output.err(`${output.style.ok('✔')} ${p.package_name} ${p.package_version} is global.`);
      });
    });

  plugins
    .command('set-visibility')
    .argument('<id>', 'its id (or a unique prefix), or NAME@VERSION')
    .description("widen a plugin's visibility (private → tenant → global)")
    .addOption(visibilityOption('plugin').makeOptionMandatory())
    .action(async (id: string, options: VisibilityOptions) => {
      await session.run(async (client) => {
        const p = await findPlugin(client, id);
        const visibility = options.visibility ?? 'tenant';
        await client.call('setPluginVisibility', { params: { id: p.id }, body: { visibility } });
        output.err(
          `${output.style.ok('✔')} ${p.package_name} ${p.package_version} is ${visibility}.`,
        );
      });
    });
}
