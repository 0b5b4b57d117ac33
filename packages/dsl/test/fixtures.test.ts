/**
 * Fixture blueprints. Each `fixtures/invalid/<name>.yaml` (or `<name>/blueprint.yaml` with its
 * imports beside it) holds one mistake and says what Cairn must report, in header comments:
 *
 *   # expect: DSL_UNKNOWN_TYPE 12:11            (in the blueprint itself)
 *   # expect: DSL_YAML_SYNTAX lib/types.yaml:3:5 (in another file of the fixture)
 *   # plugins-dir: plugins                      (optional, relative to the fixture)
 *   # blueprint-import: infra=infra.yaml        (optional, repeatable)
 *   # import-rule: https://example.invalid/=remote/   (optional, repeatable)
 *   # inputs: {"port": 80}                      (optional: also prepare a deployment with these)
 *   # http: max-bytes=64                        (optional: serve the fixture's folder over HTTP on
 *                                                127.0.0.1 as http://fixture.invalid/, online)
 *
 * The test checks every expected diagnostic is reported at that place with that code, and that no
 * other error is reported. Every `fixtures/valid/*.yaml` must parse with no error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ALL_DIAGNOSTIC_CODES,
  parseBlueprint,
  prepareDeployment,
  type Diagnostic,
  type DiagnosticCode,
  type PlanValue,
} from '@cairn/dsl';
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
  inputs: Record<string, PlanValue> | undefined;
  http: { maxBytes: number } | undefined;
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
    inputs: undefined,
    http: undefined,
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
    else if (key === 'inputs') fixture.inputs = JSON.parse(value) as Record<string, PlanValue>;
    else if (key === 'http') {
      const m2 = /^max-bytes=(\d+)$/.exec(value);
      fixture.http = { maxBytes: m2 === null ? 10 * 1024 * 1024 : Number(m2[1]) };
    }
  }
  return fixture;
}

function list(kind: 'valid' | 'invalid'): string[] {
  return readdirSync(join(root, kind))
    .filter((n) => n.endsWith('.yaml') || statSync(join(root, kind, n)).isDirectory())
    .sort();
}

/** Serves a folder over HTTP on 127.0.0.1 (for fixtures whose imports are fetched). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(join(dir, decodeURIComponent(request.url ?? '/')));
    try {
      if (!path.startsWith(dir)) throw new Error('outside');
      const body = readFileSync(path);
      response.writeHead(200, { 'content-type': 'text/yaml' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function parseFixture(
  f: Fixture,
): Promise<{ ok: boolean; diagnostics: Diagnostic[]; planned: boolean }> {
  const served = f.http === undefined ? undefined : await serve(f.dir);
  try {
    const host = createNodeHost({
      cwd: f.dir,
      pluginsDir: f.pluginsDir,
      blueprintImports: f.blueprintImports,
      offline: served === undefined,
      ...(f.http === undefined ? {} : { maxFetchBytes: f.http.maxBytes }),
    });
    const importRules = f.rules.map((r) => {
      const rule = parseRuleArgument(r, f.dir);
      if (typeof rule === 'string') throw new Error(rule);
      return rule;
    });
    if (served !== undefined)
      importRules.push({ prefix: 'http://fixture.invalid/', replacement: served.url });
    const parsed = await parseBlueprint(fileUrl(f.main), { host, importRules });
    if (f.inputs === undefined || parsed.plan === undefined || parsed.sourceMap === undefined) {
      return { ok: parsed.ok, diagnostics: parsed.diagnostics, planned: parsed.plan !== undefined };
    }
    const prepared = prepareDeployment(parsed.plan, {
      inputs: f.inputs,
      sourceMap: parsed.sourceMap,
      seed: 1,
    });
    return {
      ok: prepared.ok,
      diagnostics: [...parsed.diagnostics, ...prepared.diagnostics],
      planned: prepared.ok,
    };
  } finally {
    if (served !== undefined) await new Promise((done) => served.server.close(done));
  }
}

const invalid = list('invalid').map((e) => readFixture('invalid', e));

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
    const missing = ALL_DIAGNOSTIC_CODES.filter((c: DiagnosticCode) => !covered.has(c));
    expect(missing).toEqual([]);
  });
});

describe('valid fixtures', () => {
  const valid = list('valid').map((e) => readFixture('valid', e));
  it.each(valid.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const result = await parseFixture(f);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.planned).toBe(true);
  });
});
