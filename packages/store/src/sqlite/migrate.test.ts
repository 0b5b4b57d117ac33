import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration } from '../migrations/index.js';
import { migrate } from './migrate.js';

const one: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER) STRICT;' };
const two: Migration = {
  version: 2,
  name: 'two',
  sql: 'ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z TEXT) STRICT;',
};

describe('migrate', () => {
  let db: Database.Database;

  beforeEach(() => {
    db = new Database(':memory:');
  });

  afterEach(() => {
    db.close();
  });

  const recorded = (): unknown[] =>
    db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  const tables = (): string[] =>
    db
      .prepare<[], string>(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();

  it('applies every migration to a new database and records each', () => {
    expect(migrate(db, [one, two], ':memory:')).toEqual({ from: 0, to: 2 });
    expect(recorded()).toEqual([
      { version: 1, name: 'one' },
      { version: 2, name: 'two' },
    ]);
    expect(tables()).toEqual(['a', 'b', 'schema_migrations']);
  });

  it('brings an older database up to date, running only what is new', () => {
    migrate(db, [one], ':memory:');
    db.prepare('INSERT INTO a (x) VALUES (1)').run();
    expect(migrate(db, [one, two], ':memory:')).toEqual({ from: 1, to: 2 });
    expect(db.prepare('SELECT x, y FROM a').all()).toEqual([{ x: 1, y: null }]);
    expect(migrate(db, [one, two], ':memory:')).toEqual({ from: 2, to: 2 });
  });

  it('leaves the database as it was when a migration fails', () => {
    migrate(db, [one], ':memory:');
    const broken: Migration = { version: 3, name: 'broken', sql: 'CREATE TABLE oops (' };
    expect(() => migrate(db, [one, two, broken], ':memory:')).toThrow();
    expect(recorded()).toEqual([{ version: 1, name: 'one' }]);
    expect(tables()).toEqual(['a', 'schema_migrations']);
  });

  it('refuses a database newer than the migrations it knows', () => {
    migrate(db, [one, two], ':memory:');
    expect(() => migrate(db, [one], '/data/cairn.db')).toThrow(
      expect.objectContaining({
        name: 'SchemaVersionError',
        code: 'CONFLICT',
        message: expect.stringContaining('/data/cairn.db has schema version 2') as string,
      }),
    );
  });

  it('refuses a database whose history is another kind of database’s, leaving it as it was', () => {
    migrate(db, [one], ':memory:');
    const other: Migration = { version: 1, name: 'other', sql: 'CREATE TABLE c (z TEXT) STRICT;' };
    expect(() => migrate(db, [other, two], '/data/manager.db')).toThrow(
      expect.objectContaining({
        code: 'IO',
        details: { path: '/data/manager.db' },
        message: expect.stringContaining(
          'The file /data/manager.db holds another kind of Cairn database: its migration 1 is ' +
            '"one", where this one expects "other"',
        ) as string,
      }),
    );
    expect(recorded()).toEqual([{ version: 1, name: 'one' }]);
    expect(tables()).toEqual(['a', 'schema_migrations']);
  });

  it('refuses a history with a gap', () => {
    expect(() => migrate(db, [two], ':memory:')).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
    expect(tables()).toEqual([]);
  });

  it('ships a history numbered 1, 2, 3 … that applies cleanly', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(
      MIGRATIONS.map((_, index) => index + 1),
    );
    expect(migrate(db, MIGRATIONS, ':memory:').to).toBe(MIGRATIONS.length);
  });
});
