/**
 * A source file as the parser saw it. Positions inside it are kept as offsets; line and column
 * are computed only when a diagnostic is finalised or printed.
 */
export interface SourceDoc {
  /** Canonical location, used to deduplicate imports (`file:///…`, `https://…`, `cairn:…`). */
  readonly url: string;
  /** What users see in diagnostics: a path relative to the working directory, or the URL. */
  readonly name: string;
  /** The full text. */
  readonly text: string;
}

/** A range inside one source file. */
export interface Loc {
  readonly doc: SourceDoc;
  readonly start: number;
  readonly end: number;
}

/** A 1-based line and column. */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

// Offsets where each line starts, off the garbage-collected heap (a large blueprint has hundreds
// of thousands of lines).
const lineIndexes = new WeakMap<SourceDoc, Int32Array>();

function lineStarts(doc: SourceDoc): Int32Array {
  let starts = lineIndexes.get(doc);
  if (starts === undefined) {
    const text = doc.text;
    let count = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
    starts = new Int32Array(count);
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[line++] = i + 1;
    lineIndexes.set(doc, starts);
  }
  return starts;
}

/** The 1-based line and column of an offset in a document. */
export function lineColumnAt(doc: SourceDoc, offset: number): LineColumn {
  const starts = lineStarts(doc);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

/** The text of one 1-based line, without its line break. */
export function lineText(doc: SourceDoc, line: number): string {
  const starts = lineStarts(doc);
  const start = starts[line - 1];
  if (start === undefined) return '';
  const next = starts[line];
  const end = next === undefined ? doc.text.length : next - 1;
  return doc.text.slice(start, end).replace(/\r$/, '');
}

/** How many lines the document has. */
export function lineCount(doc: SourceDoc): number {
  return lineStarts(doc).length;
}
