/**
 * The plugin store: installed bundles, content-addressed by the sha256 of the bundle file.
 *
 * ```
 * <storeDir>/<bundle sha256>/manifest.json
 *                            manifest.sig      (when signed)
 *                            installed.json    {installed_at, file_name, signature}
 *                            package/…
 * <storeDir>/.staging-*     an install in progress (ignored; safe to delete when idle)
 * <storeDir>/.trash-*       a removal in progress (ignored; safe to delete)
 * ```
 *
 * An install extracts into a fresh staging folder while checking, then renames it into place:
 * a plugin folder is either complete and verified, or absent.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fchmodSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readdir,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '@cairn/errors';
import semver from 'semver';
import { BundleError } from './errors.js';
import { checkHost, resolveHost, type ReadBundleOptions } from './host.js';
import {
  MANIFEST_PATH,
  SIGNATURE_PATH,
  compareCodeUnits,
  parseManifest,
  type BundleManifest,
} from './manifest.js';
import { limitsOf, scanBundle, type ScannedEnd } from './scan.js';
import { checkSignature, trustedKeyMap, type SignatureStatus } from './signing.js';
import type { ResolvedPlugin } from '../local-executor.js';

/** A bundle installed in a store. */
export interface InstalledPlugin {
  /** The bundle file's sha256 (hex): the folder name in the store. */
  readonly id: string;
  /** Absolute folder of the installed bundle. */
  readonly dir: string;
  readonly manifest: BundleManifest;
  /** ISO time of the install. */
  readonly installedAt: string;
  /** The bundle's file name when it was installed. */
  readonly fileName: string;
  /** Absolute path of the entry module. */
  readonly entry: string;
  /** Absolute paths of the plugin YAML files. */
  readonly pluginYamlFiles: readonly string[];
  /** The signature as judged at install time, with the trusted keys given then. */
  readonly signature: SignatureStatus;
}

const INSTALLED_PATH = 'installed.json';
const ID = /^[0-9a-f]{64}$/;
/** Files up to this size are gathered in memory and written in one go. */
const SMALL_FILE = 1024 * 1024;

/**
 * Installs the bundle at `file` into `storeDir`, checking it as {@link readBundle} does while
 * extracting. Installing a bundle that is already there returns the existing record (after
 * checking its signature and host requirements against `options`). Throws a
 * {@link BundleError} and leaves the store as it was when anything is wrong.
 */
export async function installBundle(
  file: string,
  storeDir: string,
  options: ReadBundleOptions = {},
): Promise<InstalledPlugin> {
  limitsOf(options);
  const store = resolve(storeDir);
  await mkdir(store, { recursive: true });
  const id = await sha256OfFile(file);
  const existing = await readInstalledOrUndefined(store, id);
  if (existing !== undefined) {
    await recheck(existing.dir, file, options);
    return existing;
  }

  const staging = await mkdtemp(join(store, '.staging-'));
  try {
    const { end, signature } = await extract(file, staging, options);
    if (end.bundleSha256 !== id) {
      throw new ConflictError(`${file} changed while it was being installed; install it again`);
    }
    const installed = {
      installed_at: new Date().toISOString(),
      file_name: basename(file),
      signature:
        signature === 'unsigned'
          ? 'unsigned'
          : { key_id: signature.keyId, trusted: signature.trusted },
    };
    await writeFile(join(staging, INSTALLED_PATH), `${JSON.stringify(installed, null, 2)}\n`, {
      flag: 'wx',
    });
    // mkdtemp made it private; an installed plugin is readable like any installed package.
    await chmod(staging, 0o755);
    try {
      await rename(staging, join(store, id));
    } catch (error) {
      // Another install of the same bundle won the race: theirs is as good as ours.
      const raced = await readInstalledOrUndefined(store, id);
      if (raced === undefined) throw error;
      await rm(staging, { recursive: true, force: true });
      return raced;
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return readInstalled(store, id);
}

/** Extracts and checks the bundle into `staging`, never writing outside it. */
async function extract(
  file: string,
  staging: string,
  options: ReadBundleOptions,
): Promise<{ end: ScannedEnd; signature: SignatureStatus }> {
  const made = new Set<string>([staging]);
  const ensureDir = async (dir: string): Promise<void> => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw collision(file, dir, error);
    });
    made.add(dir);
  };
  let signature: SignatureStatus = 'unsigned';
  const umask = await probeUmask(staging);
  for await (const event of scanBundle(file, options)) {
    switch (event.kind) {
      case 'manifest':
        signature = event.signature;
        await writeFile(join(staging, MANIFEST_PATH), event.manifestBytes, { flag: 'wx' });
        if (event.signatureBytes !== undefined) {
          await writeFile(join(staging, SIGNATURE_PATH), event.signatureBytes, { flag: 'wx' });
        }
        break;
      case 'directory':
        await ensureDir(inside(staging, event.path, file));
        break;
      case 'file': {
        const target = inside(staging, event.path, file);
        await ensureDir(dirname(target));
        const { mode, size } = event.record;
        if (size <= SMALL_FILE) {
          // Gathered whole (and checked: data() throws on a hash mismatch), then written
          // synchronously: an asynchronous write costs three thread-pool round trips (open,
          // write, close), which made thousands of small files the slowest part of an
          // install. The event loop still turns between the archive's chunks.
          const parts: Buffer[] = [];
          for await (const chunk of event.data()) parts.push(chunk);
          writeSmall(target, mode, umask, file, event.path, Buffer.concat(parts, size));
        } else {
          await writeNew(target, mode, umask, file, event.path, event.data());
        }
        break;
      }
      case 'end':
        return { end: event, signature };
    }
  }
  throw new Error(`${file}: scan ended without its end`);
}

/** The absolute path of archive path `path` in `staging`; refuses any escape (again). */
function inside(staging: string, path: string, file: string): string {
  const target = resolve(staging, ...path.split('/'));
  if (!target.startsWith(staging + sep)) {
    throw new BundleError('path-unsafe', `${file}: "${path}" would be written outside the store`);
  }
  return target;
}

/**
 * Creates `target` (which must not exist: no overwrite, no following a link) with exactly
 * `mode`: set at creation, and again with chmod only when the umask took bits away (a chmod
 * per file is a noticeable cost on a plugin with thousands of files).
 */
async function writeNew(
  target: string,
  mode: number,
  umask: number,
  file: string,
  path: string,
  data: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<void> {
  const handle = await open(target, 'wx', mode).catch((error: unknown) => {
    throw collision(file, path, error);
  });
  try {
    for await (const chunk of data) await handle.write(chunk);
    if ((mode & umask) !== 0) await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

/** {@link writeNew} for content already in memory, synchronously. */
function writeSmall(
  target: string,
  mode: number,
  umask: number,
  file: string,
  path: string,
  content: Buffer,
): void {
  let fd: number;
  try {
    fd = openSync(target, 'wx', mode);
  } catch (error) {
    throw collision(file, path, error);
  }
  try {
    for (let at = 0; at < content.length;) at += writeSync(fd, content, at);
    if ((mode & umask) !== 0) fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

/** This process's umask, read without changing it (`process.umask()` would, for an instant). */
async function probeUmask(dir: string): Promise<number> {
  const probe = join(dir, '.umask-probe');
  const handle = await open(probe, 'wx', 0o777);
  try {
    return 0o777 & ~(await handle.stat()).mode;
  } finally {
    await handle.close();
    await rm(probe);
  }
}

function collision(file: string, path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new BundleError(
      'path-unsafe',
      `${file}: "${path}" collides with another entry on this file system (names that differ only in case?)`,
      { cause: error },
    );
  }
  return error;
}

/** The caller's trust and host policy, applied to an already installed copy. */
async function recheck(dir: string, file: string, options: ReadBundleOptions): Promise<void> {
  const manifestBytes = await readFile(join(dir, MANIFEST_PATH));
  const signatureBytes = await readFile(join(dir, SIGNATURE_PATH)).catch(() => undefined);
  const manifest = parseManifest(manifestBytes, file);
  const trusted = trustedKeyMap(options.trustedKeys ?? []);
  checkSignature(manifestBytes, signatureBytes, trusted, options.requireSignature ?? false, file);
  const host = resolveHost(options.host);
  if (host !== undefined) checkHost(manifest, host, file);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`Bundle file ${file} does not exist`, { cause: error });
    }
    throw error;
  }
  return hash.digest('hex');
}

/** Every plugin in `storeDir`, by name, then version (semver order), then id. */
export async function listInstalled(storeDir: string): Promise<InstalledPlugin[]> {
  const store = resolve(storeDir);
  let names: string[];
  try {
    names = await readdir(store);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const plugins: InstalledPlugin[] = [];
  for (const name of names.filter((n) => ID.test(n))) {
    const plugin = await readInstalledOrUndefined(store, name);
    if (plugin !== undefined) plugins.push(plugin);
  }
  return plugins.sort(
    (a, b) =>
      compareCodeUnits(a.manifest.name, b.manifest.name) ||
      semver.compare(a.manifest.version, b.manifest.version) ||
      compareCodeUnits(a.id, b.id),
  );
}

/**
 * The installed plugin named by `idOrPrefix`: its id, a unique prefix of at least 8 hex
 * characters, or `name@version`. Throws {@link NotFoundError} when none matches and
 * {@link UsageError} when the reference is ambiguous or malformed.
 */
export async function getInstalled(storeDir: string, idOrPrefix: string): Promise<InstalledPlugin> {
  const ref = idOrPrefix.trim();
  const at = ref.lastIndexOf('@');
  let matches: InstalledPlugin[];
  if (at > 0) {
    const name = ref.slice(0, at);
    const version = ref.slice(at + 1);
    matches = (await listInstalled(storeDir)).filter(
      (p) => p.manifest.name === name && p.manifest.version === version,
    );
  } else if (/^[0-9a-f]{8,64}$/.test(ref)) {
    matches = (await listInstalled(storeDir)).filter((p) => p.id.startsWith(ref));
  } else {
    throw new UsageError(
      `"${idOrPrefix}" is neither a plugin id (at least 8 hex characters) nor name@version`,
    );
  }
  if (matches.length === 0) {
    throw new NotFoundError(`No installed plugin matches "${idOrPrefix}" in ${storeDir}`);
  }
  if (matches.length > 1) {
    const list = matches.map(
      (p) => `${p.id.slice(0, 12)} (${p.manifest.name}@${p.manifest.version})`,
    );
    throw new UsageError(
      `"${idOrPrefix}" matches ${matches.length} plugins: ${list.join(', ')}; give more of the id`,
    );
  }
  return matches[0] as InstalledPlugin;
}

/**
 * Removes the installed plugin named by `idOrPrefix` (as {@link getInstalled} reads it) and
 * returns it. The folder is first renamed out of sight, so a reader never sees half of it.
 */
export async function removeInstalled(
  storeDir: string,
  idOrPrefix: string,
): Promise<InstalledPlugin> {
  const plugin = await getInstalled(storeDir, idOrPrefix);
  const trash = join(resolve(storeDir), `.trash-${randomBytes(6).toString('hex')}`);
  await rename(plugin.dir, trash);
  await rm(trash, { recursive: true, force: true });
  return plugin;
}

/**
 * The run-time view of the bundle installed in `storeDir` as `bundleId` (its full id): its entry
 * module and how many operations a worker may run at once. Read synchronously, because an
 * executor resolves plugins synchronously; undefined when the bundle is not there (any more).
 */
export function installedEntry(
  storeDir: string,
  bundleId: string,
): Pick<ResolvedPlugin, 'entry' | 'concurrentOperations'> | undefined {
  if (!ID.test(bundleId)) return undefined;
  const dir = join(storeDir, bundleId);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_PATH), 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
  const entry = join(dir, manifest.entry);
  return manifest.concurrent_operations === undefined
    ? { entry }
    : { entry, concurrentOperations: manifest.concurrent_operations };
}

async function readInstalledOrUndefined(
  store: string,
  id: string,
): Promise<InstalledPlugin | undefined> {
  try {
    return await readInstalled(store, id);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readInstalled(store: string, id: string): Promise<InstalledPlugin> {
  const dir = join(store, id);
  const record = JSON.parse(await readFile(join(dir, INSTALLED_PATH), 'utf8')) as {
    installed_at?: unknown;
    file_name?: unknown;
    signature?: unknown;
  };
  const manifest = parseManifest(await readFile(join(dir, MANIFEST_PATH)), dir);
  const abs = (path: string): string => join(dir, ...path.split('/'));
  return {
    id,
    dir,
    manifest,
    installedAt: typeof record.installed_at === 'string' ? record.installed_at : '',
    fileName: typeof record.file_name === 'string' ? record.file_name : '',
    entry: abs(manifest.entry),
    pluginYamlFiles: manifest.plugin_yaml.map(abs),
    signature: storedSignature(record.signature),
  };
}

function storedSignature(value: unknown): SignatureStatus {
  if (typeof value === 'object' && value !== null) {
    const { key_id: keyId, trusted } = value as Record<string, unknown>;
    if (typeof keyId === 'string') return { keyId, trusted: trusted === true };
  }
  return 'unsigned';
}
