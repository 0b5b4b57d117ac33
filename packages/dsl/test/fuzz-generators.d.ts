/**
 * Types of `fuzz-generators.js` (plain JS so that `scripts/fuzz.js` can run it on the built
 * dist without a TypeScript step).
 */
import type { Arbitrary, RunDetails } from 'fast-check';
import type { ImportHost, ParseCache, ParseOptions, ParseResult } from '@cairn/dsl';

/** The parts of the parser the fuzzer drives (the sources in tests, the dist in the script). */
export interface FuzzDsl {
  parseBlueprint(url: string, options: ParseOptions): Promise<ParseResult>;
  createMemoryHost(
    files: Readonly<Record<string, string>>,
    options?: {
      readonly plugins?: Readonly<Record<string, { url: string; version?: string }>>;
      readonly blueprints?: Readonly<Record<string, string>>;
    },
  ): ImportHost;
  readonly ALL_DIAGNOSTIC_CODES: readonly string[];
}

/** One generated input: in-memory files and what the memory host resolves. */
export interface FuzzCase {
  readonly kind: string;
  readonly main: string;
  readonly files: Readonly<Record<string, string>>;
  readonly plugins: Readonly<Record<string, { url: string; version?: string }>> | undefined;
  readonly blueprints: Readonly<Record<string, string>> | undefined;
  readonly summary: string | undefined;
}

/** The blueprint corpus as memory-host files. */
export interface FuzzCorpus {
  readonly root: string;
  readonly files: Readonly<Record<string, string>>;
  readonly mains: readonly string[];
  readonly plugins: Readonly<Record<string, { url: string; version?: string }>>;
}

export interface FuzzArbitrary {
  readonly name: string;
  /** The share of all cases this generator gets. */
  readonly share: number;
  readonly arbitrary: Arbitrary<FuzzCase>;
}

export function defaultCorpusDir(): string;
export function loadCorpus(corpusDir?: string): FuzzCorpus;
export function fuzzArbitraries(corpus: FuzzCorpus): FuzzArbitrary[];
export function yamlishText(): Arbitrary<FuzzCase>;
export function jsonLikeYaml(): Arbitrary<FuzzCase>;
export function plausibleBlueprint(): Arbitrary<FuzzCase>;
export function coherentBlueprint(): Arbitrary<FuzzCase>;
export function corpusMutation(corpus: FuzzCorpus): Arbitrary<FuzzCase>;
export function mutate(
  text: string,
  mutation: { kind: string; a: number; b: number; c: number },
): string;
export function renderYaml(value: unknown, style?: 'block' | 'flow' | 'json'): string;
export function ymap(pairs: [unknown, unknown][]): object;
export function raw(text: string): object;

export function checkCase(
  dsl: FuzzDsl,
  c: FuzzCase,
  options?: { codes?: ReadonlySet<string>; cache?: ParseCache | undefined },
): Promise<ParseResult>;

export function fuzzOne(
  dsl: FuzzDsl,
  options: {
    arbitrary: Arbitrary<FuzzCase>;
    numRuns: number;
    seed: number;
    cache?: ParseCache;
    onCase?: (c: FuzzCase) => void;
  },
): Promise<{ details: RunDetails<[FuzzCase]>; reproducedWithoutCache: boolean | undefined }>;

export function writeCounterexample(
  dir: string,
  c: FuzzCase,
  error: unknown,
  extra?: Record<string, unknown>,
  corpus?: FuzzCorpus,
): string;
