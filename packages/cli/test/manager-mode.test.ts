/**
 * Manager mode as an operator meets it: a real manager started in this process, and `cairn`'s
 * `main` run against it with a `$CAIRN_HOME` of its own. Signing in (a wrong password refused,
 * the token stored and never the password), tenants and users, the file plugin uploaded, a
 * secret, a blueprint using both, a deployment installed with live events, outputs, uninstall
 * and deletes; `cairn install` in one command; and the ways it goes wrong: an unknown
 * deployment, an invalid blueprint, bad inputs, an expired or revoked token, a wrong password
 * in the environment. All of it once on the embedded SQLite directory and once on a PostgreSQL
 * database of the test's own throwaway cluster.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '@cairn/api';
import { startManager, type RunningManager } from '@cairn/manager';
import { packPlugin } from '@cairn/plugin-host';
import { databaseForBlock, type TestDatabase } from '@cairn/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import type { Output } from '../src/output.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ADMIN_PASSWORD = 'admin-password-for-cli-tests';
const ALICE_PASSWORD = 'alice-password-1';
const SECRET = 'the-secret-value-5d2b8e';

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const identity = (text: string): string => text;

/**
 * Runs `cairn args` in this process with its output captured; `env` is set for the run only
 * (undefined unsets a variable).
 */
async function cairn(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    style: { error: identity, warning: identity, dim: identity, bold: identity, ok: identity },
    color: false,
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Readonly<Record<string, string | undefined>>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    const status = await main(args, output);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    apply(saved);
  }
}

/** `cairn args --json`, which must succeed, parsed. */
async function json<T>(args: readonly string[]): Promise<T> {
  const r = await cairn([...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const blueprintText = (folder: string): string => `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cairn-file-plugin
inputs:
  name:
    type: string
    default: world
node_templates:
  greeting:
    type: cairn.nodes.File
    properties:
      path: ${folder}/greeting.txt
      content: { concat: ['hello ', { get_input: name }, ' ', { get_secret: greeting }] }
outputs:
  digest:
    value: { get_attribute: [greeting, sha256] }
`;

let manager: RunningManager;
let work: string;
let home: string;
let bundle: string;

/** A blueprint folder under the work folder; its file writes into `<folder>/out`. */
function blueprintFolder(name: string, text?: string): { dir: string; out: string } {
  const dir = join(work, name);
  const out = join(dir, 'out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'blueprint.yaml'), text ?? blueprintText(out));
  return { dir, out };
}

function storedProfiles(): {
  active: string;
  profiles: Record<string, { token: string; token_id: string; token_expires_at: string }>;
} {
  return JSON.parse(readFileSync(join(home, 'profiles.json'), 'utf8')) as ReturnType<
    typeof storedProfiles
  >;
}

describe.each(['sqlite', 'postgres'] as const)('cairn in manager mode (%s)', (db) => {
  const databaseOf = databaseForBlock(db);
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-cli-manager-'));
    home = join(work, 'home');
    process.env.CAIRN_HOME = home;
    for (const key of [
      'CAIRN_MANAGER_URL',
      'CAIRN_MANAGER_USER',
      'CAIRN_MANAGER_PASSWORD',
      'CAIRN_MANAGER_TENANT',
    ]) {
      Reflect.deleteProperty(process.env, key);
    }
    database = databaseOf();
    manager = await startManager({
      port: 0,
      dataDir: join(work, 'manager'),
      ...(database === undefined ? {} : { db: database.url }),
      logLevel: false,
      shutdownGraceMs: 2000,
      env: { CAIRN_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    const packed = await packPlugin({
      dir: join(REPO, 'plugins', 'file'),
      output: join(work, 'cairn-file-plugin.cairn.tgz'),
      cairnVersion: '0.1.0',
    });
    bundle = packed.file;
  }, 60_000);

  afterAll(async () => {
    await manager?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a wrong password with a clear message and stores nothing', async () => {
    const r = await cairn(['profiles', 'use', manager.url, '-u', 'admin', '-p', 'wrong-password']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error: The manager at ${manager.url} refused user 'admin'`);
    expect(existsSync(join(home, 'profiles.json'))).toBe(false);
  });

  it('signs in with a token stored 0600, never the password', async () => {
    const r = await cairn(['profiles', 'use', manager.url, '-u', 'admin', '-p', ADMIN_PASSWORD]);
    expect(r.status, r.stderr).toBe(0);
    const name = new URL(manager.url).host;
    expect(r.stderr).toContain(`profile '${name}' is active`);
    const file = join(home, 'profiles.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(ADMIN_PASSWORD);
    const stored = storedProfiles();
    expect(stored.active).toBe(name);
    expect(stored.profiles[name]?.token).toMatch(/^ctok-/);
    const shown = await json<Record<string, string>>(['profiles', 'show']);
    expect(shown).toMatchObject({
      mode: 'manager',
      url: manager.url,
      username: 'admin',
      tenant: 'default_tenant',
    });
    expect(JSON.stringify(shown)).not.toContain('ctok-');
  });

  it('creates a tenant and a user and adds the user to it', async () => {
    expect((await cairn(['tenants', 'create', 'acme'])).status).toBe(0);
    const created = await cairn(['users', 'create', 'alice', '-p', ALICE_PASSWORD]);
    expect(created.status, created.stderr).toBe(0);
    const added = await cairn(['tenants', 'add-user', 'alice', '-t', 'acme', '-r', 'user']);
    expect(added.status, added.stderr).toBe(0);
    const tenants = await json<{ name: string; user_roles: { direct: Record<string, string> } }[]>([
      'tenants',
      'list',
    ]);
    expect(tenants.find((t) => t.name === 'acme')?.user_roles.direct).toEqual({ alice: 'user' });
    const users = await cairn(['users', 'list']);
    expect(users.stdout).toMatch(/^alice\s+default\s+yes\s+acme \(user\)/m);
  });

  it('switches to a profile for alice in acme; profiles list marks it', async () => {
    const outsider = await cairn([
      'profiles',
      'use',
      manager.url,
      '-u',
      'alice',
      '-p',
      ALICE_PASSWORD,
    ]);
    expect(outsider.status).toBe(2);
    expect(outsider.stderr).toContain(
      "error: User 'alice' is not a member of a tenant 'default_tenant'",
    );
    const r = await cairn([
      'profiles',
      'use',
      manager.url,
      '-u',
      'alice',
      '-p',
      ALICE_PASSWORD,
      '-t',
      'acme',
      '--name',
      'alice',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const list = await cairn(['profiles', 'list']);
    expect(list.stdout).toMatch(
      new RegExp(`^\\*\\s+alice\\s+${manager.url}\\s+alice\\s+acme\\s+valid until`, 'm'),
    );
    expect(list.stdout).toMatch(/^\s+local\s+\(this machine\)/m);
    const help = await cairn(['--help']);
    expect(help.stdout).toContain(
      `Manager mode: commands work on alice@${manager.url}, tenant acme`,
    );
  });

  let pluginId = '';
  it('uploads the file plugin bundle, a secret and a blueprint', async () => {
    const uploaded = await cairn(['plugins', 'upload', bundle]);
    expect(uploaded.status, uploaded.stderr).toBe(0);
    pluginId = uploaded.stdout.trim();
    expect(uploaded.stderr).toContain(
      `Uploaded cairn-file-plugin 0.1.0 (id ${pluginId}, visibility tenant)`,
    );
    const plugins = await json<{ id: string; package_name: string; created_by: string }[]>([
      'plugins',
      'list',
    ]);
    expect(plugins).toEqual([
      expect.objectContaining({
        id: pluginId,
        package_name: 'cairn-file-plugin',
        created_by: 'alice',
      }),
    ]);
    const downloaded = join(work, 'downloaded.cairn.tgz');
    const download = await cairn([
      'plugins',
      'download',
      'cairn-file-plugin@0.1.0',
      '-o',
      downloaded,
    ]);
    expect(download.status, download.stderr).toBe(0);
    expect(readFileSync(downloaded).equals(readFileSync(bundle))).toBe(true);

    const secret = await cairn(['secrets', 'create', 'greeting', '-s', SECRET]);
    expect(secret.status, secret.stderr).toBe(0);
    const secrets = await cairn(['secrets', 'list']);
    expect(secrets.stdout).toMatch(/^greeting\s+tenant\s+no\s+alice/m);
    expect(secrets.stdout).not.toContain(SECRET);

    const { dir } = blueprintFolder('hello');
    const blueprint = await cairn(['blueprints', 'upload', dir, '-b', 'hello']);
    expect(blueprint.status, blueprint.stderr).toBe(0);
    expect(blueprint.stderr).toContain(
      "Uploaded the blueprint 'hello' to tenant acme (visibility tenant).",
    );
    const archive = join(work, 'hello.tar.gz');
    expect((await cairn(['blueprints', 'download', 'hello', '-o', archive])).status).toBe(0);
    expect([...readFileSync(archive).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const list = await json<{ id: string; main_file_name: string }[]>(['blueprints', 'list']);
    expect(list).toEqual([
      expect.objectContaining({ id: 'hello', main_file_name: 'blueprint.yaml' }),
    ]);
    // The plan is long: the list leaves it to `blueprints get ID --json`.
    expect(list[0]).not.toHaveProperty('plan');
    const table = await cairn(['blueprints', 'list']);
    expect(table.stdout.split('\n')).toEqual([
      expect.stringMatching(/^ID +VISIBILITY +CREATED BY +CREATED +DESCRIPTION$/),
      expect.stringMatching(/^hello +tenant +alice +\d{4}-\d\d-\d\dT/),
    ]);
  });

  let installId = '';
  it('creates a deployment and installs it with live events', async () => {
    const created = await cairn([
      'deployments',
      'create',
      'hello-1',
      '-b',
      'hello',
      '-i',
      'name=acme',
    ]);
    expect(created.status, created.stderr).toBe(0);
    const r = await cairn(['executions', 'start', 'install', '-d', 'hello-1', '--follow']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    // Event lines as local mode prints them: time, node instance, message.
    expect(lines.some((l) => /^\d\d:\d\d:\d\d {2}greeting_[a-z0-9]{6} {2}.*create/.test(l))).toBe(
      true,
    );
    const summary = /✔ 'install' on hello-1 succeeded in [\d.]+ m?s \(execution ([\w-]+)\)\./.exec(
      r.stderr,
    );
    expect(summary, r.stderr).not.toBeNull();
    installId = summary?.[1] ?? '';
    expect(readFileSync(join(work, 'hello', 'out', 'greeting.txt'), 'utf8')).toBe(
      `hello acme ${SECRET}`,
    );
    expect(r.stderr).not.toContain(SECRET);
  }, 120_000);

  it('lists over every tenant with -a, with a TENANT column', async () => {
    const asAdmin = {
      CAIRN_HOME: join(work, 'admin-home'),
      CAIRN_MANAGER_URL: manager.url,
      CAIRN_MANAGER_USER: 'admin',
      CAIRN_MANAGER_PASSWORD: ADMIN_PASSWORD,
      CAIRN_MANAGER_TENANT: 'default_tenant',
    };
    const here = await cairn(['deployments', 'list'], asAdmin);
    expect(here.status, here.stderr).toBe(0);
    expect(here.stderr).toBe('No deployments.');
    const everywhere = await cairn(['deployments', 'list', '-a'], asAdmin);
    expect(everywhere.status, everywhere.stderr).toBe(0);
    const [header, row] = everywhere.stdout.split('\n');
    expect(header).toMatch(/^ID +TENANT +BLUEPRINT +INSTALLED/);
    expect(row).toMatch(/^hello-1 +acme +hello +active +terminated +alice /);
    const secrets = await cairn(['secrets', 'list', '--all-tenants', '--json'], asAdmin);
    expect(JSON.parse(secrets.stdout)).toMatchObject([{ key: 'greeting', tenant_name: 'acme' }]);
  });

  it('keeps its state in the database it was started on', async () => {
    const sqliteFile = join(work, 'manager', 'manager.db');
    if (database === undefined) {
      expect(existsSync(sqliteFile)).toBe(true);
    } else {
      // Nothing on disk but the plugin and blueprint files; the deployment is in PostgreSQL.
      expect(existsSync(sqliteFile)).toBe(false);
      expect(await database.dump()).toContain('hello-1');
    }
  });

  it('shows outputs, node instances, executions and events', async () => {
    const outputs = await json<{ digest: string }>(['deployments', 'outputs', 'hello-1']);
    expect(outputs.digest).toMatch(/^[0-9a-f]{64}$/);
    const instances = await json<{ node_id: string; state: string }[]>([
      'node-instances',
      'list',
      '-d',
      'hello-1',
    ]);
    expect(instances.map((i) => [i.node_id, i.state])).toEqual([['greeting', 'started']]);
    const executions = await cairn(['executions', 'list', '-d', 'hello-1']);
    expect(executions.stdout).toMatch(
      new RegExp(`^${installId}\\s+hello-1\\s+install\\s+terminated\\s+alice`, 'm'),
    );
    const events = await cairn(['events', 'list', '-e', installId, '--include-logs', '--json']);
    expect(events.status, events.stderr).toBe(0);
    const types = events.stdout
      .split('\n')
      .map((l) => (JSON.parse(l) as { event_type: string | null }).event_type);
    expect(types).toContain('workflow_started');
    expect(types.filter((t) => t !== null).at(-1)).toBe('workflow_succeeded');
    const inputs = await cairn(['deployments', 'inputs', 'hello-1']);
    expect(inputs.stdout).toBe('name: "acme"');
  });

  it('uninstalls, deleting the deployment and its blueprint', async () => {
    const r = await cairn(['uninstall', 'hello-1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("✔ 'uninstall' on hello-1 succeeded");
    expect(r.stderr).toContain("Deleted the deployment 'hello-1' and the blueprint 'hello'.");
    expect(existsSync(join(work, 'hello', 'out', 'greeting.txt'))).toBe(false);
    expect(await json<unknown[]>(['deployments', 'list'])).toEqual([]);
    expect(await json<unknown[]>(['blueprints', 'list'])).toEqual([]);
  }, 120_000);

  it('installs in one command: upload, create, install with live events, outputs', async () => {
    const { dir, out } = blueprintFolder('app');
    const r = await cairn(['install', dir, '-d', 'app-1', '-i', 'name=one']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Uploaded the blueprint 'app'.");
    expect(r.stderr).toContain("Created the deployment 'app-1'.");
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d {2}greeting_[a-z0-9]{6} {2}/m);
    expect(r.stderr).toContain("✔ 'install' on app-1 succeeded");
    expect(r.stdout).toMatch(/^Outputs\n {2}digest: "[0-9a-f]{64}"$/);
    expect(readFileSync(join(out, 'greeting.txt'), 'utf8')).toBe(`hello one ${SECRET}`);

    const again = await cairn(['install', dir, '-d', 'app-1']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("error: A deployment 'app-1' already exists");

    // Started without --follow, followed afterwards; then the records deleted one by one.
    const started = await cairn(['executions', 'start', 'uninstall', '-d', 'app-1']);
    expect(started.status, started.stderr).toBe(0);
    const executionId = started.stdout.trim();
    expect(started.stderr).toContain(`cairn events list -e ${executionId} --tail`);
    const tail = await cairn(['events', 'list', '-e', executionId, '--tail']);
    expect(tail.status, tail.stderr).toBe(0);
    expect(tail.stdout.split('\n').at(-1)).toMatch(/'uninstall' workflow execution succeeded$/);
    expect(existsSync(join(out, 'greeting.txt'))).toBe(false);
    const inUse = await cairn(['blueprints', 'delete', 'app']);
    expect(inUse.status).toBe(1);
    expect(inUse.stderr).toContain('error: Blueprint "app" is used by deployment "app-1"');
    expect((await cairn(['deployments', 'delete', 'app-1'])).status).toBe(0);
    expect((await cairn(['blueprints', 'delete', 'app'])).status).toBe(0);
    expect(await json<unknown[]>(['blueprints', 'list'])).toEqual([]);
  }, 120_000);

  it('says what is wrong with an unknown deployment, exit 2', async () => {
    const r = await cairn(['deployments', 'get', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: Deployment 'nope' not found");
    const outputs = await cairn(['deployments', 'outputs', 'nope']);
    expect(outputs.status).toBe(2);
    expect(outputs.stderr).toContain("Deployment 'nope' not found");
  });

  it('prints the diagnostics of an invalid blueprint with file:line:column and a code frame', async () => {
    const { dir } = blueprintFolder(
      'broken',
      blueprintText('/tmp').replace('type: cairn.nodes.File', 'type: cairn.nodes.Fil'),
    );
    const r = await cairn(['blueprints', 'upload', dir, '-b', 'broken']);
    expect(r.status).toBe(1);
    // The file as it is on this machine (outside the working folder: its absolute path).
    expect(r.stderr).toContain(`${join(dir, 'blueprint.yaml')}:11:11  error  DSL_UNKNOWN_TYPE`);
    expect(r.stderr).toContain('> 11 |     type: cairn.nodes.Fil');
    expect(r.stderr).toMatch(/✖ .*broken is not valid: 1 error/);
    expect(await json<unknown[]>(['blueprints', 'list'])).toEqual([]);
  });

  it('undoes the upload when install cannot create the deployment', async () => {
    const { dir } = blueprintFolder('typed');
    const r = await cairn(['install', dir, '-i', 'nosuch=1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DSL_INPUT_UNKNOWN');
    expect(r.stderr).toContain("✖ The deployment 'typed' was not created: 1 error, 0 warnings.");
    expect(r.stderr).toContain("Deleted the blueprint 'typed' again.");
    expect(await json<unknown[]>(['blueprints', 'list'])).toEqual([]);
  });

  it('says when the stored token has expired or was revoked, and how to sign in again', async () => {
    const file = join(home, 'profiles.json');
    const original = readFileSync(file, 'utf8');
    const stored = storedProfiles();
    const alice = stored.profiles.alice;
    expect(alice).toBeDefined();
    const hint = `cairn profiles use ${manager.url} -u alice -p PASSWORD -t acme --name alice`;

    writeFileSync(
      file,
      JSON.stringify({
        ...stored,
        profiles: {
          ...stored.profiles,
          alice: { ...alice, token_expires_at: '2020-01-01T00:00:00.000Z' },
        },
      }),
    );
    const expired = await cairn(['deployments', 'list']);
    expect(expired.status).toBe(1);
    expect(expired.stderr).toContain("The token of profile 'alice'");
    expect(expired.stderr).toContain('expired at 2020-01-01T00:00:00.000Z');
    expect(expired.stderr).toContain(hint);
    writeFileSync(file, original);

    const owner = new ApiClient({ url: manager.url, credentials: { token: alice?.token ?? '' } });
    await owner.call('deleteToken', { params: { id: alice?.token_id ?? '' } });
    const revoked = await cairn(['deployments', 'list']);
    expect(revoked.status).toBe(1);
    expect(revoked.stderr).toContain(
      `refused the token of profile 'alice' (user alice): it has expired or was revoked`,
    );
    expect(revoked.stderr).toContain(hint);

    const again = await cairn(['profiles', 'use', 'alice', '-p', ALICE_PASSWORD]);
    expect(again.status, again.stderr).toBe(0);
    expect((await cairn(['deployments', 'list'])).status).toBe(0);
  });

  it('uses CAIRN_MANAGER_* from the environment with basic auth, no profile needed', async () => {
    const env = {
      CAIRN_HOME: join(work, 'ci-home'),
      CAIRN_MANAGER_URL: manager.url,
      CAIRN_MANAGER_USER: 'alice',
      CAIRN_MANAGER_PASSWORD: ALICE_PASSWORD,
      CAIRN_MANAGER_TENANT: 'acme',
    };
    const r = await cairn(['plugins', 'get', 'cairn-file-plugin@0.1.0', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: pluginId, tenant_name: 'acme' });
    expect(existsSync(join(work, 'ci-home', 'profiles.json'))).toBe(false);
    const wrong = await cairn(['secrets', 'list'], { ...env, CAIRN_MANAGER_PASSWORD: 'nope-nope' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(
      `error: The manager at ${manager.url} refused CAIRN_MANAGER_USER 'alice' with CAIRN_MANAGER_PASSWORD`,
    );
  });

  it('deletes the plugin and the secret, switches back to local and forgets profiles', async () => {
    expect((await cairn(['plugins', 'delete', pluginId])).status).toBe(0);
    expect(await json<unknown[]>(['plugins', 'list'])).toEqual([]);
    expect((await cairn(['secrets', 'delete', 'greeting'])).status).toBe(0);
    const missing = await cairn(['secrets', 'get', 'greeting']);
    expect(missing.status).toBe(2);

    const local = await cairn(['profiles', 'use', 'local']);
    expect(local.status, local.stderr).toBe(0);
    expect(await json<Record<string, string>>(['profiles', 'show'])).toMatchObject({
      mode: 'local',
    });
    expect((await cairn(['--help'])).stdout).toContain('Local mode:');
    // An active profile that is not stored: every command says so, `profiles use` repairs it.
    const file = join(home, 'profiles.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ ...storedProfiles(), active: 'ghost' }));
    const lost = await cairn(['deployments', 'list']);
    expect(lost.status).toBe(2);
    expect(lost.stderr).toContain("error: The active profile 'ghost' is not in");
    expect((await cairn(['profiles', 'use', 'local'])).status).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(original));

    const deleted = await cairn(['profiles', 'delete', 'alice']);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain("Deleted the profile 'alice' and revoked its token.");
    expect(Object.keys(storedProfiles().profiles)).toEqual([new URL(manager.url).host]);
  });
});
