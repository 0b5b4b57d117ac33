/**
 * kill -9 of a manager in the middle of an install of 50 nodes: the next manager on the same
 * data folder resumes the execution by itself, it completes, no succeeded operation runs
 * again, and every operation's events are there exactly once. The manager runs as
 * `cairn manager start` in a process of its own; the plugin is the counter test plugin shipped
 * inside the blueprint archive, which records every call in a file. Once with the embedded
 * SQLite files, once on a PostgreSQL database of the test's own cluster.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '@cairn/api';
import { databaseForBlock, type TestDatabase } from '@cairn/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, REPO, blueprintArchive, blueprintForm } from './harness.js';

const NODES = 50;
const OPERATIONS = ['create', 'configure', 'start'];

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
plugins:
  counter: { executor: central_deployment_agent, install: false }
inputs:
  count_file: { type: string }
node_types:
  test.Counted:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: &op
          implementation: counter.counter_plugin.tasks.op
          inputs:
            count_file: { default: { get_input: count_file } }
            ms: { default: 40 }
        configure: *op
        start: *op
node_templates:
${Array.from({ length: NODES }, (_, i) => `  n${i}: { type: test.Counted }`).join('\n')}
`;

interface Manager {
  readonly child: ChildProcess;
  readonly url: string;
}

const running: ChildProcess[] = [];

/** Starts `cairn manager start` on `dataDir` (and `db`, if given) and waits until it listens. */
function startManagerProcess(dataDir: string, db: string | undefined): Promise<Manager> {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'packages/cli/bin/cairn.js'),
      'manager',
      'start',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...(db === undefined ? [] : ['--db', db]),
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        CAIRN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  running.push(child);
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match?.[1] !== undefined) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => {
      reject(new Error(`the manager exited (${code ?? 'signal'}) before listening:\n${stderr}`));
    });
  });
}

/** The calls the counter recorded, as `<instance> <operation>` lines. */
function calls(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace('cloudify.interfaces.lifecycle.', ''));
}

function tally(list: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of list) out.set(item, (out.get(item) ?? 0) + 1);
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'cairn-manager-crash-'));

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe.each(['sqlite', 'postgres'] as const)('manager crash during an install (%s)', (db) => {
  const databaseOf = databaseForBlock(db);
  let database: TestDatabase | undefined;

  beforeAll(() => {
    database = databaseOf();
  });

  it('resumes after kill -9: the install completes, nothing that succeeded runs again, no event lost', async () => {
    const dataDir = join(work, `data-${db}`);
    const countFile = join(work, `count-${db}.txt`);
    const first = await startManagerProcess(dataDir, database?.url);
    const client = new ApiClient({
      url: first.url,
      credentials: { username: 'admin', password: ADMIN_PASSWORD },
    });
    await client.login();
    const counter = readFileSync(join(REPO, 'e2e/fixtures/counter-plugin/index.js'), 'utf8');
    const archive = await blueprintArchive({
      'blueprint.yaml': BLUEPRINT,
      'plugins/counter/index.js': counter,
    });
    await client.call('uploadBlueprint', {
      params: { id: 'fifty' },
      body: blueprintForm(archive, {}),
    });
    await client.call('createDeployment', {
      params: { id: 'fifty-1' },
      body: { blueprint_id: 'fifty', inputs: { count_file: countFile } },
    });
    const execution = await client.call('startExecution', {
      body: { deployment_id: 'fifty-1', workflow_id: 'install' },
    });

    // About a third of the way in, the manager is killed outright.
    const total = NODES * OPERATIONS.length;
    const deadline = Date.now() + 60_000;
    while (calls(countFile).length < total / 3) {
      if (Date.now() > deadline) throw new Error('the install did not get going');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const atKill = calls(countFile).length;
    expect(atKill).toBeLessThan(total);

    // A new manager on the same folder picks the execution up by itself.
    const second = await startManagerProcess(dataDir, database?.url);
    const again = new ApiClient({
      url: second.url,
      credentials: { username: 'admin', password: ADMIN_PASSWORD },
    });
    let status = '';
    for (let i = 0; i < 600 && status !== 'terminated' && status !== 'failed'; i += 1) {
      status = (await again.call('getExecution', { params: { id: execution.id } })).status;
      if (status !== 'terminated') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('terminated');

    const events = (
      await again.call('listEvents', {
        query: { execution_id: execution.id, _get_all_results: true },
      })
    ).items;
    // Every operation succeeded exactly once, as the stored events tell …
    const succeeded = tally(
      events
        // Operations' tasks (subgraphs report task_succeeded too, without an operation).
        .filter((e) => e.event_type === 'task_succeeded' && e.operation !== null)
        .map(
          (e) =>
            `${e.node_instance_id ?? ''} ${(e.operation ?? '').replace('cloudify.interfaces.lifecycle.', '')}`,
        ),
    );
    expect(succeeded.size).toBe(total);
    expect([...succeeded.values()].every((n) => n === 1)).toBe(true);
    // … and ran once, except the few that were running when the manager died (their success
    // was never recorded, so they ran again: at most the execution's parallelism of them).
    const ran = tally(calls(countFile));
    expect(ran.size).toBe(total);
    const twice = [...ran.entries()].filter(([, n]) => n > 1);
    expect(twice.every(([, n]) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(50);
    for (const [operation] of twice) expect(succeeded.get(operation)).toBe(1);
    // The run's own events: started, interrupted (failed), resumed, succeeded.
    const workflowEvents = events
      .map((e) => e.event_type)
      .filter((t) => t !== null && t.startsWith('workflow_'));
    expect(workflowEvents[0]).toBe('workflow_started');
    expect(workflowEvents).toContain('workflow_failed');
    expect(workflowEvents.at(-1)).toBe('workflow_succeeded');
    const instances = await again.call('listNodeInstances', {
      query: { deployment_id: 'fifty-1', _get_all_results: true },
    });
    expect(instances.items.map((i) => i.state)).toEqual(
      Array.from({ length: NODES }, () => 'started'),
    );
    // The state the second manager resumed from was where it was told to keep it.
    expect(existsSync(join(dataDir, 'manager.db'))).toBe(database === undefined);
    if (database !== undefined) expect(await database.dump()).toContain(execution.id);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  }, 180_000);
});
