/**
 * Checks, before anything runs, that a plugin's entry module loads and exports every function
 * its YAML (or a blueprint) maps: `cairn plugins validate` and `install` call it, so that a
 * missing function fails there rather than in the middle of a workflow. The module is loaded in
 * a child process of its own, as a worker would load it.
 */
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What probing an entry module found. */
export type ProbeResult =
  | { readonly ok: true; readonly missing: readonly string[] }
  | { readonly ok: false; readonly error: string };

const PROBE_SCRIPT = fileURLToPath(new URL('../../dist/bundle/probe-main.js', import.meta.url));

/**
 * Imports `entry` in a child Node process and returns which of `paths` (operation function
 * paths such as `tasks.create`) it does not export as functions; or why it would not load.
 */
export function probeFunctions(
  entry: string,
  paths: readonly string[],
  timeoutMs = 30_000,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PROBE_SCRIPT, entry, ...paths],
      { cwd: dirname(entry), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          const parsed = JSON.parse(line) as ProbeResult;
          if (typeof parsed === 'object' && parsed !== null && 'ok' in parsed) {
            resolve(parsed);
            return;
          }
        } catch {
          // Not an answer: report the process's failure below.
        }
        const why =
          error?.killed === true ? `it did not load within ${timeoutMs} ms` : stderr.trim();
        resolve({
          ok: false,
          error: why === '' ? `the probe ended with ${error?.message ?? 'no answer'}` : why,
        });
      },
    );
  });
}
