import { describe, expect, it } from 'vitest';
import { Reporter } from '../diagnostics/diagnostic.js';
import { dict, type Value, type ValueMap } from '../util/value.js';
import { loadYaml } from './load-yaml.js';
import { copyLoc, keyLoc, keyOffsets, locOf, valueLoc } from './locations.js';
import type { Loc, SourceDoc } from './source-doc.js';

function load(text: string): { doc: SourceDoc; value: Value | undefined } {
  const doc: SourceDoc = { url: 'memory:test.yaml', name: 'test.yaml', text };
  return { doc, value: loadYaml(doc, new Reporter()) };
}

function textAt(loc: Loc | undefined): string | undefined {
  return loc && loc.doc.text.slice(loc.start, loc.end);
}

describe('source locations', () => {
  it('finds keys, values and items of loaded mappings and sequences', () => {
    const { value } = load('a: 1\nlist:\n  - first\n  - {x: 2}\nempty:\n');
    const root = value as ValueMap;
    expect(textAt(keyLoc(root, 'list'))).toBe('list');
    expect(textAt(valueLoc(root, 'a'))).toBe('1');
    expect(textAt(valueLoc(root.list, 0))).toBe('first');
    expect(textAt(valueLoc(root.list, 1))).toBe('{x: 2}');
    expect(textAt(locOf(root.list))).toBe('- first\n  - {x: 2}');
    // A key with no value points at the key; an unknown key or index at the container.
    expect(textAt(valueLoc(root, 'empty'))).toBe('empty');
    expect(textAt(keyLoc(root, 'missing'))).toBe(textAt(locOf(root)));
    expect(textAt(valueLoc(root.list, 5))).toBe(textAt(locOf(root.list)));
    expect(keyLoc({ plain: 1 }, 'plain')).toBeUndefined();
  });

  it('looks keys up by name in large mappings too', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `key_${i}`);
    const { value } = load(keys.map((k, i) => `${k}: ${i}`).join('\n'));
    for (const [i, k] of keys.entries()) {
      expect(textAt(keyLoc(value, k))).toBe(k);
      expect(textAt(valueLoc(value, k))).toBe(String(i));
    }
    const offsets = keyOffsets(value, 'key_3');
    expect(offsets).toHaveLength(4);
  });

  it('points a duplicate key at its last value, and merged keys at their own place', () => {
    const { value } = load('base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n  y: 4\n');
    const m = (value as ValueMap).m as ValueMap;
    expect(m).toEqual({ x: 1, y: 4 });
    expect(Object.keys(m)).toEqual(['x', 'y']);
    expect(keyLoc(m, 'x')?.start).toBe(keyLoc((value as ValueMap).base, 'x')?.start);
    expect(textAt(valueLoc(m, 'y'))).toBe('4');
  });

  it('copies a location onto a rebuilt value, looked up by key name', () => {
    const { value } = load('props:\n  a: 1\n  b: 2\n');
    const props = (value as ValueMap).props as ValueMap;
    const rebuilt = dict<Value>();
    copyLoc(props, rebuilt);
    rebuilt.b = 20;
    rebuilt.c = 30;
    expect(textAt(valueLoc(rebuilt, 'b'))).toBe('2');
    expect(textAt(keyLoc(rebuilt, 'c'))).toBe(textAt(locOf(props)));
  });

  it('leaves no trace on the values: keys, JSON, spreads, clones and equality', () => {
    const { value } = load('a: [1, {b: 2}]\n');
    const root = value as ValueMap;
    expect(locOf(root)).toBeDefined();
    expect(Reflect.ownKeys(root)).toEqual(['a']);
    expect(Reflect.ownKeys(root.a as object)).toEqual(['0', '1', 'length']);
    expect(JSON.stringify(root)).toBe('{"a":[1,{"b":2}]}');
    expect(locOf({ ...root })).toBeUndefined();
    expect(locOf(structuredClone(root))).toBeUndefined();
    expect(root).toEqual({ a: [1, { b: 2 }] });
  });
});
