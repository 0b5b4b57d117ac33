/**
 * Manager mode's `cairn users create|list` (sys_admin).
 */
import { Option, type Command } from 'commander';
import type { SystemRole } from '@cairn/api';
import type { ManagerSession } from './client.js';
import { printJson, printTable } from './format.js';

/** Registers manager mode's `users` group. */
export function registerUserCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const users = program
    .command('users')
    .description("create and list the manager's users (sys_admin)")
    .addHelpText(
      'after',
      `
Examples:
  $ cairn users create alice -p 'a-long-password'
  $ cairn tenants add-user alice -t acme -r user
  $ cairn users list`,
    );

  users
    .command('create')
    .argument('<username>', 'the new user')
    .description('create a user (add them to a tenant with cairn tenants add-user)')
    .requiredOption('-p, --password <password>', 'the password (8 characters or more)')
    .addOption(
      new Option('-r, --security-role <role>', 'the role on the whole manager')
        .choices(['default', 'sys_admin'])
        .default('default'),
    )
    .action(async (username: string, options: { password: string; securityRole: SystemRole }) => {
      await session.run(async (client) => {
        const user = await client.call('createUser', {
          body: { username, password: options.password, role: options.securityRole },
        });
        output.err(`${output.style.ok('✔')} Created the user '${user.username}' (${user.role}).`);
      });
    });

  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await session.run(async (client) => {
        const list = await client.call('listUsers', { query: { _get_all_results: true } });
        if (options.json === true) {
          printJson(output, list.items);
          return;
        }
        printTable(
          output,
          ['USERNAME', 'ROLE', 'ACTIVE', 'TENANTS', 'LAST LOGIN'],
          list.items.map((u) => [
            u.username,
            u.role,
            u.active ? 'yes' : 'no',
            Object.entries(u.tenants)
              .map(([tenant, r]) => `${tenant} (${r['tenant-role']})`)
              .join(', '),
            u.last_login_at ?? '-',
          ]),
        );
      });
    });
}
