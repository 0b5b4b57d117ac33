/**
 * Manager mode's `cairn tenants create|list|add-user|update-user|remove-user` (admins; `list`
 * shows a user their own tenants).
 */
import { Option, type Command } from 'commander';
import type { TenantRole } from '@cairn/api';
import type { ManagerSession } from './client.js';
import { printJson, printTable } from './format.js';

/** Registers manager mode's `tenants` group. */
export function registerTenantCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const tenants = program
    .command('tenants')
    .description('create tenants and manage their members (sys_admin)')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn tenants create acme
  $ cairn tenants add-user alice -t acme -r user
  $ cairn tenants list`,
    );

  tenants
    .command('create')
    .argument('<name>', 'the tenant')
    .description('create a tenant')
    .action(async (name: string) => {
      await session.run(async (client) => {
        const tenant = await client.call('createTenant', { params: { name } });
        output.err(`${output.style.ok('✔')} Created the tenant '${tenant.name}'.`);
      });
    });

  tenants
    .command('list')
    .description('list tenants (every tenant for sys_admin, else your own)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await session.run(async (client) => {
        const list = await client.call('listTenants', { query: { _get_all_results: true } });
        if (options.json === true) {
          printJson(output, list.items);
          return;
        }
        printTable(
          output,
          ['NAME', 'USERS', 'CREATED', 'MEMBERS'],
          list.items.map((t) => [
            t.name,
            String(t.users),
            t.created_at,
            Object.entries(t.user_roles?.direct ?? {})
              .map(([user, role]) => `${user} (${role})`)
              .join(', '),
          ]),
        );
      });
    });

  tenants
    .command('add-user')
    .argument('<username>', 'the user')
    .description('add a user to a tenant with a role')
    .requiredOption('-t, --tenant-name <tenant>', 'the tenant')
    .addOption(
      new Option('-r, --role <role>', 'the role in the tenant')
        .choices(['viewer', 'operations', 'user', 'manager'])
        .default('user'),
    )
    .action(async (username: string, options: { tenantName: string; role: TenantRole }) => {
      await session.run(async (client) => {
        await client.call('addTenantUser', {
          body: { tenant_name: options.tenantName, username, role: options.role },
        });
        output.err(
          `${output.style.ok('✔')} ${username} is a member of '${options.tenantName}' as ${options.role}.`,
        );
      });
    });

  tenants
    .command('update-user')
    .argument('<username>', 'the member')
    .description("change a member's role in a tenant")
    .requiredOption('-t, --tenant-name <tenant>', 'the tenant')
    .addOption(
      new Option('-r, --role <role>', 'the new role')
        .choices(['viewer', 'operations', 'user', 'manager'])
        .makeOptionMandatory(),
    )
    .action(async (username: string, options: { tenantName: string; role: TenantRole }) => {
      await session.run(async (client) => {
        await client.call('updateTenantUser', {
          body: { tenant_name: options.tenantName, username, role: options.role },
        });
        output.err(
          `${output.style.ok('✔')} ${username} is now ${options.role} in '${options.tenantName}'.`,
        );
      });
    });

  tenants
    .command('remove-user')
    .argument('<username>', 'the user')
    .description('remove a user from a tenant')
    .requiredOption('-t, --tenant-name <tenant>', 'the tenant')
    .action(async (username: string, options: { tenantName: string }) => {
      await session.run(async (client) => {
        await client.call('removeTenantUser', {
          body: { tenant_name: options.tenantName, username },
        });
        output.err(`Removed ${username} from '${options.tenantName}'.`);
      });
    });
}
