import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlugin, tempDir } from '../../test/fixtures/bundle/layout.js';
import {
  checkBundleContents,
  installBundle,
  packPlugin,
  readInstalledPluginYaml,
  type BundleContentChecks,
  type InstalledPlugin,
} from './index.js';

/** A diagnostic as the fake checks below report it. */
interface FakeDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly message: string;
}

/**
 * Plugin YAML checks for the tests, standing in for `@cairn/dsl`'s: every `demo.<path>` in the
 * text is a mapped function, and each line `error: …` or `warning: …` a diagnostic. What matters
 * here is what is done with them.
 */
const calls: [string, string][] = [];
const checks: BundleContentChecks<FakeDiagnostic> = {
  checkPluginYaml: (text, name, packageName) => {
    calls.push([name, packageName]);
    return Promise.resolve(
      [...text.matchAll(/^(error|warning): (.*)$/gm)].map(([, severity, message]) => ({
        severity: severity === 'error' ? 'error' : 'warning',
        file: name,
        message: message ?? '',
      })),
    );
  },
  mappedFunctions: (text) => [...text.matchAll(/\bdemo\.([\w.]+)/g)].map(([, path]) => path ?? ''),
};

const temps: string[] = [];
let plugin: InstalledPlugin;

beforeAll(async () => {
  const { base, pluginDir } = await makePlugin();
  const store = await tempDir();
  temps.push(base, store);
  const packed = await packPlugin({ dir: pluginDir, output: base, cairnVersion: '0.1.0' });
  plugin = await installBundle(packed.file, store);
});
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

function contents(yamlByPath: Record<string, string>, entry = plugin.entry) {
  return { label: 'demo.cairn.tgz', manifest: plugin.manifest, yamlByPath, entry };
}

describe('checkBundleContents', () => {
  it('passes a bundle whose entry exports every mapped function', async () => {
    calls.length = 0;
    const check = await checkBundleContents(
      contents({
        'package/plugin.yaml': 'create: demo.ping\ndelete: demo.ping\nwarning: old style\n',
        'package/plugin_1_4.yaml': 'create: script.run\n',
      }),
      checks,
    );
    expect(check).toEqual({
      diagnostics: [
        { severity: 'warning', file: 'demo.cairn.tgz!package/plugin.yaml', message: 'old style' },
      ],
      problems: [],
      functions: 1,
      ok: true,
    });
    expect(calls).toEqual([
      ['demo.cairn.tgz!package/plugin.yaml', 'cairn-demo-plugin'],
      ['demo.cairn.tgz!package/plugin_1_4.yaml', 'cairn-demo-plugin'],
    ]);
  });

  it('fails a bundle with an error in its YAML', async () => {
    const check = await checkBundleContents(
      contents({ 'package/plugin.yaml': 'error: unknown type\n' }),
      checks,
    );
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([]);
    expect(check.diagnostics).toEqual([
      { severity: 'error', file: 'demo.cairn.tgz!package/plugin.yaml', message: 'unknown type' },
    ]);
  });

  it('names each mapped function the entry does not export', async () => {
    const check = await checkBundleContents(
      contents({ 'package/plugin.yaml': 'a: demo.ping\nb: demo.tasks.create\nc: demo.pong\n' }),
      checks,
    );
    expect(check.ok).toBe(false);
    expect(check.functions).toBe(3);
    expect(check.problems).toEqual([
      "plugin.yaml maps demo.tasks.create, but package/dist/index.js exports no function 'tasks.create'",
      "plugin.yaml maps demo.pong, but package/dist/index.js exports no function 'pong'",
    ]);
  });

  it('says why an entry module does not load', async () => {
    const check = await checkBundleContents(
      contents({ 'package/plugin.yaml': 'a: demo.ping\n' }, join(plugin.dir, 'nowhere.js')),
      checks,
    );
    expect(check.ok).toBe(false);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatch(/^the entry module package\/dist\/index\.js does not load: /);
  });
});

describe('readInstalledPluginYaml', () => {
  it("reads an installed plugin's YAML files by their paths in the bundle", async () => {
    const yaml = await readInstalledPluginYaml(plugin);
    expect(Object.keys(yaml)).toEqual(plugin.manifest.plugin_yaml);
    expect(Object.keys(yaml)).toEqual(['package/plugin.yaml', 'package/plugin_1_4.yaml']);
    expect(yaml['package/plugin.yaml']).toBe(
      await readFile(join(plugin.dir, 'package', 'plugin.yaml'), 'utf8'),
    );
  });
});
