/**
 * How manager-mode commands print: aligned tables, JSON, and the blueprint diagnostics a
 * manager answers with, shown as local mode shows them (with a code frame when the file is on
 * this machine).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '@cairn/dsl';
import { isCairnError } from '@cairn/errors';
import type { Output } from '../output.js';

/** Prints `value` as indented JSON on stdout. */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** `1 thing`, `2 things`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Rows under a bold header, each column as wide as its widest cell. */
export function printTable(
  output: Output,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  output.out(output.style.bold(line(headers)));
  for (const row of rows) output.out(line(row));
}

/** How a list command shows its items. */
export interface Listing<T> {
  /** What to say when there is nothing to list. */
  readonly none: string;
  readonly headers: readonly string[];
  /** An item's cells, in the order of `headers`. */
  readonly row: (item: T) => readonly string[];
  /** What `--json` prints of an item (default: all of it). */
  readonly json?: (item: T) => unknown;
}

/**
 * A list command's answer: the items as JSON with `--json`, else a table (with a TENANT column
 * after the first when the list is over every tenant, where one id may stand in several), else
 * `listing.none` on stderr.
 */
export function printListing<T extends { readonly tenant_name?: string }>(
  output: Output,
  options: { readonly json?: boolean; readonly allTenants?: boolean },
  items: readonly T[],
  listing: Listing<T>,
): void {
  if (options.json === true) {
    const json = listing.json;
    printJson(output, json === undefined ? items : items.map((item) => json(item)));
    return;
  }
  if (items.length === 0) {
    output.err(listing.none);
    return;
  }
  if (options.allTenants !== true) {
    printTable(output, listing.headers, items.map(listing.row));
    return;
  }
  const [first = '', ...rest] = listing.headers;
  printTable(
    output,
    [first, 'TENANT', ...rest],
    items.map((item) => {
      const [id = '', ...others] = listing.row(item);
      return [id, item.tenant_name ?? '', ...others];
    }),
  );
}

/** Field/value lines, the field names bold and aligned. */
export function printFields(output: Output, fields: readonly (readonly [string, unknown])[]): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  for (const [k, v] of fields) {
    const text =
      v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v);
    output.out(`${output.style.bold(k.padEnd(width))}${text}`);
  }
}

/** A diagnostic as JSON carries it; the end of its range may be missing. */
type WireDiagnostic = Omit<Diagnostic, 'endLine' | 'endColumn'> &
  Partial<Pick<Diagnostic, 'endLine' | 'endColumn'>>;

function isDiagnostic(value: unknown): value is WireDiagnostic {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d.code === 'string' &&
    (d.severity === 'error' || d.severity === 'warning') &&
    typeof d.message === 'string' &&
    typeof d.file === 'string' &&
    typeof d.line === 'number' &&
    typeof d.column === 'number'
  );
}

/** The blueprint diagnostics an error from the manager carries, if any. */
export function diagnosticsOf(error: unknown): Diagnostic[] | undefined {
  if (!isCairnError(error)) return undefined;
  const list: unknown = error.details?.diagnostics;
  if (!Array.isArray(list)) return undefined;
  return list.filter(isDiagnostic).map((d) => ({
    ...d,
    endLine: d.endLine ?? d.line,
    endColumn: d.endColumn ?? d.column + 1,
  }));
}

/**
 * Prints diagnostics as local mode does. With `localRoot` (the folder that was uploaded), a
 * file the manager names relative to the archive is shown as the path on this machine, with a
 * code frame from it.
 */
export function printDiagnostics(
  output: Output,
  diagnostics: readonly Diagnostic[],
  localRoot?: string,
): void {
  const sources: Record<string, string> = {};
  for (const diagnostic of diagnostics) {
    let d = diagnostic;
    const local =
      localRoot === undefined || d.file === '' || isAbsolute(d.file) || /^[a-z]+:/i.test(d.file)
        ? undefined
        : join(localRoot, d.file);
    if (local !== undefined && existsSync(local) && statSync(local).isFile()) {
      // Relative to the working folder when inside it, as local mode shows files.
      const rel = relative(process.cwd(), local);
      const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? local : rel;
      sources[shown] ??= readFileSync(local, 'utf8');
      d = { ...d, file: shown };
    }
    output.err(formatDiagnostic(d, { sources, style: output.style }));
    output.err('');
  }
}
