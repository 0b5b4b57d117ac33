import { describe, expect, it } from 'vitest';
import { createLineSplitter, encodeMessage } from './framing.js';

function collect(maxLineLength?: number) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const splitter = createLineSplitter({
    onLine: (line) => lines.push(line),
    onOverflow: (length) => overflows.push(length),
    ...(maxLineLength === undefined ? {} : { maxLineLength }),
  });
  return { lines, overflows, splitter };
}

describe('encodeMessage', () => {
  it('writes one line per message, newlines inside strings escaped', () => {
    const line = encodeMessage({ type: 'log', id: 'a', level: 'info', message: 'one\ntwo\r\n' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
  });
});

describe('createLineSplitter', () => {
  it('cuts lines across chunk boundaries, skipping blank lines and CRs', () => {
    const { lines, splitter } = collect();
    for (const chunk of ['{"a"', ':1}\n\n{"b":2}\r', '\n{"c"', ':3}\n']) splitter.push(chunk);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(splitter.pending).toBe(0);
  });

  it('reports a line longer than the limit once and then ignores the stream', () => {
    const { lines, overflows, splitter } = collect(10);
    splitter.push('short\n');
    splitter.push('x'.repeat(11));
    splitter.push('\nafter\n');
    expect(lines).toEqual(['short']);
    expect(overflows).toEqual([11]);
    expect(splitter.pending).toBe(0);
  });

  it('detects an over-long line that ends within the chunk', () => {
    const { lines, overflows, splitter } = collect(4);
    splitter.push('12345\nok\n');
    expect(lines).toEqual([]);
    expect(overflows).toEqual([5]);
  });
});
