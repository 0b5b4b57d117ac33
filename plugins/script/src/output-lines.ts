/**
 * A script's output, line by line: each line is logged as it arrives (`<out> …`, `<err> …`,
 * as Cloudify's script runner logs them) unless its stream's logging is off, and the last lines
 * of both are kept for the failure message.
 */
import type { CtxLogger } from './context.js';

/** The longest line logged whole; longer ones are cut (a script may print anything). */
const MAX_LINE = 64 * 1024;

type Stream = 'stdout' | 'stderr';

export class OutputLines {
  private readonly partial: Record<Stream, string> = { stdout: '', stderr: '' };
  private readonly last: string[] = [];

  constructor(
    private readonly logger: CtxLogger,
    private readonly options: { readonly logStdout: boolean; readonly logStderr: boolean },
    private readonly keep: number,
  ) {}

  /** Takes the next decoded chunk of a stream. */
  push(stream: Stream, chunk: string): void {
    let text = this.partial[stream] + chunk;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      this.line(stream, text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    while (text.length > MAX_LINE) {
      this.line(stream, text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.partial[stream] = text;
  }

  /** Ends both streams: an unfinished last line is a line too. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.line(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  /** The last lines, oldest first. */
  tail(): string {
    return this.last.join('\n');
  }

  private line(stream: Stream, raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const tagged = `${stream === 'stdout' ? '<out>' : '<err>'} ${line}`;
    this.last.push(tagged);
    if (this.last.length > this.keep) this.last.shift();
    if (stream === 'stdout' ? this.options.logStdout : this.options.logStderr) {
      this.logger.info(tagged);
    }
  }
}
