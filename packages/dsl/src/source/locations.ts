/**
 * Where every loaded YAML value came from. The loader turns YAML into plain JS values (so the
 * rest of the parser works on ordinary data) and records, on each mapping and sequence, the
 * offsets of its keys, values and items. Scalars have no identity, so their place is asked of
 * their parent: `valueLoc(parent, key)`.
 *
 * The record is kept under a non-enumerable symbol property of the object itself: invisible to
 * `Object.keys`, `JSON.stringify`, spreads and deep equality, and several times cheaper than a
 * WeakMap side table on large blueprints (which also burdened the garbage collector).
 */
import type { Loc, SourceDoc } from './source-doc.js';

/** Where a mapping or a sequence is. */
interface ContainerLoc {
  readonly doc: SourceDoc;
  readonly start: number;
  readonly end: number;
  /** Mapping keys, in order; key i spans offsets[4i]…[4i+1], its value [4i+2]…[4i+3]. */
  readonly keys?: readonly string[];
  /** Sequence: item i spans offsets[2i] … offsets[2i+1]. */
  readonly offsets: readonly number[];
  /** Key → position in `keys`, built on the first lookup in a large mapping. */
  index?: Map<string, number>;
}

const LOC = Symbol('cairn.loc');

function setLoc(target: object, loc: ContainerLoc): void {
  Object.defineProperty(target, LOC, { value: loc, configurable: true, writable: true });
}

function getLoc(target: unknown): ContainerLoc | undefined {
  if (typeof target !== 'object' || target === null) return undefined;
  return (target as { [LOC]?: ContainerLoc })[LOC];
}

/**
 * Records where a mapping came from (used by the loader): its range, its `keys` in order, and
 * four `offsets` per key (key start, key end, value start, value end).
 */
export function recordMap(
  map: object,
  doc: SourceDoc,
  at: {
    readonly start: number;
    readonly end: number;
    readonly keys: readonly string[];
    readonly offsets: readonly number[];
  },
): void {
  setLoc(map, { doc, ...at });
}

/** Records where a sequence came from (used by the loader): its range and two offsets per item. */
export function recordSeq(
  seq: object,
  doc: SourceDoc,
  at: { readonly start: number; readonly end: number; readonly offsets: readonly number[] },
): void {
  setLoc(seq, { doc, ...at });
}

/** Copies the location record of `from` onto `to` (for values rebuilt from loaded ones). */
export function copyLoc(from: object, to: object): void {
  const loc = getLoc(from);
  if (loc !== undefined) setLoc(to, loc);
}

function keyIndex(loc: ContainerLoc, key: string): number {
  const keys = loc.keys;
  if (keys === undefined) return -1;
  if (keys.length <= 8) return keys.indexOf(key);
  if (loc.index === undefined) {
    loc.index = new Map();
    keys.forEach((k, i) => loc.index?.set(k, i));
  }
  return loc.index.get(key) ?? -1;
}

/** Where a loaded mapping or sequence is, if it was loaded from YAML. */
export function locOf(value: unknown): Loc | undefined {
  const loc = getLoc(value);
  return loc && { doc: loc.doc, start: loc.start, end: loc.end };
}

/**
 * The four offsets of `key` in a loaded mapping: key start and end, value start and end (used by
 * the loader to merge `<<` entries with their positions).
 */
export function keyOffsets(
  map: unknown,
  key: string,
): readonly [number, number, number, number] | undefined {
  const loc = getLoc(map);
  if (loc === undefined) return undefined;
  const i = keyIndex(loc, key);
  if (i < 0) return undefined;
  const o = loc.offsets;
  return [o[4 * i] ?? 0, o[4 * i + 1] ?? 0, o[4 * i + 2] ?? 0, o[4 * i + 3] ?? 0];
}

/** Where the key `key` of a loaded mapping is; falls back to the mapping itself. */
export function keyLoc(map: unknown, key: string): Loc | undefined {
  const loc = getLoc(map);
  if (loc === undefined) return undefined;
  const i = keyIndex(loc, key);
  if (i < 0) return { doc: loc.doc, start: loc.start, end: loc.end };
  return { doc: loc.doc, start: loc.offsets[4 * i] ?? 0, end: loc.offsets[4 * i + 1] ?? 0 };
}

/**
 * Where the value under `key` (a mapping key, or a sequence index) is; falls back to the key,
 * then to the container.
 */
export function valueLoc(container: unknown, key: string | number): Loc | undefined {
  const loc = getLoc(container);
  if (loc === undefined) return undefined;
  const o = loc.offsets;
  if (typeof key === 'number') {
    const start = o[key * 2];
    const end = o[key * 2 + 1];
    if (start === undefined || end === undefined)
      return { doc: loc.doc, start: loc.start, end: loc.end };
    return { doc: loc.doc, start, end };
  }
  const i = keyIndex(loc, key);
  if (i < 0) return { doc: loc.doc, start: loc.start, end: loc.end };
  const [ks, ke, vs, ve] = [o[4 * i] ?? 0, o[4 * i + 1] ?? 0, o[4 * i + 2] ?? 0, o[4 * i + 3] ?? 0];
  // A key with no value (`key:`) has an empty value range; point at the key instead.
  if (ve <= vs) return { doc: loc.doc, start: ks, end: ke };
  return { doc: loc.doc, start: vs, end: ve };
}
