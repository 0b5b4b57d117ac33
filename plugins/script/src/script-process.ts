/**
 * A script's process, for operations (`run.ts`) and workflows (`workflow.ts`) alike: its
 * environment (the proxy's URL, Cairn's `ctx` command on PATH, the `cloudify` Python package on
 * PYTHONPATH), and running it to its end with its output logged line by line, stopped with
 * everything it started when the run is cancelled.
 */
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { OutputLines } from './output-lines.js';
import { startScript, type ProcessLaunch } from './launcher.js';
import { signalTree } from './process-tree.js';

export type { ProcessLaunch } from './launcher.js';

/** Where the `ctx` command and `ctx-sh` are (`<plugin>/bin`, beside `dist/` and `src/`). */
export const BIN_DIR = fileURLToPath(new URL('../bin', import.meta.url));

/** Where the `cloudify` Python package for `.py` scripts is (`<plugin>/python`). */
export const PYTHON_DIR = fileURLToPath(new URL('../python', import.meta.url));

/**
 * How long a stopped script may take to exit before it is killed hard. Shorter than the plugin
 * host's default grace (2 s): a script that ignores SIGTERM is killed alone, before the host
 * would kill the worker and every operation running beside it (ADR 0010).
 */
const KILL_GRACE_MS = 1_000;

/** How long after the script's exit its output pipes may take to close. */
const DRAIN_AFTER_EXIT_MS = 200;

/** How a script's process ended. */
export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A script's environment: the worker's, then `extra` (inputs, the `process.env` option), then
 * the proxy's URL, with Cairn's `ctx` first on PATH (so that the script talks to this run
 * whatever else is installed) and the `cloudify` package first on PYTHONPATH.
 */
export function scriptEnvironment(
  socketUrl: string,
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  const base = process.env;
  const path = extra.PATH ?? base.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  return {
    ...base,
    ...(base.TMPDIR === undefined ? { TMPDIR: tmpdir() } : {}),
    ...extra,
    CTX_SOCKET_URL: socketUrl,
    PATH: `${BIN_DIR}:${path}`,
    PYTHONPATH: [PYTHON_DIR, extra.PYTHONPATH ?? base.PYTHONPATH]
      .filter((p) => p !== undefined && p !== '')
      .join(':'),
  };
}

/**
 * Runs a script to its end; resolves to its exit code, or the signal that ended it. A program
 * that cannot start ends as a shell would report it (127: not found, 126: not executable), its
 * reason in the output. The end is the process's exit plus what its pipes still hold: a
 * background process that keeps them open (`server &`) does not hold the run up, and what it
 * prints afterwards is read and dropped (closing the pipe could kill it with SIGPIPE).
 */
export function runScriptProcess(
  launch: ProcessLaunch,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  output: OutputLines,
): Promise<ProcessEnd> {
  return new Promise((resolve) => {
    let ended = false;
    let pid: number | undefined;
    let exit: ProcessEnd | undefined;
    const timers: ReturnType<typeof setTimeout>[] = [];
    // A cancel stops the script and whatever it started.
    const stop = (): void => {
      if (pid === undefined || ended) return;
      const target = pid;
      signalTree(target, 'SIGTERM');
      timers.push(
        setTimeout(() => {
          signalTree(target, 'SIGKILL');
        }, KILL_GRACE_MS).unref(),
      );
    };
    const onAbort = (): void => {
      stop();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (end: ProcessEnd): void => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      output.flush();
      resolve(end);
    };
    startScript(launch, env, {
      started: (started) => {
        pid = started;
        // Cancelled while it was being started.
        if (signal.aborted) stop();
      },
      output: (stream, text) => {
        if (!ended) output.push(stream, text);
      },
      exited: (code, exitSignal) => {
        exit = { code, signal: exitSignal };
        timers.push(
          setTimeout(() => {
            finish({ code, signal: exitSignal });
          }, DRAIN_AFTER_EXIT_MS),
        );
      },
      closed: () => {
        finish(exit ?? { code: null, signal: null });
      },
    });
  });
}
