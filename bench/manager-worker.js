/**
 * The manager benchmark, run by `bench/run.js` (BENCH_ONLY=manager) in a process of its own.
 * Prints one JSON line with the figures:
 *   - `GET /api/v3.1/deployments` with 10,000 deployments in the tenant, with autocannon on
 *     loopback: requests per second for a page of 50 (what a console or a script paging through
 *     asks) and for Cloudify's default page of 1,000;
 *   - event ingestion: events stored per second through the tenant store's `apply`, in batches
 *     of 1 (one per task, the engine's worst case) and of 100, on SQLite and on PostgreSQL (a
 *     throwaway cluster from `scripts/postgres.sh`, or the server BENCH_POSTGRES_URL names;
 *     skipped, and said so, when neither is there);
 *   - 1,000 trivial executions (a deployment of one node without operations) submitted over
 *     HTTP and run from queued to terminated, as workflows per hour.
 * The manager runs in this process and autocannon in another; they share the machine's two cores.
 *
 * Environment: BENCH_DIR (default $TMPDIR/cairn-bench), BENCH_DEPLOYMENTS (default 10000),
 * BENCH_EXECUTIONS (default 1000), BENCH_DURATION (autocannon seconds, default 10),
 * BENCH_MANAGER_DB (`sqlite`, the default, or `postgres`: where the manager under load keeps
 * its directory and tenants), BENCH_POSTGRES_URL (a server to use instead of a throwaway one).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as tar from 'tar';
import { ApiClient } from '../packages/api/dist/index.js';
import { startManager } from '../packages/manager/dist/index.js';
import { createPostgresStore, createSqliteStore } from '../packages/store/dist/index.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 10_000);
const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 1000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const PASSWORD = 'bench-admin-password';
const MANAGER_DB = process.env.BENCH_MANAGER_DB ?? 'sqlite';
if (MANAGER_DB !== 'sqlite' && MANAGER_DB !== 'postgres') {
  throw new Error(`BENCH_MANAGER_DB must be sqlite or postgres, not '${MANAGER_DB}'`);
}
const root = join(process.env.BENCH_DIR ?? join(tmpdir(), 'cairn-bench'), 'manager');
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });

/**
 * A PostgreSQL server: BENCH_POSTGRES_URL, or a throwaway cluster of this run's own (stopped
 * at the end). `{ url: undefined, why }` when there is none to be had.
 */
function postgresServer() {
  const given = process.env.BENCH_POSTGRES_URL;
  if (given) return { url: given, stop: () => {} };
  const script = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
  const env = { ...process.env, PG_DIR: join(root, 'postgres') };
  delete env.PG_PORT;
  try {
    const out = execFileSync('bash', [script, 'start'], { env, encoding: 'utf8', stdio: 'pipe' });
    let stopped = false;
    return {
      url: out.trim().split('\n').at(-1),
      stop: () => {
        if (stopped) return;
        stopped = true;
        execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
      },
    };
  } catch (error) {
    return {
      url: undefined,
      why: String(error.stderr ?? error)
        .trim()
        .split('\n')[0],
    };
  }
}

const postgres = postgresServer();
// A run that fails half-way must not leave its cluster running.
process.on('exit', () => postgres.stop());
if (MANAGER_DB === 'postgres' && postgres.url === undefined) {
  throw new Error(`BENCH_MANAGER_DB=postgres, but no PostgreSQL: ${postgres.why}`);
}
/** The manager's database on that server: one of its own, so repeated runs start empty. */
let managerDbUrl;
if (MANAGER_DB === 'postgres') {
  const name = `cairn_bench_manager_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  managerDbUrl = url.href;
}

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
inputs:
  n: { type: integer, default: 0 }
node_templates:
  one: { type: cloudify.nodes.Root }
outputs:
  n: { value: { get_input: n } }
`;

async function archive() {
  const dir = join(root, 'bp-src');
  mkdirSync(join(dir, 'bp'), { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'bp', 'blueprint.yaml'), BLUEPRINT);
  const chunks = [];
  for await (const chunk of tar.c({ gzip: true, cwd: dir, portable: true }, ['bp'])) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Runs `count` calls of `fn(i)` with at most `width` at once. */
async function pool(count, width, fn) {
  let next = 0;
  const workers = Array.from({ length: width }, async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
    }
  });
  await Promise.all(workers);
}

/**
 * autocannon in a process of its own (as a separate client would be), so that it does not
 * share the manager's event loop; both still share the machine's two cores.
 */
function cannon(url, headers, connections) {
  return new Promise((resolve, reject) => {
    const args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(DURATION)];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
    args.push(url);
    execFile(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`autocannon failed: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

async function ingest(store, label) {
  const now = new Date().toISOString();
  await store.putBlueprint({
    id: 'ev-bp',
    plan: { nodes: [] },
    main_file_name: 'blueprint.yaml',
    resources_path: root,
    description: null,
    created_at: now,
    updated_at: now,
  });
  await store.createDeployment(
    {
      id: 'ev-dep',
      blueprint_id: 'ev-bp',
      inputs: {},
      plan: { nodes: [] },
      plugins: [],
      created_at: now,
      updated_at: now,
    },
    [],
  );
  await store.createExecution({
    id: 'ev-exec',
    deployment_id: 'ev-dep',
    workflow_id: 'install',
    status: 'started',
    parameters: {},
    settings: {},
    is_dry_run: false,
    created_at: now,
    started_at: now,
    ended_at: null,
    error: '',
    owner: null,
  });
  const event = (i) => ({
    execution_id: 'ev-exec',
    deployment_id: 'ev-dep',
    timestamp: new Date().toISOString(),
    type: i % 2 === 0 ? 'cloudify_event' : 'cloudify_log',
    event_type: i % 2 === 0 ? 'task_succeeded' : null,
    level: i % 2 === 0 ? null : 'info',
    logger: i % 2 === 0 ? null : 'task-1',
    message: `Task succeeded 'script.runner.tasks.run' event number ${i} with a realistic length of text`,
    context: {
      node_id: `node_${i % 100}`,
      node_name: 'node',
      operation: 'cloudify.interfaces.lifecycle.create',
      task_id: `t-${i}`,
    },
    error_causes: null,
  });
  const results = {};
  for (const batch of [1, 100]) {
    const total = batch === 1 ? 5000 : 50_000;
    const started = performance.now();
    for (let i = 0; i < total; i += batch) {
      await store.apply({ events: Array.from({ length: batch }, (_, k) => event(i + k)) });
    }
    const seconds = (performance.now() - started) / 1000;
    results[`${label}_batch${batch}_per_s`] = Math.round(total / seconds);
  }
  return results;
}

const dataDir = join(root, 'data');
const managerOptions = {
  port: 0,
  dataDir,
  ...(managerDbUrl === undefined ? {} : { db: managerDbUrl }),
  logLevel: false,
  env: { CAIRN_ADMIN_PASSWORD: PASSWORD },
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
};
const manager = await startManager(managerOptions);
const admin = new ApiClient({
  url: manager.url,
  credentials: { username: 'admin', password: PASSWORD },
});
const token = await admin.login();
const headers = { 'Authentication-Token': token, Tenant: 'default_tenant' };

const form = new globalThis.FormData();
form.append('params', JSON.stringify({ application_file_name: 'blueprint.yaml' }));
form.append('blueprint_archive', new globalThis.Blob([await archive()]), 'filename');
await admin.call('uploadBlueprint', { params: { id: 'bp' }, body: form });

const seedStarted = performance.now();
await pool(DEPLOYMENTS, 8, (i) =>
  admin.call('createDeployment', {
    params: { id: `dep-${String(i).padStart(5, '0')}` },
    body: { blueprint_id: 'bp', inputs: { n: i } },
  }),
);
const seedSeconds = (performance.now() - seedStarted) / 1000;

const list50 = await cannon(
  `${manager.url}/api/v3.1/deployments?_size=50&_offset=5000`,
  headers,
  16,
);
const listInclude = await cannon(
  `${manager.url}/api/v3.1/deployments?_size=50&_offset=5000&_include=id,blueprint_id,created_at,latest_execution_status`,
  headers,
  16,
);
const list1000 = await cannon(`${manager.url}/api/v3.1/deployments`, headers, 8);
const get1 = await cannon(`${manager.url}/api/v3.1/deployments/dep-04242`, headers, 16);

// Executions: install then uninstall on EXECUTIONS/2 deployments, each round waiting for all.
const execStarted = performance.now();
const half = Math.ceil(EXECUTIONS / 2);
for (const workflow of ['install', 'uninstall']) {
  const ids = [];
  await pool(half, 8, async (i) => {
    const execution = await admin.call('startExecution', {
      body: { deployment_id: `dep-${String(i).padStart(5, '0')}`, workflow_id: workflow },
    });
    ids.push(execution.id);
  });
  for (;;) {
    const page = await admin.call('listExecutions', {
      query: { workflow_id: workflow, _size: 1, status: ['queued', 'pending', 'started'] },
    });
    if (page.metadata.pagination.total === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const failed = await admin.call('listExecutions', {
    query: { workflow_id: workflow, status: 'failed', _size: 1 },
  });
  if (failed.metadata.pagination.total > 0) throw new Error(`${workflow}: executions failed`);
}
const execSeconds = (performance.now() - execStarted) / 1000;
await manager.close();

// A restart with all those deployments: until the manager listens, and until it answers the
// first list (which opens the tenant: its store, engine and deployment index).
const restartStarted = performance.now();
const restarted = await startManager(managerOptions);
const listeningSeconds = (performance.now() - restartStarted) / 1000;
await new ApiClient({
  url: restarted.url,
  credentials: { username: 'admin', password: PASSWORD },
}).call('listDeployments', { query: { _size: 1 } });
const firstListSeconds = (performance.now() - restartStarted) / 1000;
await restarted.close();

const events = await ingest(createSqliteStore({ path: join(root, 'events.db') }), 'sqlite');
if (postgres.url !== undefined) {
  const store = await createPostgresStore({
    connectionString: postgres.url,
    schema: `cairn_bench_${process.pid}`,
  });
  Object.assign(events, await ingest(store, 'postgres'));
  await store.close();
  if (managerDbUrl !== undefined) {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(managerDbUrl).pathname.slice(1)}`);
    await admin.end();
  }
} else {
  events.postgres_skipped = postgres.why;
}

console.log(
  JSON.stringify({
    managerDb: MANAGER_DB,
    deployments: DEPLOYMENTS,
    seedDeploymentsPerS: Math.round(DEPLOYMENTS / seedSeconds),
    list50ReqPerS: Math.round(list50.requests.average),
    list50LatencyP50Ms: list50.latency.p50,
    list50LatencyP99Ms: list50.latency.p99,
    list50Errors: list50.errors + list50.non2xx,
    listIncludeReqPerS: Math.round(listInclude.requests.average),
    listIncludeLatencyP50Ms: listInclude.latency.p50,
    listIncludeErrors: listInclude.errors + listInclude.non2xx,
    list1000ReqPerS: Math.round(list1000.requests.average),
    list1000Errors: list1000.errors + list1000.non2xx,
    getOneReqPerS: Math.round(get1.requests.average),
    restartListeningS: Number(listeningSeconds.toFixed(2)),
    restartFirstListS: Number(firstListSeconds.toFixed(2)),
    executions: half * 2,
    executionSeconds: Number(execSeconds.toFixed(1)),
    workflowsPerHour: Math.round(((half * 2) / execSeconds) * 3600),
    ...events,
  }),
);
postgres.stop();
rmSync(root, { recursive: true, force: true });
process.exit(0);
