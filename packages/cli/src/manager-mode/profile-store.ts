/**
 * Manager profiles, as `cfy profiles` keeps them: `$CAIRN_HOME/profiles.json` (written 0600)
 * names each manager the CLI has signed in to, with the user, the tenant and an API token — never
 * a password — and says which profile is active. `local` (the default) means local mode.
 * `CAIRN_MANAGER_URL` (with `CAIRN_MANAGER_USER`, `CAIRN_MANAGER_PASSWORD`,
 * `CAIRN_MANAGER_TENANT`) overrides the file, for CI, with basic auth and no stored token.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@cairn/errors';
import { cairnHome } from '../local/local-profile.js';

/** The name of local mode among the profiles. */
export const LOCAL_PROFILE = 'local';

/** The tenant a profile uses when none is given, as in Cloudify. */
export const DEFAULT_TENANT = 'default_tenant';

/** One manager profile as `profiles.json` stores it. */
export interface StoredProfile {
  /** The manager's base URL, e.g. `http://10.0.0.5:8100`. */
  readonly url: string;
  readonly username: string;
  readonly tenant: string;
  /** The API token (`Authentication-Token`); the password is never stored. */
  readonly token: string;
  /** The token's public id, to revoke it. */
  readonly token_id: string;
  /** When the manager stops accepting the token (ISO-8601). */
  readonly token_expires_at: string;
}

/** The content of `profiles.json`. */
export interface ProfilesFile {
  readonly version: 1;
  /** The active profile's name, or `local`. */
  readonly active: string;
  readonly profiles: Readonly<Record<string, StoredProfile>>;
}

/** The manager a command talks to, and how it signs in. */
export type ManagerProfile =
  | ({ readonly kind: 'stored'; readonly name: string } & StoredProfile)
  | {
      readonly kind: 'env';
      readonly url: string;
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly tenant: string;
    };

/** Which mode the CLI runs in. */
export type CliMode =
  { readonly kind: 'local' } | { readonly kind: 'manager'; readonly profile: ManagerProfile };

/** Where the profiles of a Cairn home are kept. */
export function profilesFile(home: string = cairnHome()): string {
  return join(home, 'profiles.json');
}

const EMPTY: ProfilesFile = { version: 1, active: LOCAL_PROFILE, profiles: {} };

function isStoredProfile(value: unknown): value is StoredProfile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['url', 'username', 'tenant', 'token', 'token_id', 'token_expires_at'].every(
    (key) => typeof v[key] === 'string',
  );
}

/** Reads `profiles.json`; a missing file is no profiles, a broken one a usage error. */
export function readProfiles(home: string = cairnHome()): ProfilesFile {
  const file = profilesFile(home);
  if (!existsSync(file)) return EMPTY;
  const broken = (why: string): UsageError =>
    new UsageError(
      `${file} ${why}: fix it, or delete it and sign in again (cairn profiles use URL -u USER -p PASSWORD).`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw broken('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw broken('is not a JSON object');
  const { active, profiles } = parsed as { active?: unknown; profiles?: unknown };
  if (typeof active !== 'string') throw broken("has no 'active' profile name");
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw broken("has no 'profiles' object");
  }
  for (const [name, profile] of Object.entries(profiles)) {
    if (!isStoredProfile(profile)) throw broken(`has a broken profile '${name}'`);
  }
  return { version: 1, active, profiles: profiles as Record<string, StoredProfile> };
}

/** Writes `profiles.json` readable by its owner only (it holds tokens). */
export function writeProfiles(profiles: ProfilesFile, home: string = cairnHome()): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = profilesFile(home);
  const staging = `${file}.${process.pid}.tmp`;
  writeFileSync(staging, `${JSON.stringify(profiles, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is masked by the umask, and ignored for an existing file.
  chmodSync(staging, 0o600);
  renameSync(staging, file);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The mode the CLI runs in: the environment's manager when `CAIRN_MANAGER_URL` is set, else the
 * active profile of `profiles.json` (`CAIRN_MANAGER_TENANT` overriding its tenant), else local.
 */
export function resolveMode(env: NodeJS.ProcessEnv = process.env): CliMode {
  const url = nonEmpty(env.CAIRN_MANAGER_URL);
  const tenant = nonEmpty(env.CAIRN_MANAGER_TENANT);
  if (url !== undefined) {
    return {
      kind: 'manager',
      profile: {
        kind: 'env',
        url: normalizeUrl(url),
        username: nonEmpty(env.CAIRN_MANAGER_USER),
        password: nonEmpty(env.CAIRN_MANAGER_PASSWORD),
        tenant: tenant ?? DEFAULT_TENANT,
      },
    };
  }
  const file = readProfiles(cairnHome(env));
  if (file.active === LOCAL_PROFILE) return { kind: 'local' };
  const stored = file.profiles[file.active];
  if (stored === undefined) {
    throw new UsageError(
      `The active profile '${file.active}' is not in ${profilesFile(cairnHome(env))}: choose one with cairn profiles use NAME (or local).`,
    );
  }
  return {
    kind: 'manager',
    profile: { kind: 'stored', name: file.active, ...stored, tenant: tenant ?? stored.tenant },
  };
}

/** A manager URL without trailing slashes; `host:port` gets `http://`. */
export function normalizeUrl(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`'${text}' is not a manager URL (e.g. http://10.0.0.5:8100).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`A manager URL starts with http:// or https://, not '${url.protocol}//'.`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** The name a profile gets by default: the manager's host and port. */
export function defaultProfileName(url: string): string {
  return new URL(url).host;
}

/** How to sign in to a profile again, as a command line. */
export function loginHint(profile: {
  readonly url: string;
  readonly username?: string | undefined;
  readonly tenant: string;
  readonly name?: string;
}): string {
  const named =
    profile.name === undefined || profile.name === defaultProfileName(profile.url)
      ? ''
      : ` --name ${profile.name}`;
  return `cairn profiles use ${profile.url} -u ${profile.username ?? 'USER'} -p PASSWORD -t ${profile.tenant}${named}`;
}
