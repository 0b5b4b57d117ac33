import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, UsageError } from '@cairn/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlugin, tempDir } from '../../test/fixtures/bundle/layout.js';
import {
  BundleError,
  generateSigningKey,
  getInstalled,
  installBundle,
  installedEntry,
  listInstalled,
  packPlugin,
  removeInstalled,
  signBundle,
  type PackResult,
} from './index.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function temp(): Promise<string> {
  const dir = await tempDir();
  temps.push(dir);
  return dir;
}

/** Bundles of the demo plugin at several versions, and of a second plugin. */
const bundles: Record<string, PackResult> = {};
let out: string;

beforeAll(async () => {
  const { base, pluginDir } = await makePlugin();
  temps.push(base);
  out = await temp();
  const pkgFile = join(pluginDir, 'package.json');
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, unknown>;
  // 1.10.0 sorts after 1.9.0 only when versions are compared as semver.
  for (const [name, version] of [
    ['@acme/cairn-plugin-demo', '1.10.0'],
    ['@acme/cairn-plugin-demo', '1.9.0'],
    ['@acme/cairn-plugin-demo', '1.2.3'],
    ['@acme/aaa-plugin', '0.1.0'],
  ] as const) {
    await writeFile(pkgFile, JSON.stringify({ ...pkg, name, version }));
    bundles[`${name}@${version}`] = await packPlugin({
      dir: pluginDir,
      output: out,
      cairnVersion: '0.1.0',
    });
  }
});

function bundle(ref: string): PackResult {
  const found = bundles[ref];
  if (found === undefined) throw new Error(`no bundle ${ref}`);
  return found;
}

describe('plugin store', () => {
  it('installs the same bundle twice as one plugin', async () => {
    const store = await temp();
    const file = bundle('@acme/cairn-plugin-demo@1.2.3').file;
    const first = await installBundle(file, store);
    const second = await installBundle(file, store);
    expect(second).toEqual(first);
    expect(await readdir(store)).toEqual([first.id]);
    const record = JSON.parse(await readFile(join(first.dir, 'installed.json'), 'utf8')) as unknown;
    expect(record).toMatchObject({
      file_name: 'acme-cairn-plugin-demo-1.2.3-any.cairn.tgz',
      signature: 'unsigned',
    });
  });

  it('applies the trust policy to a bundle that is already installed', async () => {
    const store = await temp();
    const file = bundle('@acme/cairn-plugin-demo@1.2.3').file;
    await installBundle(file, store);
    const error: unknown = await installBundle(file, store, { requireSignature: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).reason).toBe('signature-missing');
  });

  it('keeps versions side by side, lists them by name then semver, and removes one', async () => {
    const store = await temp();
    for (const packed of Object.values(bundles)) await installBundle(packed.file, store);
    const listed = await listInstalled(store);
    expect(listed.map((p) => `${p.manifest.name}@${p.manifest.version}`)).toEqual([
      '@acme/aaa-plugin@0.1.0',
      '@acme/cairn-plugin-demo@1.2.3',
      '@acme/cairn-plugin-demo@1.9.0',
      '@acme/cairn-plugin-demo@1.10.0',
    ]);

    const target = listed[2]!;
    expect(await getInstalled(store, target.id.slice(0, 8))).toEqual(target);
    expect(await getInstalled(store, '@acme/cairn-plugin-demo@1.9.0')).toEqual(target);

    const removed = await removeInstalled(store, '@acme/cairn-plugin-demo@1.9.0');
    expect(removed.id).toBe(target.id);
    expect((await listInstalled(store)).map((p) => p.manifest.version)).toEqual([
      '0.1.0',
      '1.2.3',
      '1.10.0',
    ]);
    // Nothing left behind: no trash, no staging.
    expect((await readdir(store)).filter((name) => name.startsWith('.'))).toEqual([]);
    await expect(getInstalled(store, target.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(removeInstalled(store, target.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses ambiguous and malformed references', async () => {
    const store = await temp();
    const file = bundle('@acme/aaa-plugin@0.1.0').file;
    await installBundle(file, store);
    // The same name@version as a second bundle (signed, so other bytes).
    const signed = join(out, 'signed.cairn.tgz');
    await signBundle(file, generateSigningKey().privateKeyPem, signed);
    await installBundle(signed, store);
    await expect(getInstalled(store, '@acme/aaa-plugin@0.1.0')).rejects.toThrow(
      /matches 2 plugins/,
    );
    await expect(getInstalled(store, '@acme/aaa-plugin@0.1.0')).rejects.toBeInstanceOf(UsageError);
    await expect(getInstalled(store, 'abc')).rejects.toBeInstanceOf(UsageError);
    await expect(getInstalled(store, '@acme/aaa-plugin@9.9.9')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('lists an empty or missing store as empty, ignoring work folders', async () => {
    const store = await temp();
    expect(await listInstalled(join(store, 'nope'))).toEqual([]);
    await writeFile(join(store, '.staging-abc'), '');
    expect(await listInstalled(store)).toEqual([]);
  });

  it('gives the entry of an installed bundle by id, synchronously, and nothing for a stranger', async () => {
    const store = await temp();
    const plugin = await installBundle(bundle('@acme/cairn-plugin-demo@1.2.3').file, store);
    expect(installedEntry(store, plugin.id)).toEqual({
      entry: plugin.entry,
      concurrentOperations: 4,
    });
    expect(installedEntry(store, plugin.id.slice(0, 12))).toBeUndefined();
    expect(installedEntry(store, '../' + plugin.id.slice(3))).toBeUndefined();
    expect(installedEntry(store, 'f'.repeat(64))).toBeUndefined();
    await removeInstalled(store, plugin.id);
    expect(installedEntry(store, plugin.id)).toBeUndefined();
  });
});
