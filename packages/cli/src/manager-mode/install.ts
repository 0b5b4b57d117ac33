/**
 * Manager mode's `cairn install` (upload the blueprint, create a deployment, run install with
 * live events, as `cfy install` does) and `cairn uninstall` (run uninstall, then delete the
 * deployment and its blueprint when no other deployment uses it).
 */
import type { Command } from 'commander';
import type { ApiClient } from '@cairn/api';
import { summarizeDiagnostics } from '@cairn/dsl';
import { ConflictError, isCairnError } from '@cairn/errors';
import { defaultBlueprintId } from '../commands/local-commands.js';
import { EXIT } from '../exit-codes.js';
import { parseInputs } from '../inputs.js';
import { uploadBlueprint } from './blueprints.js';
import { blueprintSource } from './blueprint-archive.js';
import type { ManagerSession } from './client.js';
import { followExecution, reportExecution } from './follow.js';
import { diagnosticsOf, printDiagnostics } from './format.js';
import { chooseDeployment, collect, visibilityOption, type VisibilityOptions } from './options.js';

/** True when the call finds the resource; false when the manager says it does not exist. */
async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (isCairnError(error) && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

/** Deletes what a failed install created, saying so; a failure to clean up is only reported. */
async function undoUpload(session: ManagerSession, client: ApiClient, id: string): Promise<void> {
  try {
    await client.call('deleteBlueprint', { params: { id }, query: {} });
    session.output.err(session.output.style.dim(`Deleted the blueprint '${id}' again.`));
  } catch (error) {
    session.output.err(
      `${session.output.style.warning('warning')}: the blueprint '${id}' stays uploaded: ${(error as Error).message}`,
    );
  }
}

/** Registers manager mode's `install` and `uninstall`. */
export function registerInstallCommands(program: Command, session: ManagerSession): void {
  const { output, state } = session;

  program
    .command('install')
    .argument('<path>', 'the blueprint file (or a directory holding blueprint.yaml)')
    .description(
      'upload the blueprint, create a deployment from it and run its install workflow on the manager',
    )
    .option('-b, --blueprint-id <id>', 'the blueprint id (default: the blueprint folder name)')
    .option('-d, --deployment-id <id>', 'the deployment id (default: the blueprint id)')
    .option(
      '-i, --inputs <file|key=value>',
      'deployment inputs: a YAML/JSON file, or key=value pairs separated by ";" (repeatable)',
      collect,
    )
    .addOption(visibilityOption('blueprint and deployment', false))
    .addHelpText(
      'after',
      `
Events are printed live while the manager installs; Ctrl-C cancels the execution (twice:
force-cancels it).

Examples:
  $ cairn install my-app/
  $ cairn install app/blueprint.yaml -b app -d app-eu -i 'region=eu-west-1'`,
    )
    .action(
      async (
        path: string,
        options: VisibilityOptions & {
          blueprintId?: string;
          deploymentId?: string;
          inputs?: string[];
        },
      ) => {
        const source = blueprintSource(path);
        const inputs = parseInputs(options.inputs ?? []);
        const blueprintId = options.blueprintId ?? defaultBlueprintId(path);
        const deploymentId = options.deploymentId ?? blueprintId;
        const visibility =
          options.visibility === undefined ? {} : { visibility: options.visibility };
        await session.run(async (client) => {
          if (await exists(() => client.call('getDeployment', { params: { id: deploymentId } }))) {
            throw new ConflictError(
              `A deployment '${deploymentId}' already exists on ${session.profile.url}. Uninstall it first (cairn uninstall ${deploymentId}) or choose another id with -d.`,
            );
          }
          if (await exists(() => client.call('getBlueprint', { params: { id: blueprintId } }))) {
            throw new ConflictError(
              `A blueprint '${blueprintId}' already exists on ${session.profile.url}. Choose another id with -b, or delete it first (cairn blueprints delete ${blueprintId}).`,
            );
          }
          const uploaded = await uploadBlueprint(session, client, {
            path,
            id: blueprintId,
            ...visibility,
          });
          if (uploaded === undefined) return;
          output.err(output.style.dim(`Uploaded the blueprint '${blueprintId}'.`));
          try {
            await client.call('createDeployment', {
              params: { id: deploymentId },
              body: { blueprint_id: blueprintId, inputs, ...visibility },
            });
          } catch (error) {
            const diagnostics = diagnosticsOf(error);
            if (diagnostics === undefined) {
              await undoUpload(session, client, blueprintId);
              throw error;
            }
            // Bad inputs: shown as local mode shows them, against the files here.
            printDiagnostics(output, diagnostics, source.folder);
            output.err(
              `${output.style.error('✖')} The deployment '${deploymentId}' was not created: ${summarizeDiagnostics(diagnostics)}.`,
            );
            state.status = EXIT.FAILED;
            await undoUpload(session, client, blueprintId);
            return;
          }
          output.err(output.style.dim(`Created the deployment '${deploymentId}'.`));
          const execution = await client.call('startExecution', {
            body: { deployment_id: deploymentId, workflow_id: 'install' },
          });
          const final = await followExecution(client, execution, output);
          reportExecution(output, final, state);
          if (final.status !== 'terminated') return;
          const outputs =
            (await client.call('deploymentOutputs', { params: { id: deploymentId } })).outputs ??
            {};
          if (Object.keys(outputs).length > 0) {
            output.out(output.style.bold('Outputs'));
            for (const [name, value] of Object.entries(outputs)) {
              output.out(`  ${name}: ${JSON.stringify(value)}`);
            }
          }
        });
      },
    );

  program
    .command('uninstall')
    .argument('[deployment-id]', 'the deployment (default: the only one)')
    .description(
      "run a deployment's uninstall workflow on the manager, then delete the deployment (and its blueprint, if unused)",
    )
    .option('-d, --deployment-id <id>', 'the deployment (as in local mode)')
    .option(
      '--ignore-failure',
      'keep going when an operation fails, and delete the deployment anyway',
    )
    .option('--keep', 'keep the deployment and blueprint after uninstalling')
    .addHelpText(
      'after',
      '\nExamples:\n  $ cairn uninstall hello-1\n  $ cairn uninstall -d app-eu --ignore-failure',
    )
    .action(
      async (
        given: string | undefined,
        options: { deploymentId?: string; ignoreFailure?: boolean; keep?: boolean },
      ) => {
        await session.run(async (client) => {
          const deploymentId = await chooseDeployment(client, given, options.deploymentId);
          const deployment = await client.call('getDeployment', {
            params: { id: deploymentId },
            query: {},
          });
          const execution = await client.call('startExecution', {
            body: {
              deployment_id: deploymentId,
              workflow_id: 'uninstall',
              parameters: { ignore_failure: options.ignoreFailure === true },
            },
          });
          const final = await followExecution(client, execution, output);
          reportExecution(output, final, state);
          if (final.status !== 'terminated' || options.keep === true) return;
          await client.call('deleteDeployment', {
            params: { id: deploymentId },
            query: { force: options.ignoreFailure === true },
          });
          const blueprintId = deployment.blueprint_id;
          let removedBlueprint = false;
          if (blueprintId !== undefined) {
            const users = await client.call('listDeployments', {
              query: { blueprint_id: blueprintId, _include: 'id' },
            });
            if (users.items.length === 0) {
              await client.call('deleteBlueprint', { params: { id: blueprintId }, query: {} });
              removedBlueprint = true;
            }
          }
          output.err(
            output.style.dim(
              `Deleted the deployment '${deploymentId}'${removedBlueprint ? ` and the blueprint '${blueprintId ?? ''}'` : ''}.`,
            ),
          );
        });
      },
    );
}
