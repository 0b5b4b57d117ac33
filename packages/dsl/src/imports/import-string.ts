/**
 * What an import string means: the namespace prefix, the kind of import, the plugin query.
 * Pure string work, shared by every import host.
 */

/** The namespace delimiter of the DSL (`ns--file.yaml`, `ns--node`). */
export const NAMESPACE_DELIMITER = '--';

/** The kinds of import a blueprint can write. */
export type ImportKind = 'builtin-types' | 'plugin' | 'blueprint' | 'url' | 'relative';

/** An import string taken apart. */
export interface ParsedImport {
  /** The namespace written in front of this import (not combined with the parent's). */
  readonly namespace: string | undefined;
  /** The import without its namespace. */
  readonly target: string;
  readonly kind: ImportKind;
}

const BUILTIN_TYPES_URL =
  /^https?:\/\/(?:www\.)?(?:getcloudify\.org|cloudify\.co)\/spec\/cloudify\/[^/]+\/types\.yaml$/;

/** True for the import strings that mean Cloudify's built-in types (any version). */
export function isBuiltinTypesImport(target: string): boolean {
  return target === 'cloudify/types/types.yaml' || BUILTIN_TYPES_URL.test(target);
}

/** True when a string has a URL scheme such as `https:` or `file:`. */
export function hasScheme(target: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target) || target.startsWith('file:');
}

/** Splits `ns--target` (on the last delimiter, as Cloudify does) and classifies the target. */
export function parseImportString(raw: string): ParsedImport {
  const at = raw.lastIndexOf(NAMESPACE_DELIMITER);
  const namespace = at >= 0 ? raw.slice(0, at) : undefined;
  const target = at >= 0 ? raw.slice(at + NAMESPACE_DELIMITER.length) : raw;
  let kind: ImportKind;
  if (isBuiltinTypesImport(target)) kind = 'builtin-types';
  else if (target.startsWith('plugin:')) kind = 'plugin';
  else if (target.startsWith('blueprint:')) kind = 'blueprint';
  else if (hasScheme(target)) kind = 'url';
  else kind = 'relative';
  return { namespace, target, kind };
}

/** A `plugin:` import taken apart. */
export interface PluginImportSpec {
  readonly name: string;
  /** A PEP 440 specifier set, trimmed (a bare version means `==`). */
  readonly version: string | undefined;
  readonly distribution: string | undefined;
}

/** Parses `plugin:NAME[?version=SPEC&distribution=D]`; returns an error sentence on failure. */
export function parsePluginImport(target: string): PluginImportSpec | string {
  const body = target.slice('plugin:'.length);
  const q = body.indexOf('?');
  const name = (q < 0 ? body : body.slice(0, q)).trim();
  if (name === '') return `The plugin import '${target}' names no plugin.`;
  let version: string | undefined;
  let distribution: string | undefined;
  if (q >= 0) {
    for (const part of body.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim();
      const value = eq < 0 ? '' : decodeQueryValue(part.slice(eq + 1)).trim();
      if (key === 'version') version = value;
      else if (key === 'distribution') distribution = value;
      else {
        return `The plugin import '${target}' has the query key '${key}'; only 'version' and 'distribution' are accepted.`;
      }
      if (value === '') return `The plugin import '${target}' gives '${key}' no value.`;
    }
  }
  return { name, version, distribution };
}

function decodeQueryValue(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** One import resolver rule: a URL prefix and what to put in its place (Cloudify's `rules`). */
export interface ImportRule {
  readonly prefix: string;
  readonly replacement: string;
}

/**
 * The locations to try for a URL, in order: each rule whose prefix matches (in rule order),
 * then the URL itself.
 */
export function applyImportRules(url: string, rules: readonly ImportRule[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    if (rule.prefix !== '' && url.startsWith(rule.prefix)) {
      out.push(rule.replacement + url.slice(rule.prefix.length));
    }
  }
  out.push(url);
  return [...new Set(out)];
}

/**
 * The file names to try for a relative import, as Cloudify does: first the DSL-versioned name
 * (`types_1_5.yaml`), then the name as written.
 */
export function versionedCandidates(relative: string, shortVersion: string): string[] {
  const slash = relative.lastIndexOf('/');
  const dot = relative.lastIndexOf('.');
  if (dot <= slash + 0 || dot < 0) return [`${relative}_${shortVersion}`, relative];
  return [`${relative.slice(0, dot)}_${shortVersion}${relative.slice(dot)}`, relative];
}

/** `parent--child`, or whichever of the two is set. */
export function combineNamespaces(
  parent: string | undefined,
  child: string | undefined,
): string | undefined {
  if (parent !== undefined && child !== undefined) return `${parent}${NAMESPACE_DELIMITER}${child}`;
  return parent ?? child;
}
