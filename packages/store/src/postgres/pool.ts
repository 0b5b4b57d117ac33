import pg from 'pg';

/** The types read as text rather than converted by the driver. */
const AS_TEXT = new Set([pg.types.builtins.JSON, pg.types.builtins.INT8]);

const asText = (value: string): string => value;

/**
 * The driver's type parsers, except that `json` and `bigint` come back as their text. The store
 * parses JSON itself, so that reads do not depend on parsers another library in the process may
 * have registered globally (`pg.types.setTypeParser`), and `bigint` is not silently rounded.
 */
const getTypeParser: pg.CustomTypesConfig['getTypeParser'] = (oid, format) => {
  if (AS_TEXT.has(oid)) return asText;
  // The driver's parsers are typed `any`; they return what the driver would.
  return pg.types.getTypeParser(oid, format) as unknown;
};

/** How to open the pool. */
export interface PoolOptions {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly lockTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** A pool of connections set up for the store. */
export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Like SQLite's busy timeout: a write waiting this long for another connection's lock fails
    // with a TIMEOUT error instead of hanging behind a stuck process.
    lock_timeout: options.lockTimeoutMs,
    // Shown in pg_stat_activity, for whoever looks at the server (the URL may set another).
    application_name: 'cairn',
    // Idle connections do not keep the process alive: a CLI run that forgot close() still exits.
    allowExitOnIdle: true,
    types: { getTypeParser },
  });
  // An idle connection that breaks (server restart, network) emits 'error' on the pool, which
  // would crash the process if nobody listened. The pool drops that connection; the next query
  // opens another, or fails and is reported where it was made.
  pool.on('error', () => undefined);
  return pool;
}
