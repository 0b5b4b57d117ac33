/**
 * Where every loaded YAML value came from. The loader turns YAML into plain JS values (so the
 * rest of the parser works on ordinary data) and records, per mapping and per sequence, the
 * offsets of its keys, values and items in this side table. Scalars have no identity, so their
 * place is asked of their parent: `valueLoc(parent, key)`.
 */
import type { Loc, SourceDoc } from './source-doc.js';

interface ContainerLoc {
  doc: SourceDoc;
  start: number;
  end: number;
  /** Mapping: key → [keyStart, keyEnd, valueStart, valueEnd]. */
  keys?: Map<string, readonly [number, number, number, number]>;
  /** Sequence: item i spans items[2i] … items[2i+1]. */
  items?: number[];
}

const table = new WeakMap<object, ContainerLoc>();

/** Records where a mapping came from (used by the loader). */
export function recordMap(
  map: object,
  doc: SourceDoc,
  range: readonly [number, number],
  keys: Map<string, readonly [number, number, number, number]>,
): void {
  table.set(map, { doc, start: range[0], end: range[1], keys });
}

/** Records where a sequence came from (used by the loader). */
export function recordSeq(
  seq: object,
  doc: SourceDoc,
  range: readonly [number, number],
  items: number[],
): void {
  table.set(seq, { doc, start: range[0], end: range[1], items });
}

/** Copies the location record of `from` onto `to` (for values rebuilt from loaded ones). */
export function copyLoc(from: object, to: object): void {
  const loc = table.get(from);
  if (loc !== undefined) table.set(to, loc);
}

/** Where a loaded mapping or sequence is, if it was loaded from YAML. */
export function locOf(value: unknown): Loc | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const loc = table.get(value);
  return loc && { doc: loc.doc, start: loc.start, end: loc.end };
}

/** Where the key `key` of a loaded mapping is; falls back to the mapping itself. */
export function keyLoc(map: unknown, key: string): Loc | undefined {
  if (typeof map !== 'object' || map === null) return undefined;
  const loc = table.get(map);
  if (loc === undefined) return undefined;
  const entry = loc.keys?.get(key);
  if (entry === undefined) return { doc: loc.doc, start: loc.start, end: loc.end };
  return { doc: loc.doc, start: entry[0], end: entry[1] };
}

/**
 * Where the value under `key` (a mapping key, or a sequence index) is; falls back to the key,
 * then to the container.
 */
export function valueLoc(container: unknown, key: string | number): Loc | undefined {
  if (typeof container !== 'object' || container === null) return undefined;
  const loc = table.get(container);
  if (loc === undefined) return undefined;
  if (typeof key === 'number') {
    const items = loc.items;
    const start = items?.[key * 2];
    const end = items?.[key * 2 + 1];
    if (start === undefined || end === undefined) {
      return { doc: loc.doc, start: loc.start, end: loc.end };
    }
    return { doc: loc.doc, start, end };
  }
  const entry = loc.keys?.get(key);
  if (entry === undefined) return { doc: loc.doc, start: loc.start, end: loc.end };
  // A key with no value (`key:`) has an empty value range; point at the key instead.
  if (entry[3] <= entry[2]) return { doc: loc.doc, start: entry[0], end: entry[1] };
  return { doc: loc.doc, start: entry[2], end: entry[3] };
}
