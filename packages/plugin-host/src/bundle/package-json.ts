/**
 * What packing reads from a package.json: identity, the entry module, the Cairn API range,
 * the concurrency declaration, the `files` list and the production dependencies.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import semver from 'semver';
import { BundleError } from './errors.js';

/** The Cairn plugin API range a package gets when its package.json does not say. */
export const DEFAULT_CAIRN_API_RANGE = '^0.1.0';

/** A package.json, as far as packing cares. */
export interface PackageJson {
  /** The file it was read from. */
  readonly file: string;
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly description: string;
  /** The `files` field, when present: paths of files or folders. */
  readonly files: readonly string[] | undefined;
  /** `dependencies` and `optionalDependencies` names, the optional ones flagged. */
  readonly dependencies: ReadonlyMap<string, { readonly optional: boolean }>;
  /** The raw object, for the plugin-only fields read by {@link pluginFields}. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Reads `dir/package.json`; throws `package-invalid` when it is missing or not a JSON object. */
export async function readPackageJson(dir: string): Promise<PackageJson> {
  const file = join(dir, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BundleError('package-invalid', `${file} cannot be read: ${String(error)}`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BundleError(
      'package-invalid',
      `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BundleError('package-invalid', `${file} is not a JSON object`);
  }
  const pkg = raw as Record<string, unknown>;
  const dependencies = new Map<string, { optional: boolean }>();
  for (const [field, optional] of [
    ['dependencies', false],
    ['optionalDependencies', true],
  ] as const) {
    const deps = pkg[field];
    if (typeof deps === 'object' && deps !== null) {
      for (const name of Object.keys(deps)) {
        // npm copies optional dependencies into `dependencies` too; optional wins.
        dependencies.set(name, { optional: optional || dependencies.get(name)?.optional === true });
      }
    }
  }
  const files = pkg.files;
  if (files !== undefined && (!Array.isArray(files) || files.some((f) => typeof f !== 'string'))) {
    throw new BundleError('package-invalid', `${file}: "files" must be an array of strings`);
  }
  return {
    file,
    name: typeof pkg.name === 'string' && pkg.name !== '' ? pkg.name : undefined,
    version: typeof pkg.version === 'string' && pkg.version !== '' ? pkg.version : undefined,
    description: typeof pkg.description === 'string' ? pkg.description : '',
    files: files as string[] | undefined,
    dependencies,
    raw: pkg,
  };
}

/** The plugin-specific facts of the plugin's own package.json. */
export interface PluginFields {
  readonly name: string;
  readonly version: string;
  /** The entry module, relative to the package root, POSIX, without `./`. */
  readonly entry: string;
  readonly cairnApi: string;
  readonly concurrentOperations: number | undefined;
}

/** Reads and checks the plugin's identity, entry, API range and concurrency. */
export function pluginFields(pkg: PackageJson): PluginFields {
  const fail = (what: string): never => {
    throw new BundleError('package-invalid', `${pkg.file}: ${what}`);
  };
  if (pkg.name === undefined) return fail('"name" is missing; a plugin package needs one');
  if (pkg.version === undefined) return fail('"version" is missing; a plugin package needs one');
  if (semver.valid(pkg.version) === null) fail(`"version" is not semver: "${pkg.version}"`);
  const cairn = pkg.raw.cairn;
  const cairnObject =
    typeof cairn === 'object' && cairn !== null ? (cairn as Record<string, unknown>) : {};
  const api = cairnObject.api ?? DEFAULT_CAIRN_API_RANGE;
  if (typeof api !== 'string' || semver.validRange(api) === null) {
    fail(`"cairn.api" must be a semver range, not ${JSON.stringify(api)}`);
  }
  const concurrent = cairnObject.concurrentOperations;
  if (
    concurrent !== undefined &&
    (typeof concurrent !== 'number' || !Number.isSafeInteger(concurrent) || concurrent < 1)
  ) {
    fail(
      `"cairn.concurrentOperations" must be a positive integer, not ${JSON.stringify(concurrent)}`,
    );
  }
  const declared = declaredEntry(pkg.raw) ?? 'index.js';
  const entry = posix.normalize(declared.replace(/^\.\//, ''));
  if (entry.startsWith('../') || entry === '..' || posix.isAbsolute(entry)) {
    fail(`the entry module "${declared}" is outside the package`);
  }
  return {
    name: pkg.name,
    version: pkg.version,
    entry,
    cairnApi: api as string,
    concurrentOperations: concurrent as number | undefined,
  };
}

/**
 * The entry module the worker imports, as the plugin host reads it: `exports["."]` (a string,
 * or its `import` / `default` condition, nested conditions followed), else `main`.
 */
function declaredEntry(pkg: Readonly<Record<string, unknown>>): string | undefined {
  const exp = pkg.exports;
  let dot: unknown = exp;
  if (typeof exp === 'object' && exp !== null && !Array.isArray(exp)) {
    const keys = Object.keys(exp);
    // `{".": …, "./x": …}` is a subpath map; `{"import": …}` is sugar for `{".": {…}}`.
    if (keys.some((key) => key.startsWith('.'))) dot = (exp as Record<string, unknown>)['.'];
  }
  const fromExports = conditionTarget(dot, 0);
  if (fromExports !== undefined) return fromExports;
  return typeof pkg.main === 'string' && pkg.main !== '' ? pkg.main : undefined;
}

function conditionTarget(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 8) {
    return undefined;
  }
  const conditions = value as Record<string, unknown>;
  return (
    conditionTarget(conditions.import, depth + 1) ?? conditionTarget(conditions.default, depth + 1)
  );
}
