/**
 * Local mode as a user meets it: the built `cairn` in child processes with a `$CAIRN_HOME` of
 * its own. The hello-world example is installed for real (its two sites answer over HTTP on
 * ports picked free for the test), inspected with Cloudify's field names, dry-run and
 * uninstalled; then the ways a command can go wrong, each with its message and exit status.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/cairn.js');
const fixtures = join(root, 'packages/cli/test/fixtures/local');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A `$CAIRN_HOME` (and a folder for the example's pages) that no other test sees. */
function profile(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-local-'));
  homes.push(dir);
  return { CAIRN_HOME: join(dir, 'home'), CAIRN_HELLO_DIR: join(dir, 'pages') };
}

const homes: string[] = [];

function cairn(args: string[], env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Run): unknown {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** A port that is free, with the next one free too (the example's second site uses it). */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if ((await canListen(port)) && (await canListen(port + 1))) return port;
  }
  throw new Error('no two free ports side by side');
}

/**
 * The page a site serves, or undefined when nothing answers. A new connection each time: a
 * pooled keep-alive connection that the site closes after its 5 s idle timeout would make a
 * request that races the close fail although the site is up.
 */
function answer(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve(res.statusCode === 200 ? body : undefined);
      });
      res.on('error', () => {
        resolve(undefined);
      });
    });
    request.on('error', () => {
      resolve(undefined);
    });
  });
}

/** Replaces random instance ids with `<node#n>`, numbered in order of appearance. */
function stableIds(text: string): string {
  const seen = new Map<string, string>();
  return text.replace(/\b([a-z]+)_[a-z0-9]{6}\b/g, (id, node: string) => {
    let name = seen.get(id);
    if (name === undefined) {
      name = `<${node}#${[...seen.values()].filter((v) => v.startsWith(`<${node}#`)).length + 1}>`;
      seen.set(id, name);
    }
    return name;
  });
}

const serverPids: number[] = [];

afterAll(() => {
  // A failed test must not leave the example's servers running.
  for (const pid of serverPids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already stopped (uninstall did it).
    }
  }
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

interface InstanceJson {
  id: string;
  node_id: string;
  deployment_id: string;
  host_id: string | null;
  state: string | null;
  runtime_properties: Record<string, unknown>;
  relationships: { type: string; target_name: string; target_id: string }[];
  version: number;
}

interface ExecutionJson {
  id: string;
  workflow_id: string;
  status: string;
}

describe('cairn install / uninstall of examples/hello-world', () => {
  const env = profile();
  let port = 0;
  let executionId = '';

  beforeAll(async () => {
    port = await freePortPair();
  });

  it('installs, prints the outputs and serves both sites', async () => {
    const r = cairn(['install', 'examples/hello-world', '-i', `port=${port}`], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Outputs\n  first_site: "http://127.0.0.1:${port}"\n`);
    expect(r.stderr).toMatch(
      /✔ 'install' on hello-world succeeded in \d+(\.\d)? m?s \(execution [0-9a-f-]{36}\)\.\n$/,
    );
    expect(await answer(port)).toContain('<h1>Hello from Cairn</h1>');
    expect(await answer(port + 1)).toContain('<h1>Hello from Cairn</h1>');
  });

  it('lists node instances with Cloudify field names', () => {
    const list = json(cairn(['node-instances', 'list', '--json'], env)) as InstanceJson[];
    expect(list).toHaveLength(3);
    for (const i of list) {
      expect(Object.keys(i).sort()).toEqual([
        'deployment_id',
        'host_id',
        'id',
        'index',
        'node_id',
        'relationships',
        'runtime_properties',
        'scaling_groups',
        'state',
        'system_properties',
        'version',
      ]);
      expect(i).toMatchObject({ deployment_id: 'hello-world', state: 'started' });
      expect(i.version).toBeGreaterThan(1);
    }
    const host = list.find((i) => i.node_id === 'host');
    const sites = list.filter((i) => i.node_id === 'site');
    expect(host?.id).toMatch(/^host_[a-z0-9]{6}$/);
    expect(sites.map((s) => s.runtime_properties.port).sort()).toEqual([port, port + 1]);
    for (const site of sites) {
      expect(site.host_id).toBe(host?.id);
      expect(site.relationships).toEqual([
        { type: 'cloudify.relationships.contained_in', target_name: 'host', target_id: host?.id },
      ]);
      if (typeof site.runtime_properties.pid === 'number') {
        serverPids.push(site.runtime_properties.pid);
      }
    }
    const one = json(cairn(['node-instances', 'get', sites[0]?.id ?? ''], env)) as InstanceJson;
    expect(one).toEqual(sites[0]);
  });

  it('lists executions with Cloudify field names', () => {
    const list = json(cairn(['executions', 'list', '--json'], env)) as Record<string, unknown>[];
    expect(list).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        workflow_id: 'install',
        deployment_id: 'hello-world',
        status: 'terminated',
        parameters: { type_names: [], node_ids: [], node_instance_ids: [] },
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
        started_at: expect.stringMatching(/Z$/) as string,
        ended_at: expect.stringMatching(/Z$/) as string,
        error: '',
      },
    ]);
    executionId = String(list[0]?.id);
    expect(json(cairn(['executions', 'get', executionId, '--json'], env))).toEqual(list[0]);
  });

  it('prints the outputs as one object, name to value', () => {
    const outputs = json(cairn(['deployments', 'outputs', '--json'], env));
    expect(outputs).toEqual({ first_site: `http://127.0.0.1:${port}` });
    expect(json(cairn(['deployments', 'inputs', '--json'], env))).toEqual({
      port,
      greeting: 'Hello from Cairn',
    });
  });

  it('has the events of the install, in order', () => {
    const r = cairn(['events', 'list', '-e', executionId, '--json'], env);
    expect(r.status).toBe(0);
    const types = r.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event_type: string }).event_type);
    expect(types[0]).toBe('workflow_started');
    expect(types.at(-1)).toBe('workflow_succeeded');
    expect(types.filter((t) => t === 'task_succeeded').length).toBeGreaterThanOrEqual(4);
  });

  it('dry-runs the uninstall: the operations in order, and runs nothing', async () => {
    const r = cairn(['executions', 'start', 'uninstall', '--dry-run'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(stableIds(r.stdout)).toMatchInlineSnapshot(`
      "   1. <site#1>  cloudify.interfaces.lifecycle.stop
         2. <site#2>  cloudify.interfaces.lifecycle.stop
         3. <site#1>  cloudify.interfaces.lifecycle.delete
         4. <site#2>  cloudify.interfaces.lifecycle.delete
      4 operations would run (34 tasks in all, with state changes and events); nothing was run.
      "
    `);
    const steps = json(cairn(['executions', 'start', 'uninstall', '--dry-run', '--json'], env)) as {
      kind: string;
      what: string;
      waits_for: string[];
    }[];
    expect(steps.filter((s) => s.kind === 'operation')).toHaveLength(4);
    const executions = json(cairn(['executions', 'list', '--json'], env)) as ExecutionJson[];
    expect(executions.map((e) => e.id)).toEqual([executionId]);
    const instances = json(cairn(['node-instances', 'list', '--json'], env)) as InstanceJson[];
    expect(instances.map((i) => i.state)).toEqual(['started', 'started', 'started']);
    expect(await answer(port)).toBeDefined();
    expect(await answer(port + 1)).toBeDefined();
  });

  it('uninstalls: the sites stop and the deployment is gone', async () => {
    const r = cairn(['uninstall'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /✔ 'uninstall' on hello-world succeeded in .*\nRemoved the deployment 'hello-world'\.\n$/,
    );
    expect(await answer(port)).toBeUndefined();
    expect(await answer(port + 1)).toBeUndefined();
    expect(json(cairn(['deployments', 'list', '--json'], env))).toEqual([]);
    expect(json(cairn(['blueprints', 'list', '--json'], env))).toEqual([]);
    const gone = cairn(['node-instances', 'list'], env);
    expect(gone.status).toBe(2);
    expect(gone.stderr).toMatchInlineSnapshot(`
      "error: There are no deployments. Install one with \`cairn install PATH\`.
      "
    `);
  });
});

describe('cairn local mode, when something is wrong', () => {
  const env = profile();
  let port = 0;

  beforeAll(async () => {
    port = await freePortPair();
  });

  it('stops a missing required input before a deployment is created, with a code frame', () => {
    const r = cairn(['install', join(fixtures, 'needs-input')], env);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(fixtures, '<fixtures>')).toMatchInlineSnapshot(`
      "packages/cli/test/fixtures/local/needs-input/blueprint.yaml:9:3  error  DSL_INPUT_MISSING  Input 'name' is required, but no value was given and it has no default.
        7 | 
        8 | inputs:
      > 9 |   name:
          |   ^^^^

      ✖ The deployment 'needs-input' was not created: 1 error, 0 warnings.
      "
    `);
    expect(json(cairn(['deployments', 'list', '--json'], env))).toEqual([]);
    expect(json(cairn(['executions', 'list', '--json'], env))).toEqual([]);
  });

  it('stops an input of the wrong type before a deployment is created', () => {
    const r = cairn(
      ['install', join(fixtures, 'needs-input'), '-i', 'name=x', '-i', 'size=big'],
      env,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DSL_TYPE_MISMATCH');
    expect(r.stderr).toContain(
      "The value of input 'size' must be of type 'integer', but it is a string (\"big\").",
    );
    expect(r.stderr).toContain("✖ The deployment 'needs-input' was not created: 1 error");
    expect(json(cairn(['deployments', 'list', '--json'], env))).toEqual([]);
  });

  it('refuses a malformed --task-retries (usage, exit 2)', () => {
    const r = cairn(['install', 'examples/hello-world', '--task-retries', 'abc'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "error: --task-retries takes a whole number, not 'abc'.
      "
    `);
    expect(json(cairn(['deployments', 'list', '--json'], env))).toEqual([]);
  });

  it('names a plugin whose code cannot be found', () => {
    const r = cairn(['install', join(fixtures, 'missing-plugin')], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /✖ 'install' on missing-plugin failed: Task failed: tasks\.create on thing_[a-z0-9]{6} \(cloudify\.interfaces\.lifecycle\.create, attempt 1 of 6\): PluginNotFoundError: plugin "ghost" is not installed, so operation cloudify\.interfaces\.lifecycle\.create cannot run\n/,
    );
    const [failed] = json(cairn(['executions', 'list', '--json'], env)) as (ExecutionJson & {
      error: string;
    })[];
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toContain('plugin "ghost" is not installed');
    expect(cairn(['uninstall', '-d', 'missing-plugin'], env).status).toBe(0);
  });

  it('names a plugin whose package.json declares a bad concurrentOperations', () => {
    const r = cairn(['install', join(fixtures, 'bad-plugin-package')], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /PluginNotFoundError: cannot resolve plugin "greedy": \S+\/plugins\/greedy\/package\.json: cairn\.concurrentOperations must be a positive integer, not "lots"\n/,
    );
    expect(cairn(['uninstall', '-d', 'bad-plugin-package'], env).status).toBe(0);
  });

  it('uploads a blueprint whose folder holds $CAIRN_HOME, leaving the state out of the copy', () => {
    const project = mkdtempSync(join(tmpdir(), 'cairn-project-'));
    homes.push(project);
    cpSync(join(root, 'examples/hello-world'), project, { recursive: true });
    const inside = { CAIRN_HOME: join(project, '.state') };
    const r = cairn(['blueprints', 'upload', project, '-b', 'here'], inside);
    expect(r.status, r.stderr).toBe(0);
    const copy = join(project, '.state', 'blueprints', 'here');
    expect(readdirSync(copy).sort()).toEqual(['blueprint.yaml', 'scripts']);
  });

  describe('with hello-world installed', () => {
    beforeAll(() => {
      const r = cairn(['install', 'examples/hello-world', '-i', `port=${port}`], env);
      expect(r.status, r.stderr).toBe(0);
      for (const i of json(cairn(['node-instances', 'list', '--json'], env)) as InstanceJson[]) {
        if (typeof i.runtime_properties.pid === 'number') serverPids.push(i.runtime_properties.pid);
      }
    });

    afterAll(() => {
      cairn(['uninstall', '-d', 'hello-world'], env);
    });

    it('refuses an unknown workflow, naming the ones there are', () => {
      const r = cairn(['executions', 'start', 'instal'], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^error: The deployment 'hello-world' has no workflow 'instal'\. Its workflows: [a-z_, ]*\binstall\b[a-z_, ]*\.\n$/,
      );
    });

    it('refuses an unknown workflow parameter', () => {
      const r = cairn(['executions', 'start', 'install', '-p', 'colour=blue'], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatchInlineSnapshot(`
        "error: Bad parameters for workflow 'install': 'colour' is not a parameter of 'install' (it takes: type_names, node_ids, node_instance_ids).
        "
      `);
    });

    it('refuses an unknown deployment (usage, exit 2)', () => {
      const r = cairn(['executions', 'start', 'install', '-d', 'nosuch'], env);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatchInlineSnapshot(`
        "error: There is no deployment 'nosuch'.
        "
      `);
    });

    it('refuses to install over an existing deployment', () => {
      const r = cairn(['install', 'examples/hello-world', '-i', `port=${port}`], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^error: A deployment 'hello-world' already exists \(created [^)]+\)\. Uninstall it first \(cairn uninstall -d hello-world\) or choose another id with -d\.\n$/,
      );
    });

    it('refuses to resume a terminated execution', () => {
      const [done] = json(cairn(['executions', 'list', '--json'], env)) as ExecutionJson[];
      const r = cairn(['executions', 'resume', done?.id ?? ''], env);
      expect(r.status).toBe(1);
      expect(r.stderr.replace(done?.id ?? '', '<id>')).toMatchInlineSnapshot(`
        "error: The execution '<id>' is terminated; only a failed, cancelled or interrupted execution can be resumed.
        "
      `);
    });

    it('changed nothing while refusing', async () => {
      const list = json(cairn(['executions', 'list', '--json'], env)) as ExecutionJson[];
      expect(list.map((e) => [e.workflow_id, e.status])).toEqual([['install', 'terminated']]);
      expect(await answer(port)).toBeDefined();
    });
  });
});
