import { describe, expect, it } from 'vitest';
import { pythonFind, pythonItem, pythonReplace } from './python-strings.js';

describe('pythonFind', () => {
  it('returns the index of the first match or -1', () => {
    expect(pythonFind('hello world', 'o')).toBe(4);
    expect(pythonFind('hello', 'z')).toBe(-1);
    expect(pythonFind('hello', '')).toBe(0);
  });

  it('counts code points, as Python does', () => {
    expect(pythonFind('😀😀x', 'x')).toBe(2);
  });
});

describe('pythonReplace', () => {
  it('replaces every match, or the first `count`', () => {
    expect(pythonReplace('a-b-c-d', { old: '-', replacement: '+' })).toBe('a+b+c+d');
    expect(pythonReplace('a-b-c-d', { old: '-', replacement: '+', count: 2 })).toBe('a+b+c-d');
    expect(pythonReplace('a-b-c-d', { old: '-', replacement: '+', count: 0 })).toBe('a-b-c-d');
    expect(pythonReplace('a-b-c-d', { old: '-', replacement: '+', count: -1 })).toBe('a+b+c+d');
    expect(pythonReplace('aaaa', { old: 'aa', replacement: 'b' })).toBe('bb');
  });

  it('inserts around every code point for an empty pattern', () => {
    expect(pythonReplace('abc', { old: '', replacement: '-' })).toBe('-a-b-c-');
    expect(pythonReplace('abc', { old: '', replacement: '-', count: 2 })).toBe('-a-bc');
    expect(pythonReplace('', { old: '', replacement: '-' })).toBe('-');
    expect(pythonReplace('😀', { old: '', replacement: '-' })).toBe('-😀-');
  });
});

describe('pythonItem', () => {
  it('indexes from the start, and from the end for negative indexes', () => {
    expect(pythonItem(['a', 'b', 'c'], 0)).toBe('a');
    expect(pythonItem(['a', 'b', 'c'], -1)).toBe('c');
    expect(pythonItem(['a', 'b', 'c'], -3)).toBe('a');
    expect(pythonItem(['a', 'b', 'c'], 3)).toBeUndefined();
    expect(pythonItem(['a', 'b', 'c'], -4)).toBeUndefined();
  });
});
