import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import { makePlugin, tempDir, writeTree } from '../../test/fixtures/bundle/layout.js';
import {
  installBundle,
  installedVersions,
  packPlugin,
  resolvePluginImport,
  resolvePluginImportFromStore,
  selectInstalled,
  type BundleManifest,
  type InstalledPlugin,
  type PluginSelectionRules,
} from './index.js';

/**
 * Selection rules for the tests: semver ranges instead of the DSL's PEP 440 specifiers, and
 * `plugin_1_<minor>.yaml` before `plugin.yaml`. What matters here is what is done with them.
 */
const rules: PluginSelectionRules = {
  highestSatisfying: (versions, spec) =>
    semver.maxSatisfying([...versions], spec ?? '*') ?? undefined,
  choosePluginYaml: (names, minor) =>
    names.find((name) => name === `plugin_1_${minor}.yaml`) ??
    names.find((name) => name === 'plugin.yaml'),
};

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function temp(): Promise<string> {
  const dir = await tempDir('cairn-match-');
  temps.push(dir);
  return dir;
}

let serial = 0;

/** An installed plugin record (its files exist only where a test writes them). */
function installed(
  name: string,
  version: string,
  more: { packageName?: string; installedAt?: string; dir?: string; yaml?: string[] } = {},
): InstalledPlugin {
  const id = (serial++).toString(16).padStart(64, '0');
  const dir = more.dir ?? join('/nowhere', id);
  const yaml = more.yaml ?? ['plugin.yaml'];
  const manifest: BundleManifest = {
    format: 1,
    name,
    version,
    description: '',
    plugin_name: 'demo',
    package_name: more.packageName ?? name,
    supported_platform: 'any',
    cairn_api: '^0.1.0',
    entry: 'package/index.js',
    plugin_yaml: yaml.map((file) => `package/${file}`),
    build: {
      created_at: '2024-01-01T00:00:00.000Z',
      node: 'v20.0.0',
      cairn: '0.1.0',
      host: { os: 'linux', arch: 'x64' },
    },
    files: {},
  };
  return {
    id,
    dir,
    manifest,
    installedAt: more.installedAt ?? '2024-01-01T00:00:00.000Z',
    fileName: `${name}-${version}.cairn.tgz`,
    entry: join(dir, 'package', 'index.js'),
    pluginYamlFiles: yaml.map((file) => join(dir, 'package', file)),
    signature: 'unsigned',
  };
}

describe('selectInstalled', () => {
  const plugins = [
    installed('@acme/cairn-plugin-demo', '1.2.0', { packageName: 'cairn-demo-plugin' }),
    installed('@acme/cairn-plugin-demo', '1.10.0', { packageName: 'cairn-demo-plugin' }),
    installed('@acme/cairn-plugin-demo', '2.0.0', { packageName: 'cairn-demo-plugin' }),
    installed('@acme/other', '9.0.0'),
  ];

  it('takes the highest version the rules accept, by package_name or npm name', () => {
    const pick = (packageName: string, version: string | undefined): string | undefined =>
      selectInstalled(plugins, { packageName, version }, rules)?.manifest.version;
    expect(pick('cairn-demo-plugin', undefined)).toBe('2.0.0');
    expect(pick('cairn-demo-plugin', '^1.0.0')).toBe('1.10.0');
    expect(pick('@acme/cairn-plugin-demo', '1.2.0')).toBe('1.2.0');
    expect(pick('cairn-demo-plugin', '^3.0.0')).toBeUndefined();
    expect(pick('cairn-missing-plugin', undefined)).toBeUndefined();
  });

  it('takes the most recent install of a version installed twice', () => {
    const older = installed('p', '1.0.0', { installedAt: '2024-01-01T00:00:00.000Z' });
    const newer = installed('p', '1.0.0', { installedAt: '2024-02-01T00:00:00.000Z' });
    expect(selectInstalled([newer, older], { packageName: 'p', version: '1.0.0' }, rules)).toBe(
      newer,
    );
    expect(selectInstalled([older, newer], { packageName: 'p', version: '1.0.0' }, rules)).toBe(
      newer,
    );
  });

  it('says what is installed of a package', () => {
    expect(installedVersions(plugins, 'cairn-demo-plugin')).toBe('installed: 1.2.0, 1.10.0, 2.0.0');
    expect(installedVersions(plugins, 'cairn-missing-plugin')).toBe('none installed');
  });
});

describe('resolvePluginImport', () => {
  const request = { name: 'cairn-demo-plugin', version: undefined, dslMinor: 5 } as const;

  it('resolves to the plugin YAML of the chosen version for the DSL version', async () => {
    const dir = await temp();
    await writeTree(dir, {
      'package/plugin.yaml': 'plugins: {demo: {}}\n',
      'package/plugin_1_4.yaml': 'plugins: {demo14: {}}\n',
    });
    const plugin = installed('@acme/cairn-plugin-demo', '1.2.0', {
      packageName: 'cairn-demo-plugin',
      dir,
      yaml: ['plugin.yaml', 'plugin_1_4.yaml'],
    });
    const options = { rules };
    expect(await resolvePluginImport([plugin], { ...request, dslMinor: 4 }, options)).toEqual({
      ok: true,
      url: pathToFileURL(join(dir, 'package', 'plugin_1_4.yaml')).href,
      name: 'plugin:cairn-demo-plugin@1.2.0/plugin_1_4.yaml',
      text: 'plugins: {demo14: {}}\n',
      packageVersion: '1.2.0',
    });
    expect(await resolvePluginImport([plugin], request, options)).toMatchObject({
      ok: true,
      name: 'plugin:cairn-demo-plugin@1.2.0/plugin.yaml',
      text: 'plugins: {demo: {}}\n',
    });
  });

  it('looks only at the candidates it is given, and ends not-found with the hint', async () => {
    const visible = [installed('other', '1.0.0')];
    expect(
      await resolvePluginImport(visible, request, {
        rules,
        notFoundHint: 'upload it with cfy plugins upload',
      }),
    ).toEqual({
      ok: false,
      reason: 'not-found',
      message: "No plugin 'cairn-demo-plugin' is installed (upload it with cfy plugins upload).",
    });
    expect(await resolvePluginImport([], request, { rules })).toEqual({
      ok: false,
      reason: 'not-found',
      message: "No plugin 'cairn-demo-plugin' is installed.",
    });
  });

  it('says which versions are there when none fits', async () => {
    const plugins = [
      installed('@acme/cairn-plugin-demo', '1.0.0', { packageName: 'cairn-demo-plugin' }),
      installed('@acme/cairn-plugin-demo', '1.1.0', { packageName: 'cairn-demo-plugin' }),
    ];
    expect(
      await resolvePluginImport(plugins, { ...request, version: '^2.0.0' }, { rules }),
    ).toEqual({
      ok: false,
      reason: 'version-mismatch',
      message:
        "No installed version of plugin 'cairn-demo-plugin' fits '^2.0.0' (installed: 1.0.0, 1.1.0).",
    });
  });

  it('refuses a bundle without a plugin YAML for the DSL version', async () => {
    const plugin = installed('cairn-demo-plugin', '1.0.0', { yaml: ['plugin_1_5.yaml'] });
    expect(await resolvePluginImport([plugin], { ...request, dslMinor: 4 }, { rules })).toEqual({
      ok: false,
      reason: 'unreadable',
      message: "Plugin 'cairn-demo-plugin' 1.0.0 has no plugin YAML for DSL 1_4.",
    });
  });
});

describe('resolvePluginImportFromStore', () => {
  it('resolves against what is installed in a store folder', async () => {
    const { base, pluginDir } = await makePlugin();
    temps.push(base);
    const store = await temp();
    const packed = await packPlugin({
      dir: pluginDir,
      output: await temp(),
      cairnVersion: '0.1.0',
    });
    const plugin = await installBundle(packed.file, store);
    const result = await resolvePluginImportFromStore(store, request(), { rules });
    expect(result).toEqual({
      ok: true,
      url: pathToFileURL(join(plugin.dir, 'package', 'plugin.yaml')).href,
      name: 'plugin:cairn-demo-plugin@1.2.3/plugin.yaml',
      text: expect.stringContaining('package_name: cairn-demo-plugin') as unknown,
      packageVersion: '1.2.3',
    });
  });

  it('finds nothing in a store folder that does not exist', async () => {
    const missing = join(await temp(), 'no-store');
    expect(
      await resolvePluginImportFromStore(missing, request(), { rules, notFoundHint: 'install it' }),
    ).toEqual({
      ok: false,
      reason: 'not-found',
      message: "No plugin 'cairn-demo-plugin' is installed (install it).",
    });
  });

  function request(): { name: string; version: string | undefined; dslMinor: number } {
    return { name: 'cairn-demo-plugin', version: undefined, dslMinor: 5 };
  }
});
