/**
 * Cancel and resume with the real pieces: the SQLite store, the local executor and its worker
 * processes, the counter plugin (`e2e/fixtures/counter-plugin`) on the four nodes of
 * `e2e/fixtures/counted`. The first half drives the engine in this process; the second drives
 * the `cairn` command, where the cancel or the second start comes from another process.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlueprint, type Plan, type PlanValue } from '@cairn/dsl';
import { createNodeHost, fileUrl } from '@cairn/dsl/node';
import { createEngine, type Engine } from '@cairn/engine';
import { isCairnError } from '@cairn/errors';
import { createLocalExecutor } from '@cairn/plugin-host';
import { createSqliteStore, type EventRecord, type JsonObject, type Store } from '@cairn/store';
import {
  HAS_PROC,
  ROOT,
  isRunning,
  jsonOf,
  processesWithEnv,
  runCairn,
  startCairn,
} from './helpers/cli.js';

const BLUEPRINT_DIR = join(ROOT, 'e2e/fixtures/counted');
const PLUGIN_DIR = join(ROOT, 'e2e/fixtures/counter-plugin');
const NODES = ['a', 'b', 'c', 's'];
const INSTALL_OPS = NODES.flatMap((n) =>
  ['create', 'configure', 'start'].map((op) => `${n} ${op}`),
);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, failing with `what` after `ms`. */
async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The calls in a count file as `<node> <operation>` (instance ids end in `_xxxxxx`). */
function calls(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      line.replace(/^([a-z]+)_[a-z0-9]+ cloudify\.interfaces\.lifecycle\.(\w+)$/, '$1 $2'),
    );
}

function tally(list: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of [...list].sort()) out[item] = (out[item] ?? 0) + 1;
  return out;
}

let work: string;
let plan: Plan;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-cancel-'));
  const parsed = await parseBlueprint(fileUrl(join(BLUEPRINT_DIR, 'blueprint.yaml')), {
    host: createNodeHost({ offline: true }),
  });
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  if (parsed.plan === undefined) throw new Error('the counted blueprint has no plan');
  plan = parsed.plan;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Rig {
  readonly engine: Engine;
  readonly store: Store;
  readonly countFile: string;
  readonly gate: string;
  close(): Promise<void>;
}

let rigs = 0;

/** A store, an executor, an engine and the deployment `dep` of the counted blueprint. */
async function rig(inputs: {
  gate?: boolean;
  hang?: boolean;
  fail_once?: 'nonrecoverable' | 'recoverable';
}): Promise<Rig> {
  const dir = join(work, `rig-${++rigs}`);
  mkdirSync(dir);
  const countFile = join(dir, 'count.txt');
  const gate = join(dir, 'gate');
  const store = createSqliteStore({ path: join(dir, 'cairn.db') });
  const executor = createLocalExecutor({
    resolvePlugin: (plugin) =>
      plugin.name === 'counter' ? { entry: join(PLUGIN_DIR, 'index.js') } : undefined,
  });
  const engine = createEngine({ store, executor, workdir: join(dir, 'work') });
  await engine.putBlueprint({
    id: 'counted',
    plan: plan as unknown as JsonObject,
    main_file_name: 'blueprint.yaml',
    resources_path: BLUEPRINT_DIR,
    description: null,
  });
  const deploymentInputs: { [name: string]: PlanValue } = {
    count_file: countFile,
    gate: inputs.gate === true ? gate : '',
    hang: inputs.hang === true,
    fail_once: inputs.fail_once ?? '',
  };
  await engine.createDeployment({ id: 'dep', blueprintId: 'counted', inputs: deploymentInputs });
  return {
    engine,
    store,
    countFile,
    gate,
    async close() {
      await executor.close();
      await store.close();
    },
  };
}

async function eventsOf(store: Store, executionId: string): Promise<EventRecord[]> {
  return store.listEvents({ execution_id: executionId });
}

function operationEvents(events: readonly EventRecord[], type: string): string[] {
  return events.flatMap((e) => {
    const { node_name: node, operation } = e.context;
    if (e.event_type !== type || typeof node !== 'string' || typeof operation !== 'string')
      return [];
    return [`${node} ${operation.replace('cloudify.interfaces.lifecycle.', '')}`];
  });
}

describe('cancel and resume (engine, SQLite store, worker processes)', () => {
  it('cancel lets running operations finish, starts nothing new; resume runs only the rest', async () => {
    const r = await rig({ gate: true });
    try {
      const handle = await r.engine.startExecution({ deploymentId: 'dep', workflowId: 'install' });
      const id = handle.execution.id;
      await waitUntil('the gated creates of a and s', () => calls(r.countFile).length === 2);
      expect((await r.engine.cancel(id)).status).toBe('cancelling');
      await sleep(200);
      writeFileSync(r.gate, '');
      const final = await handle.done;
      expect(final.status).toBe('cancelled');
      expect(final.error).toBe('');
      expect(calls(r.countFile).sort()).toEqual(['a create', 's create']);
      const tasks = await r.store.listTasks(id);
      expect(tasks.filter((t) => t.status !== 'succeeded')).toEqual([]);
      const events = await eventsOf(r.store, id);
      expect(operationEvents(events, 'task_succeeded').sort()).toEqual(['a create', 's create']);
      expect(events.at(-1)?.event_type).toBe('workflow_cancelled');

      const resumed = await r.engine.resume(id);
      expect((await resumed.done).status).toBe('terminated');
      expect(tally(calls(r.countFile))).toEqual(tally(INSTALL_OPS));
      const instances = await r.store.listNodeInstances({ deployment_id: 'dep' });
      expect(instances.map((i) => i.state)).toEqual(NODES.map(() => 'started'));
      const all = await eventsOf(r.store, id);
      expect(tally(operationEvents(all, 'task_succeeded'))).toEqual(tally(INSTALL_OPS));
    } finally {
      await r.close();
    }
  });

  it('force-cancel kills a hanging operation promptly', async () => {
    const r = await rig({ hang: true });
    try {
      const handle = await r.engine.startExecution({ deploymentId: 'dep', workflowId: 'install' });
      await waitUntil('the hanging create of a', () => calls(r.countFile).includes('a create'));
      const asked = Date.now();
      expect((await r.engine.cancel(handle.execution.id, true)).status).toBe('force_cancelling');
      const final = await handle.done;
      // The worker is told first and killed 2 s later (the executor's default grace).
      expect(Date.now() - asked).toBeLessThan(4000);
      expect(final.status).toBe('cancelled');
      const events = await eventsOf(r.store, handle.execution.id);
      expect(operationEvents(events, 'task_succeeded')).not.toContain('a create');
      expect(events.at(-1)?.event_type).toBe('workflow_cancelled');
      expect(calls(r.countFile).filter((c) => c.startsWith('a ') || c.startsWith('b '))).toEqual([
        'a create',
      ]);
    } finally {
      await r.close();
    }
  });

  it('cancel during the wait before a retry ends the wait and starts no new attempt', async () => {
    const r = await rig({ fail_once: 'recoverable' });
    try {
      const handle = await r.engine.startExecution({
        deploymentId: 'dep',
        workflowId: 'install',
        settings: { task_retries: 3, task_retry_interval: 30 },
      });
      const id = handle.execution.id;
      await waitUntil('the failure of the first configure of b', async () =>
        operationEvents(await eventsOf(r.store, id), 'task_failed').includes('b configure'),
      );
      const asked = Date.now();
      await r.engine.cancel(id);
      const final = await handle.done;
      expect(Date.now() - asked).toBeLessThan(2000);
      expect(final.status).toBe('cancelled');
      expect(calls(r.countFile).filter((c) => c === 'b configure')).toHaveLength(1);
      const events = await eventsOf(r.store, id);
      expect(operationEvents(events, 'task_started').filter((c) => c === 'b configure')).toEqual([
        'b configure',
      ]);

      const resumed = await r.engine.resume(id);
      expect((await resumed.done).status).toBe('terminated');
      expect(tally(calls(r.countFile))).toEqual({ ...tally(INSTALL_OPS), 'b configure': 2 });
    } finally {
      await r.close();
    }
  });

  it('resume of a failed execution runs again from the failure only', async () => {
    const r = await rig({ fail_once: 'nonrecoverable' });
    try {
      const failed = await r.engine.execute({
        deploymentId: 'dep',
        workflowId: 'install',
        settings: { task_retries: 0 },
      });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(
        /^Task failed: counter_plugin\.tasks\.op on b_\w+ \(cloudify\.interfaces\.lifecycle\.configure, attempt 1 of 1\): NonRecoverableError: first call of/,
      );
      const before = calls(r.countFile);
      expect(before).toContain('b configure');
      expect(before.filter((c) => c.startsWith('c '))).toEqual([]);

      const resumed = await r.engine.resume(failed.id);
      const final = await resumed.done;
      expect(final.status).toBe('terminated');
      expect(final.error).toBe('');
      expect(tally(calls(r.countFile))).toEqual({ ...tally(INSTALL_OPS), 'b configure': 2 });
      const b = (await r.store.listNodeInstances({ deployment_id: 'dep', node_id: 'b' }))[0];
      expect(b?.runtime_properties['calls cloudify.interfaces.lifecycle.configure']).toBe(2);
    } finally {
      await r.close();
    }
  });

  it('refuses to resume a terminated execution, and changes nothing', async () => {
    const r = await rig({});
    try {
      const done = await r.engine.execute({ deploymentId: 'dep', workflowId: 'install' });
      expect(done.status).toBe('terminated');
      const eventsBefore = (await eventsOf(r.store, done.id)).length;
      const refused = await r.engine.resume(done.id).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isCairnError(refused) ? refused.code : refused).toBe('CONFLICT');
      expect((refused as Error).message).toBe(
        `The execution '${done.id}' is terminated; only a failed, cancelled or interrupted execution can be resumed.`,
      );
      expect(await r.store.getExecution(done.id)).toEqual(done);
      expect(await eventsOf(r.store, done.id)).toHaveLength(eventsBefore);
      expect(calls(r.countFile)).toHaveLength(INSTALL_OPS.length);
    } finally {
      await r.close();
    }
  });
});

interface ExecutionJson {
  readonly id: string;
  readonly status: string;
  readonly error: string;
}

/** A `$CAIRN_HOME`, a count file and a gate for one CLI scenario. */
function cliCase(name: string): {
  env: Record<string, string>;
  countFile: string;
  gate: string;
  install: string[];
} {
  const dir = join(work, name);
  mkdirSync(dir);
  const countFile = join(dir, 'count.txt');
  const gate = join(dir, 'gate');
  return {
    env: { CAIRN_HOME: join(dir, 'home'), CAIRN_TEST_CASE: `${name}-${process.pid}` },
    countFile,
    gate,
    install: [
      'install',
      BLUEPRINT_DIR,
      '--plugin',
      `counter=${PLUGIN_DIR}`,
      '-i',
      `count_file=${countFile}`,
    ],
  };
}

describe('queued executions (engine, SQLite store, worker processes)', () => {
  it('stores a queued execution that runs nothing until started, and is not taken for interrupted', async () => {
    const r = await rig({});
    try {
      const queued = await r.engine.queueExecution({ deploymentId: 'dep', workflowId: 'install' });
      expect(queued.status).toBe('queued');
      expect(queued.owner).toBeNull();
      // Another process looking for interrupted executions leaves it alone.
      expect(await r.engine.recoverInterrupted()).toEqual([]);
      expect((await r.store.getExecution(queued.id))?.status).toBe('queued');
      await sleep(200);
      expect(calls(r.countFile)).toEqual([]);
      // The deployment is busy while it waits.
      await expect(
        r.engine.startExecution({ deploymentId: 'dep', workflowId: 'install' }),
      ).rejects.toSatisfy((e) => isCairnError(e) && e.code === 'CONFLICT');

      const handle = await r.engine.startQueued(queued.id);
      expect((await handle.done).status).toBe('terminated');
      expect(tally(calls(r.countFile))).toEqual(tally(INSTALL_OPS));
      const events = await eventsOf(r.store, queued.id);
      expect(events[0]?.message).toBe("Starting 'install' workflow execution");
      // Started once: a second start is refused.
      await expect(r.engine.startQueued(queued.id)).rejects.toSatisfy(
        (e) => isCairnError(e) && e.code === 'CONFLICT',
      );
    } finally {
      await r.close();
    }
  });

  it('checks the workflow and its parameters when queueing, and stores nothing for a bad one', async () => {
    const r = await rig({});
    try {
      await expect(
        r.engine.queueExecution({ deploymentId: 'dep', workflowId: 'no_such_workflow' }),
      ).rejects.toSatisfy((e) => isCairnError(e));
      expect(await r.store.listExecutions({ deployment_id: 'dep' })).toEqual([]);
    } finally {
      await r.close();
    }
  });
});

describe('cancel and conflicts across cairn processes', () => {
  it('refuses a second install or start while an execution runs, and corrupts nothing', async () => {
    const c = cliCase('busy');
    const first = startCairn([...c.install, '-i', `gate=${c.gate}`], c.env);
    await waitUntil('the gated creates', () => calls(c.countFile).length === 2);

    const start = await runCairn(['executions', 'start', 'uninstall', '-d', 'counted'], c.env);
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(
      /^error: Deployment "counted" already has execution "[0-9a-f-]{36}" \(started\); wait for it to end or cancel it\n$/,
    );
    const again = await runCairn([...c.install, '-i', `gate=${c.gate}`], c.env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(
      /^error: A deployment 'counted' already exists \(created [^)]+\)\. Uninstall it first \(cairn uninstall -d counted\) or choose another id with -d\.\n$/,
    );

    writeFileSync(c.gate, '');
    const ended = await first.done;
    expect(ended.status, ended.stderr).toBe(0);
    const list = jsonOf(
      await runCairn(['executions', 'list', '--json'], c.env),
      'executions list',
    ) as ExecutionJson[];
    expect(list.map((e) => [e.status, e.error])).toEqual([['terminated', '']]);
    expect(tally(calls(c.countFile))).toEqual(tally(INSTALL_OPS));
  });

  it('cairn executions cancel stops an install running in another process', async () => {
    const c = cliCase('cancel');
    const first = startCairn([...c.install, '-i', `gate=${c.gate}`], c.env);
    await waitUntil('the gated creates', () => calls(c.countFile).length === 2);
    const [running] = jsonOf(
      await runCairn(['executions', 'list', '--json'], c.env),
      'executions list',
    ) as ExecutionJson[];
    expect(running?.status).toBe('started');
    const id = running?.id ?? '';
    const cancel = await runCairn(['executions', 'cancel', id], c.env);
    expect(cancel.status).toBe(0);
    expect(cancel.stderr).toBe(`Asked execution ${id} to cancel (now cancelling).\n`);
    // The running process looks at the stored status twice a second.
    await sleep(800);
    writeFileSync(c.gate, '');
    const ended = await first.done;
    expect(ended.status).toBe(1);
    expect(ended.stderr).toContain(`✖ 'install' on counted cancelled`);
    expect(ended.stderr).toContain(`Resume it with: cairn executions resume ${id}`);
    expect(calls(c.countFile).sort()).toEqual(['a create', 's create']);
    const [after] = jsonOf(
      await runCairn(['executions', 'list', '--json'], c.env),
      'executions list',
    ) as ExecutionJson[];
    expect(after?.status).toBe('cancelled');
  });

  it('cairn executions cancel --force kills a hanging operation of another process', async () => {
    const c = cliCase('force');
    const first = startCairn([...c.install, '-i', 'hang=true'], c.env);
    await waitUntil('the hanging create', () => calls(c.countFile).includes('a create'));
    const workers = HAS_PROC
      ? processesWithEnv('CAIRN_TEST_CASE', c.env.CAIRN_TEST_CASE ?? '')
      : [];
    const [running] = jsonOf(
      await runCairn(['executions', 'list', '--json'], c.env),
      'executions list',
    ) as ExecutionJson[];
    const asked = Date.now();
    const cancel = await runCairn(['executions', 'cancel', running?.id ?? '', '--force'], c.env);
    expect(cancel.stderr).toContain('to force-cancel (now force_cancelling)');
    const ended = await first.done;
    // Seen within half a second, killed after the 2 s grace.
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(ended.status).toBe(1);
    expect(ended.stderr).toContain(`✖ 'install' on counted cancelled`);
    if (HAS_PROC) {
      expect(workers.length).toBeGreaterThan(1);
      expect(workers.filter(isRunning)).toEqual([]);
    }
  });
});
