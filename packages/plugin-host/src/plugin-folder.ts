/**
 * A plugin installed as a folder: where its code starts, and what it declares about how it may
 * run, both read from its package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedPlugin } from './local-executor.js';

/** The parts of a plugin's package.json the host reads. */
interface PluginPackage {
  main?: unknown;
  exports?: unknown;
  cairn?: { concurrentOperations?: unknown };
}

/** The entry module named by `exports` (`"."`: a string, or its `import` / `default`), or `main`. */
function declaredEntry(pkg: PluginPackage): string | undefined {
  const exp = pkg.exports;
  if (typeof exp === 'string') return exp;
  if (typeof exp === 'object' && exp !== null && '.' in exp) {
    const dot = (exp as Record<string, unknown>)['.'];
    if (typeof dot === 'string') return dot;
    if (typeof dot === 'object' && dot !== null) {
      const { import: esm, default: fallback } = dot as Record<string, unknown>;
      if (typeof esm === 'string') return esm;
      if (typeof fallback === 'string') return fallback;
    }
  }
  return typeof pkg.main === 'string' ? pkg.main : undefined;
}

/** A plugin's package.json that cannot be used: not JSON, or a bad `cairn.concurrentOperations`. */
export class PluginPackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginPackageError';
  }
}

/**
 * The plugin in `dir`: a folder with a package.json (`exports` or `main`) or an `index.js` /
 * `index.mjs`. Undefined when there is no code to run. Throws {@link PluginPackageError} when
 * the package.json is not JSON or declares a `concurrentOperations` that is not a positive
 * integer.
 */
export function pluginAt(dir: string): ResolvedPlugin | undefined {
  const pkgFile = join(dir, 'package.json');
  let pkg: PluginPackage = {};
  if (existsSync(pkgFile)) {
    try {
      pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as PluginPackage;
    } catch (error) {
      throw new PluginPackageError(
        `${pkgFile} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const concurrent = pkg.cairn?.concurrentOperations;
  if (
    concurrent !== undefined &&
    (typeof concurrent !== 'number' || !Number.isInteger(concurrent) || concurrent < 1)
  ) {
    throw new PluginPackageError(
      `${pkgFile}: cairn.concurrentOperations must be a positive integer, not ${JSON.stringify(concurrent)}`,
    );
  }
  const named = declaredEntry(pkg);
  const candidates = [...(named === undefined ? [] : [named]), 'index.js', 'index.mjs'];
  for (const file of candidates) {
    const entry = join(dir, file);
    if (existsSync(entry)) {
      return concurrent === undefined ? { entry } : { entry, concurrentOperations: concurrent };
    }
  }
  return undefined;
}
