/**
 * Manager mode's `cairn secrets create|get|list|update|delete`: values blueprints read with
 * get_secret, stored encrypted by the manager.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '@cairn/errors';
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

interface ValueOptions {
  readonly secretString?: string;
  readonly secretFile?: string;
}

/** The value given with -s or -f; undefined when neither was given. */
function valueOf(options: ValueOptions): string | undefined {
  if (options.secretString !== undefined && options.secretFile !== undefined) {
    throw new UsageError('Give the value with -s or with -f, not both.');
  }
  if (options.secretFile === undefined) return options.secretString;
  try {
    return readFileSync(options.secretFile, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read '${options.secretFile}': ${(error as { code?: string }).code ?? String(error)}.`,
    );
  }
}

function valueOptions(command: Command): Command {
  return command
    .option('-s, --secret-string <value>', 'the value')
    .option('-f, --secret-file <file>', 'read the value from a file');
}

/** Registers manager mode's `secrets` group. */
export function registerSecretCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const secrets = program
    .command('secrets')
    .description('store values that blueprints read with get_secret (encrypted on the manager)')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn secrets create db_password -s 's3cret' --hidden
  $ cairn secrets create ssh_key -f ~/.ssh/id_ed25519 -l private
  $ cairn secrets get db_password
  $ cairn secrets update db_password -s 'n3w'`,
    );

  valueOptions(
    secrets.command('create').argument('<key>', 'the secret’s name').description('create a secret'),
  )
    .option('--hidden', 'show its value only to its creator, tenant managers and admins')
    .option('-u, --update-if-exists', 'replace the value of an existing secret')
    .addOption(visibilityOption('secret'))
    .action(
      async (
        key: string,
        options: ValueOptions & VisibilityOptions & { hidden?: boolean; updateIfExists?: boolean },
      ) => {
        const value = valueOf(options);
        if (value === undefined) throw new UsageError('Give the value with -s VALUE or -f FILE.');
        await session.run(async (client) => {
          const secret = await client.call('createSecret', {
            params: { key },
            body: {
              value,
              is_hidden_value: options.hidden === true,
              update_if_exists: options.updateIfExists === true,
              ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
            },
          });
          output.err(
            `${output.style.ok('✔')} Created the secret '${secret.key}' (visibility ${secret.visibility}${secret.is_hidden_value ? ', value hidden' : ''}).`,
          );
        });
      },
    );

  secrets
    .command('get')
    .argument('<key>', 'the secret’s name')
    .description('show a secret with its value')
    .option('--json', 'print JSON')
    .action(async (key: string, options: { json?: boolean }) => {
      await session.run(async (client) => {
        const secret = await client.call('getSecret', { params: { key } });
        if (options.json === true) {
          printJson(output, secret);
          return;
        }
        printFields(output, [
          ['key', secret.key],
          ['value', secret.value ?? '<hidden>'],
          ['hidden', String(secret.is_hidden_value)],
          ['visibility', secret.visibility],
          ['tenant', secret.tenant_name],
          ['created', `${secret.created_at} by ${secret.created_by}`],
          ['updated', secret.updated_at],
        ]);
      });
    });

  secrets
    .command('list')
    .description('list secrets (without their values)')
    .option(ALL_TENANTS_FLAGS, ALL_TENANTS_HELP)
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean } & AllTenantsOptions) => {
      await session.run(async (client) => {
        const list = await client.call('listSecrets', {
          query: { _get_all_results: true, ...allTenantsQuery(options) },
        });
        printListing(output, options, list.items, {
          none: 'No secrets.',
          headers: ['KEY', 'VISIBILITY', 'HIDDEN', 'CREATED BY', 'UPDATED'],
          row: (s) => [
            s.key,
            s.visibility,
            s.is_hidden_value ? 'yes' : 'no',
            s.created_by,
            s.updated_at,
          ],
        });
      });
    });

  valueOptions(
    secrets
      .command('update')
      .argument('<key>', 'the secret’s name')
      .description("change a secret's value, hiding or visibility"),
  )
    .option('--hidden', 'hide its value')
    .option('--not-hidden', 'stop hiding its value')
    .addOption(visibilityOption('secret'))
    .action(
      async (
        key: string,
        options: ValueOptions & VisibilityOptions & { hidden?: boolean; notHidden?: boolean },
      ) => {
        const value = valueOf(options);
        if (options.hidden === true && options.notHidden === true) {
          throw new UsageError('Give --hidden or --not-hidden, not both.');
        }
        const hidden =
          options.hidden === true ? true : options.notHidden === true ? false : undefined;
        if (value === undefined && hidden === undefined && options.visibility === undefined) {
          throw new UsageError('Nothing to change: give -s, -f, --hidden, --not-hidden or -l.');
        }
        await session.run(async (client) => {
          await client.call('updateSecret', {
            params: { key },
            body: {
              ...(value === undefined ? {} : { value }),
              ...(hidden === undefined ? {} : { is_hidden_value: hidden }),
              ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
            },
          });
          output.err(`${output.style.ok('✔')} Updated the secret '${key}'.`);
        });
      },
    );

  secrets
    .command('delete')
    .argument('<key>', 'the secret’s name')
    .description('delete a secret')
    .action(async (key: string) => {
      await session.run(async (client) => {
        await client.call('deleteSecret', { params: { key } });
        output.err(`Deleted the secret '${key}'.`);
      });
    });
}
