/**
 * Manager mode's `cairn blueprints upload|list|get|delete|download` (`validate` and `plan` parse
 * on this machine, as in local mode).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ApiClient, Blueprint, Visibility } from '@cairn/api';
import { summarizeDiagnostics } from '@cairn/dsl';
import { isCairnError } from '@cairn/errors';
import { defaultBlueprintId } from '../commands/local-commands.js';
import { EXIT } from '../exit-codes.js';
import { cairnHome } from '../local/local-profile.js';
import { blueprintArchive, blueprintForm, blueprintSource } from './blueprint-archive.js';
import type { ManagerSession } from './client.js';
import { diagnosticsOf, printDiagnostics, printFields, printJson, printListing } from './format.js';
import {
  visibilityOption,
  type VisibilityOptions,
  ALL_TENANTS_FLAGS,
  ALL_TENANTS_HELP,
  allTenantsQuery,
  type AllTenantsOptions,
} from './options.js';

/**
 * Uploads the blueprint at `path` as `id`. When the manager finds it invalid, prints its
 * diagnostics against the files here, sets the exit status and returns undefined.
 */
export async function uploadBlueprint(
  session: ManagerSession,
  client: ApiClient,
  request: { readonly path: string; readonly id: string; readonly visibility?: Visibility },
): Promise<Blueprint | undefined> {
  const { output } = session;
  const source = blueprintSource(request.path);
  const archive = await blueprintArchive(source.folder, cairnHome());
  try {
    return await client.call('uploadBlueprint', {
      params: { id: request.id },
      body: blueprintForm(archive, {
        application_file_name: source.mainFile,
        ...(request.visibility === undefined ? {} : { visibility: request.visibility }),
      }),
    });
  } catch (error) {
    const diagnostics = diagnosticsOf(error);
    if (!isCairnError(error) || error.code !== 'BLUEPRINT_INVALID' || diagnostics === undefined) {
      throw error;
    }
    printDiagnostics(output, diagnostics, source.folder);
    output.err(
      `${output.style.error('✖')} ${request.path} is not valid: ${summarizeDiagnostics(diagnostics)}.`,
    );
    session.state.status = EXIT.FAILED;
    return undefined;
  }
}

function firstLine(text: string | null | undefined): string {
  return text?.trim().split('\n')[0] ?? '';
}

/** Adds manager mode's verbs to the `blueprints` group. */
export function registerBlueprintCommands(blueprints: Command, session: ManagerSession): void {
  const { output } = session;
  blueprints
    .command('upload')
    .argument('<path>', 'the blueprint file (or a directory holding blueprint.yaml)')
    .description('upload a blueprint with its folder to the manager, which validates it')
    .option('-b, --blueprint-id <id>', 'the blueprint id (default: the blueprint folder name)')
    .addOption(visibilityOption('blueprint'))
    .addHelpText(
      'after',
      `
The blueprint's folder is sent as a tar.gz (without .git, node_modules and .cairn). The
manager parses it: plugin: imports resolve against the plugins uploaded to it.

Examples:
  $ cairn blueprints upload my-app/ -b my-app
  $ cairn blueprints upload app/blueprint.yaml -b app -l global`,
    )
    .action(async (path: string, options: VisibilityOptions & { blueprintId?: string }) => {
      await session.run(async (client) => {
        const id = options.blueprintId ?? defaultBlueprintId(path);
        const uploaded = await uploadBlueprint(session, client, {
          path,
          id,
          ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
        });
        if (uploaded === undefined) return;
        output.out(uploaded.id);
        output.err(
          `${output.style.ok('✔')} Uploaded the blueprint '${uploaded.id}' to tenant ${uploaded.tenant_name} (visibility ${uploaded.visibility}).`,
        );
      });
    });

  blueprints
    .command('list')
    .description("list the manager's blueprints")
    .option(ALL_TENANTS_FLAGS, ALL_TENANTS_HELP)
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean } & AllTenantsOptions) => {
      await session.run(async (client) => {
        const list = await client.call('listBlueprints', {
          query: { _get_all_results: true, ...allTenantsQuery(options) },
        });
        printListing(output, options, list.items, {
          none: 'No blueprints.',
          headers: ['ID', 'VISIBILITY', 'CREATED BY', 'CREATED', 'DESCRIPTION'],
          row: (b) => [b.id, b.visibility, b.created_by, b.created_at, firstLine(b.description)],
          // The plans are long: `blueprints get ID --json` shows one.
          json: (b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== 'plan')),
        });
      });
    });

  blueprints
    .command('get')
    .argument('<id>', 'the blueprint id')
    .description('show a blueprint (--json: with its plan)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await session.run(async (client) => {
        const b = await client.call('getBlueprint', { params: { id } });
        if (options.json === true) {
          printJson(output, b);
          return;
        }
        const plan = b.plan as {
          nodes?: unknown[];
          inputs?: Record<string, unknown>;
          workflows?: Record<string, unknown>;
        };
        printFields(output, [
          ['id', b.id],
          ['main file', b.main_file_name],
          ['description', firstLine(b.description) || '-'],
          ['state', b.state],
          ['visibility', b.visibility],
          ['tenant', b.tenant_name],
          ['created', `${b.created_at} by ${b.created_by}`],
          ['node templates', String(plan.nodes?.length ?? 0)],
          ['inputs', Object.keys(plan.inputs ?? {}).join(', ') || '-'],
          ['workflows', Object.keys(plan.workflows ?? {}).join(', ') || '-'],
        ]);
      });
    });

  blueprints
    .command('delete')
    .argument('<id>', 'the blueprint id')
    .description('delete a blueprint (refused while a deployment uses it)')
    .option('-f, --force', 'delete it even so')
    .action(async (id: string, options: { force?: boolean }) => {
      await session.run(async (client) => {
        await client.call('deleteBlueprint', {
          params: { id },
          query: { force: options.force === true },
        });
        output.err(`Deleted the blueprint '${id}'.`);
      });
    });

  blueprints
    .command('download')
    .argument('<id>', 'the blueprint id')
    .description("download a blueprint's files as a tar.gz")
    .option('-o, --output <file>', 'where to write it (default: <id>.tar.gz)')
    .action(async (id: string, options: { output?: string }) => {
      await session.run(async (client) => {
        const bytes = (await client.call('downloadBlueprint', { params: { id } })) as unknown;
        const file = resolve(options.output ?? `${id}.tar.gz`);
        writeFileSync(file, typeof bytes === 'string' ? bytes : (bytes as Uint8Array));
        output.out(file);
        output.err(`${output.style.ok('✔')} Downloaded the blueprint '${id}' to ${file}.`);
      });
    });
}
