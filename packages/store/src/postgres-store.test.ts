/**
 * The PostgreSQL store: the shared conformance suite, then what only PostgreSQL has — schemas,
 * migrations, the server's credentials, and several connections racing.
 *
 * The tests start a throwaway cluster with `scripts/postgres.sh` (about 1 s; see
 * testing/postgres-server.ts) and give every test a schema of its own on it. With
 * CAIRN_TEST_POSTGRES_URL set, they use that server instead (its user must be allowed to create
 * schemas). Without PostgreSQL's binaries they fail, naming what to install: a store that is not
 * tested must not look tested.
 */
import { createServer } from 'node:net';
import { serializeError } from '@cairn/errors';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStoreOptions, type Store } from './index.js';
import { migrate } from './postgres/migrate.js';
import { migration0001 } from './postgres/migrations/0001-initial.js';
import { describeTarget } from './postgres/target.js';
import {
  aBlueprint,
  aDeployment,
  anEvent,
  anExecution,
  anInstance,
  aTask,
} from './testing/fixtures.js';
import {
  freshSchemaName,
  startTestPostgres,
  type TestPostgres,
} from './testing/postgres-server.js';
import { describeStoreConformance, expectCairnError } from './testing/store-conformance.js';

/** The server the tests use (see testing/postgres-server.ts), and its URL. */
let server: TestPostgres | undefined;
let url: string;
/** A connection of the tests' own, to look at and prepare schemas behind the store's back. */
let admin: pg.Pool;

beforeAll(async () => {
  server = await startTestPostgres();
  url = server.url;
  admin = new pg.Pool({ connectionString: url, max: 2 });
}, 60_000);

afterAll(async () => {
  await admin.end();
  await server?.stop();
}, 60_000);

/** A schema name no other test (or test run on a shared server) uses. */
const freshSchema = (): string => freshSchemaName();

async function dropSchema(schema: string): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

describeStoreConformance('postgres', {
  createDatabase() {
    const schema = freshSchema();
    return {
      open: () => createPostgresStore({ connectionString: url, schema, poolSize: 4 }),
      destroy: () => dropSchema(schema),
    };
  },
});

/** `url` with another password (or none), for the credential tests. */
function withPassword(password: string): string {
  const changed = new URL(url);
  changed.password = password;
  return changed.toString();
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** What opening a store throws (it must throw). */
async function openingError(options: PostgresStoreOptions): Promise<unknown> {
  try {
    const store = await createPostgresStore(options);
    await store.close();
  } catch (error) {
    return error;
  }
  return expect.fail('expected createPostgresStore to fail');
}

describe('createPostgresStore', () => {
  let schema: string;
  let opened: Store[];

  async function open(options: Partial<PostgresStoreOptions> = {}): Promise<Store> {
    const store = await createPostgresStore({ connectionString: url, schema, ...options });
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    schema = freshSchema();
    opened = [];
  });

  afterEach(async () => {
    for (const store of opened) await store.close();
    await dropSchema(schema);
  });

  describe('schema', () => {
    it('creates the schema, its tables and the record of its migrations', async () => {
      await open();
      const { rows: versions } = await admin.query(
        `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(versions).toEqual([
        { version: 1, name: 'initial' },
        { version: 2, name: 'deployment-plugins' },
        { version: 3, name: 'events-checked-by-insert' },
      ]);
      const { rows: tables } = await admin.query<{ name: string }>(
        'SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
        [schema],
      );
      expect(tables.map((table) => table.name)).toEqual([
        'blueprints',
        'deployments',
        'events',
        'executions',
        'node_instances',
        'schema_migrations',
        'tasks',
      ]);
      const { rows: types } = await admin.query<{ column: string; type: string }>(
        `SELECT table_name || '.' || column_name AS column, data_type AS type
         FROM information_schema.columns WHERE table_schema = $1
           AND (table_name, column_name) IN (('blueprints', 'plan'), ('events', 'seq'),
             ('events', 'timestamp'), ('deployments', 'plugins'))
         ORDER BY 1`,
        [schema],
      );
      expect(types).toEqual([
        { column: 'blueprints.plan', type: 'json' },
        { column: 'deployments.plugins', type: 'json' },
        { column: 'events.seq', type: 'bigint' },
        { column: 'events.timestamp', type: 'timestamp with time zone' },
      ]);
    });

    it('reopens a schema without migrating it again', async () => {
      await (await createPostgresStore({ connectionString: url, schema })).close();
      await (await createPostgresStore({ connectionString: url, schema })).close();
      const { rows } = await admin.query<{ count: string }>(
        `SELECT count(*) FROM "${schema}".schema_migrations`,
      );
      expect(rows[0]?.count).toBe('3');
    });

    it('migrates a new schema once when several stores open it at once', async () => {
      const stores = await Promise.all(Array.from({ length: 5 }, () => open()));
      expect(stores).toHaveLength(5);
      const { rows } = await admin.query(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    });

    it('upgrades a schema made before deployments had pinned plugins, keeping them', async () => {
      // Version 1 only, with one deployment, as an earlier Cairn left it.
      const client = await admin.connect();
      try {
        await migrate(client, [migration0001], describeTarget(url, schema));
        await client.query(
          `INSERT INTO "${schema}".blueprints (id, plan, main_file_name, resources_path,
             description, created_at, updated_at)
           VALUES ('bp', '{}', 'blueprint.yaml', '/bp', NULL, now(), now())`,
        );
        await client.query(
          `INSERT INTO "${schema}".deployments (id, blueprint_id, inputs, plan, created_at,
             updated_at)
           VALUES ('dep', 'bp', '{}', '{}', now(), now())`,
        );
      } finally {
        client.release();
      }

      const store = await open();
      expect(await store.getDeployment('dep')).toMatchObject({ id: 'dep', plugins: [] });
    });

    it('refuses a schema written by a newer Cairn', async () => {
      await (await createPostgresStore({ connectionString: url, schema })).close();
      await admin.query(
        `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (99, 'future')`,
      );

      const error = await openingError({ connectionString: url, schema });
      expect(error).toMatchObject({
        name: 'SchemaVersionError',
        code: 'CONFLICT',
        details: { found_version: 99, supported_version: 3 },
      });
      expect(String(error)).toContain(`schema "${schema}"`);
      expect(String(error)).toContain('upgrade Cairn');
    });

    it('refuses a schema holding another application’s tables, leaving it untouched', async () => {
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await admin.query(`CREATE TABLE "${schema}".photos (id integer PRIMARY KEY)`);
      // Another tool's migration table of the same name does not make it Cairn's.
      await admin.query(`CREATE TABLE "${schema}".schema_migrations (version varchar)`);

      const error = await openingError({ connectionString: url, schema });
      expect(error).toMatchObject({ code: 'IO', details: { schema } });
      expect(String(error)).toMatch(/another application/);
      const { rows } = await admin.query<{ name: string }>(
        'SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1',
        [schema],
      );
      expect(rows.map((row) => row.name)).toEqual(['photos', 'schema_migrations']);
    });

    it('keeps stores in different schemas of one database apart', async () => {
      const other = freshSchema();
      try {
        const mine = await open();
        const theirs = await open({ schema: other });
        await mine.putBlueprint(aBlueprint('bp'));
        expect(await theirs.getBlueprint('bp')).toBeUndefined();
        expect(await theirs.listBlueprints()).toEqual([]);
      } finally {
        for (const store of opened.splice(0)) await store.close();
        await dropSchema(other);
      }
    });
  });

  describe('options and connections', () => {
    it('refuses options out of range, naming them', async () => {
      const refused = async (options: PostgresStoreOptions, words: string): Promise<void> => {
        const error = await openingError(options);
        expect(error).toMatchObject({ code: 'INVALID_INPUT' });
        expect(String(error)).toContain(words);
      };
      await refused({ connectionString: url, schema: 'Has-Capitals' }, '"Has-Capitals"');
      await refused({ connectionString: url, schema: 'pg_mine' }, '"pg_mine"');
      await refused({ connectionString: url, schema: 'x'.repeat(64) }, 'at most 63');
      await refused({ connectionString: url, schema, poolSize: 0 }, 'poolSize');
      await refused({ connectionString: url, schema, lockTimeoutMs: 1.5 }, 'lockTimeoutMs');
      await refused({ connectionString: ' ', schema }, 'connection string is empty');
    });

    it('refuses a connection string that does not parse, without repeating it', async () => {
      const secret = 'pw-that-must-not-leak';
      const error = await openingError({
        connectionString: `postgres://user:${secret}@host:not-a-port/cairn`,
        schema,
      });
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      expect(String(error)).toContain('not valid');
      expect(JSON.stringify(serializeError(error))).not.toContain(secret);
    });

    it('reports a wrong password as an IO error naming the server, never the password', async () => {
      const real = new URL(url);
      // A server that trusts every connection (CAIRN_TEST_POSTGRES_URL may be one) would let
      // a wrong password in: only a URL with a password says the server asks for one.
      if (real.password === '') return;
      const wrong = 'wrong-password-7f3a91';
      const error = await openingError({ connectionString: withPassword(wrong), schema });
      expect(error).toMatchObject({
        code: 'IO',
        details: { server: `${real.hostname}:${real.port}` },
      });
      const everything = `${String(error)} ${JSON.stringify(serializeError(error))}`;
      expect(everything).toContain(`${real.hostname}:${real.port}`);
      expect(everything).toMatch(/password authentication failed/);
      expect(everything).not.toContain(wrong);
      expect(everything).not.toContain(decodeURIComponent(real.password));
    });

    it('reports an unreachable server as an IO error naming host:port, never the password', async () => {
      const port = await unusedPort();
      const secret = 'unreachable-secret-42';
      const error = await openingError({
        connectionString: `postgres://cairn:${secret}@127.0.0.1:${port}/cairn`,
        schema,
      });
      expect(error).toMatchObject({ code: 'IO', details: { server: `127.0.0.1:${port}` } });
      const everything = `${String(error)} ${JSON.stringify(serializeError(error))}`;
      expect(everything).toContain(`127.0.0.1:${port}`);
      expect(everything).not.toContain(secret);
    });
  });

  describe('values', () => {
    it('reads timestamps back as ISO-8601 UTC with milliseconds', async () => {
      const store = await open();
      await store.putBlueprint(
        aBlueprint('bp', {
          created_at: '2026-11-22T11:12:05.123+02:00',
          updated_at: '2026-11-22T09:12:05Z',
        }),
      );
      expect(await store.getBlueprint('bp')).toMatchObject({
        created_at: '2026-11-22T09:12:05.123Z',
        updated_at: '2026-11-22T09:12:05.000Z',
      });
      await expectCairnError(
        store.putBlueprint(aBlueprint('bad', { created_at: 'yesterday-ish' })),
        'INVALID_INPUT',
      );
    });

    it('refuses text PostgreSQL cannot hold (a NUL character), writing nothing', async () => {
      const store = await open();
      await store.putBlueprint(aBlueprint('bp'));
      await store.createDeployment(aDeployment('dep', 'bp'), [anInstance('vm_1', 'dep')]);
      await store.createExecution(anExecution('ex1', 'dep'));
      await expectCairnError(
        store.apply({
          instances: [{ id: 'vm_1', state: 'started' }],
          events: [anEvent('ex1', 'dep', { message: 'binary \u0000 output' })],
        }),
        'INVALID_INPUT',
      );
      expect((await store.getNodeInstance('vm_1'))?.version).toBe(1);
    });

    it('keeps the order of many events and tasks written in one batch', async () => {
      const store = await open();
      await store.putBlueprint(aBlueprint('bp'));
      await store.createDeployment(aDeployment('dep', 'bp'), []);
      await store.createExecution(anExecution('ex1', 'dep'));
      const count = 300;
      const names = Array.from({ length: count }, (_, i) => `n${(i * 7919) % count}`);
      await store.apply({
        tasks: names.map((name) => aTask(name, 'ex1')),
        events: names.map((name) => anEvent('ex1', 'dep', { message: name })),
      });
      expect((await store.listTasks('ex1')).map((task) => task.id)).toEqual(names);
      const events = await store.listEvents({ execution_id: 'ex1' });
      expect(events.map((event) => event.message)).toEqual(names);
      const seqs = events.map((event) => event.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });
  });

  describe('several connections', () => {
    /** Two stores on the schema, with deployment `dep` and instance `vm_1`. */
    async function twoStores(): Promise<[Store, Store]> {
      const first = await open();
      const second = await open();
      await first.putBlueprint(aBlueprint('bp'));
      await first.createDeployment(aDeployment('dep', 'bp'), [anInstance('vm_1', 'dep')]);
      return [first, second];
    }

    it('lets exactly one of two stores writing the same version of an instance win', async () => {
      const [first, second] = await twoStores();
      for (let version = 1; version <= 20; version += 1) {
        const outcomes = await Promise.allSettled(
          [first, second].map((store, i) =>
            store.apply({
              instances: [
                {
                  id: 'vm_1',
                  state: `by-${i}`,
                  runtime_properties: { round: version, by: i },
                  expected_version: version,
                },
              ],
            }),
          ),
        );
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
        );
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]).toMatchObject({
          code: 'CONFLICT',
          details: { instance_id: 'vm_1', expected_version: version, actual_version: version + 1 },
        });
        // What is stored is the winner's write, whole.
        const stored = await first.getNodeInstance('vm_1');
        expect(stored?.version).toBe(version + 1);
        expect(stored?.state).toBe(`by-${JSON.stringify(stored?.runtime_properties.by)}`);
      }
    });

    it('loses no change when stores write the same instance without expected versions', async () => {
      const [first, second] = await twoStores();
      const writes = 20;
      await Promise.all(
        Array.from({ length: writes }, (_, i) =>
          (i % 2 === 0 ? first : second).apply({ instances: [{ id: 'vm_1', state: `s${i}` }] }),
        ),
      );
      expect((await first.getNodeInstance('vm_1'))?.version).toBe(1 + writes);
    });

    it('starts only one execution of a deployment when stores race to start one', async () => {
      const [first, second] = await twoStores();
      for (let round = 0; round < 10; round += 1) {
        const outcomes = await Promise.allSettled([
          first.createExecution(anExecution(`a${round}`, 'dep')),
          second.createExecution(anExecution(`b${round}`, 'dep')),
        ]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
        expect(rejected?.reason).toMatchObject({ code: 'CONFLICT' });
        const started = (await first.listExecutions()).filter(
          (execution) => execution.status === 'started',
        );
        expect(started).toHaveLength(1);
        await first.apply({ execution: { id: started[0]?.id ?? '', status: 'terminated' } });
      }
    });

    it('numbers events in commit order, so that tailing with after_seq misses none', async () => {
      const writers = await Promise.all(Array.from({ length: 4 }, () => open()));
      const tailer = await open();
      const [setup] = writers;
      if (setup === undefined) throw new Error('no writer');
      await setup.putBlueprint(aBlueprint('bp'));
      for (let w = 0; w < writers.length; w += 1) {
        await setup.createDeployment(aDeployment(`dep${w}`, 'bp'), [
          anInstance(`vm${w}`, `dep${w}`),
        ]);
        await setup.createExecution(anExecution(`ex${w}`, `dep${w}`));
      }

      const batches = 30;
      let writing = true;
      const written = Promise.all(
        writers.map(async (writer, w) => {
          for (let b = 0; b < batches; b += 1) {
            await writer.apply({
              // The instance update makes each transaction last a little, so they overlap.
              instances: [{ id: `vm${w}`, runtime_properties: { b } }],
              events: [
                anEvent(`ex${w}`, `dep${w}`, { message: `${w}:${b}:a` }),
                anEvent(`ex${w}`, `dep${w}`, { message: `${w}:${b}:b` }),
              ],
            });
          }
        }),
      ).finally(() => {
        writing = false;
      });

      const seen: number[] = [];
      let last = 0;
      const tail = async (): Promise<void> => {
        const events = await tailer.listEvents({ after_seq: last, include_logs: true });
        for (const event of events) seen.push(event.seq);
        last = events.at(-1)?.seq ?? last;
      };
      while (writing) await tail();
      await written;
      await tail();

      const all = (await tailer.listEvents({ include_logs: true })).map((event) => event.seq);
      expect(all).toHaveLength(writers.length * batches * 2);
      // Every event was seen once, in order: none committed behind the tailer's back.
      expect(seen).toEqual(all);
    });

    it('leaves no event behind when a deployment is deleted while another store appends', async () => {
      const [writer, deleter] = await twoStores();
      for (let round = 0; round < 5; round += 1) {
        await writer.createDeployment(aDeployment(`d${round}`, 'bp'), []);
        await writer.createExecution(anExecution(`e${round}`, `d${round}`));
        let appended = 0;
        const appending = (async () => {
          // Appends until the execution is gone: then the batch is refused, whole.
          for (;;) {
            try {
              await writer.apply({
                events: Array.from({ length: 20 }, () => anEvent(`e${round}`, `d${round}`)),
              });
              appended += 1;
            } catch (error) {
              expect(error).toMatchObject({ code: 'NOT_FOUND' });
              return;
            }
          }
        })();
        while (appended < 3) await new Promise((resolve) => setTimeout(resolve, 1));
        await deleter.deleteDeployment(`d${round}`);
        await appending;
        const { rows } = await admin.query<{ count: string }>(
          `SELECT count(*) FROM "${schema}".events WHERE execution_id = $1 OR deployment_id = $2`,
          [`e${round}`, `d${round}`],
        );
        expect(rows[0]?.count).toBe('0');
      }
    });

    it('refuses an event that names another deployment than its execution’s, writing nothing', async () => {
      const [store] = await twoStores();
      await store.createDeployment(aDeployment('other', 'bp'), []);
      await store.createExecution(anExecution('ex', 'dep'));
      const error = await expectCairnError(
        store.apply({
          instances: [{ id: 'vm_1', state: 'x' }],
          events: [anEvent('ex', 'dep'), anEvent('ex', 'other')],
        }),
        'INVALID_INPUT',
      );
      expect(error.message).toBe(
        'An event of execution "ex" names deployment "other", but the execution is of deployment "dep"',
      );
      expect(await store.listEvents({ include_logs: true })).toEqual([]);
      expect((await store.getNodeInstance('vm_1'))?.version).toBe(1);
    });

    it('waits for another connection’s lock, and fails with TIMEOUT past lockTimeoutMs', async () => {
      const [store] = await twoStores();
      const impatient = await open({ lockTimeoutMs: 100 });
      const holder = await admin.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(
          `UPDATE "${schema}".node_instances SET runtime_properties = '{"by":"other"}'`,
        );

        const error = await expectCairnError(
          impatient.apply({ instances: [{ id: 'vm_1', state: 'x', expected_version: 1 }] }),
          'TIMEOUT',
        );
        expect(error.message).toContain(`schema "${schema}"`);

        // A patient store waits for the other transaction and writes on top of it.
        const waiting = store.apply({
          instances: [{ id: 'vm_1', state: 'started', expected_version: 1 }],
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        await holder.query('COMMIT');
        expect((await waiting).instances[0]).toMatchObject({
          state: 'started',
          runtime_properties: { by: 'other' },
          version: 2,
        });
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
      }
    });
  });
});
