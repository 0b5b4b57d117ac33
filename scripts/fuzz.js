/**
 * Long fuzzing run of the parser (`npm run fuzz`), on the built dist, with the generators and
 * properties of packages/dsl/test/fuzz-generators.js (the CI test runs 10,000 of these cases).
 *
 * Cases run in rounds of FUZZ_ROUND cases (default 10,000) shared among the generators; round r
 * of generator i uses seed `seed + r * 100 + i`, so any round can be replayed alone. Stops at the
 * first failure: prints fast-check's report, writes the shrunk counterexample to
 * `.fuzz/<timestamp>/` and exits 1. A case that runs longer than FUZZ_CASE_TIMEOUT_MS (default
 * 30,000) is taken for a hang: a watchdog thread writes it out and kills the process.
 *
 * Environment: FUZZ_RUNS (total cases, default 1,000,000), FUZZ_SEED (default random),
 * FUZZ_ROUND, FUZZ_CASE_TIMEOUT_MS, FUZZ_OUT (where counterexamples go, default .fuzz/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as fc from 'fast-check';
import {
  ALL_DIAGNOSTIC_CODES,
  createMemoryHost,
  createParseCache,
  parseBlueprint,
} from '../packages/dsl/dist/index.js';
import {
  fuzzArbitraries,
  fuzzOne,
  loadCorpus,
  writeCounterexample,
} from '../packages/dsl/test/fuzz-generators.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const totalRuns = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const roundSize = Number(process.env.FUZZ_ROUND ?? 10_000);
const caseTimeoutMs = Number(process.env.FUZZ_CASE_TIMEOUT_MS ?? 30_000);
const seed =
  process.env.FUZZ_SEED === undefined
    ? Math.floor(Math.random() * 0x7fff_ffff)
    : Number(process.env.FUZZ_SEED);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = resolve(root, process.env.FUZZ_OUT ?? '.fuzz', `${stamp}-seed-${seed}`);

for (const [name, value] of Object.entries({ totalRuns, roundSize, caseTimeoutMs, seed })) {
  if (!Number.isFinite(value) || value < 0) {
    console.error(`fuzz: ${name} must be a non-negative number, not ${value}`);
    process.exit(2);
  }
}

const dsl = { parseBlueprint, createMemoryHost, ALL_DIAGNOSTIC_CODES };
const corpus = loadCorpus();
const generators = fuzzArbitraries(corpus);
const cache = createParseCache();

// --- Hang watchdog -------------------------------------------------------------------------------
// The parser is synchronous once its files are read, so a hang blocks this thread for good. The
// main thread publishes each case (a counter and a compact JSON description) in shared memory;
// a watchdog thread writes out a case that does not finish in time and kills the process.
const CASE_BYTES = 4 * 1024 * 1024;
const shared = new SharedArrayBuffer(8 + CASE_BYTES);
const meta = new Int32Array(shared, 0, 2);
const caseBytes = new Uint8Array(shared, 8);
const encoder = new TextEncoder();
const watchdog = new Worker(
  `
  const { workerData } = require('node:worker_threads');
  const { mkdirSync, writeFileSync, writeSync } = require('node:fs');
  const { join } = require('node:path');
  const meta = new Int32Array(workerData.shared, 0, 2);
  const bytes = new Uint8Array(workerData.shared, 8);
  let last = -1;
  let since = Date.now();
  setInterval(() => {
    const current = Atomics.load(meta, 0);
    if (current !== last) { last = current; since = Date.now(); return; }
    if (current === 0 || Date.now() - since < workerData.timeoutMs) return;
    const text = new TextDecoder().decode(bytes.slice(0, Atomics.load(meta, 1)));
    mkdirSync(workerData.outDir, { recursive: true });
    writeFileSync(join(workerData.outDir, 'hang.json'), text + '\\n');
    // Straight to fd 2: this thread's process.stderr goes through the (blocked) main thread.
    writeSync(2, '\\nfuzz: HANG: a case ran for more than ' + workerData.timeoutMs +
      ' ms; it is in ' + join(workerData.outDir, 'hang.json') + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }, 1000);
  `,
  { eval: true, workerData: { shared, timeoutMs: caseTimeoutMs, outDir } },
);
watchdog.unref();

function publish(c) {
  const description = JSON.stringify({
    kind: c.kind,
    main: c.main,
    summary: c.summary,
    // Corpus cases are rebuilt from the summary; the others carry their (small) files.
    files: c.kind === 'corpus-mutation' ? undefined : c.files,
    plugins: c.kind === 'corpus-mutation' ? undefined : c.plugins,
    blueprints: c.blueprints,
  });
  const { written } = encoder.encodeInto(description, caseBytes);
  Atomics.store(meta, 1, written);
  Atomics.add(meta, 0, 1);
}

// --- The run -------------------------------------------------------------------------------------
console.log(
  `fuzz: ${totalRuns.toLocaleString('en-US')} cases, seed ${seed} (replay with FUZZ_SEED=${seed}), ` +
    `rounds of ${roundSize.toLocaleString('en-US')}, ${corpus.mains.length} corpus blueprints`,
);
console.log(`fuzz: generators ${generators.map((g) => `${g.name} ${g.share * 100}%`).join(', ')}`);

const started = Date.now();
const perGenerator = new Map(generators.map((g) => [g.name, 0]));
let done = 0; // cases of the finished runs
let running = 0; // cases started in the current run
let lastReport = started;

function progress(force = false) {
  const now = Date.now();
  if (!force && now - lastReport < 5000) return;
  lastReport = now;
  const seconds = (now - started) / 1000;
  const count = Math.min(done + running, totalRuns);
  const rate = count / Math.max(seconds, 0.001);
  const eta = rate > 0 ? (totalRuns - count) / rate : 0;
  console.log(
    `fuzz: ${count.toLocaleString('en-US')} / ${totalRuns.toLocaleString('en-US')} ` +
      `(${((100 * count) / Math.max(totalRuns, 1)).toFixed(1)}%), ${rate.toFixed(0)} cases/s, ` +
      `elapsed ${seconds.toFixed(0)} s, eta ${eta.toFixed(0)} s`,
  );
}

for (let round = 0; done < totalRuns; round++) {
  const thisRound = Math.min(roundSize, totalRuns - done);
  for (const [index, generator] of generators.entries()) {
    const numRuns = Math.max(1, Math.round(thisRound * generator.share));
    const runSeed = seed + round * 100 + index;
    running = 0;
    const { details, reproducedWithoutCache } = await fuzzOne(dsl, {
      arbitrary: generator.arbitrary,
      numRuns,
      seed: runSeed,
      cache,
      onCase: (c) => {
        publish(c);
        running++;
        progress();
      },
    });
    if (details.failed) {
      Atomics.store(meta, 0, 0); // shrinking is over: no hang to watch for
      console.error(`\nfuzz: FAILED in ${generator.name}, round ${round}, seed ${runSeed}`);
      console.error(fc.defaultReportMessage(details) ?? String(details.error));
      if (details.counterexample !== null) {
        const dir = writeCounterexample(
          outDir,
          details.counterexample[0],
          details.errorInstance,
          {
            generator: generator.name,
            round,
            seed: runSeed,
            path: details.counterexamplePath,
            reproducedWithoutCache,
            replay: `fast-check seed ${runSeed}, path ${details.counterexamplePath}`,
          },
          corpus,
        );
        console.error(`fuzz: counterexample written to ${dir}`);
      } else {
        mkdirSync(outDir, { recursive: true });
        writeFileSync(join(outDir, 'failure.txt'), `${String(details.error)}\n`);
      }
      process.exit(1);
    }
    done += details.numRuns;
    running = 0;
    perGenerator.set(generator.name, (perGenerator.get(generator.name) ?? 0) + details.numRuns);
  }
}

progress(true);
console.log(
  `fuzz: OK — ${done.toLocaleString('en-US')} cases, no failure (` +
    [...perGenerator].map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`).join(', ') +
    `), seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(0);
