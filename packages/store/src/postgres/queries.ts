/** Running the named statements of `statements.ts`, alone or together in one transaction. */
import type pg from 'pg';
import type { Statement } from './statements.js';

/** What runs queries: the pool (one statement, its own transaction) or a client in a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

/** Runs a named statement. */
export function run<R extends pg.QueryResultRow>(
  on: Queryable,
  statement: Statement,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  return on.query<R>({ name: statement.name, text: statement.text, values });
}

/**
 * Runs `work` in a transaction on one connection of `pool`: committed if it returns, rolled back
 * if it throws (and the error rethrown as it was). READ COMMITTED, as PostgreSQL defaults to: the
 * statements that read before they write lock the rows they read (`FOR UPDATE` …), so that what
 * they checked still holds when they write.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // ROLLBACK fails only when the connection is gone (the server has then rolled back): the
    // connection is thrown away rather than handed out again.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
