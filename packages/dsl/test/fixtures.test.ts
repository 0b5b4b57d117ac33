/**
 * Fixture blueprints. Each `fixtures/invalid/<name>.yaml` (or `<name>/blueprint.yaml` with its
 * imports beside it) holds one mistake and says what Cairn must report, in header comments:
 *
 *   # expect: DSL_UNKNOWN_TYPE 12:11            (in the blueprint itself)
 *   # expect: DSL_YAML_SYNTAX lib/types.yaml:3:5 (in another file of the fixture)
 *   # plugins-dir: plugins                      (optional, relative to the fixture)
 *   # blueprint-import: infra=infra.yaml        (optional, repeatable)
 *   # import-rule: https://example.invalid/=remote/   (optional, repeatable)
 *
 * The test checks every expected diagnostic is reported at that place with that code, and that no
 * other error is reported. Every `fixtures/valid/*.yaml` must parse with no error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_DIAGNOSTIC_CODES, parseBlueprint, type DiagnosticCode } from '@cairn/dsl';
import { createNodeHost, fileUrl, parseRuleArgument } from '@cairn/dsl/node';

const root = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface Fixture {
  name: string;
  dir: string;
  main: string;
  expects: { code: string; file: string; line: number; column: number }[];
  pluginsDir: string | undefined;
  blueprintImports: Record<string, string>;
  rules: string[];
}

function readFixture(kind: 'valid' | 'invalid', entry: string): Fixture {
  const path = join(root, kind, entry);
  const isDir = statSync(path).isDirectory();
  const dir = isDir ? path : join(root, kind);
  const main = isDir ? join(path, 'blueprint.yaml') : path;
  const text = readFileSync(main, 'utf8');
  const fixture: Fixture = {
    name: entry,
    dir,
    main,
    expects: [],
    pluginsDir: undefined,
    blueprintImports: {},
    rules: [],
  };
  for (const line of text.split('\n')) {
    const m = /^#\s*([a-z-]+):\s*(.*?)\s*$/.exec(line);
    if (m === null) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'expect') {
      const e = /^([A-Z_]+)\s+(?:(.+):)?(\d+):(\d+)$/.exec(value);
      if (e === null) throw new Error(`${entry}: bad expect line '${value}'`);
      const file = e[2] === undefined ? main : join(dir, e[2]);
      fixture.expects.push({
        code: e[1] as string,
        file,
        line: Number(e[3]),
        column: Number(e[4]),
      });
    } else if (key === 'plugins-dir') fixture.pluginsDir = join(dir, value);
    else if (key === 'blueprint-import') {
      const [id, p] = value.split('=') as [string, string];
      fixture.blueprintImports[id] = join(dir, p);
    } else if (key === 'import-rule') fixture.rules.push(value);
  }
  return fixture;
}

function list(kind: 'valid' | 'invalid'): string[] {
  return readdirSync(join(root, kind))
    .filter((n) => n.endsWith('.yaml') || statSync(join(root, kind, n)).isDirectory())
    .sort();
}

async function parseFixture(f: Fixture) {
  const host = createNodeHost({
    cwd: f.dir,
    pluginsDir: f.pluginsDir,
    blueprintImports: f.blueprintImports,
    offline: true,
  });
  const importRules = f.rules.map((r) => {
    const rule = parseRuleArgument(r, f.dir);
    if (typeof rule === 'string') throw new Error(rule);
    return rule;
  });
  return parseBlueprint(fileUrl(f.main), { host, importRules });
}

const invalid = list('invalid').map((e) => readFixture('invalid', e));

/**
 * Codes that need a network: fixtures parse offline, so `src/node/node-host.test.ts` checks them
 * against a local HTTP server. (DSL_IMPORT_FETCH_FAILED has offline fixtures too.)
 */
const COVERED_BY_NODE_HOST_TEST: readonly DiagnosticCode[] = ['DSL_IMPORT_TOO_LARGE'];

/**
 * Codes reported when a deployment is prepared from a plan (inputs given at deployment time,
 * functions evaluated), never by parseBlueprint: no blueprint alone can produce them.
 */
const REPORTED_AT_DEPLOYMENT: readonly DiagnosticCode[] = [
  'DSL_FUNCTION_EVALUATION',
  'DSL_INPUT_MISSING',
  'DSL_INPUT_UNKNOWN',
];

describe('invalid fixtures', () => {
  it.each(invalid.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    expect(f.expects.length, 'the fixture names at least one expected diagnostic').toBeGreaterThan(
      0,
    );
    const result = await parseFixture(f);
    const got = result.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`);
    const want = f.expects.map((e) => `${e.code} ${relative(f.dir, e.file)}:${e.line}:${e.column}`);
    for (const w of want) expect(got, `expected ${w}`).toContain(w);
    const unexpected = result.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`)
      .filter((g) => !want.includes(g));
    expect(unexpected, 'no other errors').toEqual([]);
    expect(result.ok).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
  });

  it('cover every diagnostic code', () => {
    const covered = new Set(invalid.flatMap((f) => f.expects.map((e) => e.code)));
    const elsewhere = new Set<string>([...COVERED_BY_NODE_HOST_TEST, ...REPORTED_AT_DEPLOYMENT]);
    const missing = ALL_DIAGNOSTIC_CODES.filter(
      (c: DiagnosticCode) => !covered.has(c) && !elsewhere.has(c),
    );
    expect(missing).toEqual([]);
    // The lists stay honest: their codes exist, no fixture covers them, and the HTTP test
    // really checks the codes it is credited with.
    for (const code of elsewhere) {
      expect(ALL_DIAGNOSTIC_CODES, code).toContain(code);
      expect(covered.has(code), `${code} has a fixture now: drop it from the list`).toBe(false);
    }
    const httpTest = readFileSync(
      new URL('../src/node/node-host.test.ts', import.meta.url),
      'utf8',
    );
    for (const code of COVERED_BY_NODE_HOST_TEST) expect(httpTest).toContain(`'${code}`);
  });
});

describe('valid fixtures', () => {
  const valid = list('valid').map((e) => readFixture('valid', e));
  it.each(valid.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const result = await parseFixture(f);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.plan).toBeDefined();
  });
});
