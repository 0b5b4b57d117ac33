/**
 * Where every loaded YAML value came from. The loader turns YAML into plain JS values (so the
 * rest of the parser works on ordinary data) and records, on each mapping and sequence, the
 * offsets of its keys, values and items. Scalars have no identity, so their place is asked of
 * their parent: `valueLoc(parent, key)`.
 *
 * The offsets of one file live in one {@link PositionTable}: a growable `Int32Array` (outside
 * the garbage-collected heap, never scanned) and one array of key names. Each mapping and
 * sequence carries only two private fields, its table and the index of its record there. One
 * small record object and two arrays per container made the positions most of the live heap
 * of a large blueprint, and the garbage collector paid for marking them on every cycle.
 */
import type { Loc, SourceDoc } from './source-doc.js';

// A record at index `at` of `data`: [start, end, count, keyBase], then `count` entries. A
// mapping entry is four offsets (key start, key end, value start, value end) and its key name
// is `keys[keyBase + j]`; a sequence entry is two (item start, item end) and keyBase is -1.
const HEADER = 4;
const MAP_ENTRY = 4;
const SEQ_ENTRY = 2;

/** Mappings with more keys than this get a key → entry index on their first lookup. */
const LINEAR_LOOKUP_MAX = 8;

/** The positions of the mappings and sequences loaded from one document. */
export class PositionTable {
  private data: Int32Array;
  private used = 0;
  private readonly keys: string[] = [];
  /** Key → entry, for large mappings, built on their first lookup (record index → index). */
  private indexes: Map<number, Map<string, number>> | undefined;

  constructor(
    readonly doc: SourceDoc,
    /** Expected number of offsets (the table grows as needed). */
    sizeHint = 1024,
  ) {
    this.data = new Int32Array(Math.max(64, sizeHint));
  }

  private reserve(count: number): void {
    if (this.used + count <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.used + count) size *= 2;
    const grown = new Int32Array(size);
    grown.set(this.data.subarray(0, this.used));
    this.data = grown;
  }

  /**
   * Records a mapping: its range (`entries.start`, `entries.end`) and, for entry j, the key
   * `entries.keys[j]` and four offsets at `entries.offsets[4j]` (key start, key end, value start,
   * value end).
   */
  recordMap(
    map: object,
    entries: {
      readonly start: number;
      readonly end: number;
      readonly count: number;
      readonly keys: readonly string[];
      readonly offsets: readonly number[];
    },
  ): void {
    const count = entries.count;
    this.reserve(HEADER + MAP_ENTRY * count);
    const data = this.data;
    const at = this.used;
    data[at] = entries.start;
    data[at + 1] = entries.end;
    data[at + 2] = count;
    data[at + 3] = this.keys.length;
    const offsets = entries.offsets;
    for (let i = 0; i < MAP_ENTRY * count; i++) data[at + HEADER + i] = offsets[i] ?? 0;
    for (let j = 0; j < count; j++) this.keys.push(entries.keys[j] ?? '');
    this.used = at + HEADER + MAP_ENTRY * count;
    attach(map, this, at);
  }

  /** Starts the record of a sequence of `span.count` items; fill it with {@link setItem}. */
  recordSeq(
    seq: object,
    span: { readonly start: number; readonly end: number; readonly count: number },
  ): number {
    const count = span.count;
    this.reserve(HEADER + SEQ_ENTRY * count);
    const data = this.data;
    const at = this.used;
    data[at] = span.start;
    data[at + 1] = span.end;
    data[at + 2] = count;
    data[at + 3] = -1;
    this.used = at + HEADER + SEQ_ENTRY * count;
    attach(seq, this, at);
    return at;
  }

  /** Sets where item `i` of the sequence recorded at `at` is. */
  setItem(at: number, i: number, start: number, end: number): void {
    this.data[at + HEADER + SEQ_ENTRY * i] = start;
    this.data[at + HEADER + SEQ_ENTRY * i + 1] = end;
  }

  /** Gives back the room grown for but not used (once the document is loaded). */
  trim(): void {
    if (this.data.length - this.used > 1024 && this.used < this.data.length * 0.75) {
      this.data = this.data.slice(0, this.used);
    }
  }

  /** @internal */
  loc(at: number): Loc {
    return { doc: this.doc, start: this.data[at] ?? 0, end: this.data[at + 1] ?? 0 };
  }

  /** @internal The offset at `at + HEADER + i`. */
  offset(at: number, i: number): number {
    return this.data[at + HEADER + i] ?? 0;
  }

  /** @internal How many items the sequence at `at` has (0 for a mapping). */
  items(at: number): number {
    return this.data[at + 3] === -1 ? (this.data[at + 2] ?? 0) : 0;
  }

  /** @internal The entry of `key` in the mapping recorded at `at`, or -1. */
  keyIndex(at: number, key: string): number {
    const count = this.data[at + 2] ?? 0;
    const base = this.data[at + 3] ?? -1;
    if (base < 0) return -1;
    const keys = this.keys;
    if (count <= LINEAR_LOOKUP_MAX) {
      for (let j = 0; j < count; j++) if (keys[base + j] === key) return j;
      return -1;
    }
    this.indexes ??= new Map();
    let index = this.indexes.get(at);
    if (index === undefined) {
      index = new Map();
      // Later duplicates cannot occur: the loader records each key once.
      for (let j = 0; j < count; j++) index.set(keys[base + j] ?? '', j);
      this.indexes.set(at, index);
    }
    return index.get(key) ?? -1;
  }
}

/**
 * A constructor that returns the object it is given: as the base of {@link Located}, it makes
 * `new Located(target, …)` add the private fields to `target`, an existing mapping or sequence,
 * rather than to a new instance.
 */
function Returning(target: object): object {
  return target;
}

/**
 * The position of a loaded mapping or sequence: its table and the index of its record there,
 * kept in private fields. Unlike symbol properties (which `Object.defineProperty` adds through a
 * slow runtime call, several times the cost of building the object), private fields are added
 * as cheaply as ordinary ones, and are invisible to `Object.keys`, `Reflect.ownKeys`, spreads,
 * `JSON.stringify`, `structuredClone` and deep equality.
 */
class Located extends (Returning as unknown as new (target: object) => object) {
  #table: PositionTable;
  #at: number;

  private constructor(target: object, table: PositionTable, at: number) {
    super(target);
    this.#table = table;
    this.#at = at;
  }

  static attach(target: object, table: PositionTable, at: number): void {
    if (#table in target) {
      target.#table = table;
      target.#at = at;
      return;
    }
    new Located(target, table, at);
  }

  static tableOf(target: unknown): PositionTable | undefined {
    if (typeof target !== 'object' || target === null || !(#table in target)) return undefined;
    return target.#table;
  }

  /** The record index of a target {@link tableOf} found a table for. */
  static atOf(target: unknown): number {
    return (target as Located).#at;
  }
}

function attach(target: object, table: PositionTable, at: number): void {
  Located.attach(target, table, at);
}

function tableOf(target: unknown): PositionTable | undefined {
  return Located.tableOf(target);
}

function atOf(target: unknown): number {
  return Located.atOf(target);
}

/** Copies the location record of `from` onto `to` (for values rebuilt from loaded ones). */
export function copyLoc(from: object, to: object): void {
  const table = tableOf(from);
  if (table !== undefined) attach(to, table, atOf(from));
}

/** Where a loaded mapping or sequence is, if it was loaded from YAML. */
export function locOf(value: unknown): Loc | undefined {
  const table = tableOf(value);
  return table?.loc(atOf(value));
}

/**
 * The four offsets of `key` in a loaded mapping: key start and end, value start and end (used by
 * the loader to merge `<<` entries with their positions).
 */
export function keyOffsets(
  map: unknown,
  key: string,
): readonly [number, number, number, number] | undefined {
  const table = tableOf(map);
  if (table === undefined) return undefined;
  const at = atOf(map);
  const j = table.keyIndex(at, key);
  if (j < 0) return undefined;
  const o = MAP_ENTRY * j;
  return [
    table.offset(at, o),
    table.offset(at, o + 1),
    table.offset(at, o + 2),
    table.offset(at, o + 3),
  ];
}

/** Where the key `key` of a loaded mapping is; falls back to the mapping itself. */
export function keyLoc(map: unknown, key: string): Loc | undefined {
  const table = tableOf(map);
  if (table === undefined) return undefined;
  const at = atOf(map);
  const j = table.keyIndex(at, key);
  if (j < 0) return table.loc(at);
  const o = MAP_ENTRY * j;
  return { doc: table.doc, start: table.offset(at, o), end: table.offset(at, o + 1) };
}

/**
 * Where the value under `key` (a mapping key, or a sequence index) is; falls back to the key,
 * then to the container.
 */
export function valueLoc(container: unknown, key: string | number): Loc | undefined {
  const table = tableOf(container);
  if (table === undefined) return undefined;
  const at = atOf(container);
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0 || key >= table.items(at)) return table.loc(at);
    const o = SEQ_ENTRY * key;
    return { doc: table.doc, start: table.offset(at, o), end: table.offset(at, o + 1) };
  }
  const j = table.keyIndex(at, key);
  if (j < 0) return table.loc(at);
  const o = MAP_ENTRY * j;
  const vs = table.offset(at, o + 2);
  const ve = table.offset(at, o + 3);
  // A key with no value (`key:`) has an empty value range; point at the key instead.
  if (ve <= vs) return { doc: table.doc, start: table.offset(at, o), end: table.offset(at, o + 1) };
  return { doc: table.doc, start: vs, end: ve };
}
