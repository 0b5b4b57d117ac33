/**
 * The child process of {@link probeFunctions}: imports a plugin's entry module and says which of
 * the given function paths it exports, as the worker will look them up (the path in the module's
 * namespace, else in its default export, i.e. a CommonJS `module.exports`). Prints one JSON line.
 *
 * Usage: node probe-main.js ENTRY PATH...
 */
import { pathToFileURL } from 'node:url';

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

function at(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split('.')) {
    if (
      segment === '' ||
      FORBIDDEN.has(segment) ||
      current === null ||
      (typeof current !== 'object' && typeof current !== 'function') ||
      !(segment in current)
    ) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const [entry, ...paths] = process.argv.slice(2);
try {
  const namespace = (await import(pathToFileURL(entry ?? '').href)) as Record<string, unknown>;
  const missing = paths.filter(
    (path) =>
      typeof at(namespace, path) !== 'function' &&
      typeof at(namespace.default, path) !== 'function',
  );
  process.stdout.write(`${JSON.stringify({ ok: true, missing })}\n`);
} catch (error) {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
}
// The plugin may have left timers or sockets open: the answer is out, so stop here.
process.exit(0);
