/**
 * `cairn profiles use|list|show|delete`: which manager the CLI talks to (or local mode). Signing
 * in checks the user and password by getting a token from the manager (POST /tokens) and that
 * the user belongs to the tenant; the token is stored, the password never is.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { ApiClient } from '@cairn/api';
import { isCairnError, NotFoundError, UnauthorizedError, UsageError } from '@cairn/errors';
import type { Output } from '../output.js';
import { cairnHome } from '../local/local-profile.js';
import { createClient, tokenUnexpired } from './client.js';
import { printFields, printJson, printTable } from './format.js';
import {
  DEFAULT_TENANT,
  defaultProfileName,
  LOCAL_PROFILE,
  normalizeUrl,
  profilesFile,
  readProfiles,
  resolveMode,
  writeProfiles,
  type StoredProfile,
} from './profile-store.js';

interface UseOptions {
  readonly user?: string;
  readonly password?: string;
  readonly tenant?: string;
  readonly name?: string;
}

/** Revokes a token, quietly: the manager may be gone, or the token already expired. */
async function revoke(client: ApiClient, tokenId: string): Promise<boolean> {
  try {
    await client.call('deleteToken', {
      params: { id: tokenId },
      signal: AbortSignal.timeout(5000),
    });
    return true;
  } catch {
    return false;
  }
}

/** Signs in: a token for `username`, checked against the tenant. */
async function signIn(
  url: string,
  username: string,
  password: string,
  tenant: string,
): Promise<StoredProfile> {
  const basic = createClient({ url, tenant, credentials: { username, password } });
  let token;
  try {
    token = await basic.call('createToken', {
      body: { description: `cairn CLI on ${hostname()}` },
    });
  } catch (error) {
    if (isCairnError(error) && error.code === 'UNAUTHORIZED') {
      throw new UnauthorizedError(
        `The manager at ${url} refused user '${username}' with that password: ${error.message}.`,
        { cause: error },
      );
    }
    throw error;
  }
  const client = createClient({ url, tenant, credentials: { token: token.value } });
  try {
    await client.call('getTenant', { params: { name: tenant } });
  } catch (error) {
    await revoke(client, token.id);
    if (isCairnError(error) && error.code === 'NOT_FOUND') {
      throw new NotFoundError(
        `User '${username}' is not a member of a tenant '${tenant}' on ${url}: give another with -t (an administrator adds users with cairn tenants add-user).`,
        { cause: error },
      );
    }
    throw error;
  }
  return {
    url,
    username,
    tenant,
    token: token.value,
    token_id: token.id,
    token_expires_at: token.expiration_date,
  };
}

function tokenText(profile: StoredProfile): string {
  return tokenUnexpired(profile.token_expires_at)
    ? `valid until ${profile.token_expires_at}`
    : `expired ${profile.token_expires_at}`;
}

/** Registers `cairn profiles …` (in both modes). */
export function registerProfileCommands(program: Command, output: Output): void {
  const profiles = program
    .command('profiles')
    .description('choose the manager the CLI works with, or local mode')
    .addHelpText(
      'after',
      `
A manager profile keeps the manager's URL, the user, the tenant and an API token (never the
password) in $CAIRN_HOME/profiles.json. While one is active, every command works on that
manager. CAIRN_MANAGER_URL, CAIRN_MANAGER_USER, CAIRN_MANAGER_PASSWORD and CAIRN_MANAGER_TENANT
override the profiles (for CI): basic auth, nothing stored. CAIRN_MANAGER_TENANT alone changes
the tenant of the active profile.

Examples:
  $ cairn profiles use http://10.0.0.5:8100 -u admin -p s3cret -t default_tenant
  $ cairn profiles list
  $ cairn profiles use local
  $ cairn profiles delete 10.0.0.5:8100`,
    );

  profiles
    .command('use')
    .argument('<manager>', "the manager's URL, the name of a stored profile, or local")
    .description('sign in to a manager and make it the active profile (or switch back to local)')
    .option('-u, --user <user>', 'the user to sign in as')
    .option('-p, --password <password>', 'the password (default: $CAIRN_MANAGER_PASSWORD)')
    .option('-t, --tenant <tenant>', `the tenant to work in (default: ${DEFAULT_TENANT})`)
    .option('--name <name>', "the profile's name (default: the manager's host:port)")
    .addHelpText(
      'after',
      `
Examples:
  $ cairn profiles use http://10.0.0.5:8100 -u admin -p s3cret
  $ cairn profiles use https://cairn.example.com -u alice -p s3cret -t acme --name prod
  $ cairn profiles use prod        # switch to a stored profile
  $ cairn profiles use local       # back to local mode`,
    )
    .action(async (manager: string, options: UseOptions) => {
      const home = cairnHome();
      const file = readProfiles(home);
      const password = options.password ?? process.env.CAIRN_MANAGER_PASSWORD;
      if (manager === LOCAL_PROFILE) {
        writeProfiles({ ...file, active: LOCAL_PROFILE }, home);
        output.err(`${output.style.ok('✔')} Using local mode (state in ${home}).`);
        return;
      }
      const byName = file.profiles[manager];
      const url = byName?.url ?? normalizeUrl(manager);
      const name = options.name ?? (byName === undefined ? defaultProfileName(url) : manager);
      const existing = file.profiles[name];
      if (options.user === undefined && password === undefined && existing !== undefined) {
        writeProfiles({ ...file, active: name }, home);
        output.err(
          `${output.style.ok('✔')} Using profile '${name}': ${existing.username} on ${existing.url}, tenant ${existing.tenant} (token ${tokenText(existing)}).`,
        );
        return;
      }
      const username = options.user ?? existing?.username;
      if (username === undefined || password === undefined) {
        throw new UsageError(
          `Sign in to ${url} with a user and a password: cairn profiles use ${url} -u USER -p PASSWORD [-t TENANT].`,
        );
      }
      const tenant = options.tenant ?? existing?.tenant ?? DEFAULT_TENANT;
      const profile = await signIn(url, username, password, tenant);
      if (existing !== undefined && existing.url === url) {
        // The old token is of no use any more: revoke it where the manager still takes it.
        await revoke(
          createClient({ url, tenant, credentials: { token: profile.token } }),
          existing.token_id,
        );
      }
      writeProfiles(
        { ...file, active: name, profiles: { ...file.profiles, [name]: profile } },
        home,
      );
      output.err(
        `${output.style.ok('✔')} Signed in to ${url} as ${username}, tenant ${tenant}: profile '${name}' is active (token ${tokenText(profile)}).`,
      );
    });

  profiles
    .command('list')
    .description('list the profiles; * marks the active one')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const file = readProfiles();
      const entries = Object.entries(file.profiles);
      if (options.json === true) {
        printJson(output, [
          { name: LOCAL_PROFILE, active: file.active === LOCAL_PROFILE },
          ...entries.map(([name, p]) => ({
            name,
            active: file.active === name,
            url: p.url,
            username: p.username,
            tenant: p.tenant,
            token_expires_at: p.token_expires_at,
          })),
        ]);
        return;
      }
      printTable(
        output,
        ['', 'NAME', 'MANAGER', 'USER', 'TENANT', 'TOKEN'],
        [
          [file.active === LOCAL_PROFILE ? '*' : '', LOCAL_PROFILE, '(this machine)', '', '', ''],
          ...entries.map(([name, p]) => [
            file.active === name ? '*' : '',
            name,
            p.url,
            p.username,
            p.tenant,
            tokenText(p),
          ]),
        ],
      );
      if (process.env.CAIRN_MANAGER_URL !== undefined && process.env.CAIRN_MANAGER_URL !== '') {
        output.err(
          output.style.dim(
            `CAIRN_MANAGER_URL is set: commands use ${process.env.CAIRN_MANAGER_URL}, not the active profile.`,
          ),
        );
      }
    });

  profiles
    .command('show')
    .description('show the active profile: the manager, user and tenant commands work with')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const mode = resolveMode();
      const home = cairnHome();
      const shown: Record<string, string> =
        mode.kind === 'local'
          ? { name: LOCAL_PROFILE, mode: 'local', home }
          : mode.profile.kind === 'env'
            ? {
                name: 'environment',
                mode: 'manager',
                source: 'CAIRN_MANAGER_URL',
                url: mode.profile.url,
                username: mode.profile.username ?? '',
                tenant: mode.profile.tenant,
              }
            : {
                name: mode.profile.name,
                mode: 'manager',
                source: profilesFile(home),
                url: mode.profile.url,
                username: mode.profile.username,
                tenant: mode.profile.tenant,
                token_expires_at: mode.profile.token_expires_at,
              };
      if (options.json === true) printJson(output, shown);
      else printFields(output, Object.entries(shown));
    });

  profiles
    .command('delete')
    .argument('<name>', 'the profile')
    .description("forget a profile and revoke its token on the manager (when it's reachable)")
    .action(async (name: string) => {
      const home = cairnHome();
      const file = readProfiles(home);
      if (name === LOCAL_PROFILE) throw new UsageError('The local profile cannot be deleted.');
      const profile = file.profiles[name];
      if (profile === undefined) {
        throw new NotFoundError(
          `There is no profile '${name}' (${Object.keys(file.profiles).join(', ') || 'none stored'}).`,
        );
      }
      const revoked =
        tokenUnexpired(profile.token_expires_at) &&
        (await revoke(
          createClient({
            url: profile.url,
            tenant: profile.tenant,
            credentials: { token: profile.token },
          }),
          profile.token_id,
        ));
      const rest = Object.fromEntries(Object.entries(file.profiles).filter(([n]) => n !== name));
      const active = file.active === name ? LOCAL_PROFILE : file.active;
      writeProfiles({ ...file, active, profiles: rest }, home);
      output.err(
        `${output.style.ok('✔')} Deleted the profile '${name}'${revoked ? ' and revoked its token' : ''}.${active !== file.active ? ' Now in local mode.' : ''}`,
      );
    });
}
