/**
 * Benchmarks (`npm run bench`), each case in its own process so that cold times and peak RSS are
 * per case. Prints a table, then one JSON line (machine-readable), per benchmark.
 *
 * Parser: generates blueprints of 1,000 and 10,000 node templates in two shapes (flat, and a
 * depends_on tree), checks each parses with no error, and measures parse + validate time (cold
 * and warm median) and peak RSS.
 *
 * Engine (`bench/engine-worker.js`): installs with every operation run by a real worker process
 * of a no-op plugin, the store a SQLite file in a temporary folder:
 *   - 1,000 and 10,000 no-op nodes (create, configure, start; half depend on another): wall
 *     time of parse + store + create deployment + install, operations per second, CPU and peak
 *     RSS of the engine process and of the workers. The 10,000 case runs in two processes —
 *     parse and create, then install — so that the install's engine process is measured alone;
 *   - 200 independent nodes whose one operation sleeps 1 s, at parallelism P: the install's wall
 *     against ⌈200/P⌉ s, once with the workers starting (cold) and once with them running (warm).
 *
 * Script plugin: the `ctx` command's round trip from bash (`bench/ctx-roundtrip.js`), and an
 * install of 100 nodes whose create, configure and start are one-line shell scripts.
 *
 * Exits 1 when a case fails; with BENCH_STRICT=1, also when a target is missed.
 *
 * Environment: BENCH_DIR (where blueprints and stores go, default $TMPDIR/cairn-bench),
 * BENCH_RUNS_1K / BENCH_RUNS_10K (parser warm runs per round, defaults 15 and 3), BENCH_ROUNDS
 * (parser rounds, default 3: the four cases run one after the other that many times, and the
 * warm runs of all rounds are pooled), BENCH_ONLY (`parser`, `engine`, `script` or `plugins`:
 * run only that benchmark; also `manager`), BENCH_PLUGIN_RUNS (plugin kit runs, default 5).
 *
 * Manager (`bench/manager-worker.js`): GET /deployments with 10,000 deployments under
 * autocannon, event ingestion through the store, and 1,000 trivial executions run by the
 * manager's queue (see that file).
 *
 * Plugin kit (`bench/plugins-worker.js`): `cairn plugins pack` and `install` of a plugin with
 * 20 MB of dependencies, a worker's cold start (with Node's own spawn time beside it) and the
 * warm dispatch overhead of a no-op operation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateEngineBlueprint,
  OPS_PER_NODE,
  SCRIPT_FILES,
  SCRIPT_LINE,
} from './engine-blueprint.js';
import { generateBlueprint, TREE_FAN_OUT } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'packages', 'dsl', 'dist', 'index.js');
if (!existsSync(dist)) {
  console.error(`bench: ${dist} is missing; build first (npm run bench runs tsc -b).`);
  process.exit(1);
}

const outDir = process.env.BENCH_DIR ?? join(tmpdir(), 'cairn-bench');
const runs1k = Math.max(7, Number(process.env.BENCH_RUNS_1K ?? '15'));
const runs10k = Math.max(3, Number(process.env.BENCH_RUNS_10K ?? '3'));
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '3'));

/** Targets: warm median of the 1,000-node cases, and the 10,000 / 1,000 ratio. */
const TARGETS = { flat: 300, tree: 500, ratio: 10 };

const CASES = [
  { shape: 'flat', nodes: 1000, runs: runs1k },
  { shape: 'tree', nodes: 1000, runs: runs1k },
  { shape: 'flat', nodes: 10000, runs: runs10k },
  { shape: 'tree', nodes: 10000, runs: runs10k },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fail(message, details = []) {
  console.error(`\nbench: FAILED: ${message}`);
  for (const line of details) console.error(`  ${line}`);
  process.exit(1);
}

/** Prints a table: a header, a rule, the rows. */
function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join(' │ ');
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
  for (const row of rows) console.log(line(row));
}

const verdict = (ok) => (ok ? 'ok' : 'MISSED');

/** Runs one process of `bench/worker.js` for a parser case and returns its checked report. */
function runParserWorker(c, file, round) {
  process.stderr.write(`  running ${c.shape} ${c.nodes} (round ${round + 1}) …\n`);
  const child = spawnSync(process.execPath, [join(here, 'worker.js'), file, String(c.runs)], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.error !== undefined) fail(`worker for ${file}: ${child.error.message}`);
  if (child.status !== 0) {
    fail(`worker for ${file} exited with ${child.status ?? child.signal}`, [
      ...child.stderr.trim().split('\n'),
    ]);
  }
  const lines = child.stdout.trim().split('\n');
  let report;
  try {
    report = JSON.parse(lines[lines.length - 1] ?? '');
  } catch {
    fail(`worker for ${file} printed no report`, lines);
  }
  if (!report.ok) fail(`${file} does not parse cleanly`, report.errors);
  if (report.planNodes !== c.nodes) {
    fail(`${file}: the plan has ${report.planNodes} nodes, expected ${c.nodes}`);
  }
  return report;
}

/** The parser benchmark; true when every target is met. */
function parserBench() {
  mkdirSync(outDir, { recursive: true });
  console.log(
    `Cairn parser benchmark — node ${process.version}, ${cpus().length} CPU(s), ` +
      `blueprints in ${outDir}`,
  );
  console.log(
    `Warm runs: ${runs1k} (1,000 nodes), ${runs10k} (10,000 nodes) in each of ${rounds} ` +
      `round(s); tree fan-out ${TREE_FAN_OUT}.\n`,
  );

  // The cases take turns, round after round, so that the 1,000- and the 10,000-node cases see
  // the same machine: on a shared machine the load drifts during a run, and a ratio of two
  // medians taken minutes apart measures the drift as much as the parser.
  const files = CASES.map((c) => {
    const file = join(outDir, `${c.shape}-${c.nodes}.yaml`);
    writeFileSync(file, generateBlueprint(c.nodes, c.shape));
    return file;
  });
  const reports = CASES.map(() => []);
  for (let round = 0; round < rounds; round++) {
    CASES.forEach((c, i) => reports[i].push(runParserWorker(c, files[i], round)));
  }
  const results = CASES.map((c, i) => {
    const warmMs = reports[i].flatMap((r) => r.warmMs);
    return {
      shape: c.shape,
      nodes: c.nodes,
      bytes: statSync(files[i]).size,
      runs: warmMs.length,
      coldMs: Math.round(median(reports[i].map((r) => r.coldMs))),
      warmMedianMs: Math.round(median(warmMs)),
      warmMinMs: Math.round(Math.min(...warmMs)),
      warmMaxMs: Math.round(Math.max(...warmMs)),
      peakRssMiB: Math.round(Math.max(...reports[i].map((r) => r.maxRssKiB)) / 1024),
      warnings: reports[i][0].warnings,
    };
  });

  const find = (shape, nodes) => results.find((r) => r.shape === shape && r.nodes === nodes);
  const ratio = (shape) => find(shape, 10000).warmMedianMs / find(shape, 1000).warmMedianMs;
  const ratios = { flat: ratio('flat'), tree: ratio('tree') };
  const met = {
    flat1k: find('flat', 1000).warmMedianMs <= TARGETS.flat,
    tree1k: find('tree', 1000).warmMedianMs <= TARGETS.tree,
    flatRatio: ratios.flat <= TARGETS.ratio,
    treeRatio: ratios.tree <= TARGETS.ratio,
  };

  const header = [
    'shape',
    'nodes',
    'size',
    'cold ms',
    'warm median ms',
    'warm min–max',
    'peak RSS',
  ];
  const rows = results.map((r) => [
    r.shape,
    r.nodes.toLocaleString('en-US'),
    `${(r.bytes / 1024 / 1024).toFixed(2)} MiB`,
    String(r.coldMs),
    `${r.warmMedianMs} (n=${r.runs})`,
    `${r.warmMinMs}–${r.warmMaxMs}`,
    `${r.peakRssMiB} MiB`,
  ]);
  printTable(header, rows);
  console.log('');
  console.log(
    `1,000 flat: ${find('flat', 1000).warmMedianMs} ms (target ≤ ${TARGETS.flat} ms) ${verdict(met.flat1k)}`,
  );
  console.log(
    `1,000 tree: ${find('tree', 1000).warmMedianMs} ms (target ≤ ${TARGETS.tree} ms) ${verdict(met.tree1k)}`,
  );
  console.log(
    `10,000 / 1,000 flat: ${ratios.flat.toFixed(1)}× (target ≤ ${TARGETS.ratio}×) ${verdict(met.flatRatio)}`,
  );
  console.log(
    `10,000 / 1,000 tree: ${ratios.tree.toFixed(1)}× (target ≤ ${TARGETS.ratio}×) ${verdict(met.treeRatio)}`,
  );
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'dsl-parse',
      node: process.version,
      cpus: cpus().length,
      cases: results,
      ratios: { flat: Number(ratios.flat.toFixed(2)), tree: Number(ratios.tree.toFixed(2)) },
      targets: { flat1kMs: TARGETS.flat, tree1kMs: TARGETS.tree, ratio: TARGETS.ratio },
      met,
    }),
  );
  return Object.values(met).every(Boolean);
}

/** Engine targets: wall of the 1,000-node install, engine RSS of the 10,000-node install. */
const ENGINE_TARGETS = { install1kMs: 2000, rss10kMiB: 200, sleepSlack: 1.05 };

/** Seconds each sleeping operation takes. */
const SLEEP_SECONDS = 1;

const ENGINE_CASES = [
  { kind: 'install', nodes: 1000, parallelism: 50 },
  { kind: 'install', nodes: 10000, parallelism: 50 },
  { kind: 'sleep', nodes: 200, parallelism: 10 },
  { kind: 'sleep', nodes: 200, parallelism: 50 },
  { kind: 'sleep', nodes: 200, parallelism: 100 },
];

/** Runs one process of `bench/engine-worker.js` and returns its report. */
function engineWorker(options) {
  const child = spawnSync(
    process.execPath,
    [join(here, 'engine-worker.js'), JSON.stringify(options)],
    { encoding: 'utf8', timeout: 900_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const what = `engine worker (${options.mode} ${options.blueprint})`;
  if (child.error !== undefined) fail(`${what}: ${child.error.message}`);
  const lines = child.stdout.trim().split('\n');
  let report;
  try {
    report = JSON.parse(lines[lines.length - 1] ?? '');
  } catch {
    fail(`${what} exited with ${child.status ?? child.signal} and printed no report`, [
      ...lines,
      ...child.stderr.trim().split('\n'),
    ]);
  }
  if (!report.ok) fail(`${what} failed`, report.errors.join('\n').split('\n'));
  return report;
}

const mib = (kib) => Math.round(kib / 1024);

/**
 * The plugin workers of a report: how many run at its end and their largest peak RSS, and the
 * CPU of every worker it started (those retired before the end too).
 */
function workersOf(report) {
  const workers = report.workers ?? [];
  return {
    count: workers.length,
    maxPeakRssMiB: workers.length === 0 ? 0 : mib(Math.max(...workers.map((w) => w.peakRssKiB))),
    cpuMs: workers.reduce((sum, w) => sum + w.cpuMs, report.endedWorkersCpuMs ?? 0),
  };
}

/** The engine benchmark; true when every target is met. */
function engineBench() {
  const workDir = join(outDir, 'engine');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  console.log(
    `\nCairn engine benchmark — node ${process.version}, ${cpus().length} CPU(s), ` +
      `stores in ${workDir}`,
  );
  console.log(
    'Every operation runs in a worker process of a no-op plugin; SQLite file store. ' +
      'Wall = parse + store + create deployment + install, in the engine process.\n',
  );

  const installs = [];
  const sleeps = [];
  for (const c of ENGINE_CASES) {
    const shape = c.kind === 'install' ? 'noop' : 'sleep';
    const blueprint = join(workDir, `${shape}-${c.nodes}.yaml`);
    writeFileSync(blueprint, generateEngineBlueprint(c.nodes, shape));
    const dir = join(workDir, `${c.kind}-${c.nodes}-p${c.parallelism}`);
    mkdirSync(dir, { recursive: true });
    const base = { blueprint, dir, parallelism: c.parallelism };
    process.stderr.write(
      `  running engine ${c.kind} ${c.nodes} (parallelism ${c.parallelism}) …\n`,
    );

    if (c.kind === 'install') {
      // 10,000: parse and create in one process, install in another (the engine process whose
      // RSS is the target); 1,000: all in one.
      const split = c.nodes >= 10000;
      const prepared = split ? engineWorker({ ...base, mode: 'prepare' }) : undefined;
      const report = engineWorker({ ...base, mode: split ? 'install' : 'full' });
      const run = report.installs[0];
      const ops = c.nodes * OPS_PER_NODE.noop;
      if (run.operations !== ops)
        fail(`install ${c.nodes}: ${run.operations} of ${ops} operations`);
      const parseMs = (prepared ?? report).parseMs;
      const createMs = (prepared ?? report).createMs;
      const wallMs = split ? prepared.wallMs + run.installMs : report.firstWallMs;
      installs.push({
        nodes: c.nodes,
        parallelism: c.parallelism,
        operations: ops,
        events: run.events,
        parseMs: Math.round(parseMs),
        createMs: Math.round(createMs),
        installMs: Math.round(run.installMs),
        wallMs: Math.round(wallMs),
        opsPerSecond: Math.round(ops / (run.installMs / 1000)),
        engineCpuMs: Math.round(run.installCpuMs),
        enginePeakRssMiB: mib(report.maxRssKiB),
        ...(prepared === undefined ? {} : { preparePeakRssMiB: mib(prepared.maxRssKiB) }),
        workers: workersOf(report),
      });
      continue;
    }

    // Installs until one starts with P workers running (the steady state), at most 8.
    const report = engineWorker({ ...base, mode: 'full', installs: 8 });
    const runs = report.installs;
    const cold = runs[0];
    const warm = runs[runs.length - 1];
    for (const run of runs) {
      if (run.operations !== c.nodes)
        fail(`sleep P=${c.parallelism}: ${run.operations} operations`);
    }
    const boundMs =
      ENGINE_TARGETS.sleepSlack *
      Math.ceil(c.nodes / c.parallelism) *
      OPS_PER_NODE.sleep *
      SLEEP_SECONDS *
      1000;
    sleeps.push({
      nodes: c.nodes,
      parallelism: c.parallelism,
      boundMs: Math.round(boundMs),
      coldMs: Math.round(cold.installMs),
      coldRatio: Number((cold.installMs / boundMs).toFixed(2)),
      warmMs: Math.round(warm.installMs),
      warmRatio: Number((warm.installMs / boundMs).toFixed(2)),
      warmPoolBefore: warm.poolBefore,
      installsRun: runs.length,
      workers: workersOf(report),
    });
  }

  printTable(
    [
      'nodes',
      'ops',
      'P',
      'parse ms',
      'create ms',
      'install ms',
      'wall ms',
      'ops/s',
      'engine CPU ms',
      'engine peak RSS',
      'workers: n at end, peak RSS, CPU ms',
    ],
    installs.map((r) => [
      r.nodes.toLocaleString('en-US'),
      r.operations.toLocaleString('en-US'),
      String(r.parallelism),
      String(r.parseMs),
      String(r.createMs),
      String(r.installMs),
      String(r.wallMs),
      String(r.opsPerSecond),
      String(r.engineCpuMs),
      `${r.enginePeakRssMiB} MiB${r.preparePeakRssMiB === undefined ? '' : ` (parse+create process ${r.preparePeakRssMiB} MiB)`}`,
      `${r.workers.count}, ≤ ${r.workers.maxPeakRssMiB} MiB, ${r.workers.cpuMs}`,
    ]),
  );
  console.log('');
  printTable(
    ['sleep nodes', 'P', 'bound ms', 'cold ms', 'cold ratio', 'warm ms', 'warm ratio', 'workers'],
    sleeps.map((r) => [
      String(r.nodes),
      String(r.parallelism),
      String(r.boundMs),
      String(r.coldMs),
      r.coldRatio.toFixed(2),
      String(r.warmMs),
      r.warmRatio.toFixed(2),
      `${r.workers.count} (${r.warmPoolBefore} running before the warm install)`,
    ]),
  );

  const find = (nodes) => installs.find((r) => r.nodes === nodes);
  const met = {
    install1k: find(1000).wallMs <= ENGINE_TARGETS.install1kMs,
    rss10k: find(10000).enginePeakRssMiB <= ENGINE_TARGETS.rss10kMiB,
    ...Object.fromEntries(sleeps.map((r) => [`sleepP${r.parallelism}`, r.warmRatio <= 1])),
  };
  console.log('');
  console.log(
    `1,000 nodes: ${find(1000).wallMs} ms wall (target ≤ ${ENGINE_TARGETS.install1kMs} ms) ${verdict(met.install1k)}`,
  );
  console.log(
    `10,000 nodes: engine peak RSS ${find(10000).enginePeakRssMiB} MiB (target ≤ ${ENGINE_TARGETS.rss10kMiB} MiB) ${verdict(met.rss10k)}`,
  );
  for (const r of sleeps) {
    console.log(
      `200 × sleep 1 s at P=${r.parallelism}: warm ${r.warmMs} ms, cold ${r.coldMs} ms ` +
        `(bound ≤ ${r.boundMs} ms; cold includes starting the workers) ${verdict(met[`sleepP${r.parallelism}`])}`,
    );
  }
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'engine',
      node: process.version,
      cpus: cpus().length,
      installs,
      sleeps,
      targets: ENGINE_TARGETS,
      met,
    }),
  );
  rmSync(workDir, { recursive: true, force: true });
  return Object.values(met).every(Boolean);
}

/** Script plugin targets: the ctx round trip from bash, and an install of 100 script nodes. */
const SCRIPT_TARGETS = { ctxMedianMs: 5, install100Ms: 2200 };

/** The script plugin benchmark; true when every target is met. */
function scriptBench() {
  const workDir = join(outDir, 'script');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, 'scripts'), { recursive: true });
  console.log(
    `\nCairn script plugin benchmark — node ${process.version}, ${cpus().length} CPU(s), ` +
      `in ${workDir}`,
  );

  process.stderr.write('  running the ctx round trip …\n');
  const child = spawnSync(process.execPath, [join(here, 'ctx-roundtrip.js'), '300'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (child.status !== 0) fail('bench/ctx-roundtrip.js failed', child.stderr.split('\n'));
  const roundTrip = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');

  // 100 nodes, each with create, configure and start a one-line script: three runs, the median.
  const nodes = 100;
  const blueprint = join(workDir, 'blueprint.yaml');
  writeFileSync(blueprint, generateEngineBlueprint(nodes, 'script'));
  for (const [file, text] of Object.entries(SCRIPT_FILES)) {
    writeFileSync(join(workDir, file), text, { mode: 0o755 });
  }
  const runs = [];
  for (let i = 0; i < 3; i++) {
    process.stderr.write(`  running the install of ${nodes} script nodes (${i + 1}/3) …\n`);
    const dir = join(workDir, `store-${i}`);
    mkdirSync(dir, { recursive: true });
    const report = engineWorker({ mode: 'full', blueprint, dir, parallelism: 50 });
    const run = report.installs[0];
    const ops = nodes * OPS_PER_NODE.script;
    if (run.operations !== ops) fail(`script install: ${run.operations} of ${ops} operations`);
    runs.push({
      wallMs: report.firstWallMs,
      installMs: run.installMs,
      workers: workersOf(report).count,
    });
  }
  const wallMs = Math.round(median(runs.map((r) => r.wallMs)));
  const installMs = Math.round(median(runs.map((r) => r.installMs)));
  const ms = (us) => (us / 1000).toFixed(1);

  printTable(
    ['measure', 'median', 'p99 / runs', 'for scale'],
    [
      [
        'ctx call from bash (runtime property read)',
        `${ms(roundTrip.ctx.medianUs)} ms`,
        `${ms(roundTrip.ctx.p99Us)} ms`,
        `bash -c exit: ${ms(roundTrip.bash.medianUs)} ms` +
          (roundTrip.curl ? `; curl to the same proxy: ${ms(roundTrip.curl.medianUs)} ms` : ''),
      ],
      [
        `install, ${nodes} nodes × 3 one-line scripts (${SCRIPT_LINE})`,
        `${wallMs} ms wall (install ${installMs} ms)`,
        runs.map((r) => Math.round(r.wallMs)).join(', '),
        `${Math.round((nodes * OPS_PER_NODE.script) / (installMs / 1000))} scripts/s; Cloudify 7.1: 11,300 ms`,
      ],
    ],
  );
  const met = {
    ctxMedian: roundTrip.ctx.medianUs / 1000 <= SCRIPT_TARGETS.ctxMedianMs,
    install100: wallMs <= SCRIPT_TARGETS.install100Ms,
  };
  console.log('');
  console.log(
    `ctx round trip: median ${ms(roundTrip.ctx.medianUs)} ms (target ≤ ${SCRIPT_TARGETS.ctxMedianMs} ms) ${verdict(met.ctxMedian)}`,
  );
  console.log(
    `100 script nodes: ${wallMs} ms wall (target ≤ ${SCRIPT_TARGETS.install100Ms} ms) ${verdict(met.install100)}`,
  );
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'script',
      node: process.version,
      cpus: cpus().length,
      roundTrip,
      install: { nodes, operations: nodes * OPS_PER_NODE.script, wallMs, installMs, runs },
      targets: SCRIPT_TARGETS,
      met,
    }),
  );
  rmSync(workDir, { recursive: true, force: true });
  return Object.values(met).every(Boolean);
}

/** Targets of the plugin kit (issue 5). */
const PLUGIN_TARGETS = { packMs: 2000, installMs: 2000, coldStartMs: 150, dispatchMs: 1 };

/** The plugin kit benchmark (`bench/plugins-worker.js`); true when every target is met. */
function pluginsBench() {
  console.log(`\nCairn plugin kit benchmark — node ${process.version}, ${cpus().length} CPU(s)`);
  const child = spawnSync(process.execPath, [join(here, 'plugins-worker.js')], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) fail('the plugin kit benchmark failed', [child.stderr.trim()]);
  const r = JSON.parse(child.stdout.trim().split('\n').pop());
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  printTable(
    ['measure', 'median', 'runs', 'for scale'],
    [
      [
        `cairn plugins pack (${r.plugin.megabytes} MB of dependencies, ${r.plugin.files} files)`,
        `${r.packMedianMs} ms`,
        r.packMs.join(', '),
        `bundle ${mb(r.plugin.bundleBytes)}`,
      ],
      [
        'cairn plugins install (verify, extract, YAML check, entry probe)',
        `${r.installMedianMs} ms`,
        r.installMs.join(', '),
        '',
      ],
      [
        'worker cold start: first no-op operation, a spare Node booted',
        `${r.spareMedianMs} ms`,
        r.spareMs.join(', '),
        'the executor boots one when made; a new pool takes it',
      ],
      [
        'worker cold start from scratch (no spare: Node boots first)',
        `${r.coldMedianMs} ms`,
        r.coldMs.join(', '),
        `bare node spawn → first write: ${r.bareNodeMedianMs} ms (${r.bareNodeMs.join(', ')})`,
      ],
      [
        'warm operation dispatch (no-op, run() → outcome)',
        `${(r.warmMedianUs / 1000).toFixed(2)} ms`,
        `p99 ${(r.warmP99Us / 1000).toFixed(2)} ms`,
        '',
      ],
    ],
  );
  const met = {
    pack: r.packMedianMs <= PLUGIN_TARGETS.packMs,
    install: r.installMedianMs <= PLUGIN_TARGETS.installMs,
    coldStart: r.spareMedianMs <= PLUGIN_TARGETS.coldStartMs,
    dispatch: r.warmMedianUs / 1000 <= PLUGIN_TARGETS.dispatchMs,
  };
  console.log('');
  console.log(
    `pack: ${r.packMedianMs} ms (target ≤ ${PLUGIN_TARGETS.packMs} ms) ${verdict(met.pack)}`,
  );
  console.log(
    `install: ${r.installMedianMs} ms (target ≤ ${PLUGIN_TARGETS.installMs} ms) ${verdict(met.install)}`,
  );
  console.log(
    `worker cold start: ${r.spareMedianMs} ms with a spare (target ≤ ${PLUGIN_TARGETS.coldStartMs} ms) ${verdict(met.coldStart)}; from scratch ${r.coldMedianMs} ms, of which Node's boot ~${r.bareNodeMedianMs} ms`,
  );
  console.log(
    `warm dispatch: ${(r.warmMedianUs / 1000).toFixed(2)} ms (target ≤ ${PLUGIN_TARGETS.dispatchMs} ms) ${verdict(met.dispatch)}`,
  );
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'plugins',
      node: process.version,
      cpus: cpus().length,
      ...r,
      targets: PLUGIN_TARGETS,
      met,
    }),
  );
  return Object.values(met).every(Boolean);
}

/** Targets of the manager (issue 6). */
const MANAGER_TARGETS = { listReqPerS: 2000, eventsPerS: 20000 };

/** The manager benchmark (`bench/manager-worker.js`); true when every target is met. */
function managerBench() {
  console.log(`\nCairn manager benchmark — node ${process.version}, ${cpus().length} CPU(s)`);
  console.log(
    `the manager under load keeps its state on ${process.env.BENCH_MANAGER_DB ?? 'sqlite'}`,
  );
  const child = spawnSync(process.execPath, [join(here, 'manager-worker.js')], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, BENCH_DIR: outDir },
  });
  if (child.status !== 0) fail('the manager benchmark failed', [child.stderr.trim()]);
  const r = JSON.parse(child.stdout.trim().split('\n').pop());
  printTable(
    ['measure', 'figure', 'for scale'],
    [
      [
        `GET /deployments?_size=50 (${r.deployments} deployments, full items)`,
        `${r.list50ReqPerS} req/s`,
        `p50 ${r.list50LatencyP50Ms} ms, p99 ${r.list50LatencyP99Ms} ms, errors ${r.list50Errors}`,
      ],
      [
        'GET /deployments?_size=50&_include=id,blueprint_id,created_at,latest_execution_status',
        `${r.listIncludeReqPerS} req/s`,
        `p50 ${r.listIncludeLatencyP50Ms} ms`,
      ],
      [`GET /deployments (default page: 1,000 full items)`, `${r.list1000ReqPerS} req/s`, ''],
      ['GET /deployments/{id}', `${r.getOneReqPerS} req/s`, ''],
      [
        'event ingestion, SQLite, batches of 100',
        `${r.sqlite_batch100_per_s} events/s`,
        `batches of 1: ${r.sqlite_batch1_per_s}/s`,
      ],
      ...(r.postgres_batch100_per_s === undefined
        ? [['event ingestion, PostgreSQL', 'not measured', r.postgres_skipped ?? '']]
        : [
            [
              'event ingestion, PostgreSQL, batches of 100',
              `${r.postgres_batch100_per_s} events/s`,
              `batches of 1: ${r.postgres_batch1_per_s}/s`,
            ],
          ]),
      [
        `${r.executions} trivial executions, queued → terminated`,
        `${r.workflowsPerHour} workflows/hour`,
        `${r.executionSeconds} s in all; Cloudify publishes 1,000–2,000/hour`,
      ],
      ['deployments created over HTTP (seeding)', `${r.seedDeploymentsPerS}/s`, ''],
      [
        `restart with ${r.deployments} deployments, until the first list answers`,
        `${r.restartFirstListS} s`,
        `listening after ${r.restartListeningS} s`,
      ],
    ],
  );
  const met = {
    list: r.listIncludeReqPerS >= MANAGER_TARGETS.listReqPerS,
    events: r.sqlite_batch100_per_s >= MANAGER_TARGETS.eventsPerS,
    ...(r.postgres_batch100_per_s === undefined
      ? {}
      : { eventsPostgres: r.postgres_batch100_per_s >= MANAGER_TARGETS.eventsPerS }),
  };
  console.log('');
  console.log(
    `GET /deployments with ${r.deployments} deployments: ${r.listIncludeReqPerS} req/s for a list page (target ≥ ${MANAGER_TARGETS.listReqPerS}) ${verdict(met.list)}; ${r.list50ReqPerS} req/s with full items`,
  );
  console.log(
    `event ingestion: ${r.sqlite_batch100_per_s} events/s on SQLite (target ≥ ${MANAGER_TARGETS.eventsPerS}) ${verdict(met.events)}`,
  );
  if (met.eventsPostgres !== undefined) {
    console.log(
      `event ingestion: ${r.postgres_batch100_per_s} events/s on PostgreSQL (target ≥ ${MANAGER_TARGETS.eventsPerS}) ${verdict(met.eventsPostgres)}`,
    );
  }
  console.log(`executions: ${r.workflowsPerHour} workflows/hour`);
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'manager',
      node: process.version,
      cpus: cpus().length,
      ...r,
      targets: MANAGER_TARGETS,
      met,
    }),
  );
  return Object.values(met).every(Boolean);
}

const only = process.env.BENCH_ONLY;
const allMet = [
  only === undefined || only === 'parser' ? parserBench() : true,
  only === undefined || only === 'engine' ? engineBench() : true,
  only === undefined || only === 'script' ? scriptBench() : true,
  only === undefined || only === 'plugins' ? pluginsBench() : true,
  only === undefined || only === 'manager' ? managerBench() : true,
].every(Boolean);
if (process.env.BENCH_STRICT === '1' && !allMet) process.exit(1);
