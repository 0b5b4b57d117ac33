/**
 * What a worker prints on stdout and stderr: cut into lines (each becomes a log record of the
 * running operation) with memory bounded whatever the plugin writes, and a short tail kept for
 * crash reports.
 */
import { OUTPUT_SYNC_PREFIX } from '@cairn/plugin-protocol';

/** Options of {@link OutputSplitter}. */
export interface OutputSplitterOptions {
  /** Longer lines are cut into pieces of this many characters. */
  maxLineLength: number;
  /** A line of output (without its newline). */
  onLine(line: string): void;
  /** The worker's sync mark for operation `id` (see `OUTPUT_SYNC_PREFIX`). */
  onSync(id: string): void;
}

/**
 * How far back from a forced cut to look for the start of a sync mark, so a mark is not split
 * between two pieces (ids are short).
 */
const MARK_LOOKBACK = OUTPUT_SYNC_PREFIX.length + 128;

/**
 * Cuts a text stream into lines and spots sync marks. Unlike the protocol's splitter it never
 * gives up: an endless line is cut into pieces, so at most `maxLineLength` characters wait.
 */
export class OutputSplitter {
  private buffer = '';

  constructor(private readonly options: OutputSplitterOptions) {}

  /** Feeds the next decoded chunk. */
  push(chunk: string): void {
    let start = 0;
    let newline = chunk.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer + chunk.slice(start, newline);
      this.buffer = '';
      this.line(line);
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    this.buffer += chunk.slice(start);
    while (this.buffer.length > this.options.maxLineLength) {
      let cut = this.options.maxLineLength;
      const mark = this.buffer.lastIndexOf('\u0000', cut - 1);
      if (mark > 0 && mark > cut - MARK_LOOKBACK) cut = mark;
      const piece = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut);
      this.line(piece);
    }
  }

  /** Emits what is left of an unfinished line (the stream ended). */
  flush(): void {
    if (this.buffer !== '') {
      const rest = this.buffer;
      this.buffer = '';
      this.line(rest);
    }
  }

  private line(raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const mark = text.indexOf(OUTPUT_SYNC_PREFIX);
    if (mark === -1) {
      this.options.onLine(text);
      return;
    }
    // Output without a final newline followed by the mark: the text is still the operation's.
    if (mark > 0) this.options.onLine(text.slice(0, mark));
    this.options.onSync(text.slice(mark + OUTPUT_SYNC_PREFIX.length));
  }
}

/** The last `limit` characters of what was appended. */
export class TailBuffer {
  private text = '';

  constructor(private readonly limit: number) {}

  /** Appends text, dropping the oldest beyond the limit. */
  append(text: string): void {
    if (this.limit <= 0) return;
    this.text =
      text.length >= this.limit ? text.slice(-this.limit) : (this.text + text).slice(-this.limit);
  }

  /** Forgets everything (a new operation starts). */
  clear(): void {
    this.text = '';
  }

  /** The kept text. */
  toString(): string {
    return this.text;
  }
}
