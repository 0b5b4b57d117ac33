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
import { keyOffsets, recordMap, recordSeq } from './locations.js';
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
  /** Child nodes in order (null until the first one: most nodes are scalars). */
  children: Frame[] | null;
  /** Our value for the node, built when it closes (its children are built by then). */
  value: Value;
  built: boolean;
  /** Whether the node has an anchor (only anchored nodes can be met again through an alias). */
  anchored: boolean;
}

/** Entries gathered from merge keys, in order (a later entry overrides an earlier one). */
interface Entries {
  keys: string[];
  values: Value[];
  offsets: number[];
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

class Builder {
  /** js-yaml's objects → ours, so that aliases share our values. */
  private readonly built = new Map<object, Value>();
  /** Nodes each aliased value expands to (computed when an alias is met). */
  private readonly sizes = new Map<object, number>();
  private expanded = 0;
  private bombReported = false;

  constructor(
    private readonly doc: SourceDoc,
    private readonly reporter: Reporter,
  ) {}

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

  private range(frame: Frame): [number, number] {
    const start = this.trimStart(frame.start, frame.end);
    return [start, Math.max(start, this.trimEnd(start, frame.end))];
  }

  private loc(frame: Frame): Loc {
    const [start, end] = this.range(frame);
    return { doc: this.doc, start, end };
  }

  /** The value of a frame, built once. */
  valueOf(frame: Frame): Value {
    if (!frame.built) {
      frame.value = this.build(frame);
      frame.built = true;
    }
    return frame.value;
  }

  private build(frame: Frame): Value {
    const kind = frame.kind;
    if (kind === 'mapping') return this.remember(frame, this.buildMap(frame));
    if (kind === 'sequence') return this.remember(frame, this.buildSeq(frame));
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
    const children = frame.children ?? [];
    const items: Value[] = new Array<Value>(children.length);
    const offsets: number[] = new Array<number>(children.length * 2);
    for (let i = 0; i < children.length; i++) {
      const child = children[i] as Frame;
      items[i] = this.valueOf(child);
      const s = this.trimStart(child.start, child.end);
      offsets[2 * i] = s;
      offsets[2 * i + 1] = Math.max(s, this.trimEnd(s, child.end));
    }
    const [s, e] = this.range(frame);
    recordSeq(items, this.doc, { start: s, end: e, offsets });
    return items;
  }

  private buildMap(frame: Frame): Value {
    const out = dict<Value>();
    const keys: string[] = [];
    const offsets: number[] = [];
    const children = frame.children ?? [];
    let merged: Entries | undefined;
    for (let i = 0; i + 1 < children.length; i += 2) {
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
        offsets.splice(4 * keys.indexOf(key), 4, ks, ke, vs, ve);
        continue;
      }
      out[key] = value;
      keys.push(key);
      offsets.push(ks, ke, vs, ve);
    }
    const [s, e] = this.range(frame);
    if (merged === undefined) {
      recordMap(out, this.doc, { start: s, end: e, keys, offsets });
      return out;
    }
    // Merged entries come first and explicit keys win over them (PyYAML's order).
    const all = dict<Value>();
    const allKeys: string[] = [];
    const allOffsets: number[] = [];
    const put = (key: string, value: Value, o: readonly number[], at: number): void => {
      const existing = Object.hasOwn(all, key) ? allKeys.indexOf(key) : -1;
      all[key] = value;
      const four = [o[at] ?? 0, o[at + 1] ?? 0, o[at + 2] ?? 0, o[at + 3] ?? 0];
      if (existing >= 0) {
        allOffsets.splice(4 * existing, 4, ...four);
        return;
      }
      allKeys.push(key);
      allOffsets.push(...four);
    };
    const m = merged;
    m.keys.forEach((k, i) => {
      put(k, m.values[i] ?? null, m.offsets, 4 * i);
    });
    keys.forEach((k, i) => {
      put(k, out[k] ?? null, offsets, 4 * i);
    });
    recordMap(all, this.doc, { start: s, end: e, keys: allKeys, offsets: allOffsets });
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
    const [s, e] = this.range(frame);
    return this.doc.text.slice(s, e).replace(/^['"]|['"]$/g, '') || JSON.stringify(v);
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

/** Drops the wrapper frames js-yaml produces when it tries a node as a key and keeps it as a value. */
function collapse(frame: Frame): Frame {
  let f = frame;
  while (f.children?.length === 1 && f.kind !== 'sequence' && f.kind !== 'mapping') {
    const only = f.children[0] as Frame;
    if (only.result !== f.result) break;
    only.start = Math.min(f.start, only.start);
    only.tag = f.tag ?? only.tag;
    only.anchored ||= f.anchored;
    f = only;
  }
  while (f.children?.length === 1 && (f.kind === 'mapping' || f.kind === 'sequence')) {
    const only = f.children[0] as Frame;
    if (only.result !== f.result || only.kind !== f.kind) break;
    only.anchored ||= f.anchored;
    f = only;
  }
  return f;
}

/**
 * Loads one YAML file into plain values. Returns `undefined` (and reports `DSL_YAML_SYNTAX`)
 * when the text is not YAML, `null` for an empty file.
 */
export function loadYaml(doc: SourceDoc, reporter: Reporter): Value | undefined {
  const stack: Frame[] = [
    {
      start: 0,
      end: 0,
      kind: null,
      tag: null,
      result: undefined,
      children: [],
      value: null,
      built: false,
      anchored: false,
    },
  ];
  // Values are built as js-yaml closes each node, so the event frames of finished subtrees can
  // be dropped early instead of piling up until the end.
  const builder = new Builder(doc, reporter);
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
          stack.push({
            start: s.position,
            end: s.position,
            kind: null,
            tag: null,
            result: undefined,
            children: null,
            value: null,
            built: false,
            anchored: false,
          });
          return;
        }
        const frame = stack.pop();
        if (frame === undefined) return;
        frame.end = s.position;
        frame.kind = s.kind;
        frame.tag = s.tag;
        frame.result = s.result;
        frame.anchored = s.anchor !== null;
        const node = collapse(frame);
        builder.valueOf(node);
        if (node.kind === 'mapping' || node.kind === 'sequence') node.children = null;
        const parent = stack[stack.length - 1];
        if (parent !== undefined) (parent.children ??= []).push(node);
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
    const node = unknownTag
      ? open
      : /cannot merge mappings/.test(reason)
        ? open?.children?.[open.children.length - 1]
        : undefined;
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
  const root = stack[0]?.children?.[0];
  if (root === undefined) return null;
  return builder.valueOf(root);
}
