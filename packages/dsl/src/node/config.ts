/**
 * Cairn's configuration file and import rules given on the command line. The file may use
 * Cloudify's own shape for resolver rules, so an existing `config.yaml` keeps working:
 *
 * ```yaml
 * import_resolver:
 *   parameters:
 *     rules:
 *       - {'http://www.getcloudify.org/spec/': 'file:///opt/spec/'}
 * ```
 * (`import_resolver.rules` directly is accepted too.)
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ImportRule } from '../imports/import-string.js';
import { readYaml } from '../source/read-yaml.js';
import { hasScheme } from '../imports/import-string.js';

/** What a configuration file holds. */
export interface CairnConfig {
  readonly importRules: ImportRule[];
  readonly pluginsDir: string | undefined;
}

/**
 * Makes a rule's replacement a URL: a local path (relative to `baseDir`) becomes a `file:` URL,
 * keeping a trailing slash so that prefix replacement joins paths correctly.
 */
export function normalizeRule(prefix: string, replacement: string, baseDir: string): ImportRule {
  if (hasScheme(replacement)) return { prefix, replacement };
  const trailing = replacement.endsWith('/') || prefix.endsWith('/');
  let url = pathToFileURL(resolve(baseDir, replacement)).href;
  if (trailing && !url.endsWith('/')) url += '/';
  return { prefix, replacement: url };
}

/** Parses `PREFIX=REPLACEMENT` (the first `=` that is followed by neither `=` nor a space). */
export function parseRuleArgument(text: string, baseDir: string): ImportRule | string {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1)
    return `An import rule must look like PREFIX=REPLACEMENT, not '${text}'.`;
  return normalizeRule(text.slice(0, at), text.slice(at + 1), baseDir);
}

/** Reads a configuration file; returns an error sentence when it is malformed. */
export async function loadConfig(path: string): Promise<CairnConfig | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return `Cannot read the configuration file '${path}': ${(error as { code?: string }).code ?? String(error)}.`;
  }
  const read = readYaml(text, path);
  const problem = read.diagnostics.find((d) => d.severity === 'error');
  if (problem !== undefined) {
    return `The configuration file '${path}' is not valid YAML (line ${problem.line}): ${problem.message}`;
  }
  const data: unknown = read.value;
  const base = dirname(resolve(path));
  const out: CairnConfig = { importRules: [], pluginsDir: undefined };
  if (data === null || data === undefined) return out;
  if (typeof data !== 'object' || Array.isArray(data))
    return `The configuration file '${path}' must be a mapping.`;
  const record = data as Record<string, unknown>;
  const resolver = record.import_resolver as Record<string, unknown> | undefined;
  const params = (resolver?.parameters as Record<string, unknown> | undefined) ?? resolver;
  const rules = params?.rules;
  if (rules !== undefined) {
    if (!Array.isArray(rules))
      return `'import_resolver.rules' in '${path}' must be a list of {prefix: replacement} mappings.`;
    for (const rule of rules) {
      if (
        typeof rule !== 'object' ||
        rule === null ||
        Array.isArray(rule) ||
        Object.keys(rule as object).length !== 1
      ) {
        return `Each import rule in '${path}' must be a one-key mapping {prefix: replacement}.`;
      }
      const [prefix, replacement] = Object.entries(rule as Record<string, unknown>)[0] as [
        string,
        unknown,
      ];
      if (typeof replacement !== 'string')
        return `The replacement of import rule '${prefix}' in '${path}' must be a string.`;
      out.importRules.push(normalizeRule(prefix, replacement, base));
    }
  }
  if (typeof record.plugins_dir === 'string')
    return { ...out, pluginsDir: resolve(base, record.plugins_dir) };
  return out;
}
