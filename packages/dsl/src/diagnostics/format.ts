import type { Diagnostic } from './diagnostic.js';

/** Styling hooks for {@link formatDiagnostic}; identity functions print plain text. */
export interface FormatStyle {
  readonly error: (text: string) => string;
  readonly warning: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

/** Plain text, no colours. */
export const PLAIN_STYLE: FormatStyle = {
  error: (t) => t,
  warning: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
};

/** Options for {@link formatDiagnostic}. */
export interface FormatOptions {
  /** Source texts by file name (as in `Diagnostic.file`), for the code frame. */
  readonly sources?: Readonly<Record<string, string>>;
  /** Colours; plain by default. */
  readonly style?: FormatStyle;
  /** Lines of context above the problem line (default 2). */
  readonly contextLines?: number;
}

/**
 * Formats a diagnostic like a compiler does: `file:line:col  severity  CODE  message`, then a
 * code frame with the problem underlined when the source text is known.
 */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const style = options.style ?? PLAIN_STYLE;
  const where = d.file === '' ? '<blueprint>' : `${d.file}:${d.line}:${d.column}`;
  const sev = d.severity === 'error' ? style.error('error') : style.warning('warning');
  const head = `${style.bold(where)}  ${sev}  ${style.dim(d.code)}  ${d.message}`;
  const text = d.file === '' ? undefined : options.sources?.[d.file];
  if (text === undefined || d.line < 1) return head;
  return `${head}\n${codeFrame(text, d, { context: options.contextLines ?? 2, style })}`;
}

function codeFrame(
  text: string,
  d: Diagnostic,
  options: { readonly context: number; readonly style: FormatStyle },
): string {
  const { context, style } = options;
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, d.line - context);
  const last = Math.min(lines.length, d.line);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const content = (lines[n - 1] ?? '').replace(/\t/g, ' ');
    const marker = n === d.line ? '>' : ' ';
    out.push(`${marker} ${String(n).padStart(width)} | ${content}`);
  }
  const lineContent = lines[d.line - 1] ?? '';
  const endColumn = d.endLine === d.line ? d.endColumn : lineContent.length + 1;
  const span = Math.max(1, endColumn - d.column);
  const caret = `${' '.repeat(Math.max(0, d.column - 1))}${'^'.repeat(span)}`;
  const paint = d.severity === 'error' ? style.error : style.warning;
  out.push(`  ${' '.repeat(width)} | ${paint(caret)}`);
  return out.join('\n');
}

/** A one-line count such as `2 errors, 1 warning`. */
export function summarizeDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
