/**
 * The public blueprint corpus (../shared/corpus): every blueprint Cloudify's own parser accepts
 * must validate with no error, and the four broken upstream must be rejected with the right
 * codes. Imports resolve as the corpus README says: plugins from corpus/plugins, the one remote
 * URL from corpus/remote through an import rule, `blueprint:` ids through the id map, and the
 * operation scripts the corpus leaves out created here as empty files.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParseCache, parseBlueprint, type ParseResult } from '@cairn/dsl';
import { createNodeHost, fileUrl, normalizeRule } from '@cairn/dsl/node';

const corpus = resolve(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/corpus');

interface Verdict {
  path: string;
  cloudify_valid: boolean;
}
interface ManifestEntry {
  path: string;
  script_resources_not_included: string[];
}
interface Manifest {
  blueprints: ManifestEntry[];
  blueprint_id_map: Record<string, string[]>;
}

/** What Cairn must say about the four blueprints that are broken upstream. */
const BROKEN: Record<string, string[]> = {
  'docker/ansible/ansible-install-uninstall/blueprint_local_conn.yaml': ['DSL_UNKNOWN_INPUT'],
  'getting-started/mc-localstack.yaml': ['DSL_YAML_SYNTAX'],
  'virtual-machine/azure-terraform.yaml': ['DSL_CONSTRAINT_VIOLATED', 'DSL_TYPE_MISMATCH'],
  'virtual-machine/azure.yaml': ['DSL_UNKNOWN_TYPE'],
};

describe.skipIf(!existsSync(corpus))('the blueprint corpus', () => {
  let work: string;
  const results = new Map<string, ParseResult>();
  let verdicts: Verdict[];

  beforeAll(async () => {
    verdicts = JSON.parse(readFileSync(join(corpus, 'verdicts.json'), 'utf8')) as Verdict[];
    const manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as Manifest;
    work = mkdtempSync(join(tmpdir(), 'cairn-corpus-'));
    cpSync(join(corpus, 'blueprints'), join(work, 'blueprints'), { recursive: true });
    const examples = join(work, 'blueprints/blueprint-examples');
    for (const entry of manifest.blueprints) {
      for (const script of entry.script_resources_not_included) {
        const file = join(examples, script);
        mkdirSync(dirname(file), { recursive: true });
        if (!existsSync(file)) writeFileSync(file, '');
      }
    }
    const idMap = Object.fromEntries(
      Object.entries(manifest.blueprint_id_map).map(([id, paths]) => [
        id,
        join(work, paths[0] ?? ''),
      ]),
    );
    const host = createNodeHost({
      cwd: work,
      pluginsDir: join(corpus, 'plugins'),
      blueprintImports: idMap,
      offline: true,
    });
    const rules = [
      normalizeRule(
        'https://raw.githubusercontent.com/',
        join(corpus, 'remote/raw.githubusercontent.com/'),
        '/',
      ),
    ];
    const cache = createParseCache();
    for (const v of verdicts) {
      results.set(
        v.path,
        await parseBlueprint(fileUrl(join(work, v.path)), { host, importRules: rules, cache }),
      );
    }
  }, 120_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('has the 152 main blueprints, 139 of them accepted by Cloudify', () => {
    expect(verdicts).toHaveLength(152);
    expect(verdicts.filter((v) => v.cloudify_valid)).toHaveLength(139);
  });

  it('validates every blueprint Cloudify accepts, with no error', () => {
    const failures = verdicts
      .filter((v) => v.cloudify_valid)
      .flatMap((v) =>
        (results.get(v.path)?.diagnostics ?? [])
          .filter((d) => d.severity === 'error')
          .map((d) => `${v.path}: ${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`),
      );
    expect(failures).toEqual([]);
    for (const v of verdicts.filter((x) => x.cloudify_valid)) {
      expect(results.get(v.path)?.plan, v.path).toBeDefined();
    }
  });

  it.each(Object.entries(BROKEN))('rejects %s with coded diagnostics', (path, codes) => {
    const result = results.get(`blueprints/blueprint-examples/${path}`);
    expect(result?.ok).toBe(false);
    const errors = (result?.diagnostics ?? []).filter((d) => d.severity === 'error');
    expect([...new Set(errors.map((d) => d.code))].sort()).toEqual(codes);
    for (const d of errors) {
      expect(d.file).toContain(path);
      expect(d.line).toBeGreaterThan(0);
      expect(d.column).toBeGreaterThan(0);
    }
  });
});
