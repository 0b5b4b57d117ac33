/**
 * Packs a plugin folder into a bundle: select the files of the plugin and of its production
 * dependencies, hash them, write the manifest (and signature), then stream everything into a
 * deterministic tar.gz.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NotFoundError } from '@cairn/errors';
import { layoutDependencies } from './dependencies.js';
import { bundleFileName, entryPathProblem } from './entry-path.js';
import { BundleError } from './errors.js';
import { DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNPACKED_BYTES } from './host.js';
import {
  MANIFEST_FORMAT,
  MANIFEST_PATH,
  PACKAGE_DIR,
  SIGNATURE_PATH,
  platformLabel,
  serializeManifest,
  type BundleFileRecord,
  type BundleManifest,
  type SupportedPlatform,
} from './manifest.js';
import { pluginFields, readPackageJson } from './package-json.js';
import { packageFiles, type PackageFile } from './package-files.js';
import { readPluginDeclaration } from './plugin-yaml.js';
import { signManifest } from './signing.js';
import { END_OF_ARCHIVE, fileEntry, fileHeader, padding, writeArchive } from './tar-writer.js';

/** What to pack and how. */
export interface PackOptions {
  /** The plugin folder (package.json, plugin.yaml, built code, installed node_modules). */
  readonly dir: string;
  /** Bundle file, or folder to write `<name>-<version>-<platform>.cairn.tgz` in. Default: `dir`. */
  readonly output?: string;
  /** PEM Ed25519 private key: when given, the bundle gets a `manifest.sig`. */
  readonly signingKey?: string;
  /** The packing Cairn's version, recorded in `build.cairn`. */
  readonly cairnVersion: string;
  /**
   * `build.created_at`. Default: `SOURCE_DATE_EPOCH` when set, else the newest mtime of the
   * packed files, so that packing the same files again gives the same bytes.
   */
  readonly createdAt?: Date;
}

/** A packed bundle. */
export interface PackResult {
  /** Absolute path of the bundle file. */
  readonly file: string;
  readonly manifest: BundleManifest;
  /** Size of the bundle file. */
  readonly bytes: number;
}

/** One file to pack, with its content hashed. */
interface PackedFile {
  readonly path: string;
  readonly file: PackageFile;
  readonly record: BundleFileRecord;
  /** The content, when it fit the in-memory budget (saves reading it twice). */
  readonly content: Buffer | undefined;
}

/** Content kept in memory between hashing and writing, at most. */
const CACHE_BUDGET = 128 * 1024 * 1024;

/**
 * Packs the plugin in `options.dir`. Throws a {@link BundleError}: `package-invalid` (no name or
 * version, a missing dependency, a YAML error…), `no-plugin-yaml`, `link` (a symlink leading
 * out of its package), `path-unsafe` or `too-large`.
 */
export async function packPlugin(options: PackOptions): Promise<PackResult> {
  const dir = resolve(options.dir);
  const root = await realpath(dir).catch((error: unknown) => {
    throw new NotFoundError(`Plugin folder ${dir} does not exist`, { cause: error });
  });
  const pkg = await readPackageJson(root);
  const fields = pluginFields(pkg);
  const declaration = await readPluginDeclaration(root);

  const selected: { path: string; file: PackageFile }[] = [];
  for (const placed of await layoutDependencies(root, pkg)) {
    for (const file of await packageFiles(placed.realDir, placed.pkg, placed.selection)) {
      selected.push({ path: `${placed.placement}/${file.rel}`, file });
    }
  }
  selected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  checkSelection(selected, dir);

  const entry = `${PACKAGE_DIR}/${fields.entry}`;
  const paths = new Set(selected.map((s) => s.path));
  if (!paths.has(entry)) {
    throw new BundleError(
      'package-invalid',
      `${pkg.file}: the entry module "${fields.entry}" is not in the package (not built yet, or left out by "files"?)`,
    );
  }
  const pluginYaml = declaration.files.map((name) => `${PACKAGE_DIR}/${name}`);
  for (const path of pluginYaml) {
    if (!paths.has(path)) {
      throw new BundleError(
        'package-invalid',
        `${dir}: ${path.slice(PACKAGE_DIR.length + 1)} is left out by "files"`,
      );
    }
  }

  const files = await hashFiles(selected);
  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    name: fields.name,
    version: fields.version,
    description: pkg.description,
    plugin_name: declaration.pluginName,
    package_name: declaration.packageName ?? fields.name,
    supported_platform: platformOf(selected.map((s) => s.path)),
    cairn_api: fields.cairnApi,
    entry,
    ...(fields.concurrentOperations === undefined
      ? {}
      : { concurrent_operations: fields.concurrentOperations }),
    plugin_yaml: pluginYaml,
    build: {
      created_at: createdAt(options.createdAt, selected),
      node: process.version,
      cairn: options.cairnVersion,
      host: { os: process.platform, arch: process.arch },
    },
    files: Object.fromEntries(files.map((f) => [f.path, f.record])),
  };
  const manifestBytes = serializeManifest(manifest);
  const signatureBytes =
    options.signingKey === undefined ? undefined : signManifest(manifestBytes, options.signingKey);

  const target = await outputFile(options.output, dir, manifest);
  const bytes = await writeArchive(target, archive(manifestBytes, signatureBytes, files));
  return { file: target, manifest, bytes };
}

function checkSelection(
  selected: readonly { path: string; file: PackageFile }[],
  dir: string,
): void {
  let total = 0;
  for (const { path, file } of selected) {
    const problem = entryPathProblem(path);
    if (problem !== undefined) {
      throw new BundleError(
        'path-unsafe',
        `${file.source} cannot be packed as "${path}": ${problem}`,
      );
    }
    total += file.size;
  }
  if (selected.length > DEFAULT_MAX_ENTRIES || total > DEFAULT_MAX_UNPACKED_BYTES) {
    throw new BundleError(
      'too-large',
      `${dir} would pack ${selected.length} files and ${total} bytes; bundles are limited to ${DEFAULT_MAX_ENTRIES} files and ${DEFAULT_MAX_UNPACKED_BYTES} bytes`,
    );
  }
}

/** `any`, unless native code (a `.node` addon or a `binding.gyp`) is packed. */
function platformOf(paths: readonly string[]): SupportedPlatform {
  const native = paths.some((path) => path.endsWith('.node') || path.endsWith('/binding.gyp'));
  return native
    ? { os: process.platform, arch: process.arch, node_abi: process.versions.modules }
    : 'any';
}

function createdAt(given: Date | undefined, selected: readonly { file: PackageFile }[]): string {
  if (given !== undefined) return given.toISOString();
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^[0-9]+$/.test(epoch)) {
    return new Date(Number(epoch) * 1000).toISOString();
  }
  const newest = selected.reduce((max, s) => Math.max(max, s.file.mtimeMs), 0);
  return new Date(Math.floor(newest / 1000) * 1000).toISOString();
}

async function outputFile(
  output: string | undefined,
  dir: string,
  manifest: BundleManifest,
): Promise<string> {
  const name = bundleFileName(
    manifest.name,
    manifest.version,
    platformLabel(manifest.supported_platform),
  );
  if (output === undefined) return join(dir, name);
  const given = resolve(output);
  const info = await stat(given).catch(() => undefined);
  const target = info?.isDirectory() === true || /[/\\]$/.test(output) ? join(given, name) : given;
  await mkdir(dirname(target), { recursive: true });
  return target;
}

/**
 * Hashes every file, keeping the content of small ones while the memory budget lasts so they
 * are read only once.
 *
 * Small files are read synchronously, a batch at a time, yielding to the event loop between
 * batches: an asynchronous read costs four thread-pool round trips (open, stat, read, close),
 * which made reading a few thousand small files the slowest part of packing. Big files are
 * streamed.
 */
async function hashFiles(
  selected: readonly { path: string; file: PackageFile }[],
): Promise<PackedFile[]> {
  let budget = CACHE_BUDGET;
  const hashed: PackedFile[] = [];
  let batch = 0;
  for (const { path, file } of selected) {
    if (file.size > SYNC_READ_BYTES) {
      hashed.push(await hashStreamed(path, file));
      continue;
    }
    const content = readFileSync(file.source);
    const record = { sha256: sha256(content), size: content.length, mode: file.mode };
    const keep = content.length <= budget;
    if (keep) budget -= content.length;
    hashed.push({ path, file, record, content: keep ? content : undefined });
    batch += content.length + 16 * 1024;
    if (batch >= SYNC_BATCH_BYTES) {
      batch = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return hashed;
}

/** Files up to this size are read synchronously. */
const SYNC_READ_BYTES = 256 * 1024;
/** Synchronous reading between two turns of the event loop (a per-file cost counted too). */
const SYNC_BATCH_BYTES = 2 * 1024 * 1024;

async function hashStreamed(path: string, file: PackageFile): Promise<PackedFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file.source, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const record = { sha256: hash.digest('hex'), size, mode: file.mode };
  return { path, file, record, content: undefined };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The tar stream: manifest, signature, then every file in path order. */
async function* archive(
  manifestBytes: Buffer,
  signatureBytes: Buffer | undefined,
  files: readonly PackedFile[],
): AsyncGenerator<Buffer> {
  yield* fileEntry(MANIFEST_PATH, manifestBytes, 0o644);
  if (signatureBytes !== undefined) yield* fileEntry(SIGNATURE_PATH, signatureBytes, 0o644);
  for (const { path, file, record, content } of files) {
    yield fileHeader(path, record.size, record.mode);
    if (content !== undefined) {
      yield content;
    } else {
      yield* reread(file.source, record);
    }
    yield padding(record.size);
  }
  yield END_OF_ARCHIVE;
}

/** A file's content read again, checked against the hash taken a moment ago. */
async function* reread(source: string, record: BundleFileRecord): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(source, { highWaterMark: 1024 * 1024 })) {
    const data = chunk as Buffer;
    size += data.length;
    if (size > record.size) break;
    hash.update(data);
    yield data;
  }
  if (size !== record.size || hash.digest('hex') !== record.sha256) {
    throw new BundleError(
      'package-invalid',
      `${source} changed while it was being packed; pack again`,
    );
  }
}
