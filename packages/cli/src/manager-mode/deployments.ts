/**
 * Manager mode's `cairn deployments create|list|get|delete|inputs|outputs|capabilities`.
 */
import type { Command } from 'commander';
import type { ApiClient, Deployment } from '@cairn/api';
import { parseInputs } from '../inputs.js';
import type { ManagerSession } from './client.js';
import { printFields, printJson, printListing } from './format.js';
import {
  chooseDeployment,
  collect,
  visibilityOption,
  type VisibilityOptions,
  ALL_TENANTS_FLAGS,
  ALL_TENANTS_HELP,
  allTenantsQuery,
  type AllTenantsOptions,
} from './options.js';

/** A deployment's inputs with the values of inputs its blueprint declares hidden masked. */
async function shownInputs(
  client: ApiClient,
  deployment: Partial<Deployment>,
): Promise<Record<string, unknown>> {
  const inputs = deployment.inputs ?? {};
  if (deployment.blueprint_id === undefined) return inputs;
  let declared: Record<string, { hidden?: unknown } | undefined> = {};
  try {
    const blueprint = await client.call('getBlueprint', {
      params: { id: deployment.blueprint_id },
    });
    declared = (blueprint.plan.inputs ?? {}) as typeof declared;
  } catch {
    // Without the blueprint (deleted, or not visible), nothing is known to be hidden.
  }
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, declared[k]?.hidden === true ? '<hidden>' : v]),
  );
}

/** Registers manager mode's `deployments` group. */
export function registerDeploymentCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const deployments = program
    .command('deployments')
    .description('create, list and delete deployments; show their inputs, outputs and capabilities')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn deployments create hello-1 -b hello -i name=world
  $ cairn deployments list
  $ cairn deployments outputs hello-1 --json`,
    );

  deployments
    .command('create')
    .argument('<deployment-id>', 'the new deployment id')
    .description('create a deployment of an uploaded blueprint')
    .requiredOption('-b, --blueprint-id <id>', 'the blueprint')
    .option(
      '-i, --inputs <file|key=value>',
      'deployment inputs: a YAML/JSON file, or key=value pairs separated by ";" (repeatable)',
      collect,
    )
    .addOption(visibilityOption('deployment', false))
    .option('--skip-plugins-validation', 'create it even when a plugin it needs is not uploaded')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn deployments create hello-1 -b hello
  $ cairn deployments create app-eu -b app -i inputs.yaml -i 'region=eu-west-1;size=2'`,
    )
    .action(
      async (
        id: string,
        options: VisibilityOptions & {
          blueprintId: string;
          inputs?: string[];
          skipPluginsValidation?: boolean;
        },
      ) => {
        const inputs = parseInputs(options.inputs ?? []);
        await session.run(async (client) => {
          const created = await client.call('createDeployment', {
            params: { id },
            body: {
              blueprint_id: options.blueprintId,
              inputs,
              ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
              ...(options.skipPluginsValidation === true ? { skip_plugins_validation: true } : {}),
            },
          });
          output.out(created.id);
          output.err(
            `${output.style.ok('✔')} Created the deployment '${created.id}' of blueprint '${created.blueprint_id}'. Install it with: cairn executions start install -d ${created.id} --follow`,
          );
        });
      },
    );

  deployments
    .command('list')
    .description('list deployments')
    .option('-b, --blueprint-id <id>', 'only those of this blueprint')
    .option(ALL_TENANTS_FLAGS, ALL_TENANTS_HELP)
    .option('--json', 'print JSON')
    .action(async (options: { blueprintId?: string; json?: boolean } & AllTenantsOptions) => {
      await session.run(async (client) => {
        const list = await client.call('listDeployments', {
          query: {
            _get_all_results: true,
            ...allTenantsQuery(options),
            ...(options.blueprintId === undefined ? {} : { blueprint_id: options.blueprintId }),
          },
        });
        printListing(output, options, list.items, {
          none: 'No deployments.',
          headers: ['ID', 'BLUEPRINT', 'INSTALLED', 'LAST EXECUTION', 'CREATED BY', 'CREATED'],
          row: (d) => [
            d.id ?? '',
            d.blueprint_id ?? '',
            d.installation_status ?? '',
            d.latest_execution_status ?? '-',
            d.created_by ?? '',
            d.created_at ?? '',
          ],
        });
      });
    });

  deployments
    .command('get')
    .argument('<deployment-id>', 'the deployment')
    .description('show a deployment')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await session.run(async (client) => {
        const d = await client.call('getDeployment', { params: { id }, query: {} });
        const inputs = await shownInputs(client, d);
        if (options.json === true) {
          printJson(output, { ...d, inputs });
          return;
        }
        printFields(output, [
          ['id', d.id],
          ['blueprint', d.blueprint_id],
          ['installed', d.installation_status],
          ['last execution', d.latest_execution_status],
          ['visibility', d.visibility],
          ['tenant', d.tenant_name],
          ['created', `${d.created_at ?? ''} by ${d.created_by ?? ''}`],
          ['inputs', inputs],
          ['workflows', (d.workflows ?? []).map((w) => w.name).join(', ')],
        ]);
      });
    });

  deployments
    .command('delete')
    .argument('<deployment-id>', 'the deployment')
    .description('delete a deployment (refused while it has live node instances)')
    .option('-f, --force', 'delete it even so (what its install made stays where it is)')
    .action(async (id: string, options: { force?: boolean }) => {
      await session.run(async (client) => {
        await client.call('deleteDeployment', {
          params: { id },
          query: { force: options.force === true },
        });
        output.err(`Deleted the deployment '${id}'.`);
      });
    });

  for (const what of ['inputs', 'outputs', 'capabilities'] as const) {
    deployments
      .command(what)
      .argument('[deployment-id]', 'the deployment (default: the only one)')
      .description(`show a deployment's ${what}${what === 'inputs' ? '' : ', evaluated now'}`)
      .option('-d, --deployment-id <id>', 'the deployment (as in local mode)')
      .option('--json', 'print JSON')
      .action(
        async (given: string | undefined, options: { deploymentId?: string; json?: boolean }) => {
          await session.run(async (client) => {
            const id = await chooseDeployment(client, given, options.deploymentId);
            let values: Record<string, unknown>;
            if (what === 'inputs') {
              values = await shownInputs(
                client,
                await client.call('getDeployment', { params: { id }, query: {} }),
              );
            } else if (what === 'outputs') {
              values = (await client.call('deploymentOutputs', { params: { id } })).outputs ?? {};
            } else {
              values =
                (await client.call('deploymentCapabilities', { params: { id } })).capabilities ??
                {};
            }
            if (options.json === true) printJson(output, values);
            else if (Object.keys(values).length === 0)
              output.err(`The deployment '${id}' has no ${what}.`);
            else
              for (const [k, v] of Object.entries(values)) output.out(`${k}: ${JSON.stringify(v)}`);
          });
        },
      );
  }
}
