/**
 * Stopping a script and whatever it started. A script stays in the worker's process group, so
 * when the host kills a worker (a timeout, a forced cancel) its scripts go with it; to stop one
 * script alone (a cancel), its descendants are found through /proc and signalled together.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The ids of every live descendant of `root` (Linux; none elsewhere). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields resume after the last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [Number(entry)]);
      else list.push(Number(entry));
    } catch {
      // It ended meanwhile.
    }
  }
  const out: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Sends `signal` to `pid` and all its descendants (those gone already are skipped). */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const target of [pid, ...descendants(pid)]) {
    try {
      process.kill(target, signal);
    } catch {
      // Already gone.
    }
  }
}
