/**
 * Hostile and broken bundles, made by hand with node-tar: each must be refused with the right
 * reason and a message naming the entry, by readBundle and by installBundle, and the install
 * must leave the store exactly as it was (no staging folder, nothing outside it).
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  listTree,
  makePlugin,
  rawTar,
  tempDir,
  writeRawBundle,
  type RawEntry,
} from '../../test/fixtures/bundle/layout.js';
import {
  BundleError,
  generateSigningKey,
  installBundle,
  packPlugin,
  readBundle,
  type BundleErrorReason,
  type BundleManifest,
  type ReadBundleOptions,
} from './index.js';
import { serializeManifest } from './manifest.js';
import { signManifest } from './signing.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

let work: string;
let store: string;
beforeEach(async () => {
  work = await tempDir();
  temps.push(work);
  // The store sits two levels down so that `..` traversals have somewhere to land.
  store = join(work, 'a', 'store');
  // Something already installed, which no refused install may disturb.
  await writeRawBundle(
    join(work, 'seed.cairn.tgz'),
    goodEntries({ ...GOOD_FILES, 'package/seed': '1' }),
  );
  await installBundle(join(work, 'seed.cairn.tgz'), store);
});

const INDEX = 'export const ping = () => "pong";\n';
const YAML = 'plugins:\n  demo:\n    executor: central_deployment_agent\n';

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A valid manifest for `files` (archive path → content), with `overrides` applied. */
function manifestFor(
  files: Record<string, string>,
  overrides: Partial<Record<keyof BundleManifest, unknown>> = {},
): Buffer {
  const manifest = {
    format: 1,
    name: 'demo',
    version: '1.0.0',
    description: '',
    plugin_name: 'demo',
    package_name: 'demo',
    supported_platform: 'any',
    cairn_api: '^0.1.0',
    entry: 'package/index.js',
    plugin_yaml: ['package/plugin.yaml'],
    build: {
      created_at: '2000-01-01T00:00:00.000Z',
      node: 'v20',
      cairn: '0.1.0',
      host: { os: 'linux', arch: 'x64' },
    },
    files: Object.fromEntries(
      Object.entries(files).map(([path, content]) => [
        path,
        { sha256: sha256(content), size: Buffer.byteLength(content), mode: 420 },
      ]),
    ),
    ...overrides,
  } as BundleManifest;
  return serializeManifest(manifest);
}

const GOOD_FILES = { 'package/index.js': INDEX, 'package/plugin.yaml': YAML };

/** The entries of a valid bundle: manifest, then the files. */
function goodEntries(
  files: Record<string, string> = GOOD_FILES,
  manifest = manifestFor(files),
): RawEntry[] {
  return [
    { path: 'manifest.json', data: manifest },
    ...Object.entries(files).map(([path, data]) => ({ path, data })),
  ];
}

/**
 * Checks that the bundle `entries` is refused with `reason` by both readBundle and
 * installBundle, that the messages name `mentions`, and that the store did not change.
 */
async function expectRefused(
  bundle: string,
  reason: BundleErrorReason,
  mentions: readonly string[],
  options: ReadBundleOptions = {},
): Promise<void> {
  const before = await listTree(store);
  for (const attempt of [readBundle(bundle, options), installBundle(bundle, store, options)]) {
    const error: unknown = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BundleError);
    const { reason: actual, message } = error as BundleError;
    expect({ reason: actual, message }).toMatchObject({ reason });
    expect(message).toContain(bundle);
    for (const mention of mentions) expect(message).toContain(mention);
  }
  expect(await listTree(store)).toEqual(before);
}

async function bundleOf(entries: readonly RawEntry[], trailer?: Buffer): Promise<string> {
  const file = join(work, `b-${Math.random().toString(16).slice(2)}.cairn.tgz`);
  await writeRawBundle(file, entries, trailer);
  return file;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('hostile bundles', () => {
  it('accepts the well-formed bundle the others are made from', async () => {
    const info = await readBundle(await bundleOf(goodEntries()));
    expect(Object.keys(info.manifest.files)).toEqual(['package/index.js', 'package/plugin.yaml']);
  });

  it('refuses path traversal', async () => {
    const evil = 'package/../../../evil';
    const files = { ...GOOD_FILES };
    const bundle = await bundleOf([...goodEntries(files), { path: evil, data: 'pwned' }]);
    await expectRefused(bundle, 'path-unsafe', [evil, "'..'"]);
    expect(await exists(join(store, '..', 'evil'))).toBe(false);
    expect(await exists(join(store, '..', '..', 'evil'))).toBe(false);
  });

  it('refuses path traversal hidden in the manifest itself', async () => {
    const files = { ...GOOD_FILES, 'package/../../evil': 'x' };
    const bundle = await bundleOf(goodEntries(files));
    await expectRefused(bundle, 'manifest-invalid', ['package/../../evil']);
  });

  it('refuses an absolute path', async () => {
    const target = join(work, 'absolute-evil');
    const bundle = await bundleOf([...goodEntries(), { path: target, data: 'pwned' }]);
    await expectRefused(bundle, 'path-unsafe', [target, 'absolute']);
    expect(await exists(target)).toBe(false);
  });

  it('refuses a symlink entry pointing out', async () => {
    const bundle = await bundleOf([
      ...goodEntries(),
      { path: 'package/escape', type: 'SymbolicLink', linkpath: '../../../../etc' },
    ]);
    await expectRefused(bundle, 'link', ['package/escape', 'symbolic link', '../../../../etc']);
    expect(await exists(join(store, '..', 'etc'))).toBe(false);
  });

  it('refuses a hard link entry pointing out', async () => {
    const bundle = await bundleOf([
      ...goodEntries(),
      { path: 'package/hard', type: 'Link', linkpath: '/etc/passwd' },
    ]);
    await expectRefused(bundle, 'link', ['package/hard', 'hard link', '/etc/passwd']);
  });

  it('refuses any other entry type', async () => {
    const bundle = await bundleOf([...goodEntries(), { path: 'package/pipe', type: 'FIFO' }]);
    await expectRefused(bundle, 'link', ['package/pipe', 'FIFO']);
  });

  it('refuses a file changed after packing', async () => {
    const layout = await makePlugin();
    temps.push(layout.base);
    const packed = await packPlugin({ dir: layout.pluginDir, output: work, cairnVersion: '0.1.0' });
    // Same length, other bytes: only the hash can tell.
    const tar = gunzipSync(await readFile(packed.file));
    const at = tar.indexOf('"pong"');
    tar.write('"PWND"', at);
    await writeFile(packed.file, gzipSync(tar));
    await expectRefused(packed.file, 'hash-mismatch', [
      'package/dist/alias.js',
      'changed after packing',
    ]);
  });

  it('refuses a file added but not listed', async () => {
    const bundle = await bundleOf([...goodEntries(), { path: 'package/extra.js', data: 'evil()' }]);
    await expectRefused(bundle, 'unlisted-file', ['package/extra.js']);
  });

  it('refuses a listed file that is missing', async () => {
    const files = { ...GOOD_FILES, 'package/lib.js': 'x' };
    const bundle = await bundleOf(goodEntries(files).filter((e) => e.path !== 'package/lib.js'));
    await expectRefused(bundle, 'missing-file', ['package/lib.js']);
  });

  it('refuses a file whose size differs from the manifest', async () => {
    const manifest = manifestFor({ ...GOOD_FILES, 'package/index.js': 'short' });
    const bundle = await bundleOf(goodEntries(GOOD_FILES, manifest));
    await expectRefused(bundle, 'size-mismatch', ['package/index.js']);
  });

  it('refuses a bundle without a manifest', async () => {
    const bundle = await bundleOf(goodEntries().slice(1));
    await expectRefused(bundle, 'manifest-missing', ['manifest.json', 'package/index.js']);
  });

  it.each([
    ['not JSON', Buffer.from('{"format": 1, '), 'manifest-invalid', 'not JSON'],
    ['another format', manifestFor(GOOD_FILES, { format: 2 }), 'manifest-invalid', 'format 2'],
    [
      'an entry that is not listed',
      manifestFor(GOOD_FILES, { entry: 'package/x.js' }),
      'manifest-invalid',
      'package/x.js',
    ],
    [
      'the hashes of another file',
      manifestFor({ ...GOOD_FILES, 'package/index.js': INDEX.replace('pong', 'PWND') }),
      'hash-mismatch',
      'package/index.js',
    ],
  ] as const)('refuses a forged manifest: %s', async (_, manifest, reason, mention) => {
    const bundle = await bundleOf(goodEntries(GOOD_FILES, manifest));
    await expectRefused(bundle, reason, [mention]);
  });

  it('refuses a file that is not a gzip’d tar, or is truncated', async () => {
    const junk = join(work, 'junk.cairn.tgz');
    await writeFile(junk, 'PK\u0003\u0004 this is a zip, not a bundle');
    await expectRefused(junk, 'not-an-archive', ['gzip']);
    const whole = gzipSync(rawTar(goodEntries()));
    const cut = join(work, 'cut.cairn.tgz');
    await writeFile(cut, whole.subarray(0, whole.length - 40));
    await expectRefused(cut, 'not-an-archive', []);
  });

  it('refuses an entry that appears twice', async () => {
    const bundle = await bundleOf([...goodEntries(), { path: 'package/index.js', data: INDEX }]);
    await expectRefused(bundle, 'path-unsafe', ['package/index.js', 'more than once']);
  });

  describe('decompression bombs', () => {
    const limit = 1024 * 1024;

    it('refuses from the header alone an entry larger than the limit', async () => {
      // The manifest lies (10 bytes); the header says 4 MiB. The header check fires before
      // any of that data is decompressed.
      const big = Buffer.alloc(4 * limit);
      const manifest = manifestFor({ ...GOOD_FILES, 'package/big.bin': 'x'.repeat(10) });
      const bundle = await bundleOf([
        ...goodEntries(GOOD_FILES, manifest),
        { path: 'package/big.bin', data: big },
      ]);
      await expectRefused(
        bundle,
        'too-large',
        ['package/big.bin', 'declares 4194304 bytes in its header'],
        {
          maxUnpackedBytes: limit,
        },
      );
    });

    it('counts bytes as they decompress, whatever the headers say', async () => {
      // Every header is honest and small; 16 MiB of zeros after the end-of-archive marker
      // compress to ~16 KiB. Only counting the decompressed stream catches it.
      const started = Date.now();
      const bundle = await bundleOf(goodEntries(), Buffer.alloc(16 * limit));
      await expectRefused(bundle, 'too-large', ['decompression bomb', String(limit)], {
        maxUnpackedBytes: limit,
      });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('refuses a manifest that lists more than the limits', async () => {
      const bundle = await bundleOf(goodEntries());
      await expectRefused(bundle, 'too-large', ['lists 2 files', 'limit is 1 entries'], {
        maxEntries: 1,
      });
    });
  });

  describe('signatures', () => {
    const key = generateSigningKey();

    function signedEntries(manifest: Buffer, signature: Buffer): RawEntry[] {
      const [first, ...rest] = goodEntries(GOOD_FILES, manifest);
      return [first as RawEntry, { path: 'manifest.sig', data: signature }, ...rest];
    }

    it('refuses an unsigned bundle when a signature is required', async () => {
      const bundle = await bundleOf(goodEntries());
      await expectRefused(bundle, 'signature-missing', ['not signed'], {
        trustedKeys: [key.publicKeyPem],
        requireSignature: true,
      });
      // Not required: fine.
      await expect(readBundle(bundle)).resolves.toMatchObject({ signature: 'unsigned' });
    });

    it('refuses a bundle signed by an untrusted key when a signature is required', async () => {
      const stranger = generateSigningKey();
      const manifest = manifestFor(GOOD_FILES);
      const bundle = await bundleOf(
        signedEntries(manifest, signManifest(manifest, stranger.privateKeyPem)),
      );
      await expectRefused(bundle, 'untrusted-key', [stranger.keyId], {
        trustedKeys: [key.publicKeyPem],
        requireSignature: true,
      });
      // Not required: accepted, and reported as not trusted.
      await expect(readBundle(bundle, { trustedKeys: [key.publicKeyPem] })).resolves.toMatchObject({
        signature: { keyId: stranger.keyId, trusted: false },
      });
    });

    it('refuses a tampered signature even when none is required', async () => {
      const manifest = manifestFor(GOOD_FILES);
      const good = JSON.parse(signManifest(manifest, key.privateKeyPem).toString()) as {
        signature: string;
      };
      const bytes = Buffer.from(good.signature, 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      const tampered = Buffer.from(
        JSON.stringify({ ...good, signature: bytes.toString('base64') }),
      );
      const bundle = await bundleOf(signedEntries(manifest, tampered));
      await expectRefused(bundle, 'signature-invalid', [key.keyId, 'does not match'], {
        trustedKeys: [key.publicKeyPem],
      });
    });

    it('refuses a manifest changed after signing', async () => {
      const signature = signManifest(manifestFor(GOOD_FILES), key.privateKeyPem);
      const forged = manifestFor(GOOD_FILES, { description: 'now with extra evil' });
      const bundle = await bundleOf(signedEntries(forged, signature));
      await expectRefused(bundle, 'signature-invalid', [key.keyId], {
        trustedKeys: [key.publicKeyPem],
      });
    });

    it('refuses a malformed manifest.sig', async () => {
      const bundle = await bundleOf(
        signedEntries(manifestFor(GOOD_FILES), Buffer.from('{"algorithm":"rsa"}')),
      );
      await expectRefused(bundle, 'signature-invalid', ['manifest.sig', 'rsa']);
    });
  });

  describe('host checks', () => {
    it('refuses native code for another platform, naming both', async () => {
      const manifest = manifestFor(GOOD_FILES, {
        supported_platform: { os: 'aix', arch: 's390x', node_abi: '999' },
      });
      const bundle = await bundleOf(goodEntries(GOOD_FILES, manifest));
      const host = `${process.platform}-${process.arch}-abi${process.versions.modules}`;
      await expectRefused(bundle, 'platform', ['aix-s390x-abi999', host]);
      // A caller inspecting a bundle for another machine can turn the host checks off.
      await expect(readBundle(bundle, { host: false })).resolves.toMatchObject({
        bytes: expect.any(Number) as number,
      });
    });

    it('refuses a Cairn API range this host does not provide, naming both', async () => {
      const manifest = manifestFor(GOOD_FILES, { cairn_api: '^9.0.0' });
      const bundle = await bundleOf(goodEntries(GOOD_FILES, manifest));
      await expectRefused(bundle, 'api-range', ['^9.0.0', '0.1.0']);
      await expect(readBundle(bundle, { host: { cairnApi: '9.2.0' } })).resolves.toBeDefined();
    });
  });
});
