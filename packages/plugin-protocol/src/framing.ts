/**
 * Framing: one JSON message per line (NDJSON). `JSON.stringify` escapes every newline inside
 * strings, so a newline always ends a message.
 */
import type { HostMessage, WorkerMessage } from './messages.js';

/** Encodes one message as a line, newline included. */
export function encodeMessage(message: HostMessage | WorkerMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** The default cap on one message line, in UTF-16 code units. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;

/** Options of {@link createLineSplitter}. */
export interface LineSplitterOptions {
  /** Called with each complete line, without its newline (and without a trailing `\r`). */
  onLine(line: string): void;
  /**
   * Called once when a line grows past `maxLineLength` without a newline; the splitter then
   * ignores everything else it is given (the stream cannot be resynchronised).
   */
  onOverflow(length: number): void;
  /** Longest line accepted, in UTF-16 code units (default {@link DEFAULT_MAX_MESSAGE_LENGTH}). */
  maxLineLength?: number;
}

/** Cuts a stream of text chunks into lines. */
export interface LineSplitter {
  /** Feeds the next chunk (already decoded: give a stream `setEncoding('utf8')`). */
  push(chunk: string): void;
  /** How many characters wait for their newline (bounded by the maximum line length). */
  readonly pending: number;
}

/**
 * Creates a {@link LineSplitter}. Blank lines are skipped. Memory stays bounded: a peer that
 * never sends a newline trips `onOverflow` instead of growing a buffer forever.
 */
export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const max = options.maxLineLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
  let buffer = '';
  let broken = false;
  return {
    push(chunk: string): void {
      if (broken) return;
      let start = 0;
      let newline = chunk.indexOf('\n');
      while (newline !== -1) {
        let line = buffer + chunk.slice(start, newline);
        buffer = '';
        if (line.length > max) {
          broken = true;
          options.onOverflow(line.length);
          return;
        }
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.trim() !== '') options.onLine(line);
        if (broken) return;
        start = newline + 1;
        newline = chunk.indexOf('\n', start);
      }
      buffer += chunk.slice(start);
      if (buffer.length > max) {
        broken = true;
        const length = buffer.length;
        buffer = '';
        options.onOverflow(length);
      }
    },
    get pending(): number {
      return buffer.length;
    },
  };
}
