/**
 * Writes the deterministic tar.gz of a bundle: regular files only, fixed mtime, uid/gid 0, no
 * user names, mode from the manifest. Headers are encoded with node-tar; long or non-ASCII
 * paths get a pax `path` record, as node-tar itself does.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Header, Pax } from 'tar';

/** The mtime of every entry: a constant, so packing the same files gives the same bytes. */
export const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

const BLOCK = 512;

/** The two zero blocks that end a tar archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

/** The header block(s) of a regular file entry. */
export function fileHeader(path: string, size: number, mode: number): Buffer {
  const header = new Header({
    path,
    mode,
    uid: 0,
    gid: 0,
    size,
    mtime: FIXED_MTIME,
    type: 'File',
    uname: '',
    gname: '',
  });
  const block = Buffer.alloc(BLOCK);
  const needPax = header.encode(block);
  if (!needPax) return block;
  // The pax record carries the full path; its own header has no time, so it stays constant.
  return Buffer.concat([new Pax({ path }).encode(), block]);
}

/** The zero bytes that round an entry's data of `size` bytes up to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? EMPTY : Buffer.alloc(BLOCK - rest);
}

const EMPTY = Buffer.alloc(0);

const gzipAsync = promisify(gzip);

/** One file entry, header, data and padding, for content already in memory. */
export function fileEntry(path: string, data: Buffer, mode: number): Buffer[] {
  return [fileHeader(path, data.length, mode), data, padding(data.length)];
}

/**
 * Gzips the tar stream `chunks` into `target` through a temporary file beside it, renamed into
 * place at the end so a reader never sees half a bundle. Returns the file's size in bytes.
 */
export async function writeArchive(target: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await pipeline(
      Readable.from(gzipMembers(chunks), { objectMode: false }),
      createWriteStream(temp, { flags: 'wx', mode: 0o644 }),
    );
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return (await stat(target)).size;
}

/** Bytes of tar stream per gzip member. */
const MEMBER_BYTES = 1024 * 1024;
/** Members compressed at once; zlib runs them on libuv's thread pool (4 threads by default). */
const PARALLEL_MEMBERS = 4;

/**
 * The tar stream as a series of gzip members of {@link MEMBER_BYTES} input each, compressed in
 * parallel and emitted in order. A gzip file may hold several members (RFC 1952, 2.2); every
 * gunzip reads them as one stream. One deflate stream would use one core; packing is
 * dominated by compression, so this nearly divides its time by the cores. Members cut at fixed
 * offsets keep the output a function of the input, so packing stays deterministic.
 */
async function* gzipMembers(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const pending: Promise<Buffer>[] = [];
  const start = (block: Buffer): void => {
    // One output buffer big enough for the whole member: each buffer zlib fills is a round
    // trip between the thread pool and the main thread.
    const member = gzipAsync(block, { level: 6, chunkSize: MEMBER_BYTES + 64 * 1024 });
    // Handled here so an abandoned member (after an error upstream) is not an unhandled
    // rejection; it is awaited again below, where a failure does surface.
    member.catch(() => undefined);
    pending.push(member);
  };
  for await (const block of fixedBlocks(chunks, MEMBER_BYTES)) {
    start(block);
    if (pending.length >= PARALLEL_MEMBERS) yield await (pending.shift() as Promise<Buffer>);
  }
  for (const member of pending) yield await member;
}

/** Re-cuts `chunks` into blocks of exactly `size` bytes (the last one may be shorter). */
async function* fixedBlocks(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(size - filled, chunk.length - at);
      chunk.copy(block, filled, at, at + n);
      filled += n;
      at += n;
      if (filled === size) {
        yield block;
        block = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield block.subarray(0, filled);
}
