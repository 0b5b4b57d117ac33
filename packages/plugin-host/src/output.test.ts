import { OUTPUT_SYNC_PREFIX } from '@cairn/plugin-protocol';
import { describe, expect, it } from 'vitest';
import { OutputSplitter, TailBuffer } from './output.js';

function split(chunks: string[], maxLineLength = 1000) {
  const lines: string[] = [];
  const syncs: string[] = [];
  const splitter = new OutputSplitter({
    maxLineLength,
    onLine: (line) => lines.push(line),
    onSync: (id) => syncs.push(id),
  });
  for (const chunk of chunks) splitter.push(chunk);
  return { lines, syncs, splitter };
}

describe('OutputSplitter', () => {
  it('cuts lines across chunks and keeps empty lines', () => {
    expect(split(['a\nb', 'c\r\n\nd\n']).lines).toEqual(['a', 'bc', '', 'd']);
  });

  it('spots sync marks, also after output without a newline', () => {
    const mark = `${OUTPUT_SYNC_PREFIX}op-7\n`;
    const { lines, syncs } = split(['out', mark.slice(0, 5), mark.slice(5), 'next\n']);
    expect(lines).toEqual(['out', 'next']);
    expect(syncs).toEqual(['op-7']);
  });

  it('cuts endless lines so memory stays bounded, without splitting a mark', () => {
    const { lines, syncs, splitter } = split(['x'.repeat(25)], 10);
    expect(lines).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    splitter.push(`yy${OUTPUT_SYNC_PREFIX}op-1\n`);
    expect(syncs).toEqual(['op-1']);
    splitter.push('tail');
    splitter.flush();
    expect(lines.at(-1)).toBe('tail');
  });
});

describe('TailBuffer', () => {
  it('keeps only the last characters', () => {
    const tail = new TailBuffer(5);
    tail.append('abc');
    tail.append('defg');
    expect(tail.toString()).toBe('cdefg');
    tail.append('0123456789');
    expect(tail.toString()).toBe('56789');
    tail.clear();
    expect(tail.toString()).toBe('');
  });
});
