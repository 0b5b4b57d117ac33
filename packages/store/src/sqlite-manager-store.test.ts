/**
 * The SQLite manager store: the shared conformance suite on real files, then what only SQLite
 * has — the file itself (schema, version, which kind of Cairn database it is).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteManagerStore, createSqliteStore } from './index.js';
import { MANAGER_MIGRATIONS } from './migrations/manager/index.js';
import { migrate } from './sqlite/migrate.js';
import { aBlueprint } from './testing/fixtures.js';
import { describeManagerStoreConformance } from './testing/manager-store-conformance.js';
import { aTenant, aToken, aUser } from './testing/manager-fixtures.js';
import { expectCairnError } from './testing/store-conformance.js';

describeManagerStoreConformance('sqlite file', {
  createDatabase() {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-manager-'));
    const path = join(dir, 'manager.db');
    return {
      open: () => createSqliteManagerStore({ path }),
      destroy: () => {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe('createSqliteManagerStore', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-manager-'));
    path = join(dir, 'manager.db');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A second, raw connection for looking at what the store wrote. */
  function inspect<T>(look: (db: Database.Database) => T): T {
    const db = new Database(path, { readonly: true });
    try {
      return look(db);
    } finally {
      db.close();
    }
  }

  it('works in memory', async () => {
    const store = createSqliteManagerStore({ path: ':memory:' });
    await store.createTenant(aTenant('acme'));
    expect(await store.listTenants()).toEqual([aTenant('acme')]);
    await store.close();
  });

  it('creates STRICT tables and records its own schema history', async () => {
    await createSqliteManagerStore({ path }).close();
    inspect((db) => {
      expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
        { version: 1, name: 'manager-initial' },
      ]);
      const tables = db
        .prepare<[], { name: string; strict: number }>(
          `SELECT name, strict FROM pragma_table_list
           WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .all();
      expect(tables).toEqual([
        { name: 'memberships', strict: 1 },
        { name: 'plugins', strict: 1 },
        { name: 'resources', strict: 1 },
        { name: 'schema_migrations', strict: 1 },
        { name: 'secrets', strict: 1 },
        { name: 'tenants', strict: 1 },
        { name: 'tokens', strict: 1 },
        { name: 'users', strict: 1 },
      ]);
    });
  });

  it('ships a history numbered 1, 2, 3 … that applies cleanly', () => {
    expect(MANAGER_MIGRATIONS.map((migration) => migration.version)).toEqual(
      MANAGER_MIGRATIONS.map((_, index) => index + 1),
    );
    const db = new Database(':memory:');
    try {
      expect(migrate(db, MANAGER_MIGRATIONS, ':memory:')).toEqual({
        from: 0,
        to: MANAGER_MIGRATIONS.length,
      });
    } finally {
      db.close();
    }
  });

  it('refuses a tenant’s store file, leaving it untouched', async () => {
    const store = createSqliteStore({ path });
    await store.putBlueprint(aBlueprint('bp'));
    await store.close();

    expect(() => createSqliteManagerStore({ path })).toThrow(
      expect.objectContaining({
        code: 'IO',
        details: { path },
        message: expect.stringMatching(
          /another kind of Cairn database: its migration 1 is "initial", where this one expects "manager-initial"/,
        ) as string,
      }),
    );
    const reopened = createSqliteStore({ path });
    expect(await reopened.getBlueprint('bp')).toEqual(aBlueprint('bp'));
    await reopened.close();
  });

  it('is refused as a tenant’s store, leaving it untouched', async () => {
    const manager = createSqliteManagerStore({ path });
    await manager.createTenant(aTenant('acme'));
    await manager.close();

    expect(() => createSqliteStore({ path })).toThrow(
      expect.objectContaining({
        code: 'IO',
        message: expect.stringContaining(
          'its migration 1 is "manager-initial", where this one expects "initial"',
        ) as string,
      }),
    );
    const reopened = createSqliteManagerStore({ path });
    expect(await reopened.listTenants()).toEqual([aTenant('acme')]);
    await reopened.close();
  });

  it('refuses a database written by a newer Cairn', async () => {
    await createSqliteManagerStore({ path }).close();
    const db = new Database(path);
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')",
    ).run();
    db.close();
    expect(() => createSqliteManagerStore({ path })).toThrow(
      expect.objectContaining({
        name: 'SchemaVersionError',
        code: 'CONFLICT',
        details: { path, found_version: 99, supported_version: MANAGER_MIGRATIONS.length },
      }),
    );
  });

  it('refuses a token whose expiry SQLite cannot read (it would never expire)', async () => {
    const store = createSqliteManagerStore({ path });
    await store.createUser(aUser('alice'));
    await expectCairnError(
      store.createToken(aToken('d1', 'alice', { expires_at: 'next week' })),
      'INVALID_INPUT',
    );
    expect(await store.getToken('d1')).toBeUndefined();
    await store.close();
  });

  it('reports a folder that does not exist, naming the path', () => {
    const missing = join(dir, 'no', 'such', 'folder', 'manager.db');
    expect(() => createSqliteManagerStore({ path: missing })).toThrow(
      expect.objectContaining({ code: 'IO', message: expect.stringContaining(missing) as string }),
    );
  });
});
