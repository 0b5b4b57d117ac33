/**
 * Parser benchmark (`npm run bench`): generates blueprints of 1,000 and 10,000 node templates in
 * two shapes (flat, and a depends_on tree), checks each parses with no error, and measures
 * parse + validate time (cold and warm median) and peak RSS, each case in its own process.
 *
 * Prints a table, then one JSON line (machine-readable). Exits 1 when a blueprint does not parse
 * cleanly or a worker fails; with BENCH_STRICT=1, also when a target is missed.
 *
 * Environment: BENCH_DIR (where blueprints are written, default $TMPDIR/cairn-bench),
 * BENCH_RUNS_1K / BENCH_RUNS_10K (warm runs, defaults 15 and 3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

mkdirSync(outDir, { recursive: true });
console.log(
  `Cairn parser benchmark — node ${process.version}, ${cpus().length} CPU(s), ` +
    `blueprints in ${outDir}`,
);
console.log(
  `Warm runs: ${runs1k} (1,000 nodes), ${runs10k} (10,000 nodes); tree fan-out ${TREE_FAN_OUT}.\n`,
);

const results = [];
for (const c of CASES) {
  const file = join(outDir, `${c.shape}-${c.nodes}.yaml`);
  writeFileSync(file, generateBlueprint(c.nodes, c.shape));
  const bytes = statSync(file).size;
  process.stderr.write(`  running ${c.shape} ${c.nodes} …\n`);
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
  results.push({
    shape: c.shape,
    nodes: c.nodes,
    bytes,
    runs: c.runs,
    coldMs: Math.round(report.coldMs),
    warmMedianMs: Math.round(median(report.warmMs)),
    warmMinMs: Math.round(Math.min(...report.warmMs)),
    warmMaxMs: Math.round(Math.max(...report.warmMs)),
    peakRssMiB: Math.round(report.maxRssKiB / 1024),
    warnings: report.warnings,
  });
}

const find = (shape, nodes) => results.find((r) => r.shape === shape && r.nodes === nodes);
const ratio = (shape) => find(shape, 10000).warmMedianMs / find(shape, 1000).warmMedianMs;
const ratios = { flat: ratio('flat'), tree: ratio('tree') };
const met = {
  flat1k: find('flat', 1000).warmMedianMs <= TARGETS.flat,
  tree1k: find('tree', 1000).warmMedianMs <= TARGETS.tree,
  flatRatio: ratios.flat <= TARGETS.ratio,
  treeRatio: ratios.tree <= TARGETS.ratio,
};

const header = ['shape', 'nodes', 'size', 'cold ms', 'warm median ms', 'warm min–max', 'peak RSS'];
const rows = results.map((r) => [
  r.shape,
  r.nodes.toLocaleString('en-US'),
  `${(r.bytes / 1024 / 1024).toFixed(2)} MiB`,
  String(r.coldMs),
  `${r.warmMedianMs} (n=${r.runs})`,
  `${r.warmMinMs}–${r.warmMaxMs}`,
  `${r.peakRssMiB} MiB`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join(' │ ');
console.log(line(header));
console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
for (const row of rows) console.log(line(row));

const verdict = (ok) => (ok ? 'ok' : 'MISSED');
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
if (process.env.BENCH_STRICT === '1' && !Object.values(met).every(Boolean)) process.exit(1);
