/**
 * Test helpers: parse blueprints given as in-memory files or as files on disk.
 */
import {
  createMemoryHost,
  parseBlueprint,
  type Diagnostic,
  type ImportRule,
  type ParseResult,
} from '@cairn/dsl';

/** The built-in types import most test blueprints start with. */
export const TYPES = 'cloudify/types/types.yaml';

/**
 * Parses in-memory files; the first key is the main blueprint. Paths are relative (`bp.yaml`,
 * `lib/types.yaml`) and live under `file:///bp/`.
 */
export async function parseFiles(
  files: Record<string, string>,
  options: {
    plugins?: Record<string, { path: string; version?: string }>;
    blueprints?: Record<string, string>;
    importRules?: ImportRule[];
  } = {},
): Promise<ParseResult> {
  const base = 'file:///bp/';
  const urls = Object.fromEntries(
    Object.entries(files).map(([k, v]) => [new URL(k, base).href, v]),
  );
  const plugins = Object.fromEntries(
    Object.entries(options.plugins ?? {}).map(([name, p]) => [
      name,
      p.version === undefined
        ? { url: new URL(p.path, base).href }
        : { url: new URL(p.path, base).href, version: p.version },
    ]),
  );
  const blueprints = Object.fromEntries(
    Object.entries(options.blueprints ?? {}).map(([id, p]) => [id, new URL(p, base).href]),
  );
  const host = createMemoryHost(urls, { plugins, blueprints });
  const main = Object.keys(files)[0];
  if (main === undefined) throw new Error('parseFiles needs at least one file');
  return parseBlueprint(
    new URL(main, base).href,
    options.importRules === undefined ? { host } : { host, importRules: options.importRules },
  );
}

/** Parses one blueprint text (prefixed with `tosca_definitions_version` and the built-in types import unless `raw`). */
export async function parseText(text: string, raw = false): Promise<ParseResult> {
  const body = raw
    ? text
    : `tosca_definitions_version: cloudify_dsl_1_5\nimports:\n  - ${TYPES}\n${text}`;
  return parseFiles({ 'blueprint.yaml': body });
}

/** `CODE line:column` for each error (and warning when asked), for compact assertions. */
export function brief(diagnostics: readonly Diagnostic[], withWarnings = false): string[] {
  return diagnostics
    .filter((d) => withWarnings || d.severity === 'error')
    .map((d) => `${d.code} ${d.line}:${d.column}`);
}

/** The codes of the error diagnostics. */
export function errorCodes(result: ParseResult): string[] {
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}
