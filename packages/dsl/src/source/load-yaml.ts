/**
 * YAML text → plain values, with the source positions of every mapping key, mapping value and
 * sequence item recorded in the location table.
 *
 * Reading is done by js-yaml, a port of PyYAML (Cloudify's loader), so documents PyYAML accepts
 * are accepted here too (multi-line quoted scalars at the parent's indentation, for instance),
 * with PyYAML's YAML 1.1 scalars. js-yaml reports every node it opens and closes; from those
 * events we rebuild the values ourselves, which gives us positions and lets us apply PyYAML's
 * rules: repeated merge keys `<<` (later ones win, explicit keys win over all), last-wins
 * duplicate keys (with a warning), and prototype-free mappings. Never throws.
 */
import jsyaml from 'js-yaml';
import type { Reporter } from '../diagnostics/diagnostic.js';
import { keyOffsets, PositionTable } from './locations.js';
import type { Loc, SourceDoc } from './source-doc.js';
import { MERGE_TAG, PYYAML_SCHEMA } from './yaml-schema.js';
import { dict, isMap, type Value } from '../util/value.js';

/** How deeply lists and mappings may nest. */
const MAX_NESTING = 500;

/** More nodes than this once aliases are expanded is treated as an alias bomb. */
const MAX_EXPANDED_NODES = 2_000_000;

/** One node as js-yaml reported it. */
interface Frame {
  start: number;
  end: number;
  kind: string | null;
  tag: string | null;
  /** js-yaml's own value for the node (used to recognise aliases). */
  result: unknown;
  /**
   * Where the node's children start in {@link Builder.done} while it is open (they are the rest
   * of it when it closes): no array of children per node.
   */
  first: number;
  /** The children of a node that is not a mapping or a sequence (a wrapper js-yaml made). */
  children: Frame[] | null;
  /** Our value for the node, built when it closes (its children are built by then). */
  value: Value | undefined;
  /** Whether the node has an anchor (only anchored nodes can be met again through an alias). */
  anchored: boolean;
}

function isCollection(kind: string | null): boolean {
  return kind === 'mapping' || kind === 'sequence';
}

/** Entries gathered from merge keys, in order (a later entry overrides an earlier one). */
interface Entries {
  keys: string[];
  values: Value[];
  offsets: number[];
}

/**
 * The keys and offsets of the mapping being built, reused from one mapping to the next: every
 * mapping's children are built before it, so only one is ever being gathered.
 */
class KeyBuffer {
  /** The range of the mapping. */
  start = 0;
  end = 0;
  count = 0;
  readonly keys: string[] = [];
  readonly offsets: number[] = [];

  push(key: string, ks: number, ke: number, vs: number, ve: number): void {
    const n = this.count++;
    this.keys[n] = key;
    this.offsets[4 * n] = ks;
    this.offsets[4 * n + 1] = ke;
    this.offsets[4 * n + 2] = vs;
    this.offsets[4 * n + 3] = ve;
  }

  /** Gives an earlier key the offsets of its repetition; it keeps its place in the order. */
  replace(key: string, ks: number, ke: number, vs: number, ve: number): void {
    for (let j = 0; j < this.count; j++) {
      if (this.keys[j] !== key) continue;
      this.offsets[4 * j] = ks;
      this.offsets[4 * j + 1] = ke;
      this.offsets[4 * j + 2] = vs;
      this.offsets[4 * j + 3] = ve;
      return;
    }
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

class Builder {
  /** Closed nodes whose parent is still open, in order: an open node's children end it. */
  readonly done: Frame[] = [];
  /** js-yaml's objects → ours, so that aliases share our values. */
  private readonly built = new Map<object, Value>();
  /** Nodes each aliased value expands to (computed when an alias is met). */
  private readonly sizes = new Map<object, number>();
  private expanded = 0;
  private bombReported = false;
  private readonly keyBuffer = new KeyBuffer();
  /** The range and size of the sequence being recorded (reused). */
  private readonly span = { start: 0, end: 0, count: 0 };
  /** Where every mapping and sequence of the document is. */
  readonly table: PositionTable;

  constructor(
    private readonly doc: SourceDoc,
    private readonly reporter: Reporter,
  ) {
    // About one offset per four characters of a blueprint; the table grows if needed.
    this.table = new PositionTable(doc, doc.text.length >> 2);
  }

  private trimStart(pos: number, limit: number): number {
    const text = this.doc.text;
    let p = pos;
    for (;;) {
      while (p < limit && isSpace(text.charCodeAt(p))) p++;
      if (p < limit && text.charCodeAt(p) === 35 /* # */) {
        while (p < limit && text.charCodeAt(p) !== 10) p++;
        continue;
      }
      return p;
    }
  }

  private trimEnd(start: number, end: number): number {
    const text = this.doc.text;
    let e = Math.min(end, text.length);
    while (e > start && isSpace(text.charCodeAt(e - 1))) e--;
    return e;
  }

  /** Where the text of a node starts (past blanks and comments). */
  private startOf(frame: Frame): number {
    return this.trimStart(frame.start, frame.end);
  }

  /** Where the text of a node that starts at `start` ends (before trailing blanks). */
  private endOf(frame: Frame, start: number): number {
    return Math.max(start, this.trimEnd(start, frame.end));
  }

  private loc(frame: Frame): Loc {
    const start = this.startOf(frame);
    return { doc: this.doc, start, end: this.endOf(frame, start) };
  }

  /**
   * Takes a node js-yaml has just closed: builds its value from its children (the end of
   * {@link done}), which it replaces there for its parent. Returns the node (a wrapper js-yaml
   * made around another node gives way to that node).
   */
  close(frame: Frame): Frame {
    const done = this.done;
    const node = this.collapse(frame);
    if (node === frame) {
      if (isCollection(frame.kind)) {
        frame.value = this.remember(
          frame,
          frame.kind === 'mapping' ? this.buildMap(frame) : this.buildSeq(frame),
        );
      } else if (done.length > frame.first) {
        frame.children = done.slice(frame.first);
      }
    }
    this.valueOf(node);
    // Popped one by one: setting `length` is a far slower runtime call.
    while (done.length > frame.first) done.pop();
    done.push(node);
    return node;
  }

  /** Drops the wrapper frames js-yaml produces when it tries a node as a key and keeps it as a value. */
  private collapse(frame: Frame): Frame {
    let f = frame;
    // The children of `frame` are the end of `done`; those of the nodes below it are their own.
    let only = this.done.length === frame.first + 1 ? this.done[frame.first] : undefined;
    while (only !== undefined && !isCollection(f.kind)) {
      if (!sameNode(only, f)) break;
      only.start = Math.min(f.start, only.start);
      only.tag = f.tag ?? only.tag;
      only.anchored ||= f.anchored;
      f = only;
      only = f.children?.length === 1 ? f.children[0] : undefined;
    }
    while (only !== undefined && isCollection(f.kind)) {
      if (!sameNode(only, f) || only.kind !== f.kind) break;
      only.anchored ||= f.anchored;
      f = only;
      only = f.children?.length === 1 ? f.children[0] : undefined;
    }
    return f;
  }

  /** The value of a closed frame, built once (`undefined` until then; null is a value). */
  valueOf(frame: Frame): Value {
    if (frame.value === undefined) frame.value = this.build(frame);
    return frame.value;
  }

  private build(frame: Frame): Value {
    // Mappings and sequences are built when they close, from their children.
    if (isCollection(frame.kind)) return null;
    const result = frame.result;
    if (typeof result === 'object' && result !== null) {
      // An alias: js-yaml gives the anchored node's value, which we have already built.
      const mine = this.built.get(result);
      if (mine === undefined) return null;
      this.expanded += this.expandedSize(mine);
      if (this.expanded > MAX_EXPANDED_NODES) {
        if (!this.bombReported) {
          this.bombReported = true;
          this.reporter.report(
            'DSL_YAML_ALIAS_LIMIT',
            `Aliases expand this file to more than ${MAX_EXPANDED_NODES} nodes; refusing to load it.`,
            this.loc(frame),
          );
        }
        return null;
      }
      return mine;
    }
    return scalar(result);
  }

  /** How many nodes a value would be if every shared (aliased) part were copied out. */
  private expandedSize(value: Value): number {
    if (typeof value !== 'object' || value === null) return 1;
    const known = this.sizes.get(value);
    if (known !== undefined) return known;
    let size = 1;
    for (const item of Array.isArray(value) ? value : Object.values(value)) {
      size += this.expandedSize(item);
      if (size > MAX_EXPANDED_NODES) break;
    }
    this.sizes.set(value, size);
    return size;
  }

  private remember(frame: Frame, built: Value): Value {
    if (frame.anchored && typeof frame.result === 'object' && frame.result !== null) {
      this.built.set(frame.result, built);
    }
    return built;
  }

  private buildSeq(frame: Frame): Value {
    const children = this.done;
    const first = frame.first;
    const count = children.length - first;
    const items: Value[] = new Array<Value>(count);
    for (let i = 0; i < count; i++) items[i] = this.valueOf(children[first + i] as Frame);
    const span = this.span;
    span.start = this.startOf(frame);
    span.end = this.endOf(frame, span.start);
    span.count = count;
    const at = this.table.recordSeq(items, span);
    for (let i = 0; i < count; i++) {
      const child = children[first + i] as Frame;
      const s = this.trimStart(child.start, child.end);
      this.table.setItem(at, i, s, Math.max(s, this.trimEnd(s, child.end)));
    }
    return items;
  }

  private buildMap(frame: Frame): Value {
    // Every child is built (when it closed) before the buffer is in use.
    const children = this.done;
    const out = dict<Value>();
    const buffer = this.keyBuffer;
    buffer.count = 0;
    let merged: Entries | undefined;
    for (let i = frame.first; i + 1 < children.length; i += 2) {
      const keyFrame = children[i] as Frame;
      const valueFrame = children[i + 1] as Frame;
      const value = this.valueOf(valueFrame);
      if (keyFrame.tag === MERGE_TAG) {
        merged ??= { keys: [], values: [], offsets: [] };
        this.mergeInto(valueFrame, value, merged);
        continue;
      }
      const key = this.keyOf(keyFrame);
      if (key === undefined) continue;
      const ks = this.trimStart(keyFrame.start, keyFrame.end);
      const ke = Math.max(ks, this.trimEnd(ks, keyFrame.end));
      const vs = this.trimStart(valueFrame.start, valueFrame.end);
      const ve = Math.max(vs, this.trimEnd(vs, valueFrame.end));
      if (Object.hasOwn(out, key)) {
        this.reporter.report(
          'DSL_YAML_DUPLICATE_KEY',
          `The key '${key}' appears more than once in this mapping; the last value is used.`,
          { doc: this.doc, start: ks, end: ke },
        );
        // The last value wins but keeps the first position, as a Python dict does.
        out[key] = value;
        buffer.replace(key, ks, ke, vs, ve);
        continue;
      }
      out[key] = value;
      buffer.push(key, ks, ke, vs, ve);
    }
    buffer.start = this.startOf(frame);
    buffer.end = this.endOf(frame, buffer.start);
    if (merged === undefined) {
      this.table.recordMap(out, buffer);
      return out;
    }
    // Merged entries come first and explicit keys win over them (PyYAML's order).
    const all = dict<Value>();
    const entries = new KeyBuffer();
    const put = (key: string, value: Value, o: readonly number[], at: number): void => {
      const [ks, ke, vs, ve] = [o[at] ?? 0, o[at + 1] ?? 0, o[at + 2] ?? 0, o[at + 3] ?? 0];
      if (Object.hasOwn(all, key)) entries.replace(key, ks, ke, vs, ve);
      else entries.push(key, ks, ke, vs, ve);
      all[key] = value;
    };
    const m = merged;
    m.keys.forEach((k, i) => {
      put(k, m.values[i] ?? null, m.offsets, 4 * i);
    });
    for (let j = 0; j < buffer.count; j++) {
      const k = buffer.keys[j] as string;
      put(k, out[k] ?? null, buffer.offsets, 4 * j);
    }
    entries.start = buffer.start;
    entries.end = buffer.end;
    this.table.recordMap(all, entries);
    return all;
  }

  private mergeInto(valueFrame: Frame, value: Value, out: Entries): void {
    // `<<: *a` merges a mapping; `<<: [*a, *b]` merges several, earlier ones winning.
    const sources: Value[] = Array.isArray(value) ? [...value].reverse() : [value];
    for (const source of sources) {
      if (!isMap(source)) {
        this.reporter.report(
          'DSL_YAML_SYNTAX',
          'A merge key `<<` needs a mapping (usually an alias such as `*defaults`) or a list of them.',
          this.loc(valueFrame),
        );
        continue;
      }
      for (const key of Object.keys(source)) {
        out.keys.push(key);
        out.values.push(source[key] ?? null);
        out.offsets.push(...(keyOffsets(source, key) ?? [0, 0, 0, 0]));
      }
    }
  }

  private keyOf(frame: Frame): string | undefined {
    if (
      frame.kind === 'mapping' ||
      frame.kind === 'sequence' ||
      (typeof frame.result === 'object' && frame.result !== null)
    ) {
      this.reporter.report(
        'DSL_YAML_COMPLEX_KEY',
        'A mapping key is a list or a mapping; blueprint keys must be plain names.',
        this.loc(frame),
      );
      return undefined;
    }
    const v = frame.result;
    if (v === null || v === undefined) {
      this.reporter.report(
        'DSL_YAML_COMPLEX_KEY',
        'A mapping key is empty (null); keys must be names.',
        this.loc(frame),
      );
      return undefined;
    }
    if (typeof v === 'string') return v;
    // A key such as `80:` or `yes:`: keep what the user wrote.
    const s = this.startOf(frame);
    return (
      this.doc.text.slice(s, this.endOf(frame, s)).replace(/^['"]|['"]$/g, '') || JSON.stringify(v)
    );
  }
}

/** The first offset from `pos` (up to `limit`) that is neither white space nor a comment. */
function skipBlank(text: string, pos: number, limit: number): number {
  let p = pos;
  while (p < limit) {
    if (isSpace(text.charCodeAt(p))) p++;
    else if (text.charCodeAt(p) === 35 /* # */) {
      while (p < limit && text.charCodeAt(p) !== 10) p++;
    } else break;
  }
  return p;
}

function scalar(result: unknown): Value {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean')
    return result;
  return JSON.stringify(result) ?? null;
}

/**
 * Whether `outer` closed with the result of `inner` (js-yaml's, or ours once a closed mapping or
 * sequence hands js-yaml our value).
 */
function sameNode(inner: Frame, outer: Frame): boolean {
  return (
    inner.result === outer.result || (inner.value !== undefined && inner.value === outer.result)
  );
}

function newFrame(position: number, first: number): Frame {
  return {
    start: position,
    end: position,
    kind: null,
    tag: null,
    result: undefined,
    first,
    children: null,
    value: undefined,
    anchored: false,
  };
}

/**
 * Loads one YAML file into plain values. Returns `undefined` (and reports `DSL_YAML_SYNTAX`)
 * when the text is not YAML, `null` for an empty file.
 */
export function loadYaml(doc: SourceDoc, reporter: Reporter): Value | undefined {
  // Values are built as js-yaml closes each node, so the event frames of finished subtrees can
  // be dropped early instead of piling up until the end.
  const builder = new Builder(doc, reporter);
  const done = builder.done;
  /** The open nodes, under a root that holds the document. */
  const stack: Frame[] = [newFrame(0, 0)];
  try {
    const options: jsyaml.LoadOptions & { maxDepth: number } = {
      schema: PYYAML_SCHEMA,
      json: true,
      filename: doc.name,
      // Deep enough for any real blueprint (PyYAML has no limit of its own), shallow enough for
      // every recursive walk of the values to stay well within the stack.
      maxDepth: MAX_NESTING,
      listener(event, state) {
        const s = state as unknown as {
          position: number;
          kind: string | null;
          tag: string | null;
          anchor: string | null;
          result: unknown;
        };
        if (event === 'open') {
          stack.push(newFrame(s.position, done.length));
          return;
        }
        const frame = stack.pop();
        if (frame === undefined) return;
        frame.end = s.position;
        frame.kind = s.kind;
        frame.tag = s.tag;
        frame.result = s.result;
        frame.anchored = s.anchor !== null;
        const node = builder.close(frame);
        // From here on js-yaml holds our value instead of its own copy of a mapping or sequence
        // (which becomes garbage at once instead of living until the end of the load). Its
        // parent, a merge or a complex key sees the same shape and keys; aliases still find
        // js-yaml's anchored object, which maps to our value.
        if (isCollection(node.kind) && s.result === node.result) s.result = node.value;
      },
    };
    jsyaml.load(doc.text, options);
  } catch (error) {
    const e = error as { reason?: string; message?: string; mark?: { position?: number } };
    const reason = e.reason ?? e.message ?? String(error);
    let at = Math.min(e.mark?.position ?? 0, doc.text.length);
    const unknownTag = /unknown tag/.test(reason);
    // js-yaml marks these two errors after the node it has just read: point at the node instead
    // (the tagged node is still open; a bad merge source is the last child of the open mapping).
    const open = stack.length > 1 ? stack[stack.length - 1] : undefined;
    const lastChild =
      open !== undefined && done.length > open.first ? done[done.length - 1] : undefined;
    const node = unknownTag ? open : /cannot merge mappings/.test(reason) ? lastChild : undefined;
    if (node !== undefined) at = Math.min(skipBlank(doc.text, node.start, at), doc.text.length);
    reporter.report(
      unknownTag ? 'DSL_YAML_UNKNOWN_TAG' : 'DSL_YAML_SYNTAX',
      unknownTag
        ? `Not valid here: ${reason}; blueprints are read with a safe loader that knows only the standard YAML tags.`
        : /maxDepth/.test(reason)
          ? `Lists and mappings nest more than ${MAX_NESTING} levels deep here; Cairn reads at most ${MAX_NESTING}.`
          : `Not valid YAML: ${reason}.`,
      { doc, start: at, end: at },
    );
    return undefined;
  }
  const root = done[0];
  if (root === undefined) return null;
  const value = builder.valueOf(root);
  builder.table.trim();
  return value;
}
