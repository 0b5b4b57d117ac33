/**
 * Writing a file so that no reader ever sees it half written or with the wrong mode: the bytes
 * go to a temporary file in the same folder (a rename is atomic only within one file system),
 * which gets its owner and mode and is then renamed over the target.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './errors.js';
import type { Owner } from './mode-owner.js';

/** What was written. These are the runtime properties a file node records. */
export interface WrittenFile {
  readonly path: string;
  /** Lowercase hex. */
  readonly sha256: string;
  readonly size: number;
}

/** Writes one chunk to the file being made. */
export type WriteChunk = (chunk: Uint8Array) => Promise<void>;

/** Options of {@link writeFileAtomically}. */
export interface WriteOptions {
  /** Permission bits (0o7777 at most). */
  readonly mode: number;
  /** Ids to chown to, or undefined to leave the file to the user the worker runs as. */
  readonly owner: Owner | undefined;
  /** Stops the write (the temporary file is removed). */
  readonly signal: AbortSignal;
  /**
   * Sees what was written before it is put in place: throwing discards it, leaving the target as
   * it was (e.g. a checksum that does not match).
   */
  readonly check?: (written: WrittenFile) => void;
}

/** Writes all of `chunk`: `write` may write less than it is given. */
async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/**
 * Creates or replaces the file at `path` with what `fill` writes, atomically, creating missing
 * parent folders. Resolves to the file's path, SHA-256 and size. On any failure the temporary
 * file is removed and `path` is untouched.
 */
export async function writeFileAtomically(
  path: string,
  fill: (write: WriteChunk) => Promise<void>,
  options: WriteOptions,
): Promise<WrittenFile> {
  const { signal } = options;
  signal.throwIfAborted();
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw fsError(`cannot create the folder ${folder}`, error);
  }
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isDirectory() === true) {
    throw Object.assign(new Error(`${path} is a folder, not a file`), { code: 'EISDIR' });
  }

  // Hidden, and named after the target so that a leftover (after a kill -9) says whose it is.
  const temp = join(folder, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  let placed = false;
  try {
    try {
      // 0600 until the mode is set: the content may be a secret, and so may the mode.
      handle = await open(temp, 'wx', 0o600);
    } catch (error) {
      throw fsError(`cannot write in ${folder}`, error);
    }
    const hash = createHash('sha256');
    let size = 0;
    const file = handle;
    await fill(async (chunk) => {
      signal.throwIfAborted();
      hash.update(chunk);
      size += chunk.byteLength;
      try {
        await writeAll(file, chunk);
      } catch (error) {
        throw fsError(`cannot write ${path}`, error);
      }
    });
    const written: WrittenFile = { path, sha256: hash.digest('hex'), size };
    options.check?.(written);
    signal.throwIfAborted();
    try {
      // On disk before the rename, so that a crash leaves the old file or the new one, whole.
      await file.sync();
    } catch (error) {
      throw fsError(`cannot write ${path}`, error);
    }
    if (options.owner !== undefined) {
      const { uid, gid } = options.owner;
      try {
        await file.chown(uid, gid);
      } catch (error) {
        const ids = [uid === -1 ? '' : `uid ${uid}`, gid === -1 ? '' : `gid ${gid}`];
        const me = process.getuid?.();
        const why = me === undefined || me === 0 ? '' : ` (the plugin runs as uid ${me}, not root)`;
        throw fsError(
          `cannot give ${path} to ${ids.filter((id) => id !== '').join(' and ')}${why}`,
          error,
        );
      }
    }
    // After chown, which clears the setuid and setgid bits.
    await file.chmod(options.mode);
    await file.close();
    handle = undefined;
    try {
      await rename(temp, path);
    } catch (error) {
      throw fsError(`cannot replace ${path}`, error);
    }
    placed = true;
    return written;
  } finally {
    await handle?.close().catch(() => undefined);
    if (!placed) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** The SHA-256 and size of an existing file, read as a stream. */
export async function hashFile(path: string, signal: AbortSignal): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  } catch (error) {
    signal.throwIfAborted();
    throw fsError(`cannot read ${path}`, error);
  }
  return { path, sha256: hash.digest('hex'), size };
}
