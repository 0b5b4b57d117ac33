/**
 * The built `cairn` command in child processes, for end-to-end tests: run to the end, or start
 * and keep the handle (to kill it or to talk to it while it runs). Nothing is mocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The built CLI's entry point. */
export const CAIRN_BIN = join(ROOT, 'packages/cli/bin/cairn.js');

/** How a finished `cairn` run ended. */
export interface CairnRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `cairn` process still running. */
export interface CairnProcess {
  readonly child: ChildProcess;
  /** Resolves when it has exited (and been reaped). */
  readonly done: Promise<CairnRun>;
}

/** Starts `cairn args…` with only PATH, HOME and `env` in its environment. */
export function startCairn(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): CairnProcess {
  const child = spawn(process.execPath, [CAIRN_BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CairnRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs `cairn args…` to its end. */
export function runCairn(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<CairnRun> {
  return startCairn(args, env).done;
}

/** Parses a JSON answer, saying which command printed something else. */
export function jsonOf(run: CairnRun, what: string): unknown {
  try {
    return JSON.parse(run.stdout) as unknown;
  } catch {
    throw new Error(`${what} printed no JSON (exit ${run.status}): ${run.stdout}\n${run.stderr}`);
  }
}

/** Whether this machine has a Linux-style /proc (the process checks need it). */
export const HAS_PROC = existsSync('/proc/self/environ');

/** Whether a process exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The processes whose environment holds `NAME=value` (how a test finds its own workers). */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `\0${name}=${value}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (`\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(needle))
        found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
