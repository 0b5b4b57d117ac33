/**
 * Finding an operation's function in a plugin module: `request.operation.function` is a property
 * path (`tasks.create`) into the module's exports.
 */

/** A callable found at a path, with the object it hangs from (its `this`). */
export interface ResolvedFunction {
  readonly fn: (...args: unknown[]) => unknown;
  readonly owner: unknown;
}

/** Path segments that would reach into prototypes rather than the plugin's exports. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

function lookup(root: unknown, segments: readonly string[]): { found: unknown; owner: unknown } {
  let owner: unknown = undefined;
  let current: unknown = root;
  for (const segment of segments) {
    if (
      FORBIDDEN.has(segment) ||
      current === null ||
      (typeof current !== 'object' && typeof current !== 'function') ||
      !(segment in current)
    ) {
      return { found: undefined, owner: undefined };
    }
    owner = current;
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: current, owner };
}

/**
 * Resolves `path` in the module namespace, then in its default export (a CommonJS plugin's
 * `module.exports`). Returns an error message when there is no function there.
 */
export function resolveFunction(
  moduleNamespace: object,
  path: string,
): ResolvedFunction | { readonly error: string } {
  const segments = path.split('.');
  if (path === '' || segments.some((segment) => segment === '')) {
    return { error: `invalid operation function path ${JSON.stringify(path)}` };
  }
  for (const root of [moduleNamespace, (moduleNamespace as { default?: unknown }).default]) {
    const { found, owner } = lookup(root, segments);
    if (typeof found === 'function') {
      return { fn: found as (...args: unknown[]) => unknown, owner };
    }
  }
  return { error: `the plugin has no function named ${JSON.stringify(path)}` };
}
