/**
 * The PostgreSQL manager store: the shared conformance suite, then what only PostgreSQL has —
 * schemas (the default one, a store's schema refused), column types, and connections racing.
 * The server is the one the store's tests use (testing/postgres-server.ts): a throwaway cluster
 * from `scripts/postgres.sh`, or CAIRN_TEST_POSTGRES_URL. Every test has a schema of its own.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createPostgresManagerStore,
  createPostgresStore,
  type ManagerStore,
  type PostgresManagerStoreOptions,
} from './index.js';
import { aBlueprint } from './testing/fixtures.js';
import { describeManagerStoreConformance } from './testing/manager-store-conformance.js';
import { aPlugin, aSecret, aTenant, aToken, aUser } from './testing/manager-fixtures.js';
import {
  freshSchemaName,
  startTestPostgres,
  type TestPostgres,
} from './testing/postgres-server.js';
import { expectCairnError } from './testing/store-conformance.js';

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

const freshSchema = (): string => freshSchemaName('cairn_manager_test');

async function dropSchema(schema: string): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

describeManagerStoreConformance('postgres', {
  createDatabase() {
    const schema = freshSchema();
    return {
      open: () => createPostgresManagerStore({ connectionString: url, schema, poolSize: 4 }),
      destroy: () => dropSchema(schema),
    };
  },
});

/** What opening a manager store throws (it must throw). */
async function openingError(options: PostgresManagerStoreOptions): Promise<unknown> {
  try {
    const store = await createPostgresManagerStore(options);
    await store.close();
  } catch (error) {
    return error;
  }
  return expect.fail('expected createPostgresManagerStore to fail');
}

describe('createPostgresManagerStore', () => {
  let schema: string;
  let opened: { close(): Promise<void> }[];

  async function open(options: Partial<PostgresManagerStoreOptions> = {}): Promise<ManagerStore> {
    const store = await createPostgresManagerStore({ connectionString: url, schema, ...options });
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
    it('creates the schema, its tables and the record of its own history', async () => {
      await open();
      const { rows: versions } = await admin.query(
        `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(versions).toEqual([{ version: 1, name: 'manager-initial' }]);
      const { rows: tables } = await admin.query<{ name: string }>(
        'SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
        [schema],
      );
      expect(tables.map((table) => table.name)).toEqual([
        'memberships',
        'plugins',
        'resources',
        'schema_migrations',
        'secrets',
        'tenants',
        'tokens',
        'users',
      ]);
      const { rows: types } = await admin.query<{ column: string; type: string }>(
        `SELECT table_name || '.' || column_name AS column, data_type AS type
         FROM information_schema.columns WHERE table_schema = $1
           AND (table_name, column_name) IN (('plugins', 'manifest'), ('users', 'active'),
             ('tokens', 'expires_at'), ('secrets', 'is_hidden_value'), ('tenants', 'name'))
         ORDER BY 1`,
        [schema],
      );
      expect(types).toEqual([
        { column: 'plugins.manifest', type: 'json' },
        { column: 'secrets.is_hidden_value', type: 'boolean' },
        { column: 'tenants.name', type: 'text' },
        { column: 'tokens.expires_at', type: 'timestamp with time zone' },
        { column: 'users.active', type: 'boolean' },
      ]);
    });

    it('uses the schema cairn_manager unless told otherwise', async (context) => {
      // On an outside server cairn_manager may be someone's real directory: not ours to drop.
      if (server?.started !== true) {
        context.skip();
        return;
      }
      const store = await createPostgresManagerStore({ connectionString: url });
      try {
        await store.createTenant(aTenant('acme'));
        const { rows } = await admin.query<{ name: string }>(
          'SELECT name FROM cairn_manager.tenants',
        );
        expect(rows).toEqual([{ name: 'acme' }]);
      } finally {
        await store.close();
        await dropSchema('cairn_manager');
      }
    });

    it('migrates a new schema once when several managers open it at once', async () => {
      const stores = await Promise.all(Array.from({ length: 4 }, () => open()));
      expect(stores).toHaveLength(4);
      const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(rows).toEqual([{ version: 1 }]);
    });

    it('refuses a tenant’s store schema, leaving it untouched', async () => {
      const store = await createPostgresStore({ connectionString: url, schema });
      opened.push(store);
      await store.putBlueprint(aBlueprint('bp'));

      const error = await openingError({ connectionString: url, schema });
      expect(error).toMatchObject({ code: 'IO', details: { schema } });
      expect(String(error)).toContain(`schema "${schema}"`);
      expect(String(error)).toContain(
        'its migration 1 is "initial", where this one expects "manager-initial"',
      );
      expect(await store.getBlueprint('bp')).toEqual(aBlueprint('bp'));
    });

    it('is refused as a tenant’s store, leaving it untouched', async () => {
      const manager = await open();
      await manager.createTenant(aTenant('acme'));

      let error: unknown;
      try {
        await (await createPostgresStore({ connectionString: url, schema })).close();
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'IO', details: { schema } });
      expect(String(error)).toContain('its migration 1 is "manager-initial"');
      expect(await manager.listTenants()).toEqual([aTenant('acme')]);
    });

    it('refuses a schema written by a newer Cairn', async () => {
      await (await open()).close();
      await admin.query(
        `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (99, 'future')`,
      );
      const error = await openingError({ connectionString: url, schema });
      expect(error).toMatchObject({
        name: 'SchemaVersionError',
        code: 'CONFLICT',
        details: { found_version: 99, supported_version: 1 },
      });
    });

    it('refuses options out of range, naming them', async () => {
      const refused = async (
        options: PostgresManagerStoreOptions,
        words: string,
      ): Promise<void> => {
        const error = await openingError(options);
        expect(error).toMatchObject({ code: 'INVALID_INPUT' });
        expect(String(error)).toContain(words);
      };
      await refused({ connectionString: url, schema: 'Cairn-Manager' }, '"Cairn-Manager"');
      await refused({ connectionString: url, schema, poolSize: 0 }, 'poolSize');
      await refused({ connectionString: '', schema }, 'connection string is empty');
    });
  });

  describe('values', () => {
    it('reads timestamps back as ISO-8601 UTC, and refuses text that is no time', async () => {
      const store = await open();
      await store.createTenant(aTenant('acme', { created_at: '2026-11-22T11:12:05.123+02:00' }));
      expect(await store.getTenant('acme')).toEqual(
        aTenant('acme', { created_at: '2026-11-22T09:12:05.123Z' }),
      );
      await store.createUser(aUser('alice'));
      await expectCairnError(
        store.createToken(aToken('d1', 'alice', { expires_at: 'next week' })),
        'INVALID_INPUT',
      );
      expect(await store.getToken('d1')).toBeUndefined();
    });
  });

  describe('several connections', () => {
    /** Two managers on the schema. */
    async function twoManagers(): Promise<[ManagerStore, ManagerStore]> {
      return [await open(), await open()];
    }

    /** The outcomes of racing calls: how many succeeded, and the errors of the others. */
    async function race(calls: Promise<unknown>[]): Promise<{ won: number; lost: unknown[] }> {
      const outcomes = await Promise.allSettled(calls);
      return {
        won: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
        lost: outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
        ),
      };
    }

    it('gives a racing tenant name to one manager, and the others a CONFLICT', async () => {
      const [first, second] = await twoManagers();
      for (let round = 0; round < 10; round += 1) {
        const name = `t${round}`;
        const { won, lost } = await race([
          first.createTenant(aTenant(name)),
          second.createTenant(aTenant(name)),
        ]);
        expect(won).toBe(1);
        expect(lost).toEqual([
          expect.objectContaining({
            code: 'CONFLICT',
            message: `Tenant "${name}" already exists`,
          }),
        ]);
      }
      expect(await first.listTenants()).toHaveLength(10);
    });

    it('refuses the loser of two racing uploads of one package version by name', async () => {
      const [first, second] = await twoManagers();
      await first.createTenant(aTenant('acme'));
      for (let round = 0; round < 10; round += 1) {
        const version = `1.0.${round}`;
        const { won, lost } = await race([
          first.createPlugin(aPlugin(`a${round}`, 'acme', { package_version: version })),
          second.createPlugin(aPlugin(`b${round}`, 'acme', { package_version: version })),
        ]);
        expect(won).toBe(1);
        expect(lost).toEqual([
          expect.objectContaining({
            code: 'CONFLICT',
            message: expect.stringContaining(
              `Tenant "acme" already has plugin "cairn-file-plugin" version "${version}"`,
            ) as string,
          }),
        ]);
      }
      expect(await first.listPlugins({ tenant: 'acme' })).toHaveLength(10);
    });

    it('never leaves a secret behind in a tenant deleted while it was being added', async () => {
      const [first, second] = await twoManagers();
      for (let round = 0; round < 10; round += 1) {
        const tenant = `t${round}`;
        await first.createTenant(aTenant(tenant));
        const { won, lost } = await race([
          first.deleteTenant(tenant),
          second.createSecret(aSecret(tenant, 'k')),
        ]);
        // Either the secret came first and the deletion was refused, or the deletion came
        // first and the secret was refused: never both, never a secret without its tenant.
        expect(won).toBe(1);
        const tenantLeft = (await first.getTenant(tenant)) !== undefined;
        const secretLeft = (await first.getSecret(tenant, 'k')) !== undefined;
        expect(tenantLeft).toBe(secretLeft);
        expect(lost).toEqual([
          tenantLeft
            ? expect.objectContaining({ code: 'CONFLICT' })
            : expect.objectContaining({
                code: 'NOT_FOUND',
                message: `Tenant "${tenant}" of secret "k" does not exist`,
              }),
        ]);
      }
    });

    it('waits for a secret being added before it judges a tenant empty', async () => {
      const store = await open();
      await store.createTenant(aTenant('acme'));
      const other = await admin.connect();
      try {
        // Another manager's secret, written but not yet committed.
        await other.query('BEGIN');
        await other.query(
          `INSERT INTO "${schema}".secrets (tenant, key, value, visibility, is_hidden_value,
             created_by, created_at, updated_at)
           VALUES ('acme', 'k', 'v', 'tenant', false, 'admin', now(), now())`,
        );
        const deleting = store.deleteTenant('acme').then(
          () => undefined,
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await other.query('COMMIT');
        expect(await deleting).toMatchObject({
          code: 'CONFLICT',
          message: 'Tenant "acme" still has 1 secret; delete them first',
        });
        expect(await store.getTenant('acme')).toBeDefined();
      } finally {
        await other.query('ROLLBACK').catch(() => undefined);
        other.release();
      }
    });

    it('keeps global final when a widening and a narrowing race', async () => {
      const [first, second] = await twoManagers();
      await first.createTenant(aTenant('acme'));
      for (let round = 0; round < 10; round += 1) {
        const id = `p${round}`;
        await first.createPlugin(
          aPlugin(id, 'acme', { visibility: 'tenant', package_version: `1.0.${round}` }),
        );
        // If the widening lands first the other is refused (it reads the row under a lock, after
        // the widening committed); if it lands second, both pass. Either way global stays.
        const { lost } = await race([
          first.setPluginVisibility(id, 'global'),
          second.setPluginVisibility(id, 'tenant'),
        ]);
        for (const error of lost) expect(error).toMatchObject({ code: 'CONFLICT' });
        expect((await first.getPlugin(id))?.visibility).toBe('global');
      }
    });
  });
});
