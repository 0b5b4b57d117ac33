import { DIAGNOSTIC_CODES, type DiagnosticCode, type Severity } from './codes.js';
import { lineColumnAt, type Loc, type SourceDoc } from '../source/source-doc.js';

/** One problem found in a blueprint, with where it is. Plain JSON data. */
export interface Diagnostic {
  /** The stable code, e.g. `DSL_UNKNOWN_TYPE`. */
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** A sentence for humans; never contains secret values. */
  readonly message: string;
  /** The file as shown to users (a relative path or a URL); empty when no file is involved. */
  readonly file: string;
  /** 1-based line of the start of the problem (0 when there is no file). */
  readonly line: number;
  /** 1-based column of the start of the problem (0 when there is no file). */
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** A place in a file, already as lines and columns (1-based). */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

interface Pending {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  loc: Loc | undefined;
  position: SourcePosition | undefined;
}

/**
 * Collects diagnostics while a blueprint is processed. Parsing code reports problems here and
 * carries on: independent mistakes are all reported in one run.
 */
export class Reporter {
  private readonly pending: Pending[] = [];
  private readonly seen = new Set<string>();
  private errorCount = 0;
  private context: SourcePosition | undefined;

  /**
   * Runs `work` with `position` as the place of every problem it reports without a location of
   * its own (checks over plain plan data know which input or node they are in, not the offsets).
   */
  within<T>(position: SourcePosition | undefined, work: () => T): T {
    if (position === undefined) return work();
    const previous = this.context;
    this.context = position;
    try {
      return work();
    } finally {
      this.context = previous;
    }
  }

  /** Reports a problem with its registered severity. */
  report(code: DiagnosticCode, message: string, loc: Loc | undefined): void {
    this.add(code, DIAGNOSTIC_CODES[code].severity, message, loc);
  }

  /** Reports a problem with an explicit severity (e.g. a usually-fatal code downgraded). */
  add(code: DiagnosticCode, severity: Severity, message: string, loc: Loc | undefined): void {
    const key = `${code}\u0000${message}\u0000${loc?.doc.url ?? this.context?.file ?? ''}\u0000${loc?.start ?? this.context?.line ?? -1}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (severity === 'error') this.errorCount++;
    this.pending.push({
      code,
      severity,
      message,
      loc,
      position: loc === undefined ? this.context : undefined,
    });
  }

  /** True when at least one error has been reported. */
  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Number of diagnostics (of any severity) reported so far. */
  get count(): number {
    return this.pending.length;
  }

  /** Number of errors reported so far. */
  get errors(): number {
    return this.errorCount;
  }

  /** The diagnostics, sorted by file and position, with lines and columns computed. */
  finish(): Diagnostic[] {
    const out = this.pending.map((p) => toDiagnostic(p));
    out.sort(
      (a, b) =>
        (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
        a.line - b.line ||
        a.column - b.column ||
        (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
    );
    return out;
  }
}

function toDiagnostic(p: Pending): Diagnostic {
  if (p.loc === undefined && p.position !== undefined) {
    return { code: p.code, severity: p.severity, message: p.message, ...p.position };
  }
  if (p.loc === undefined) {
    return {
      code: p.code,
      severity: p.severity,
      message: p.message,
      file: '',
      line: 0,
      column: 0,
      endLine: 0,
      endColumn: 0,
    };
  }
  const start = lineColumnAt(p.loc.doc, p.loc.start);
  const end = lineColumnAt(p.loc.doc, Math.max(p.loc.start, p.loc.end));
  return {
    code: p.code,
    severity: p.severity,
    message: p.message,
    file: p.loc.doc.name,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
  };
}

/** A location covering the start of a document (for file-level problems). */
export function docStart(doc: SourceDoc): Loc {
  return { doc, start: 0, end: 0 };
}
