/**
 * The SQLite store: the shared conformance suite on real files, then what only SQLite has —
 * the file itself (pragmas, schema version, corruption) and locking between processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from './index.js';
import { migration0001 } from './migrations/0001-initial.js';
import { CAIRN_APPLICATION_ID } from './sqlite/migrate.js';
import { openDatabase } from './sqlite/open-database.js';
import { aBlueprint, aDeployment, anExecution, anInstance } from './testing/fixtures.js';
import { describeStoreConformance, expectCairnError } from './testing/store-conformance.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

describeStoreConformance('sqlite file', {
  createDatabase() {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-store-'));
    const path = join(dir, 'cairn.db');
    return {
      open: () => createSqliteStore({ path }),
      destroy: () => {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe('createSqliteStore', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-store-'));
    path = join(dir, 'cairn.db');
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
    const store = createSqliteStore({ path: ':memory:' });
    await store.putBlueprint(aBlueprint('bp'));
    await store.createDeployment(aDeployment('dep', 'bp'), [anInstance('vm_1', 'dep')]);
    expect(await store.listNodeInstances({ deployment_id: 'dep' })).toHaveLength(1);
    await store.close();
  });

  it('creates a WAL-mode Cairn database recording its schema version', async () => {
    const store = createSqliteStore({ path });
    await store.close();
    inspect((db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('application_id', { simple: true })).toBe(CAIRN_APPLICATION_ID);
      const versions = db.prepare('SELECT version, name FROM schema_migrations').all();
      expect(versions).toEqual([
        { version: 1, name: 'initial' },
        { version: 2, name: 'deployment-plugins' },
        { version: 3, name: 'events-checked-by-insert' },
      ]);
      const tables = db
        .prepare<[], string>(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .pluck()
        .all();
      expect(tables).toEqual([
        'blueprints',
        'deployments',
        'events',
        'executions',
        'node_instances',
        'schema_migrations',
        'tasks',
      ]);
    });
  });

  it('reopens a database without migrating it again', async () => {
    await createSqliteStore({ path }).close();
    await createSqliteStore({ path }).close();
    const count = inspect((db) =>
      db.prepare<[], number>('SELECT COUNT(*) FROM schema_migrations').pluck().get(),
    );
    expect(count).toBe(3);
  });

  it('upgrades a database made before deployments had pinned plugins, keeping them', async () => {
    // Version 1 only, with one deployment, as an earlier Cairn left it.
    openDatabase({ path, busyTimeoutMs: 1000, migrations: [migration0001] }).close();
    const db = new Database(path);
    db.prepare(
      "INSERT INTO blueprints (id, plan, main_file_name, resources_path, description, created_at, updated_at) VALUES ('bp', '{}', 'blueprint.yaml', '/bp', NULL, 't', 't')",
    ).run();
    db.prepare(
      "INSERT INTO deployments (id, blueprint_id, inputs, plan, created_at, updated_at) VALUES ('dep', 'bp', '{}', '{}', 't', 't')",
    ).run();
    db.close();

    const store = createSqliteStore({ path });
    try {
      expect(await store.getDeployment('dep')).toMatchObject({ id: 'dep', plugins: [] });
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer Cairn', async () => {
    await createSqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare(
      "INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01T00:00:00.000Z')",
    ).run();
    db.close();

    let error: unknown;
    try {
      createSqliteStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      name: 'SchemaVersionError',
      code: 'CONFLICT',
      details: { path, found_version: 99, supported_version: 3 },
    });
    expect(String(error)).toContain(path);
    expect(String(error)).toContain('upgrade Cairn');
  });

  it('refuses a file that is not a database, naming it', () => {
    writeFileSync(
      path,
      'this is not a SQLite file, but it is long enough to have a header. '.repeat(100),
    );
    expect(() => createSqliteStore({ path })).toThrow(
      expect.objectContaining({ code: 'IO', message: expect.stringContaining(path) as string }),
    );
  });

  it('refuses another application’s SQLite database', () => {
    const db = new Database(path);
    db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    expect(() => createSqliteStore({ path })).toThrow(
      expect.objectContaining({
        code: 'IO',
        message: expect.stringMatching(/another application/) as string,
      }),
    );
    expect(inspect((db) => db.prepare('SELECT name FROM sqlite_schema').pluck().all())).toEqual([
      'photos',
    ]);
  });

  it('reports a corrupt database with a clear error naming the path', async () => {
    const store = createSqliteStore({ path });
    await store.putBlueprint(aBlueprint('bp'));
    await store.close();
    // Keep the header page, ruin the rest: the file opens, its tables do not read.
    const db = new Database(path);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const garbage = Buffer.alloc(pageSize * 4, 0xa5);
    writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, pageSize), garbage]));

    let error: unknown;
    try {
      const broken = createSqliteStore({ path });
      await broken.listBlueprints().finally(() => broken.close());
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'IO', details: { path } });
    expect(String(error)).toContain(path);
    expect(String(error)).toMatch(/corrupt/);
  });

  it('reports a folder that does not exist, naming the path', () => {
    const missing = join(dir, 'no', 'such', 'folder', 'cairn.db');
    expect(() => createSqliteStore({ path: missing })).toThrow(
      expect.objectContaining({ code: 'IO', message: expect.stringContaining(missing) as string }),
    );
  });

  it('reports a path that is a folder', () => {
    mkdirSync(path);
    expect(() => createSqliteStore({ path })).toThrow(
      expect.objectContaining({ code: 'IO', message: expect.stringContaining(path) as string }),
    );
  });

  describe('with another process writing', () => {
    let child: ChildProcess | undefined;

    afterEach(async () => {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    });

    /**
     * Starts a process that holds the database's write lock for `holdMs`, and resolves once it
     * holds it. (The exit is wrapped: an async function returning a bare promise would wait for it.)
     */
    async function holdWriteLock(holdMs: number): Promise<{ exited: Promise<number | null> }> {
      const script = `
        const Database = require('better-sqlite3');
        const db = new Database(process.argv[1]);
        db.exec('BEGIN IMMEDIATE');
        db.prepare('UPDATE node_instances SET runtime_properties = ?').run('{"by":"child"}');
        process.stdout.write('locked\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));
        db.exec('COMMIT');
        db.close();
      `;
      const started = spawn(process.execPath, ['-e', script, path, String(holdMs)], {
        cwd: PACKAGE_DIR,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = started;
      const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        started.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('locked')) resolve();
        });
        void exited.then((code) => {
          reject(new Error(`lock holder exited early (${String(code)})`));
        });
      });
      return { exited };
    }

    it('waits for the other process’s transaction instead of failing', async () => {
      const store = createSqliteStore({ path });
      await store.putBlueprint(aBlueprint('bp'));
      await store.createDeployment(aDeployment('dep', 'bp'), [anInstance('vm_1', 'dep')]);

      const { exited } = await holdWriteLock(300);
      const result = await store.apply({
        instances: [{ id: 'vm_1', state: 'started', expected_version: 1 }],
      });
      expect(await exited).toBe(0);
      // The other process's write landed first, then ours on top of it.
      expect(result.instances[0]).toMatchObject({
        state: 'started',
        runtime_properties: { by: 'child' },
        version: 2,
      });
      await store.close();
    });

    it('fails with a TIMEOUT error when the lock is held past the busy timeout', async () => {
      const store = createSqliteStore({ path, busyTimeoutMs: 50 });
      await store.putBlueprint(aBlueprint('bp'));
      await store.createDeployment(aDeployment('dep', 'bp'), []);

      const { exited } = await holdWriteLock(5_000);
      const error = await expectCairnError(
        store.createExecution(anExecution('ex1', 'dep')),
        'TIMEOUT',
      );
      expect(error.message).toContain(path);
      expect(error.details).toEqual({ path });
      child?.kill('SIGKILL');
      await exited;
      expect(await store.listExecutions()).toEqual([]);
      await store.close();
    });
  });
});
