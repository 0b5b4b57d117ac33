/**
 * Manager mode's `cairn node-instances list|get`, with Cloudify's field names.
 */
import type { Command } from 'commander';
import type { ManagerSession } from './client.js';
import { printJson } from './format.js';
import { chooseDeployment } from './options.js';

/** Registers manager mode's `node-instances` group. */
export function registerNodeInstanceCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const instances = program
    .command('node-instances')
    .description("list and show a deployment's node instances");
  instances
    .command('list')
    .argument('[deployment-id]', 'the deployment (default: the only one)')
    .description('list node instances')
    .option('-d, --deployment-id <id>', 'the deployment (as in local mode)')
    .option('-n, --node-id <node>', 'only this node’s')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ cairn node-instances list hello-1\n  $ cairn node-instances list -d app -n web --json',
    )
    .action(
      async (
        given: string | undefined,
        options: { deploymentId?: string; nodeId?: string; json?: boolean },
      ) => {
        await session.run(async (client) => {
          const id = await chooseDeployment(client, given, options.deploymentId);
          const list = await client.call('listNodeInstances', {
            query: {
              deployment_id: id,
              _get_all_results: true,
              ...(options.nodeId === undefined ? {} : { node_id: options.nodeId }),
            },
          });
          if (options.json === true) {
            printJson(output, list.items);
            return;
          }
          if (list.items.length === 0) output.err(`The deployment '${id}' has no node instances.`);
          for (const i of list.items)
            output.out(
              `${i.id.padEnd(28)} ${i.state.padEnd(12)} ${output.style.dim(JSON.stringify(i.runtime_properties))}`,
            );
        });
      },
    );
  instances
    .command('get')
    .argument('<id>', 'the node instance id')
    .description("show one node instance (as JSON, with Cloudify's field names)")
    .action(async (id: string) => {
      await session.run(async (client) => {
        printJson(output, await client.call('getNodeInstance', { params: { id } }));
      });
    });
}
