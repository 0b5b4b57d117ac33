/**
 * Reads a bundle from start to end and checks everything, yielding what it finds as it goes so
 * a caller can extract, inspect or rewrite in the same single pass. Nothing is written here.
 *
 * Order of checks: gzip and tar structure throughout; `manifest.json` first and valid; the
 * manifest against the limits; `manifest.sig` (if any) against the trusted keys; platform and
 * API range; then each entry's path, type, listing, size and sha256; finally missing files.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IoError, NotFoundError, UsageError } from '@cairn/errors';
import { entryPathProblem } from './entry-path.js';
import { BundleError } from './errors.js';
import {
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_UNPACKED_BYTES,
  checkHost,
  resolveHost,
  type ReadBundleOptions,
} from './host.js';
import {
  MANIFEST_PATH,
  PACKAGE_DIR,
  SIGNATURE_PATH,
  parseManifest,
  type BundleFileRecord,
  type BundleManifest,
} from './manifest.js';
import { checkSignature, trustedKeyMap, type SignatureStatus } from './signing.js';
import { TarReader, type TarEntry } from './tar-reader.js';

/** A manifest of a million files is ~100 MB; anything near this is not a real plugin. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 16 * 1024;

/** The manifest and signature, checked; comes first. */
export interface ScannedManifest {
  readonly kind: 'manifest';
  readonly manifest: BundleManifest;
  /** The exact bytes of `manifest.json` (what the signature covers). */
  readonly manifestBytes: Buffer;
  /** The bytes of `manifest.sig`, when there is one. */
  readonly signatureBytes: Buffer | undefined;
  readonly signature: SignatureStatus;
}

/** A directory entry under `package/`. */
export interface ScannedDirectory {
  readonly kind: 'directory';
  /** Archive path without the trailing slash. */
  readonly path: string;
}

/** A listed file whose size matches the manifest. */
export interface ScannedFile {
  readonly kind: 'file';
  readonly path: string;
  readonly record: BundleFileRecord;
  /**
   * The file's data. Read it to the end: the last step throws `hash-mismatch` when the content
   * is not what the manifest says, so the caller must not trust the data before that. A file
   * the caller does not read is read and checked by the scan.
   */
  data(): AsyncGenerator<Buffer>;
}

/** The end of a bundle that passed every check. */
export interface ScannedEnd {
  readonly kind: 'end';
  /** Hex sha256 of the whole bundle file. */
  readonly bundleSha256: string;
  /** Size of the bundle file. */
  readonly bytes: number;
}

/** What {@link scanBundle} yields, in order: manifest, files and directories, end. */
export type ScanEvent = ScannedManifest | ScannedDirectory | ScannedFile | ScannedEnd;

/** The effective limits of `options`; throws a {@link UsageError} for a nonsensical one. */
export function limitsOf(options: ReadBundleOptions): { maxBytes: number; maxEntries: number } {
  const maxBytes = options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new UsageError(`maxUnpackedBytes must be a positive integer, not ${maxBytes}`);
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
    throw new UsageError(`maxEntries must be a positive integer, not ${maxEntries}`);
  }
  return { maxBytes, maxEntries };
}

/**
 * Scans the bundle at `file`, yielding its checked parts; throws a {@link BundleError} at the
 * first problem, a {@link NotFoundError} when there is no such file.
 */
export async function* scanBundle(
  file: string,
  options: ReadBundleOptions = {},
): AsyncGenerator<ScanEvent> {
  const limits = limitsOf(options);
  const trusted = trustedKeyMap(options.trustedKeys ?? []);
  const host = resolveHost(options.host);
  await assertFile(file);

  const hash = createHash('sha256');
  let bytes = 0;
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  // Errors surface through the iteration of `gunzip` below.
  pipeline(raw, tap, gunzip, () => undefined);

  const reader = new TarReader(decompressed(gunzip, file), file, limits);
  try {
    const first = await reader.next();
    if (first?.path !== MANIFEST_PATH) {
      throw new BundleError(
        'manifest-missing',
        first === undefined
          ? `${file} is empty: a bundle starts with ${MANIFEST_PATH}`
          : `${file} has no ${MANIFEST_PATH} as its first entry (found "${first.path}")`,
      );
    }
    assertRegularFile(first, file);
    if (first.size > MAX_MANIFEST_BYTES) {
      throw new BundleError('too-large', `${file}: ${MANIFEST_PATH} is ${first.size} bytes`);
    }
    const manifestBytes = await reader.readAll();
    const manifest = parseManifest(manifestBytes, file);
    assertManifestWithinLimits(manifest, limits, file);

    let entry = await reader.next();
    let signatureBytes: Buffer | undefined;
    if (entry?.path === SIGNATURE_PATH) {
      assertRegularFile(entry, file);
      if (entry.size > MAX_SIGNATURE_BYTES) {
        throw new BundleError(
          'signature-invalid',
          `${file}: ${SIGNATURE_PATH} is ${entry.size} bytes`,
        );
      }
      signatureBytes = await reader.readAll();
      entry = await reader.next();
    }
    const requireSignature = options.requireSignature ?? false;
    const signature = checkSignature(
      manifestBytes,
      signatureBytes,
      trusted,
      requireSignature,
      file,
    );
    if (host !== undefined) checkHost(manifest, host, file);
    yield { kind: 'manifest', manifest, manifestBytes, signatureBytes, signature };

    const seen = new Set<string>();
    for (; entry !== undefined; entry = await reader.next()) {
      const path = checkedPath(entry, seen, file);
      if (entry.type === 'Directory') {
        if (manifest.files[path] !== undefined) {
          throw new BundleError(
            'path-unsafe',
            `${file}: "${path}" is listed as a file but the archive holds it as a directory`,
          );
        }
        yield { kind: 'directory', path };
        continue;
      }
      const record = manifest.files[path];
      if (record === undefined) {
        throw new BundleError(
          'unlisted-file',
          path === MANIFEST_PATH || path === SIGNATURE_PATH
            ? `${file}: "${path}" is out of place; ${MANIFEST_PATH} must be the first entry and ${SIGNATURE_PATH} the second`
            : `${file} holds "${path}", which ${MANIFEST_PATH} does not list; the bundle was changed after packing`,
        );
      }
      if (entry.size !== record.size) {
        throw new BundleError(
          'size-mismatch',
          `${file}: "${path}" is ${entry.size} bytes, but ${MANIFEST_PATH} says ${record.size}`,
        );
      }
      const data = verifiedData(reader, path, record, file);
      yield { kind: 'file', path, record, data: data.read };
      await data.finish();
    }

    const missing = Object.keys(manifest.files).filter((path) => !seen.has(path));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((path) => `"${path}"`);
      throw new BundleError(
        'missing-file',
        `${file} lacks ${missing.length} file(s) that ${MANIFEST_PATH} lists: ${shown.join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
    }
    yield { kind: 'end', bundleSha256: hash.digest('hex'), bytes };
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

async function assertFile(file: string): Promise<void> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file} is not a file`);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      throw new NotFoundError(`Bundle file ${file} does not exist`, { cause: error });
    }
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** The decompressed stream, with gzip damage reported as `not-an-archive`. */
async function* decompressed(gunzip: AsyncIterable<unknown>, file: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('ERR_ZLIB')) {
      throw new BundleError(
        'not-an-archive',
        `${file} is not a gzip'd tar archive (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
    throw new IoError(`Reading ${file} failed: ${String(error)}`, { cause: error });
  }
}

function assertRegularFile(entry: TarEntry, file: string): void {
  if (entry.type === 'File') return;
  const what =
    entry.type === 'SymbolicLink'
      ? `a symbolic link to "${entry.linkpath ?? ''}"`
      : entry.type === 'Link'
        ? `a hard link to "${entry.linkpath ?? ''}"`
        : `an entry of type ${entry.type}`;
  throw new BundleError(
    'link',
    `${file}: "${entry.path}" is ${what}; a bundle may hold only regular files and directories`,
  );
}

/** The entry's path without a directory's trailing slash, once it passed every path check. */
function checkedPath(entry: TarEntry, seen: Set<string>, file: string): string {
  const problem = entryPathProblem(entry.path);
  if (problem !== undefined) {
    throw new BundleError(
      'path-unsafe',
      `${file}: entry ${JSON.stringify(entry.path)} has an unsafe path: ${problem}`,
    );
  }
  if (entry.type !== 'Directory') assertRegularFile(entry, file);
  const path = entry.path.endsWith('/') ? entry.path.slice(0, -1) : entry.path;
  if (path !== PACKAGE_DIR && !path.startsWith(`${PACKAGE_DIR}/`)) {
    throw new BundleError(
      'unlisted-file',
      `${file} holds "${entry.path}" outside ${PACKAGE_DIR}/ (only ${MANIFEST_PATH} and ${SIGNATURE_PATH} may be there)`,
    );
  }
  if (seen.has(path)) {
    throw new BundleError('path-unsafe', `${file}: "${path}" appears more than once`);
  }
  seen.add(path);
  return path;
}

function assertManifestWithinLimits(
  manifest: BundleManifest,
  limits: { maxBytes: number; maxEntries: number },
  file: string,
): void {
  const records = Object.values(manifest.files);
  if (records.length > limits.maxEntries) {
    throw new BundleError(
      'too-large',
      `${file} lists ${records.length} files; the limit is ${limits.maxEntries} entries`,
    );
  }
  const total = records.reduce((sum, record) => sum + record.size, 0);
  if (total > limits.maxBytes) {
    throw new BundleError(
      'too-large',
      `${file} lists ${total} bytes of files; the limit is ${limits.maxBytes} bytes`,
    );
  }
}

async function drain(chunks: AsyncIterable<Buffer>): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  while ((await iterator.next()).done !== true);
}

/** A file's data that checks its sha256 at the end, and is read by the scan if the caller did not. */
function verifiedData(
  reader: TarReader,
  path: string,
  record: BundleFileRecord,
  file: string,
): { read: () => AsyncGenerator<Buffer>; finish: () => Promise<void> } {
  let state: 'idle' | 'reading' | 'checked' = 'idle';
  async function* read(): AsyncGenerator<Buffer> {
    if (state !== 'idle') throw new Error(`The data of ${path} was already read`);
    state = 'reading';
    const hash = createHash('sha256');
    for await (const chunk of reader.data()) {
      hash.update(chunk);
      yield chunk;
    }
    const actual = hash.digest('hex');
    if (actual !== record.sha256) {
      throw new BundleError(
        'hash-mismatch',
        `${file}: "${path}" has sha256 ${actual}, but ${MANIFEST_PATH} says ${record.sha256}; the file was changed after packing`,
      );
    }
    state = 'checked';
  }
  async function finish(): Promise<void> {
    if (state === 'idle') await drain(read());
    if (state !== 'checked') throw new Error(`The data of ${path} was not read to the end`);
  }
  return { read, finish };
}
