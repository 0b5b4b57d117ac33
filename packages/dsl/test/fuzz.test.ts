/**
 * Property-based fuzzing of the parser (10,000 cases with fixed seeds, so CI is reproducible):
 * arbitrary text and JSON-like structures, structured plausible and coherent blueprints, and
 * mutations of the real blueprint corpus. For every case, `parseBlueprint` must not throw, and
 * its diagnostics and plan must be well-formed (see `checkCase` in fuzz-generators.js).
 *
 * A failure prints fast-check's report (seed, path, shrunk counterexample) and writes the
 * counterexample's files to a temporary directory. FUZZ_SEED=<n> runs other seeds;
 * `npm run fuzz` runs a million cases.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_DIAGNOSTIC_CODES,
  createMemoryHost,
  createParseCache,
  parseBlueprint,
} from '@cairn/dsl';
import {
  fuzzArbitraries,
  fuzzOne,
  loadCorpus,
  writeCounterexample,
  type FuzzDsl,
} from './fuzz-generators.js';

const TOTAL_CASES = 10_000;
const BASE_SEED = process.env.FUZZ_SEED === undefined ? 0x5eed_ca1 : Number(process.env.FUZZ_SEED);

const dsl: FuzzDsl = { parseBlueprint, createMemoryHost, ALL_DIAGNOSTIC_CODES };
const corpus = loadCorpus();
const cache = createParseCache();

describe('fuzzing parseBlueprint', () => {
  it('has a corpus to mutate', () => {
    expect(corpus.mains.length).toBeGreaterThan(0);
  });

  fuzzArbitraries(corpus).forEach(({ name, share, arbitrary }, index) => {
    const numRuns = Math.round(TOTAL_CASES * share);
    const seed = BASE_SEED + index;
    it(`${name}: ${numRuns} cases, seed ${seed}`, async () => {
      const { details, reproducedWithoutCache } = await fuzzOne(dsl, {
        arbitrary,
        numRuns,
        seed,
        cache,
      });
      if (!details.failed) return;
      let where = '';
      if (details.counterexample !== null) {
        const dir = writeCounterexample(
          join(tmpdir(), `cairn-fuzz-${name}-${seed}`),
          details.counterexample[0],
          details.errorInstance,
          { seed, path: details.counterexamplePath, reproducedWithoutCache },
          corpus,
        );
        where = `\nCounterexample files: ${dir}`;
      }
      expect.fail(
        `Fuzzing ${name} failed (seed ${seed}).${where}\n${fc.defaultReportMessage(details) ?? ''}`,
      );
    }, 120_000);
  });
});
