/**
 * The PostgreSQL server tests use (the store's, the manager's and the CLI's). A throwaway
 * cluster from `scripts/postgres.sh` (about 1 s), or the server CAIRN_TEST_POSTGRES_URL names
 * (its user must be allowed to create schemas and databases). Without PostgreSQL's binaries it
 * fails, naming what to install: a store that is not tested must not look tested.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);
/** The repository root, from `packages/store/src/testing` (or `dist/testing`). */
const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const SCRIPT = join(REPO_DIR, 'scripts', 'postgres.sh');

/** A server for one test file. */
export interface TestPostgres {
  /** Its connection string. */
  readonly url: string;
  /** True when the tests started it, and so own all of it (false with CAIRN_TEST_POSTGRES_URL). */
  readonly started: boolean;
  /** Stops the cluster the tests started (nothing to do for an outside server). */
  stop(): Promise<void>;
}

/** `scripts/postgres.sh <command>` for the cluster in `dir`. */
function clusterScript(command: 'start' | 'stop', dir: string): Promise<{ stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PG_DIR: dir };
  // The script picks a free port: a PG_PORT meant for another cluster must not pin it.
  delete env.PG_PORT;
  return execFileAsync('bash', [SCRIPT, command], { env, timeout: 60_000 });
}

/** Starts a cluster of the tests' own, or takes the one CAIRN_TEST_POSTGRES_URL names. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.CAIRN_TEST_POSTGRES_URL;
  if (external !== undefined && external !== '') {
    return { url: external, started: false, stop: () => Promise.resolve() };
  }
  const dir = join(tmpdir(), `cairn-store-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  let url: string;
  try {
    const { stdout } = await clusterScript('start', dir);
    url = stdout.trim().split('\n').at(-1) ?? '';
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(
      'The PostgreSQL store tests need a PostgreSQL server, and `scripts/postgres.sh start` ' +
        `could not start one:\n${typeof stderr === 'string' ? stderr : String(error)}\n` +
        'Install PostgreSQL (Debian/Ubuntu: apt-get install postgresql), or point ' +
        'CAIRN_TEST_POSTGRES_URL at a server the tests may create schemas on.',
      { cause: error },
    );
  }
  return {
    url,
    started: true,
    stop: async () => {
      await clusterScript('stop', dir);
    },
  };
}

let schemas = 0;

/** A schema name no other test (or test run on a shared server) uses. */
export function freshSchemaName(prefix = 'cairn_test'): string {
  schemas += 1;
  return `${prefix}_${process.pid}_${schemas}_${randomBytes(3).toString('hex')}`;
}

/** A database of its own on a PostgreSQL server, for one manager (which makes its schemas in it). */
export interface TestDatabase {
  readonly url: string;
  /** Every table of every schema as text (to look for what must not be stored). */
  dump(): Promise<string>;
  drop(): Promise<void>;
}

/** Creates a fresh database on the server `serverUrl` names. */
export async function freshDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = freshSchemaName('cairn_db');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async dump() {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        const tables = await client.query<{ schema: string; name: string }>(
          `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
           WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
        );
        const parts: string[] = [];
        for (const table of tables.rows) {
          const rows = await client.query(`SELECT * FROM "${table.schema}"."${table.name}"`);
          parts.push(JSON.stringify(rows.rows));
        }
        return parts.join('\n');
      } finally {
        await client.end();
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
