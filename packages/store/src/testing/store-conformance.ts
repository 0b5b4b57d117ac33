/**
 * The behaviour every {@link Store} implementation must show, as a vitest suite. SQLite runs it
 * today; PostgreSQL will run the same file, so the two cannot drift apart. It only uses the port:
 * anything implementation-specific (files, pragmas, migrations) is tested beside that
 * implementation.
 */
import { type CairnError, type ErrorCode, isCairnError } from '@cairn/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentPlugin, ExecutionStatus, NodeInstanceRecord, Store } from '../store.js';
import {
  aBlueprint,
  aDeployment,
  anEvent,
  anExecution,
  anInstance,
  aTask,
  T0,
} from './fixtures.js';

/**
 * One empty database for one test; the suite may open several stores on it. `S` is the port
 * under test (`Store`, or `ManagerStore` for the manager's suite).
 */
export interface ConformanceDatabase<S = Store> {
  /** Opens a new store (a new connection) on this database. */
  open(): S | Promise<S>;
  /** Removes the database. Called once, after every store opened on it was closed. */
  destroy(): void | Promise<void>;
}

/** How the suite gets databases from the implementation under test. */
export interface ConformanceHarness<S = Store> {
  /** A new, empty database (migrated on first open if the implementation needs that). */
  createDatabase(): ConformanceDatabase<S> | Promise<ConformanceDatabase<S>>;
}

/** The rejection of `promise`, which must be a Cairn error with `code` (never a driver error). */
export async function expectCairnError(
  promise: Promise<unknown>,
  code: ErrorCode,
): Promise<CairnError> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (!isCairnError(error)) {
    return expect.fail(`expected a Cairn ${code} error, got ${String(error)}`);
  }
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  return error;
}

const END_STATES: readonly ExecutionStatus[] = ['terminated', 'failed', 'cancelled'];
const ACTIVE_STATES: readonly ExecutionStatus[] = [
  'pending',
  'queued',
  'started',
  'cancelling',
  'force_cancelling',
];

/**
 * Declares the conformance suite for one Store implementation.
 *
 * @param name - shown in the test names, e.g. `sqlite file`
 * @param harness - creates the empty databases the tests run against
 */
export function describeStoreConformance(name: string, harness: ConformanceHarness): void {
  describe(`Store conformance: ${name}`, () => {
    let database: ConformanceDatabase;
    let opened: Store[];
    let store: Store;

    /** Opens another store on the same database; closed after the test. */
    async function openAnother(): Promise<Store> {
      const another = await database.open();
      opened.push(another);
      return another;
    }

    beforeEach(async () => {
      database = await harness.createDatabase();
      opened = [];
      store = await openAnother();
    });

    afterEach(async () => {
      for (const each of opened) await each.close();
      await database.destroy();
    });

    /** A blueprint `bp` and a deployment `dep` of it with `instances`, stored. */
    async function deploymentWith(
      instances: readonly NodeInstanceRecord[] = [],
      id = 'dep',
    ): Promise<void> {
      if ((await store.getBlueprint('bp')) === undefined)
        await store.putBlueprint(aBlueprint('bp'));
      await store.createDeployment(aDeployment(id, 'bp'), instances);
    }

    describe('blueprints', () => {
      it('stores a blueprint and reads it back exactly', async () => {
        const record = aBlueprint('bp', { description: null });
        await store.putBlueprint(record);
        expect(await store.getBlueprint('bp')).toEqual(record);
        expect(await store.getBlueprint('missing')).toBeUndefined();
      });

      it('replaces a blueprint in place, keeping the listing in creation order', async () => {
        await store.putBlueprint(aBlueprint('a'));
        await store.putBlueprint(aBlueprint('b'));
        const replaced = aBlueprint('a', { main_file_name: 'other.yaml', updated_at: T0 });
        await store.putBlueprint(replaced);
        expect(await store.listBlueprints()).toEqual([replaced, aBlueprint('b')]);
      });

      it('refuses to delete a missing blueprint', async () => {
        const error = await expectCairnError(store.deleteBlueprint('missing'), 'NOT_FOUND');
        expect(error.message).toContain('"missing"');
      });

      it('refuses to delete a blueprint while a deployment uses it', async () => {
        await deploymentWith();
        const error = await expectCairnError(store.deleteBlueprint('bp'), 'CONFLICT');
        expect(error.message).toContain('"dep"');
        expect(error.details).toMatchObject({ blueprint_id: 'bp', deployment_ids: ['dep'] });
        expect(await store.getBlueprint('bp')).toBeDefined();

        await store.deleteDeployment('dep');
        await store.deleteBlueprint('bp');
        expect(await store.getBlueprint('bp')).toBeUndefined();
        expect(await store.listBlueprints()).toEqual([]);
      });
    });

    describe('deployments', () => {
      it('creates a deployment with its instances, listed in creation order', async () => {
        const instances = [
          anInstance('vm_2', 'dep', { index: 1 }),
          anInstance('vm_1', 'dep', { index: 0, state: null, host_id: null }),
          anInstance('db_1', 'dep', { node_id: 'db', relationships: [] }),
        ];
        await deploymentWith(instances);
        expect(await store.getDeployment('dep')).toEqual(aDeployment('dep', 'bp'));
        expect(await store.listNodeInstances({ deployment_id: 'dep' })).toEqual(instances);
        expect(await store.listNodeInstances({ deployment_id: 'dep', node_id: 'vm' })).toEqual(
          instances.slice(0, 2),
        );
        expect(await store.getNodeInstance('vm_1')).toEqual(instances[1]);
        expect(await store.getNodeInstance('missing')).toBeUndefined();
        expect(await store.getDeployment('missing')).toBeUndefined();
        expect(await store.listNodeInstances({ deployment_id: 'missing' })).toEqual([]);
      });

      it('refuses an existing deployment id and writes none of the new instances', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        const error = await expectCairnError(
          store.createDeployment(aDeployment('dep', 'bp', { inputs: { changed: true } }), [
            anInstance('vm_9', 'dep'),
          ]),
          'CONFLICT',
        );
        expect(error.message).toContain('"dep"');
        expect(await store.getNodeInstance('vm_9')).toBeUndefined();
        expect(await store.getDeployment('dep')).toEqual(aDeployment('dep', 'bp'));
      });

      it('keeps the plugins a deployment is pinned to, and replaces them on request', async () => {
        const pin = {
          name: 'file',
          package_name: 'cairn-file-plugin',
          package_version: '1.0.0',
          bundle_id: 'a'.repeat(64),
        };
        await store.putBlueprint(aBlueprint('bp'));
        await store.createDeployment(aDeployment('dep', 'bp', { plugins: [pin] }), []);
        expect((await store.getDeployment('dep'))?.plugins).toEqual([pin]);
        const moved = { ...pin, package_version: '1.1.0', bundle_id: 'b'.repeat(64) };
        await store.setDeploymentPlugins('dep', [moved]);
        const after = await store.getDeployment('dep');
        expect(after?.plugins).toEqual([moved]);
        expect(after?.updated_at).not.toBe(aDeployment('dep', 'bp').updated_at);
        expect((await store.listDeployments())[0]?.plugins).toEqual([moved]);
        await expectCairnError(store.setDeploymentPlugins('missing', []), 'NOT_FOUND');
      });

      it('refuses a deployment whose blueprint does not exist', async () => {
        const error = await expectCairnError(
          store.createDeployment(aDeployment('dep', 'missing'), [anInstance('vm_1', 'dep')]),
          'NOT_FOUND',
        );
        expect(error.message).toContain('"missing"');
        expect(await store.getDeployment('dep')).toBeUndefined();
        expect(await store.getNodeInstance('vm_1')).toBeUndefined();
      });

      it('refuses an instance id that exists already, writing nothing', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        const error = await expectCairnError(
          store.createDeployment(aDeployment('dep2', 'bp'), [
            anInstance('vm_2', 'dep2'),
            anInstance('vm_1', 'dep2'),
          ]),
          'CONFLICT',
        );
        expect(error.message).toContain('"vm_1"');
        expect(error.details).toMatchObject({ instance_id: 'vm_1' });
        expect(await store.getDeployment('dep2')).toBeUndefined();
        expect(await store.getNodeInstance('vm_2')).toBeUndefined();
        expect((await store.getNodeInstance('vm_1'))?.deployment_id).toBe('dep');
      });

      it('refuses an instance that names another deployment', async () => {
        await store.putBlueprint(aBlueprint('bp'));
        await expectCairnError(
          store.createDeployment(aDeployment('dep', 'bp'), [anInstance('vm_1', 'other')]),
          'INVALID_INPUT',
        );
        expect(await store.getDeployment('dep')).toBeUndefined();
      });

      it('lists deployments in creation order, optionally of one blueprint', async () => {
        await store.putBlueprint(aBlueprint('bp1'));
        await store.putBlueprint(aBlueprint('bp2'));
        await store.createDeployment(aDeployment('z', 'bp1'), []);
        await store.createDeployment(aDeployment('a', 'bp2'), []);
        await store.createDeployment(aDeployment('m', 'bp1'), []);
        const ids = (list: { id: string }[]): string[] => list.map((each) => each.id);
        expect(ids(await store.listDeployments())).toEqual(['z', 'a', 'm']);
        expect(ids(await store.listDeployments({ blueprint_id: 'bp1' }))).toEqual(['z', 'm']);
        expect(await store.listDeployments({ blueprint_id: 'none' })).toEqual([]);
      });

      it('lists deployment summaries in creation order: everything but inputs and plan', async () => {
        await store.putBlueprint(aBlueprint('bp1'));
        const pinned: DeploymentPlugin = {
          name: 'files',
          package_name: 'cairn-file-plugin',
          package_version: '1.0.0',
          bundle_id: 'sha256-abc',
        };
        await store.createDeployment(aDeployment('z', 'bp1', { plugins: [pinned] }), []);
        await store.createDeployment(aDeployment('a', 'bp1'), []);
        const summaries = await store.listDeploymentSummaries();
        expect(summaries).toEqual([
          { id: 'z', blueprint_id: 'bp1', plugins: [pinned], created_at: T0, updated_at: T0 },
          { id: 'a', blueprint_id: 'bp1', plugins: [], created_at: T0, updated_at: T0 },
        ]);
        await store.deleteDeployment('z');
        expect((await store.listDeploymentSummaries()).map((each) => each.id)).toEqual(['a']);
      });

      it('deletes a deployment with its instances, executions, tasks and events', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        await deploymentWith([anInstance('other_vm', 'other')], 'other');
        for (const dep of ['dep', 'other']) {
          await store.createExecution(anExecution(`ex-${dep}`, dep));
          await store.apply({
            tasks: [aTask('t1', `ex-${dep}`)],
            events: [
              anEvent(`ex-${dep}`, dep),
              anEvent(`ex-${dep}`, dep, { type: 'cloudify_log' }),
            ],
          });
        }

        await store.deleteDeployment('dep');

        expect(await store.getDeployment('dep')).toBeUndefined();
        expect(await store.getNodeInstance('vm_1')).toBeUndefined();
        expect(await store.listNodeInstances({ deployment_id: 'dep' })).toEqual([]);
        expect(await store.getExecution('ex-dep')).toBeUndefined();
        expect(await store.listExecutions({ deployment_id: 'dep' })).toEqual([]);
        expect(await store.listTasks('ex-dep')).toEqual([]);
        expect(await store.listEvents({ deployment_id: 'dep', include_logs: true })).toEqual([]);
        expect(await store.listEvents({ execution_id: 'ex-dep', include_logs: true })).toEqual([]);
        // The other deployment is untouched.
        expect(await store.getNodeInstance('other_vm')).toBeDefined();
        expect(await store.listTasks('ex-other')).toHaveLength(1);
        expect(await store.listEvents({ deployment_id: 'other', include_logs: true })).toHaveLength(
          2,
        );
        // The id can be used again.
        await store.createDeployment(aDeployment('dep', 'bp'), [anInstance('vm_1', 'dep')]);
        expect(await store.listExecutions({ deployment_id: 'dep' })).toEqual([]);
      });

      it('refuses to delete a missing deployment', async () => {
        const error = await expectCairnError(store.deleteDeployment('missing'), 'NOT_FOUND');
        expect(error.message).toContain('"missing"');
      });
    });

    describe('executions', () => {
      it('stores an execution and reads it back exactly', async () => {
        await deploymentWith();
        const first = anExecution('ex1', 'dep', { status: 'terminated', ended_at: T0 });
        const second = anExecution('ex2', 'dep', {
          owner: null,
          started_at: null,
          status: 'pending',
          is_dry_run: true,
        });
        await store.createExecution(first);
        await store.createExecution(second);
        expect(await store.getExecution('ex1')).toEqual(first);
        expect(await store.getExecution('ex2')).toEqual(second);
        expect(await store.getExecution('missing')).toBeUndefined();
        expect(await store.listExecutions()).toEqual([first, second]);
        expect(await store.listExecutions({ deployment_id: 'dep' })).toEqual([first, second]);
        expect(await store.listExecutions({ deployment_id: 'other' })).toEqual([]);
        expect(await store.listTasks('ex1')).toEqual([]);
      });

      it.each(ACTIVE_STATES)('refuses a second execution while one is %s', async (status) => {
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep', { status }));
        const error = await expectCairnError(
          store.createExecution(anExecution('ex2', 'dep')),
          'CONFLICT',
        );
        expect(error.message).toContain('"ex1"');
        expect(error.details).toMatchObject({ active_execution_id: 'ex1', active_status: status });
        expect(await store.getExecution('ex2')).toBeUndefined();
      });

      it.each(END_STATES)('accepts a new execution once the last one is %s', async (status) => {
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep'));
        await store.apply({ execution: { id: 'ex1', status, ended_at: T0, owner: null } });
        await store.createExecution(anExecution('ex2', 'dep'));
        expect((await store.getExecution('ex2'))?.status).toBe('started');
      });

      it('accepts a dry run next to a running execution', async () => {
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep'));
        await store.createExecution(anExecution('dry', 'dep', { is_dry_run: true }));
        expect((await store.getExecution('dry'))?.is_dry_run).toBe(true);
      });

      it('lets executions of different deployments run together', async () => {
        await deploymentWith();
        await deploymentWith([], 'dep2');
        await store.createExecution(anExecution('ex1', 'dep'));
        await store.createExecution(anExecution('ex2', 'dep2'));
        expect(await store.listExecutions()).toHaveLength(2);
      });

      it('refuses an execution of a missing deployment', async () => {
        const error = await expectCairnError(
          store.createExecution(anExecution('ex1', 'missing')),
          'NOT_FOUND',
        );
        expect(error.message).toContain('"missing"');
      });

      it('refuses an execution id that exists already', async () => {
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep', { status: 'terminated' }));
        await expectCairnError(store.createExecution(anExecution('ex1', 'dep')), 'CONFLICT');
        expect((await store.getExecution('ex1'))?.status).toBe('terminated');
      });
    });

    describe('apply', () => {
      it('changes instances, moves their versions on and returns them as stored', async () => {
        const vm = anInstance('vm_1', 'dep');
        const db = anInstance('db_1', 'dep', { node_id: 'db' });
        await deploymentWith([vm, db]);

        const result = await store.apply({
          instances: [
            {
              id: 'vm_1',
              state: 'started',
              runtime_properties: { ip: '10.0.0.5' },
              expected_version: 1,
            },
            { id: 'db_1', system_properties: { k: 'v' } },
          ],
        });

        const vmNow = {
          ...vm,
          state: 'started',
          runtime_properties: { ip: '10.0.0.5' },
          version: 2,
        };
        const dbNow = { ...db, system_properties: { k: 'v' }, version: 2 };
        expect(result.instances).toEqual([vmNow, dbNow]);
        expect(await store.getNodeInstance('vm_1')).toEqual(vmNow);
        expect(await store.getNodeInstance('db_1')).toEqual(dbNow);

        await store.apply({ instances: [{ id: 'vm_1', state: null, relationships: [] }] });
        expect(await store.getNodeInstance('vm_1')).toEqual({
          ...vmNow,
          state: null,
          relationships: [],
          version: 3,
        });
      });

      it('refuses a stale version and writes nothing of the batch', async () => {
        await deploymentWith([
          anInstance('vm_1', 'dep'),
          anInstance('vm_2', 'dep', { version: 5 }),
          anInstance('vm_3', 'dep'),
        ]);
        await store.createExecution(anExecution('ex1', 'dep'));
        const before = {
          instances: await store.listNodeInstances({ deployment_id: 'dep' }),
          execution: await store.getExecution('ex1'),
        };

        const error = await expectCairnError(
          store.apply({
            instances: [
              { id: 'vm_1', state: 'started', expected_version: 1 },
              { id: 'vm_2', state: 'started', expected_version: 4 },
            ],
            newInstances: [anInstance('vm_4', 'dep')],
            deletedInstances: ['vm_3'],
            tasks: [aTask('t1', 'ex1')],
            events: [anEvent('ex1', 'dep')],
            execution: { id: 'ex1', status: 'failed', error: 'boom' },
          }),
          'CONFLICT',
        );

        expect(error.message).toContain('"vm_2"');
        expect(error.message).toContain('4');
        expect(error.message).toContain('5');
        expect(error.details).toEqual({
          instance_id: 'vm_2',
          expected_version: 4,
          actual_version: 5,
        });
        expect(await store.listNodeInstances({ deployment_id: 'dep' })).toEqual(before.instances);
        expect(await store.getExecution('ex1')).toEqual(before.execution);
        expect(await store.listTasks('ex1')).toEqual([]);
        expect(await store.listEvents({ execution_id: 'ex1', include_logs: true })).toEqual([]);
      });

      it('refuses a change to a missing instance, writing nothing', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        const error = await expectCairnError(
          store.apply({
            instances: [
              { id: 'vm_1', state: 'started' },
              { id: 'ghost', state: 'started' },
            ],
          }),
          'NOT_FOUND',
        );
        expect(error.message).toContain('"ghost"');
        expect((await store.getNodeInstance('vm_1'))?.version).toBe(1);
      });

      it('adds and deletes instances', async () => {
        await deploymentWith([anInstance('vm_1', 'dep'), anInstance('vm_2', 'dep')]);
        const added = anInstance('vm_3', 'dep', { index: 2 });
        const result = await store.apply({ newInstances: [added], deletedInstances: ['vm_1'] });
        expect(result.instances).toEqual([added]);
        expect(await store.getNodeInstance('vm_1')).toBeUndefined();
        expect((await store.listNodeInstances({ deployment_id: 'dep' })).map((i) => i.id)).toEqual([
          'vm_2',
          'vm_3',
        ]);
      });

      it('refuses new instances that exist or whose deployment is missing', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        await expectCairnError(
          store.apply({ newInstances: [anInstance('vm_1', 'dep', { node_id: 'other' })] }),
          'CONFLICT',
        );
        expect((await store.getNodeInstance('vm_1'))?.node_id).toBe('vm');
        await expectCairnError(
          store.apply({ newInstances: [anInstance('vm_9', 'missing')] }),
          'NOT_FOUND',
        );
        expect(await store.getNodeInstance('vm_9')).toBeUndefined();
      });

      it('refuses to delete a missing instance, writing nothing', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        await expectCairnError(store.apply({ deletedInstances: ['vm_1', 'ghost'] }), 'NOT_FOUND');
        expect(await store.getNodeInstance('vm_1')).toBeDefined();
      });

      it('moves an instance changed twice in one batch on by two versions', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        const result = await store.apply({
          instances: [
            { id: 'vm_1', state: 'creating', expected_version: 1 },
            { id: 'vm_1', state: 'created', expected_version: 2 },
          ],
        });
        expect(result.instances).toEqual([
          anInstance('vm_1', 'dep', { state: 'created', version: 3 }),
        ]);
      });

      it('accepts a change to an instance added in the same batch', async () => {
        await deploymentWith();
        await store.apply({
          newInstances: [anInstance('vm_1', 'dep')],
          instances: [{ id: 'vm_1', state: 'started', expected_version: 1 }],
        });
        expect(await store.getNodeInstance('vm_1')).toEqual(
          anInstance('vm_1', 'dep', { state: 'started', version: 2 }),
        );
      });

      it('upserts tasks, keeping the order they were first stored in', async () => {
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep'));
        await store.apply({ tasks: [aTask('b', 'ex1'), aTask('a', 'ex1')] });
        await store.apply({
          tasks: [
            aTask('c', 'ex1'),
            aTask('b', 'ex1', {
              status: 'failed',
              attempts: 1,
              updated_at: '2026-11-22T10:00:00.000Z',
            }),
          ],
        });
        await store.apply({ tasks: [aTask('b', 'ex1', { status: 'succeeded', attempts: 2 })] });
        expect(await store.listTasks('ex1')).toEqual([
          aTask('b', 'ex1', { status: 'succeeded', attempts: 2 }),
          aTask('a', 'ex1'),
          aTask('c', 'ex1'),
        ]);
      });

      it('appends events with increasing seq and changes the execution', async () => {
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep', { status: 'pending', owner: null }));
        const first = anEvent('ex1', 'dep', { event_type: 'workflow_started' });
        const log = anEvent('ex1', 'dep', { type: 'cloudify_log', message: 'hello' });
        const last = anEvent('ex1', 'dep', {
          event_type: 'workflow_failed',
          error_causes: [{ message: 'boom', type: 'RuntimeError', traceback: '...' }],
        });
        await store.apply({
          events: [first, log],
          execution: { id: 'ex1', status: 'started', owner: { pid: 7, hostname: 'h' } },
        });
        await store.apply({
          events: [last],
          execution: { id: 'ex1', status: 'failed', ended_at: T0, error: 'boom', owner: null },
        });

        const events = await store.listEvents({ execution_id: 'ex1', include_logs: true });
        const seqs = events.map((event) => event.seq);
        expect(events).toEqual([first, log, last].map((event, i) => ({ ...event, seq: seqs[i] })));
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(3);
        expect(await store.getExecution('ex1')).toEqual(
          anExecution('ex1', 'dep', {
            status: 'failed',
            ended_at: T0,
            error: 'boom',
            owner: null,
          }),
        );
      });

      it('refuses tasks and events of a missing execution, writing nothing', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        await expectCairnError(
          store.apply({ instances: [{ id: 'vm_1', state: 'x' }], tasks: [aTask('t', 'ghost')] }),
          'NOT_FOUND',
        );
        await expectCairnError(
          store.apply({
            instances: [{ id: 'vm_1', state: 'x' }],
            events: [anEvent('ghost', 'dep')],
          }),
          'NOT_FOUND',
        );
        await expectCairnError(
          store.apply({ execution: { id: 'ghost', status: 'failed' } }),
          'NOT_FOUND',
        );
        expect((await store.getNodeInstance('vm_1'))?.version).toBe(1);
      });

      it('applies an empty batch', async () => {
        expect(await store.apply({})).toEqual({ instances: [] });
      });
    });

    describe('events', () => {
      /** Two deployments with one execution each, and events and logs interleaved. */
      async function history(): Promise<void> {
        await deploymentWith();
        await deploymentWith([], 'dep2');
        await store.createExecution(anExecution('ex1', 'dep', { status: 'terminated' }));
        await store.createExecution(anExecution('ex2', 'dep'));
        await store.createExecution(anExecution('ex3', 'dep2'));
        let n = 0;
        for (const [execution, deployment] of [
          ['ex1', 'dep'],
          ['ex2', 'dep'],
          ['ex3', 'dep2'],
          ['ex1', 'dep'],
        ] as const) {
          n += 1;
          await store.apply({
            events: [
              anEvent(execution, deployment, { message: `event ${n}` }),
              anEvent(execution, deployment, { type: 'cloudify_log', message: `log ${n}` }),
            ],
          });
        }
      }

      const messages = (events: { message: string }[]): string[] => events.map((e) => e.message);

      it('lists events only unless logs are asked for, in stored order', async () => {
        await history();
        expect(messages(await store.listEvents({}))).toEqual([
          'event 1',
          'event 2',
          'event 3',
          'event 4',
        ]);
        expect(messages(await store.listEvents({ include_logs: true }))).toEqual([
          'event 1',
          'log 1',
          'event 2',
          'log 2',
          'event 3',
          'log 3',
          'event 4',
          'log 4',
        ]);
      });

      it('filters by execution and by deployment', async () => {
        await history();
        expect(
          messages(await store.listEvents({ execution_id: 'ex1', include_logs: true })),
        ).toEqual(['event 1', 'log 1', 'event 4', 'log 4']);
        expect(messages(await store.listEvents({ deployment_id: 'dep' }))).toEqual([
          'event 1',
          'event 2',
          'event 4',
        ]);
        expect(
          messages(await store.listEvents({ deployment_id: 'dep2', execution_id: 'ex1' })),
        ).toEqual([]);
        expect(await store.listEvents({ execution_id: 'missing' })).toEqual([]);
      });

      it('tails with after_seq and honours limit', async () => {
        await history();
        const all = await store.listEvents({ include_logs: true });
        const seqs = all.map((event) => event.seq);
        const third = { seq: seqs[2] ?? expect.fail('expected 8 records') };
        const last = seqs.at(-1) ?? expect.fail('expected 8 records');
        expect(
          messages(await store.listEvents({ after_seq: third.seq, include_logs: true })),
        ).toEqual(['log 2', 'event 3', 'log 3', 'event 4', 'log 4']);
        expect(
          messages(await store.listEvents({ after_seq: third.seq, limit: 2, include_logs: true })),
        ).toEqual(['log 2', 'event 3']);
        expect(
          messages(await store.listEvents({ execution_id: 'ex1', after_seq: third.seq })),
        ).toEqual(['event 4']);
        expect(await store.listEvents({ limit: 0 })).toEqual([]);
        expect(await store.listEvents({ after_seq: last })).toEqual([]);
      });

      it('refuses a limit that is not a whole number of 0 or more', async () => {
        await expectCairnError(store.listEvents({ limit: -1 }), 'INVALID_INPUT');
        await expectCairnError(store.listEvents({ limit: 1.5 }), 'INVALID_INPUT');
      });
    });

    describe('JSON values', () => {
      it('reads JSON back exactly: keys in the order stored, numbers and strings unchanged', async () => {
        // Key order is visible (a plan's inputs and outputs are listed in declaration order),
        // so a store must not sort keys the way PostgreSQL's jsonb does.
        const value = {
          zeta: 1,
          alpha: { z: true, a: [{ y: 1, b: 2 }, []] },
          mid: null,
          numbers: [0.1 + 0.2, 2 ** 53, -1.5e-7, 1e21],
          text: 'quote " backslash \\ newline \n tab \t unicode é 😀 separator \u2028',
        };
        await store.putBlueprint(aBlueprint('bp', { plan: value }));
        await store.createDeployment(aDeployment('dep', 'bp', { inputs: value }), [
          anInstance('vm_1', 'dep', { runtime_properties: value }),
        ]);
        await store.createExecution(anExecution('ex1', 'dep', { parameters: value }));
        await store.apply({ events: [anEvent('ex1', 'dep', { context: value })] });

        const same = JSON.stringify(value);
        expect(JSON.stringify((await store.getBlueprint('bp'))?.plan)).toBe(same);
        expect(JSON.stringify((await store.getDeployment('dep'))?.inputs)).toBe(same);
        const instance = await store.getNodeInstance('vm_1');
        expect(JSON.stringify(instance?.runtime_properties)).toBe(same);
        expect(JSON.stringify((await store.getExecution('ex1'))?.parameters)).toBe(same);
        const [event] = await store.listEvents({ execution_id: 'ex1' });
        expect(JSON.stringify(event?.context)).toBe(same);
      });
    });

    describe('bad input', () => {
      it('refuses values JSON cannot hold with a Cairn error naming the field', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        const error = await expectCairnError(
          store.apply({
            instances: [{ id: 'vm_1', runtime_properties: { n: 10n } as never }],
          }),
          'INVALID_INPUT',
        );
        expect(error.message).toContain('runtime_properties');
        expect((await store.getNodeInstance('vm_1'))?.version).toBe(1);
      });

      it('refuses values outside the record types without leaking driver errors', async () => {
        await deploymentWith();
        await expectCairnError(
          store.createExecution(anExecution('ex1', 'dep', { status: 'running' as never })),
          'INVALID_INPUT',
        );
        await expectCairnError(
          store.createExecution(anExecution('ex1', 'dep', { workflow_id: undefined as never })),
          'INVALID_INPUT',
        );
        expect(await store.listExecutions()).toEqual([]);

        await store.createExecution(anExecution('ex1', 'dep'));
        await expectCairnError(
          store.apply({ events: [anEvent('ex1', 'dep', { type: 'other' as never })] }),
          'INVALID_INPUT',
        );
        await expectCairnError(
          store.apply({ tasks: [aTask('t1', 'ex1', { attempts: 'many' as never })] }),
          'INVALID_INPUT',
        );
        expect(await store.listEvents({ include_logs: true })).toEqual([]);
        expect(await store.listTasks('ex1')).toEqual([]);
      });
    });

    describe('several stores on one database', () => {
      it('shows each store what the other wrote', async () => {
        const other = await openAnother();
        await deploymentWith([anInstance('vm_1', 'dep')]);
        expect(await other.getDeployment('dep')).toEqual(aDeployment('dep', 'bp'));
        await other.apply({ instances: [{ id: 'vm_1', state: 'started', expected_version: 1 }] });
        expect((await store.getNodeInstance('vm_1'))?.version).toBe(2);
      });

      it('refuses a concurrent execution started through another store', async () => {
        const other = await openAnother();
        await deploymentWith();
        await store.createExecution(anExecution('ex1', 'dep'));
        await expectCairnError(other.createExecution(anExecution('ex2', 'dep')), 'CONFLICT');
        await other.apply({ execution: { id: 'ex1', status: 'terminated' } });
        await store.createExecution(anExecution('ex2', 'dep'));
      });

      it('refuses a write based on a version another store has moved on', async () => {
        const other = await openAnother();
        await deploymentWith([anInstance('vm_1', 'dep')]);
        await other.apply({ instances: [{ id: 'vm_1', state: 'a', expected_version: 1 }] });
        const error = await expectCairnError(
          store.apply({ instances: [{ id: 'vm_1', state: 'b', expected_version: 1 }] }),
          'CONFLICT',
        );
        expect(error.details).toMatchObject({ expected_version: 1, actual_version: 2 });
      });

      it('keeps data across close and reopen', async () => {
        await deploymentWith([anInstance('vm_1', 'dep')]);
        await store.createExecution(anExecution('ex1', 'dep'));
        await store.apply({ tasks: [aTask('t1', 'ex1')], events: [anEvent('ex1', 'dep')] });
        await store.close();

        const reopened = await openAnother();
        expect(await reopened.getDeployment('dep')).toEqual(aDeployment('dep', 'bp'));
        expect(await reopened.getNodeInstance('vm_1')).toEqual(anInstance('vm_1', 'dep'));
        expect(await reopened.listTasks('ex1')).toEqual([aTask('t1', 'ex1')]);
        expect(await reopened.listEvents({ execution_id: 'ex1' })).toHaveLength(1);
        // The execution is still running as far as the store knows: a new one is refused.
        await expectCairnError(reopened.createExecution(anExecution('ex2', 'dep')), 'CONFLICT');
      });

      it('closes idempotently and refuses calls once closed', async () => {
        await store.close();
        await store.close();
        const error = await expectCairnError(store.listBlueprints(), 'USAGE');
        expect(error.message).toContain('closed');
      });
    });
  });
}
