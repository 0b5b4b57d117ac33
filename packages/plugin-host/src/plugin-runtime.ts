/**
 * Which worker runtime runs a plugin. A plugin depends on `@cairn/plugin-sdk`, whose
 * `./worker` export is the process the host starts; the host runs the plugin's own copy (the
 * one packed in its bundle, or found next to its folder), so the ctx implementation a plugin
 * was built and tested with is the one it gets. The host only speaks the protocol with it.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package that holds the worker runtime. */
export const SDK_PACKAGE = '@cairn/plugin-sdk';

/** The worker script inside the SDK package (its `./worker` export). */
function workerOf(sdkDir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as {
      exports?: Record<string, unknown>;
    };
    const worker = pkg.exports?.['./worker'];
    if (typeof worker !== 'string') return undefined;
    const script = join(sdkDir, worker);
    return existsSync(script) ? script : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SDK worker runtime a plugin whose entry module is `entry` would load, found as Node finds
 * packages: `node_modules/@cairn/plugin-sdk` in the entry's folder and each folder above it
 * (from the entry's real path, so a symlinked plugin finds its own dependencies). Undefined
 * when there is none.
 */
export function sdkRuntimeNear(entry: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(realpathSync(entry));
  } catch {
    return undefined;
  }
  for (;;) {
    const candidate = join(dir, 'node_modules', SDK_PACKAGE);
    if (existsSync(candidate)) {
      const script = workerOf(candidate);
      if (script !== undefined) return script;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
