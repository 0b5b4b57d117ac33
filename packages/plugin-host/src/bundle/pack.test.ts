import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCairnError } from '@cairn/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { makePlugin, tempDir, writeTree } from '../../test/fixtures/bundle/layout.js';
import {
  BundleError,
  generateSigningKey,
  installBundle,
  keyIdOf,
  packPlugin,
  readBundle,
  signBundle,
  type BundleErrorReason,
} from './index.js';

const temps: string[] = [];
async function temp(): Promise<string> {
  const dir = await tempDir();
  temps.push(dir);
  return dir;
}
async function plugin(): Promise<string> {
  const layout = await makePlugin();
  temps.push(layout.base);
  return layout.pluginDir;
}
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** The rejection of `promise`, checked to be a BundleError with `reason`. */
async function refusal(promise: Promise<unknown>, reason: BundleErrorReason): Promise<BundleError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  const bundleError = error as BundleError;
  expect({ reason: bundleError.reason, message: bundleError.message }).toMatchObject({ reason });
  expect(isCairnError(error) && error.code).toBe('BUNDLE_INVALID');
  return bundleError;
}

describe('packPlugin → readBundle → installBundle', () => {
  it('round-trips a plugin with a normal and a workspace dependency', async () => {
    const dir = await plugin();
    const out = await temp();
    const key = generateSigningKey();
    const packed = await packPlugin({
      dir,
      output: out,
      signingKey: key.privateKeyPem,
      cairnVersion: '0.1.0-test',
    });

    expect(packed.file).toBe(join(out, 'acme-cairn-plugin-demo-1.2.3-any.cairn.tgz'));
    expect(packed.bytes).toBe((await stat(packed.file)).size);
    const { manifest } = packed;
    expect(manifest).toMatchObject({
      format: 1,
      name: '@acme/cairn-plugin-demo',
      version: '1.2.3',
      description: 'A demo plugin',
      plugin_name: 'demo',
      package_name: 'cairn-demo-plugin',
      supported_platform: 'any',
      cairn_api: '^0.1.0',
      entry: 'package/dist/index.js',
      concurrent_operations: 4,
      plugin_yaml: ['package/plugin.yaml', 'package/plugin_1_4.yaml'],
      build: { node: process.version, cairn: '0.1.0-test' },
    });
    // Dot-files, node_modules of the plugin, dev dependencies, missing optional dependencies
    // and the workspace package's unpublished sources stay out.
    expect(Object.keys(manifest.files)).toEqual([
      'package/README.md',
      'package/bin/run.sh',
      'package/dist/alias.js',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/node_modules/@acme/shared/LICENSE',
      'package/node_modules/@acme/shared/dist/index.js',
      'package/node_modules/@acme/shared/package.json',
      'package/node_modules/left-pad/.npmignore',
      'package/node_modules/left-pad/index.js',
      'package/node_modules/left-pad/package.json',
      'package/package.json',
      'package/plugin.yaml',
      'package/plugin_1_4.yaml',
    ]);
    expect(manifest.files['package/bin/run.sh']?.mode).toBe(0o755);
    expect(manifest.files['package/dist/index.js']?.mode).toBe(0o644);
    // The in-package symlink became a copy of its target.
    expect(manifest.files['package/dist/alias.js']?.sha256).toBe(
      manifest.files['package/dist/index.js']?.sha256,
    );

    const info = await readBundle(packed.file, { trustedKeys: [key.publicKeyPem] });
    expect(info.manifest).toEqual(manifest);
    expect(info.signature).toEqual({ keyId: key.keyId, trusted: true });
    expect(info.bundleSha256).toBe(await sha256(packed.file));
    expect(info.bytes).toBe(packed.bytes);
    expect(Object.keys(info.pluginYaml)).toEqual([
      'package/plugin.yaml',
      'package/plugin_1_4.yaml',
    ]);
    expect(info.pluginYaml['package/plugin.yaml']).toContain('package_name: cairn-demo-plugin');

    const store = await temp();
    const installed = await installBundle(packed.file, store, {
      trustedKeys: [key.publicKeyPem],
      requireSignature: true,
    });
    expect(installed.id).toBe(info.bundleSha256);
    expect(installed.dir).toBe(join(store, info.bundleSha256));
    expect(installed.entry).toBe(join(installed.dir, 'package', 'dist', 'index.js'));
    expect(installed.pluginYamlFiles).toEqual([
      join(installed.dir, 'package', 'plugin.yaml'),
      join(installed.dir, 'package', 'plugin_1_4.yaml'),
    ]);
    expect(installed.signature).toEqual({ keyId: key.keyId, trusted: true });
    expect(installed.fileName).toBe('acme-cairn-plugin-demo-1.2.3-any.cairn.tgz');
    expect((await stat(join(installed.dir, 'package/bin/run.sh'))).mode & 0o777).toBe(0o755);
    expect(
      await readFile(
        join(installed.dir, 'package/node_modules/@acme/shared/dist/index.js'),
        'utf8',
      ),
    ).toBe('export const shared = 1;\n');
    // The entry runs from the store.
    const module = (await import(pathToFileURL(installed.entry).href)) as { ping: () => string };
    expect(module.ping()).toBe('pong');
  });

  it('packs the same files to the same bytes', async () => {
    const dir = await plugin();
    const first = await packPlugin({ dir, output: await temp(), cairnVersion: '0.1.0' });
    const second = await packPlugin({ dir, output: await temp(), cairnVersion: '0.1.0' });
    expect(await sha256(second.file)).toBe(await sha256(first.file));
    // The default output is the plugin folder, and the bundle left there is not packed again.
    const inPlace = await packPlugin({ dir, cairnVersion: '0.1.0' });
    expect(inPlace.file).toBe(join(dir, 'acme-cairn-plugin-demo-1.2.3-any.cairn.tgz'));
    const again = await packPlugin({ dir, cairnVersion: '0.1.0' });
    expect(await sha256(again.file)).toBe(await sha256(first.file));
  });

  it('nests a dependency whose name is taken by another version, and ends cycles', async () => {
    const dir = await plugin();
    const base = join(dir, '..', '..');
    await writeTree(join(base, 'node_modules', 'old-thing'), {
      'package.json': JSON.stringify({
        name: 'old-thing',
        version: '1.0.0',
        dependencies: { 'left-pad': '0.9.0', 'cycle-a': '1' },
      }),
      'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '0.9.0' }),
      'node_modules/left-pad/index.js': '// old\n',
    });
    await writeTree(join(base, 'node_modules', 'cycle-a'), {
      'package.json': JSON.stringify({
        name: 'cycle-a',
        version: '1.0.0',
        dependencies: { 'cycle-b': '1' },
      }),
    });
    await writeTree(join(base, 'node_modules', 'cycle-b'), {
      'package.json': JSON.stringify({
        name: 'cycle-b',
        version: '1.0.0',
        dependencies: { 'cycle-a': '1' },
      }),
    });
    const pkgFile = join(dir, 'package.json');
    const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    pkg.dependencies['old-thing'] = '1';
    await writeFile(pkgFile, JSON.stringify(pkg));

    const { manifest } = await packPlugin({ dir, output: await temp(), cairnVersion: '0.1.0' });
    const paths = Object.keys(manifest.files);
    expect(paths).toContain('package/node_modules/left-pad/index.js');
    expect(paths).toContain('package/node_modules/old-thing/node_modules/left-pad/index.js');
    expect(paths).toContain('package/node_modules/cycle-a/package.json');
    expect(paths).toContain('package/node_modules/cycle-b/package.json');
    expect(paths.filter((p) => p.includes('cycle-a'))).toHaveLength(1);
  });

  it('keeps long and non-ASCII paths (pax records)', async () => {
    const dir = await plugin();
    const long = `dist/${'deep-folder-name/'.repeat(12)}module-with-a-long-name.js`;
    await writeTree(dir, { [long]: 'export {};\n', 'dist/ünïcødé.js': '// ü\n' });
    const packed = await packPlugin({ dir, output: await temp(), cairnVersion: '0.1.0' });
    expect(packed.manifest.files[`package/${long}`]).toBeDefined();
    const installed = await installBundle(packed.file, await temp());
    expect(await readFile(join(installed.dir, 'package', long), 'utf8')).toBe('export {};\n');
    expect(await readFile(join(installed.dir, 'package/dist/ünïcødé.js'), 'utf8')).toBe('// ü\n');
  });

  it('refuses a folder without plugin YAML', async () => {
    const dir = await plugin();
    await rm(join(dir, 'plugin.yaml'));
    await rm(join(dir, 'plugin_1_4.yaml'));
    const error = await refusal(packPlugin({ dir, cairnVersion: '0.1.0' }), 'no-plugin-yaml');
    expect(error.message).toContain(dir);
  });

  it('reports a YAML error with file:line:col', async () => {
    const dir = await plugin();
    await writeFile(join(dir, 'plugin_1_4.yaml'), 'plugins:\n  demo: [unclosed\n');
    const error = await refusal(packPlugin({ dir, cairnVersion: '0.1.0' }), 'package-invalid');
    expect(error.message).toMatch(/plugin_1_4\.yaml:\d+:\d+: YAML error/);
  });

  it('refuses a package.json without a version', async () => {
    const dir = await plugin();
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'x', main: 'dist/index.js' }),
    );
    const error = await refusal(packPlugin({ dir, cairnVersion: '0.1.0' }), 'package-invalid');
    expect(error.message).toContain('"version" is missing');
  });

  it('names a missing dependency and who needs it', async () => {
    const dir = await plugin();
    await rm(join(dir, '..', '..', 'node_modules', 'left-pad'), { recursive: true });
    const error = await refusal(packPlugin({ dir, cairnVersion: '0.1.0' }), 'package-invalid');
    expect(error.message).toContain('"left-pad"');
    expect(error.message).toContain('@acme/cairn-plugin-demo');
  });

  it('refuses a symlink that leads out of its package', async () => {
    const dir = await plugin();
    const outside = await temp();
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(dir, 'dist', 'leak.txt'));
    const error = await refusal(packPlugin({ dir, cairnVersion: '0.1.0' }), 'link');
    expect(error.message).toContain('dist/leak.txt');
    expect(error.message).toContain(outside);
  });

  it('refuses an entry module that is not there', async () => {
    const dir = await plugin();
    await rm(join(dir, 'dist', 'index.js'));
    await rm(join(dir, 'dist', 'alias.js'));
    const error = await refusal(packPlugin({ dir, cairnVersion: '0.1.0' }), 'package-invalid');
    expect(error.message).toContain('dist/index.js');
  });

  it('marks a bundle with native code as platform-specific', async () => {
    const dir = await plugin();
    await mkdir(join(dir, 'build'), { recursive: true });
    await writeFile(join(dir, 'build', 'addon.node'), Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const packed = await packPlugin({ dir, output: await temp(), cairnVersion: '0.1.0' });
    expect(packed.manifest.supported_platform).toEqual({
      os: process.platform,
      arch: process.arch,
      node_abi: process.versions.modules,
    });
    expect(packed.file).toContain(
      `-${process.platform}-${process.arch}-abi${process.versions.modules}.cairn.tgz`,
    );
    await expect(readBundle(packed.file)).resolves.toMatchObject({ bytes: packed.bytes });
  });
});

describe('signBundle', () => {
  it('adds a signature to an unsigned bundle, and replaces it', async () => {
    const dir = await plugin();
    const packed = await packPlugin({ dir, output: await temp(), cairnVersion: '0.1.0' });
    expect((await readBundle(packed.file)).signature).toBe('unsigned');
    const first = generateSigningKey();
    await signBundle(packed.file, first.privateKeyPem);
    const signed = await readBundle(packed.file, { trustedKeys: [first.publicKeyPem] });
    expect(signed.signature).toEqual({ keyId: first.keyId, trusted: true });
    expect(signed.manifest).toEqual(packed.manifest);

    const second = generateSigningKey();
    const copy = join(await temp(), 'copy.cairn.tgz');
    await signBundle(packed.file, second.privateKeyPem, copy);
    const resigned = await readBundle(copy, {
      trustedKeys: [second.publicKeyPem],
      requireSignature: true,
    });
    expect(resigned.signature).toEqual({ keyId: keyIdOf(second.publicKeyPem), trusted: true });
  });

  it('refuses to sign a damaged bundle and writes nothing', async () => {
    const folder = await temp();
    const file = join(folder, 'bad.cairn.tgz');
    await writeFile(file, 'not a bundle');
    const output = join(folder, 'out.cairn.tgz');
    await refusal(signBundle(file, generateSigningKey().privateKeyPem, output), 'not-an-archive');
    await expect(stat(output)).rejects.toThrow();
  });
});
