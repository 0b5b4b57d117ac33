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
import { recordMap, recordSeq } from './locations.js';
import type { Loc, SourceDoc } from './source-doc.js';
import { MERGE_TAG, PYYAML_SCHEMA } from './yaml-schema.js';
import { dict, isMap, type Value, type ValueMap } from '../util/value.js';

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
  children: Frame[];
}

interface Built {
  value: Value;
  /** Nodes in the fully expanded value. */
  size: number;
}

type Range4 = readonly [number, number, number, number];

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

class Builder {
  /** js-yaml's objects → ours, so that aliases share our values. */
  private readonly built = new Map<object, Built>();
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

  build(frame: Frame): Built {
    const kind = frame.kind;
    if (kind === 'mapping') return this.remember(frame, this.buildMap(frame));
    if (kind === 'sequence') return this.remember(frame, this.buildSeq(frame));
    const result = frame.result;
    if (typeof result === 'object' && result !== null) {
      // An alias: js-yaml gives the anchored node's value, which we have already built.
      const mine = this.built.get(result);
      if (mine === undefined) return { value: null, size: 1 };
      this.expanded += mine.size;
      if (this.expanded > MAX_EXPANDED_NODES) {
        if (!this.bombReported) {
          this.bombReported = true;
          this.reporter.report(
            'DSL_YAML_ALIAS_LIMIT',
            `Aliases expand this file to more than ${MAX_EXPANDED_NODES} nodes; refusing to load it.`,
            this.loc(frame),
          );
        }
        return { value: null, size: 1 };
      }
      return mine;
    }
    return { value: scalar(result), size: 1 };
  }

  private remember(frame: Frame, built: Built): Built {
    if (typeof frame.result === 'object' && frame.result !== null)
      this.built.set(frame.result, built);
    return built;
  }

  private buildSeq(frame: Frame): Built {
    const items: Value[] = [];
    const locs: number[] = [];
    let size = 1;
    for (const child of frame.children) {
      const b = this.build(child);
      items.push(b.value);
      size += b.size;
      const [s, e] = this.range(child);
      locs.push(s, e);
    }
    const [s, e] = this.range(frame);
    recordSeq(items, this.doc, [s, e], locs);
    return { value: items, size };
  }

  private buildMap(frame: Frame): Built {
    const merged: [string, Value, Range4][] = [];
    const explicit: [string, Value, Range4][] = [];
    const seen = new Set<string>();
    let size = 1;
    const children = frame.children;
    for (let i = 0; i + 1 < children.length; i += 2) {
      const keyFrame = children[i] as Frame;
      const valueFrame = children[i + 1] as Frame;
      const value = this.build(valueFrame);
      size += value.size;
      if (keyFrame.tag === MERGE_TAG) {
        this.mergeInto(valueFrame, value.value, merged);
        continue;
      }
      const key = this.keyOf(keyFrame);
      if (key === undefined) continue;
      const [ks, ke] = this.range(keyFrame);
      const [vs, ve] = this.range(valueFrame);
      if (seen.has(key)) {
        this.reporter.report(
          'DSL_YAML_DUPLICATE_KEY',
          `The key '${key}' appears more than once in this mapping; the last value is used.`,
          { doc: this.doc, start: ks, end: ke },
        );
      }
      seen.add(key);
      explicit.push([key, value.value, [ks, ke, vs, Math.max(vs, ve)]]);
    }
    const out = dict<Value>();
    const ranges = new Map<string, Range4>();
    for (const [key, value, range] of merged.length > 0 ? [...merged, ...explicit] : explicit) {
      // Assignment keeps the first position and the last value, as a Python dict does.
      out[key] = value;
      ranges.set(key, range);
    }
    const [s, e] = this.range(frame);
    recordMap(out, this.doc, [s, e], ranges);
    this.mapRanges.set(out, ranges);
    return { value: out, size };
  }

  private readonly mapRanges = new WeakMap<ValueMap, Map<string, Range4>>();

  private mergeInto(valueFrame: Frame, value: Value, out: [string, Value, Range4][]): void {
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
      const ranges = this.mapRanges.get(source);
      for (const key of Object.keys(source)) {
        out.push([key, source[key] as Value, ranges?.get(key) ?? [0, 0, 0, 0]]);
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
  while (f.children.length === 1 && f.kind !== 'sequence' && f.kind !== 'mapping') {
    const only = f.children[0] as Frame;
    if (only.result !== f.result) break;
    f = { ...only, start: Math.min(f.start, only.start), tag: f.tag ?? only.tag };
  }
  while (f.children.length === 1 && (f.kind === 'mapping' || f.kind === 'sequence')) {
    const only = f.children[0] as Frame;
    if (only.result !== f.result || only.kind !== f.kind) break;
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
    { start: 0, end: 0, kind: null, tag: null, result: undefined, children: [] },
  ];
  try {
    jsyaml.load(doc.text, {
      schema: PYYAML_SCHEMA,
      json: true,
      filename: doc.name,
      listener(event, state) {
        const s = state as unknown as {
          position: number;
          kind: string | null;
          tag: string | null;
          result: unknown;
        };
        if (event === 'open') {
          stack.push({
            start: s.position,
            end: s.position,
            kind: null,
            tag: null,
            result: undefined,
            children: [],
          });
          return;
        }
        const frame = stack.pop();
        if (frame === undefined) return;
        frame.end = s.position;
        frame.kind = s.kind;
        frame.tag = s.tag;
        frame.result = s.result;
        stack[stack.length - 1]?.children.push(collapse(frame));
      },
    });
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
        ? open?.children[open.children.length - 1]
        : undefined;
    if (node !== undefined) at = Math.min(skipBlank(doc.text, node.start, at), doc.text.length);
    reporter.report(
      unknownTag ? 'DSL_YAML_UNKNOWN_TAG' : 'DSL_YAML_SYNTAX',
      unknownTag
        ? `Not valid here: ${reason}; blueprints are read with a safe loader that knows only the standard YAML tags.`
        : `Not valid YAML: ${reason}.`,
      { doc, start: at, end: at },
    );
    return undefined;
  }
  const root = stack[0]?.children[0];
  if (root === undefined) return null;
  return new Builder(doc, reporter).build(root).value;
}
