/**
 * The `mode` and `owner` properties: what blueprint authors write for them, and what that means
 * as permission bits and numeric ids.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** A property value read, or why it cannot be. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

/** Permission bits and, when the value looks like a YAML 1.1 octal slip, a warning to log. */
export interface Mode {
  readonly bits: number;
  readonly warning?: string;
}

/** `0o644` → `'0644'`. */
export function formatMode(bits: number): string {
  return `0${bits.toString(8).padStart(3, '0')}`;
}

/**
 * Reads a `mode` value. Accepted: a string of octal digits (`'0644'`, `'644'`, `'0o644'`) and an
 * integer whose decimal digits are octal (`644` means 0644: Cloudify users write it so, and a
 * chmod command line reads it so). Up to 0o7777: setuid, setgid and sticky bits are allowed.
 *
 * The catch: YAML 1.1, which blueprints are read with, takes an unquoted `0644` as the octal
 * number 420. No plugin can tell that 420 from a written 420, so the value is read as 0420 as
 * documented, and the returned warning says what probably happened. An integer with an 8 or 9
 * in it cannot be octal digits, so it is refused with the same hint.
 */
export function parseMode(value: unknown): Parsed<Mode> {
  const shown = JSON.stringify(value) ?? String(value);
  const advice = "give octal digits, as a string ('0644') or an integer (644)";
  if (typeof value === 'string') {
    const digits = value.trim().replace(/^0o/i, '');
    if (!/^[0-7]{1,5}$/.test(digits) || Number.parseInt(digits, 8) > 0o7777) {
      return bad(`is ${shown}, not a file mode: ${advice}`);
    }
    return ok({ bits: Number.parseInt(digits, 8) });
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    const digits = String(value);
    if (/^[0-7]{1,4}$/.test(digits)) {
      const bits = Number.parseInt(digits, 8);
      // 256..511 is what an unquoted 0400..0777 becomes: the likely slips.
      const slip = value >= 0o400 && value <= 0o777;
      return ok(
        slip
          ? {
              bits,
              warning: `mode ${digits} is taken as ${formatMode(bits)} (its digits read as octal). If the blueprint says ${formatMode(value)} unquoted, YAML read that as the number ${digits}: write '${formatMode(value)}' or ${value.toString(8)} instead.`,
            }
          : { bits },
      );
    }
    const hint =
      value <= 0o7777
        ? ` (an unquoted ${formatMode(value)} is the number ${digits} in YAML 1.1: write '${formatMode(value)}' or ${value.toString(8)})`
        : '';
    return bad(`is ${digits}, not a file mode: ${advice}${hint}`);
  }
  return bad(`is ${shown}, not a file mode: ${advice}`);
}

/** A user or a group: a name to look up, or a numeric id. */
export type Principal = string | number;

/** An `owner` value, parsed but not yet looked up. */
export interface OwnerSpec {
  /** As written, for messages. */
  readonly text: string;
  readonly user: Principal | undefined;
  /** The group; `undefined` with {@link OwnerSpec.loginGroup} false leaves the group as is. */
  readonly group: Principal | undefined;
  /** `user:` — the user's login group, as chown does. */
  readonly loginGroup: boolean;
}

const NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,255}\$?$/;
const ID = /^\d+$/;
/** The largest id: 2^32 - 2 (2^32 - 1 is chown's "unchanged"). */
const MAX_ID = 0xfffffffe;

function principal(text: string): Principal | undefined {
  if (ID.test(text)) {
    const id = Number(text);
    return Number.isSafeInteger(id) && id <= MAX_ID ? id : undefined;
  }
  // A leading '-' is refused by NAME: a name is passed to getent as an argument.
  return NAME.test(text) ? text : undefined;
}

/**
 * Reads an `owner` value as chown takes it: `user`, `user:group`, `:group`, or `user:` (the
 * user's login group). Names or numeric ids; an integer is a uid. Digits are always an id, never
 * a name. (Cloudify's utilities plugin reads a lone `user` as `user:user`; chown's reading is the
 * one shell users know.)
 */
export function parseOwner(value: unknown): Parsed<OwnerSpec> {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 && value <= MAX_ID
      ? ok({ text: String(value), user: value, group: undefined, loginGroup: false })
      : bad(`is ${value}, not a user id`);
  }
  if (typeof value !== 'string') {
    return bad(`is ${JSON.stringify(value)}, not an owner: give 'user', 'user:group' or ':group'`);
  }
  const text = value.trim();
  const parts = text.split(':');
  const [userText = '', groupText] = parts;
  if (parts.length > 2 || (userText === '' && (groupText ?? '') === '')) {
    return bad(`is ${JSON.stringify(value)}, not an owner: give 'user', 'user:group' or ':group'`);
  }
  const user = userText === '' ? undefined : principal(userText);
  if (userText !== '' && user === undefined) {
    return bad(`is ${JSON.stringify(value)}: ${JSON.stringify(userText)} is not a user name or id`);
  }
  const group = groupText === undefined || groupText === '' ? undefined : principal(groupText);
  if (groupText !== undefined && groupText !== '' && group === undefined) {
    return bad(
      `is ${JSON.stringify(value)}: ${JSON.stringify(groupText)} is not a group name or id`,
    );
  }
  return ok({ text, user, group, loginGroup: groupText === '' });
}

/** Numeric ids to chown to; -1 leaves that id as it is. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** A passwd or group entry: its name, id and (passwd) login group. */
interface Entry {
  readonly id: number;
  readonly gid: number;
}

/**
 * One entry from the system's user or group database. `getent` asks NSS, so users from LDAP or
 * sssd are found too; where there is no getent (macOS, minimal containers) /etc/passwd and
 * /etc/group are read instead.
 */
async function lookup(
  database: 'passwd' | 'group',
  name: string,
  signal: AbortSignal,
): Promise<Entry | undefined> {
  const line = await new Promise<string | undefined | null>((resolve, reject) => {
    execFile(
      'getent',
      [database, name],
      { signal, timeout: 10_000, encoding: 'utf8' },
      (error, stdout) => {
        if (error === null) resolve(stdout.split('\n')[0]);
        else if (signal.aborted) reject(signal.reason as Error);
        // getent's exit status 2: no such entry.
        else if (error.code === 2) resolve(undefined);
        // No getent, or it cannot answer: read the files.
        else resolve(null);
      },
    );
  });
  const found =
    line !== null
      ? line
      : (
          await readFile(database === 'passwd' ? '/etc/passwd' : '/etc/group', 'utf8').catch(
            () => '',
          )
        )
          .split('\n')
          .find((entry) => entry.split(':')[0] === name);
  if (found === undefined || found === '') return undefined;
  const fields = found.split(':');
  const id = Number(fields[2]);
  const gid = Number(database === 'passwd' ? fields[3] : fields[2]);
  return Number.isInteger(id) && Number.isInteger(gid) ? { id, gid } : undefined;
}

/**
 * Looks up the names in an {@link OwnerSpec}. Resolves to the ids, or to a problem when a name
 * is unknown (before any file is written, so a typo changes nothing on disk).
 */
export async function resolveOwner(spec: OwnerSpec, signal: AbortSignal): Promise<Parsed<Owner>> {
  let uid = -1;
  let gid = -1;
  let loginGid: number | undefined;
  if (typeof spec.user === 'number') {
    uid = spec.user;
  } else if (spec.user !== undefined) {
    const entry = await lookup('passwd', spec.user, signal);
    if (entry === undefined) {
      return bad(
        `is ${JSON.stringify(spec.text)}: there is no user '${spec.user}' on this machine`,
      );
    }
    uid = entry.id;
    loginGid = entry.gid;
  }
  if (typeof spec.group === 'number') {
    gid = spec.group;
  } else if (spec.group !== undefined) {
    const entry = await lookup('group', spec.group, signal);
    if (entry === undefined) {
      return bad(
        `is ${JSON.stringify(spec.text)}: there is no group '${spec.group}' on this machine`,
      );
    }
    gid = entry.id;
  } else if (spec.loginGroup) {
    if (loginGid === undefined && typeof spec.user === 'number') {
      // `1000:` names no user to take a login group from; chown looks the id up, so do we.
      const entry = await lookup('passwd', String(spec.user), signal);
      loginGid = entry?.gid;
    }
    if (loginGid === undefined) {
      return bad(`is ${JSON.stringify(spec.text)}: user ${spec.user ?? ''} has no login group`);
    }
    gid = loginGid;
  }
  return ok({ uid, gid });
}
