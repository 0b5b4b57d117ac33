/**
 * Benchmark worker, one per case so that cold times and peak RSS are per case: parses one
 * blueprint file cold (the first parse in this process), then `runs` more times warm, and prints
 * timings, what the parse found and the peak RSS as one JSON line on stdout.
 *
 *   node bench/worker.js <blueprint.yaml> <warm runs>
 *
 * Warm runs follow each other with no forced GC in between: that is the steady state of a
 * process parsing many blueprints (forcing a full GC shrinks the heap and makes the next parse
 * slower, not faster).
 */
import { parseBlueprint } from '../packages/dsl/dist/index.js';
import { createNodeHost, fileUrl } from '../packages/dsl/dist/node/index.js';

const [file, runsArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/worker.js <blueprint.yaml> <warm runs>');
  process.exit(2);
}
const runs = Number(runsArg ?? '5');
const url = fileUrl(file);
const host = createNodeHost({ offline: true });

/** Wall clock of one parse (file read, YAML, composition, validation, plan). */
async function timedParse() {
  const start = performance.now();
  const result = await parseBlueprint(url, { host });
  return { ms: performance.now() - start, result };
}

function errorsOf(result) {
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`);
}

// Keep only a summary of each result: a result held across the next parse would be live heap
// that parse does not own, making it pay for marking it.
function summary({ ms, result }) {
  return {
    ms,
    ok: result.ok,
    errors: errorsOf(result),
    planNodes: result.plan?.nodes.length ?? 0,
    warnings: result.diagnostics.filter((d) => d.severity === 'warning').length,
  };
}

// Awaited inside a function: a value awaited at the top level of a module stays in the module's
// frame until the next await completes, so `summary(await timedParse())` there kept each whole
// result alive through the next parse (measured: the heap at the start of a warm run held the
// previous result).
async function timedRun() {
  return summary(await timedParse());
}

const cold = await timedRun();
const errors = [...cold.errors];
const warm = [];
for (let i = 0; i < runs; i++) {
  const run = await timedRun();
  errors.push(...run.errors);
  warm.push(run.ms);
}
const report = {
  coldMs: cold.ms,
  warmMs: warm,
  ok: cold.ok && errors.length === 0,
  planNodes: cold.planNodes,
  warnings: cold.warnings,
  errors: errors.slice(0, 20),
  maxRssKiB: process.resourceUsage().maxRSS,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
