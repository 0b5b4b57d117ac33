/**
 * Engine benchmark worker, one process per case (or per phase of a case) so that peak RSS is
 * that process's own. Every operation is dispatched to a real worker process of the no-op
 * plugin (`bench/fixtures/noop-plugin`), or of the built-in script plugin for script blueprints;
 * the store is a SQLite file in `dir`.
 *
 *   node bench/engine-worker.js '<json options>'
 *
 * Options: `mode`, `blueprint` (file), `dir` (store folder), `parallelism`, `installs`.
 *   - `full`: parse the blueprint, store it, create a deployment and install it, all in this
 *     process. With `installs` above 1, more deployments of the blueprint are installed with
 *     the same executor until one starts with `parallelism` workers already running (or
 *     `installs` are done): the last is the steady state of a long-lived engine, the first
 *     pays for starting the workers.
 *   - `prepare`: parse, store the blueprint and create the deployment, no install.
 *   - `install`: open the store a `prepare` left and install its deployment: this process is
 *     the engine process of that install, and its peak RSS is the install's.
 *
 * Prints one JSON line on stdout: timings, counts, CPU and memory of this process, and the peak
 * RSS of each plugin worker it started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBlueprint } from '@cairn/dsl';
import { createNodeHost, fileUrl } from '@cairn/dsl/node';
import { createEngine } from '@cairn/engine';
import { createLocalExecutor, pluginAt } from '@cairn/plugin-host';
import { createSqliteStore } from '@cairn/store';

const here = dirname(fileURLToPath(import.meta.url));
const PLUGIN = join(here, 'fixtures', 'noop-plugin', 'index.js');
/** The built-in script plugin, as the CLI finds it (its package.json declares how it runs). */
const SCRIPT_PLUGIN = pluginAt(join(here, '..', 'plugins', 'script'));

const options = JSON.parse(process.argv[2] ?? '{}');
const { mode = 'full', blueprint, dir, parallelism = 50, installs = 1 } = options;
if (typeof blueprint !== 'string' || typeof dir !== 'string') {
  console.error(`usage: node bench/engine-worker.js '{"mode":"full","blueprint":"…","dir":"…"}'`);
  process.exit(2);
}

/** CPU time (ms) of this process's children that have ended (retired workers), from /proc. */
function endedChildrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime, in clock ticks of 10 ms.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

/** Peak RSS (VmHWM, KiB) and CPU time (ms) of each live child process, from /proc (Linux). */
function children() {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  const tick = 10; // ms per clock tick (USER_HZ is 100 on Linux)
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields resume after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      out.push({
        peakRssKiB: hwm === null ? 0 : Number(hwm[1]),
        cpuMs: (Number(fields[11]) + Number(fields[12])) * tick,
      });
    } catch {
      // It ended meanwhile.
    }
  }
  return out;
}

/** Runs `work`, sampling this process's RSS meanwhile. */
async function sampled(work) {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const value = await work();
    return { value, peakRss: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

function cpuMs(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const report = { ok: true, errors: [], mode, installs: [] };
const started = performance.now();
let executor;
let store;
try {
  store = createSqliteStore({ path: join(dir, 'cairn.db') });
  executor = createLocalExecutor({
    resolvePlugin: (plugin) =>
      plugin.name === 'bench'
        ? { entry: PLUGIN }
        : plugin.name === 'script'
          ? SCRIPT_PLUGIN
          : undefined,
    // The engine runs `parallelism` operations at once; the pool must be able to as well.
    maxWorkersPerPlugin: parallelism,
    ...(options.spareWorkers === undefined ? {} : { spareWorkers: options.spareWorkers }),
  });
  const engine = createEngine({ store, executor, workdir: join(dir, 'work') });

  if (mode !== 'install') {
    // Scoped so that the parse result is garbage once the blueprint is stored.
    const plan = await (async () => {
      const parsed = await parseBlueprint(fileUrl(blueprint), {
        host: createNodeHost({ offline: true }),
      });
      const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
      if (parsed.plan === undefined || errors.length > 0) {
        throw new Error(`the blueprint does not parse: ${errors.map((d) => d.message).join('; ')}`);
      }
      return parsed.plan;
    })();
    report.parseMs = performance.now() - started;
    report.planNodes = plan.nodes.length;
    await engine.putBlueprint({
      id: 'bench',
      plan,
      main_file_name: 'blueprint.yaml',
      resources_path: dirname(blueprint),
      description: null,
    });
  }

  const count = mode === 'full' ? installs : 1;
  for (let n = 1; n <= count; n++) {
    const id = `bench-${n}`;
    const t0 = performance.now();
    if (mode !== 'install') {
      const { instances } = await engine.createDeployment({ id, blueprintId: 'bench', seed: n });
      report.instances = instances.length;
    }
    report.createMs = (report.createMs ?? 0) + performance.now() - t0;
    if (mode === 'prepare') break;

    const poolBefore = children().length;
    const t1 = performance.now();
    const counts = { operations: 0, events: 0, logs: 0 };
    const cpu = process.cpuUsage();
    const { value: execution, peakRss } = await sampled(() =>
      engine.execute({
        deploymentId: id,
        workflowId: 'install',
        settings: { parallelism },
        // A listener, as the CLI's progress view has: its cost is part of the figures.
        listener: (event) => {
          if (event.type === 'cloudify_log') counts.logs++;
          else counts.events++;
          if (event.event_type === 'task_succeeded' && event.message.startsWith('Task succeeded'))
            counts.operations++;
        },
      }),
    );
    const installMs = performance.now() - t1;
    const installCpuMs = cpuMs(cpu);
    if (execution.status !== 'terminated') {
      throw new Error(`install ${n} ended ${execution.status}: ${execution.error}`);
    }
    const after = await store.listNodeInstances({ deployment_id: id });
    const notStarted = after.filter((i) => i.state !== 'started').length;
    if (notStarted > 0) throw new Error(`install ${n}: ${notStarted} instances are not started`);
    report.installs.push({
      instances: after.length,
      installMs,
      installCpuMs,
      installPeakRssKiB: Math.round(peakRss / 1024),
      poolBefore,
      ...counts,
    });
    if (n === 1) report.firstWallMs = performance.now() - started;
    if (poolBefore >= parallelism) break;
  }
  report.wallMs = performance.now() - started;
  report.cpuMs = cpuMs();
  report.maxRssKiB = process.resourceUsage().maxRSS;
  report.workers = children();
  report.endedWorkersCpuMs = endedChildrenCpuMs();
} catch (error) {
  report.ok = false;
  report.errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await executor?.close();
  await store?.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
