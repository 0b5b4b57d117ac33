/**
 * A strict, pull-based reader of an (already decompressed) tar stream. It counts every byte it
 * pulls and stops at the limit, whatever the headers say; it refuses damaged headers, data
 * after the end-of-archive marker and pax records it cannot parse. Header blocks are decoded
 * with node-tar; the flow, the limits and the pax `path`/`size` records are handled here, so
 * nothing is buffered or decompressed behind the caller's back.
 */
import { Header } from 'tar';
import { BundleError } from './errors.js';

const BLOCK = 512;

/** Pax extended headers larger than this are refused; real ones are a few hundred bytes. */
const MAX_PAX_BYTES = 64 * 1024;

/** One archive entry's header, as the reader decoded it. */
export interface TarEntry {
  /** Entry path, from the pax `path` record when there is one. */
  readonly path: string;
  /** node-tar's type name: `File`, `Directory`, `SymbolicLink`, `Link`, `CharacterDevice`… */
  readonly type: string;
  /** Link target, for link entries. */
  readonly linkpath: string | undefined;
  /** Data bytes that follow the header. */
  readonly size: number;
}

/** Limits the reader enforces. */
export interface TarReaderLimits {
  /** Most bytes of tar stream it will pull. */
  readonly maxBytes: number;
  /** Most entries it will read (pax extended headers aside). */
  readonly maxEntries: number;
}

/** Reads entries one at a time from `source`; the caller reads or skips each entry's data. */
export class TarReader {
  readonly #source: AsyncIterator<Buffer, unknown>;
  readonly #bundle: string;
  readonly #limits: TarReaderLimits;
  #queue: Buffer[] = [];
  #queued = 0;
  #pulled = 0;
  #ended = false;
  #entries = 0;
  /** Data bytes of the current entry not yet read, then its padding. */
  #remaining = 0;
  #padding = 0;

  /**
   * @param source - the decompressed tar stream
   * @param bundle - the bundle's name for messages
   */
  constructor(source: AsyncIterable<Buffer>, bundle: string, limits: TarReaderLimits) {
    this.#source = source[Symbol.asyncIterator]();
    this.#bundle = bundle;
    this.#limits = limits;
  }

  /** Bytes of tar stream consumed so far. */
  get position(): number {
    return this.#pulled - this.#queued;
  }

  /**
   * The next entry's header, skipping what is left of the current entry's data; undefined at
   * the end-of-archive marker, once the rest of the stream has been checked to be zeros.
   */
  async next(): Promise<TarEntry | undefined> {
    await this.skip();
    let pax: { path?: string; size?: number } = {};
    for (;;) {
      const offset = this.position;
      const block = await this.#take(BLOCK);
      if (block === undefined) {
        throw this.#damaged('ends without the end-of-archive marker (truncated?)');
      }
      if (isZero(block)) {
        await this.#finish(offset);
        return undefined;
      }
      let header: Header;
      try {
        header = new Header(block);
      } catch (error) {
        throw this.#damaged(`has an unreadable header at byte ${offset}`, error);
      }
      if (!header.cksumValid) throw this.#damaged(`has a bad header checksum at byte ${offset}`);
      const path = pax.path ?? header.path ?? '';
      const size = header.typeKey === 'x' ? header.size : (pax.size ?? header.size);
      if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
        throw this.#damaged(`has a header with no valid size at byte ${offset}`);
      }
      if (header.type === 'Directory' && rawSize(block) !== 0) {
        // node-tar reads a directory's size as 0; another tar would not. Refuse the ambiguity.
        throw this.#damaged(`has directory entry "${path}" that claims data`);
      }
      // The header check: refuse before reading data the limit could never allow.
      if (this.position + size > this.#limits.maxBytes) {
        throw new BundleError(
          'too-large',
          `${this.#bundle}: entry "${path}" declares ${size} bytes in its header, which would take the unpacked size past the limit of ${this.#limits.maxBytes} bytes`,
        );
      }
      this.#remaining = size;
      this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (header.typeKey === 'x') {
        if (size > MAX_PAX_BYTES) throw this.#damaged(`has a ${size}-byte pax header`);
        pax = { ...pax, ...this.#parsePax(await this.readAll(), path) };
        continue;
      }
      // Pax headers are not counted: they are bounded by their size and the byte limit.
      this.#entries += 1;
      if (this.#entries > this.#limits.maxEntries) {
        throw new BundleError(
          'too-large',
          `${this.#bundle} has more than ${this.#limits.maxEntries} entries (the limit)`,
        );
      }
      return { path, type: header.type, linkpath: header.linkpath || undefined, size };
    }
  }

  /** The current entry's data, in chunks, exactly `size` bytes. */
  async *data(): AsyncGenerator<Buffer> {
    while (this.#remaining > 0) {
      const chunk = await this.#takeSome(this.#remaining);
      if (chunk === undefined) throw this.#damaged('ends in the middle of an entry (truncated?)');
      this.#remaining -= chunk.length;
      yield chunk;
    }
    await this.#skipPadding();
  }

  /** The current entry's data in one buffer; for small entries (manifest, signature, pax). */
  async readAll(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.data()) parts.push(chunk);
    return Buffer.concat(parts);
  }

  /** Skips what is left of the current entry's data. */
  async skip(): Promise<void> {
    // Draining data still counts every byte against the limit, as it is decompressed.
    const data = this.data();
    while ((await data.next()).done !== true);
  }

  async #skipPadding(): Promise<void> {
    if (this.#padding === 0) return;
    const pad = await this.#take(this.#padding);
    if (pad === undefined) throw this.#damaged('ends in the middle of an entry (truncated?)');
    this.#padding = 0;
  }

  /** After the first zero block: a second one, then nothing but zeros to the end. */
  async #finish(offset: number): Promise<void> {
    const second = await this.#take(BLOCK);
    if (second === undefined || !isZero(second)) {
      throw this.#damaged(`has a lone zero block at byte ${offset}`);
    }
    for (;;) {
      const chunk = await this.#takeSome(Number.POSITIVE_INFINITY);
      if (chunk === undefined) return;
      if (!isZero(chunk)) {
        throw this.#damaged(`has data after its end-of-archive marker (byte ${offset})`);
      }
    }
  }

  #parsePax(body: Buffer, path: string): { path?: string; size?: number } {
    const out: { path?: string; size?: number } = {};
    let at = 0;
    while (at < body.length) {
      const space = body.indexOf(0x20, at);
      const lengthText = space < 0 ? '' : body.toString('latin1', at, space);
      const length = Number(lengthText);
      const end = at + length;
      if (!/^[1-9][0-9]*$/.test(lengthText) || end > body.length || body[end - 1] !== 0x0a) {
        throw this.#damaged(`has a malformed pax header "${path}"`);
      }
      const record = body.toString('utf8', space + 1, end - 1);
      const eq = record.indexOf('=');
      if (eq <= 0) throw this.#damaged(`has a malformed pax record in "${path}"`);
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      if (key === 'size') {
        if (!/^[0-9]{1,16}$/.test(value)) throw this.#damaged(`has a pax size "${value}"`);
        out.size = Number(value);
      }
      at = end;
    }
    return out;
  }

  #damaged(what: string, cause?: unknown): BundleError {
    return new BundleError('not-an-archive', `${this.#bundle} is not a valid bundle: it ${what}`, {
      cause,
    });
  }

  /** Pulls one more chunk from the source, counting it against the limit. */
  async #pull(): Promise<boolean> {
    if (this.#ended) return false;
    const step = await this.#source.next();
    if (step.done === true) {
      this.#ended = true;
      return false;
    }
    const value = step.value;
    this.#pulled += value.length;
    if (this.#pulled > this.#limits.maxBytes) {
      throw new BundleError(
        'too-large',
        `${this.#bundle} unpacks to more than ${this.#limits.maxBytes} bytes (the limit); refusing it as a possible decompression bomb`,
      );
    }
    if (value.length > 0) {
      this.#queue.push(value);
      this.#queued += value.length;
    }
    return true;
  }

  /** Exactly `n` bytes, or undefined when the stream ends first. */
  async #take(n: number): Promise<Buffer | undefined> {
    while (this.#queued < n) {
      if (!(await this.#pull())) return undefined;
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const chunk = this.#shift(need);
      parts.push(chunk);
      need -= chunk.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  /** Between 1 and `max` bytes, or undefined at the end of the stream. */
  async #takeSome(max: number): Promise<Buffer | undefined> {
    while (this.#queued === 0) {
      if (!(await this.#pull())) return undefined;
    }
    return this.#shift(max);
  }

  #shift(max: number): Buffer {
    const head = this.#queue[0] as Buffer;
    if (head.length <= max) {
      this.#queue.shift();
      this.#queued -= head.length;
      return head;
    }
    this.#queue[0] = head.subarray(max);
    this.#queued -= max;
    return head.subarray(0, max);
  }
}

function isZero(buffer: Buffer): boolean {
  for (let i = 0; i < buffer.length; i++) if (buffer[i] !== 0) return false;
  return true;
}

/** The size field of a header block as written, before any reader's interpretation. */
function rawSize(block: Buffer): number {
  const text = block.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8) || Number(block[124] !== 0);
}
