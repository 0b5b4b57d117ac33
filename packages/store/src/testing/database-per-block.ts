/**
 * For test blocks run once per database (`describe.each(['sqlite', 'postgres'])`): in the
 * PostgreSQL block, a fresh database on a throwaway cluster of the block's own, made before its
 * tests and dropped after them; in the SQLite block, nothing (the code under test keeps its
 * files where it is told).
 */
import { afterAll, beforeAll } from 'vitest';
import {
  freshDatabase,
  startTestPostgres,
  type TestDatabase,
  type TestPostgres,
} from './postgres-server.js';

/** A kind of database a test block runs on. */
export type DatabaseKind = 'sqlite' | 'postgres';

/**
 * Registers the hooks that give the block its database, and returns a getter for it (undefined
 * on SQLite). Call it first in the block, so that the block's own `beforeAll` hooks run after
 * the database exists and its `afterAll` hooks before it is dropped.
 */
export function databaseForBlock(kind: DatabaseKind): () => TestDatabase | undefined {
  let server: TestPostgres | undefined;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (kind !== 'postgres') return;
    server = await startTestPostgres();
    database = await freshDatabase(server.url);
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
    await server?.stop();
  }, 60_000);
  return () => database;
}
