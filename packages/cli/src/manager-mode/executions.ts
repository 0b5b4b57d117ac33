/**
 * Manager mode's `cairn executions start|list|get|cancel|resume`: workflows run by the manager's
 * workers; `--follow` prints their events live and waits for the end.
 */
import type { Command } from 'commander';
import type { ApiClient, Execution } from '@cairn/api';
import { EXIT } from '../exit-codes.js';
import { parseInputs } from '../inputs.js';
import type { Output } from '../output.js';
import type { ManagerSession, State } from './client.js';
import { followExecution, reportExecution } from './follow.js';
import { printFields, printJson, printListing } from './format.js';
import {
  chooseDeployment,
  collect,
  ALL_TENANTS_FLAGS,
  ALL_TENANTS_HELP,
  allTenantsQuery,
  type AllTenantsOptions,
} from './options.js';

/** Waits for `execution` with live events (`--follow`), or says how to follow it later. */
export async function afterStart(
  session: ManagerSession,
  client: ApiClient,
  execution: Execution,
  options: { readonly follow?: boolean; readonly json?: boolean },
): Promise<void> {
  const { output, state } = session;
  if (options.follow === true) {
    finish(output, await followExecution(client, execution, output), options, state);
    return;
  }
  if (options.json === true) {
    printJson(output, execution);
    return;
  }
  output.out(execution.id);
  output.err(
    `Started '${execution.workflow_id}' on ${execution.deployment_id}: execution ${execution.id} (${execution.status}). Follow it with: cairn events list -e ${execution.id} --tail`,
  );
}

function finish(
  output: Output,
  final: Execution,
  options: { readonly json?: boolean },
  state: State,
): void {
  if (options.json === true) {
    printJson(output, final);
    state.status = final.status === 'terminated' ? EXIT.OK : EXIT.FAILED;
  } else reportExecution(output, final, state);
}

/** Registers manager mode's `executions` group. */
export function registerExecutionCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const executions = program
    .command('executions')
    .description('start, list, cancel and resume workflow executions on the manager');

  executions
    .command('start')
    .argument('<workflow>', 'the workflow, e.g. install, uninstall, execute_operation')
    .description('run a workflow on a deployment (the manager queues it and runs it)')
    .option('-d, --deployment-id <id>', 'the deployment (default: the only one)')
    .option(
      '-p, --parameters <file|key=value>',
      'workflow parameters: a YAML/JSON file, or key=value pairs (repeatable)',
      collect,
    )
    .option('--allow-custom-parameters', 'pass parameters the workflow does not declare')
    .option(
      '-f, --follow',
      'print its events live and wait until it ends (exit 1 unless it succeeds)',
    )
    .option('--json', 'print the execution as JSON (with --follow: as it ended)')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn executions start install -d hello-1 --follow
  $ cairn executions start execute_operation -d app -p operation=cloudify.interfaces.lifecycle.start -p 'node_ids=[web]'
  $ cairn executions start uninstall -d app --json`,
    )
    .action(
      async (
        workflow: string,
        options: {
          deploymentId?: string;
          parameters?: string[];
          allowCustomParameters?: boolean;
          follow?: boolean;
          json?: boolean;
        },
      ) => {
        const parameters = parseInputs(options.parameters ?? []);
        await session.run(async (client) => {
          const deploymentId = await chooseDeployment(client, undefined, options.deploymentId);
          const execution = await client.call('startExecution', {
            body: {
              deployment_id: deploymentId,
              workflow_id: workflow,
              parameters,
              allow_custom_parameters: options.allowCustomParameters === true,
            },
          });
          await afterStart(session, client, execution, options);
        });
      },
    );

  executions
    .command('list')
    .description('list executions, oldest first')
    .option('-d, --deployment-id <id>', 'only this deployment’s')
    .option(ALL_TENANTS_FLAGS, ALL_TENANTS_HELP)
    .option('--json', 'print JSON')
    .action(async (options: { deploymentId?: string; json?: boolean } & AllTenantsOptions) => {
      await session.run(async (client) => {
        const list = await client.call('listExecutions', {
          query: {
            _get_all_results: true,
            ...allTenantsQuery(options),
            ...(options.deploymentId === undefined ? {} : { deployment_id: options.deploymentId }),
          },
        });
        printListing(output, options, list.items, {
          none: 'No executions.',
          headers: ['ID', 'DEPLOYMENT', 'WORKFLOW', 'STATUS', 'CREATED BY', 'CREATED', 'ERROR'],
          row: (e) => [
            e.id,
            e.deployment_id,
            e.workflow_id,
            e.status,
            e.created_by,
            e.created_at,
            e.error.split('\n')[0] ?? '',
          ],
        });
      });
    });

  executions
    .command('get')
    .argument('<id>', 'the execution id')
    .description('show one execution')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await session.run(async (client) => {
        const e = await client.call('getExecution', { params: { id } });
        if (options.json === true) {
          printJson(output, e);
          return;
        }
        printFields(output, [
          ['execution', e.id],
          ['workflow', e.workflow_id],
          ['deployment', e.deployment_id],
          ['status', e.status],
          ['parameters', e.parameters],
          ['created', `${e.created_at} by ${e.created_by}`],
          ['ended', e.ended_at],
          ...(e.error === '' ? [] : [['error', e.error] as const]),
        ]);
      });
    });

  executions
    .command('cancel')
    .argument('<id>', 'the execution id')
    .description('stop an execution: running operations finish (with --force they are killed)')
    .option('--force', 'kill running operations too')
    .action(async (id: string, options: { force?: boolean }) => {
      await session.run(async (client) => {
        const e = await client.call('executionAction', {
          params: { id },
          body: { action: options.force === true ? 'force-cancel' : 'cancel' },
        });
        output.err(
          `Asked execution ${e.id} to ${options.force === true ? 'force-' : ''}cancel (now ${e.status}).`,
        );
      });
    });

  executions
    .command('resume')
    .argument('<id>', 'the execution id')
    .description('resume a failed or cancelled execution: only what did not succeed runs again')
    .option('-f, --follow', 'print its events live and wait until it ends')
    .option('--json', 'print the execution as JSON')
    .action(async (id: string, options: { follow?: boolean; json?: boolean }) => {
      await session.run(async (client) => {
        const e = await client.call('executionAction', {
          params: { id },
          body: { action: 'resume' },
        });
        await afterStart(session, client, e, options);
      });
    });
}
