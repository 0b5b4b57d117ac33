/**
 * Spare worker processes. Booting Node is most of what starting a worker costs (about 100 ms
 * of a worker's ~180 ms cold start on a small VM), and it does not depend on the plugin: so the
 * executor keeps one Node process booted ahead of need, and a pool that needs a worker adopts
 * it, telling it which worker runtime to load (spare-bootstrap.ts). The pools decide when a
 * replacement is worth starting (ADR 0013). A spare never holds the host's event loop open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built bootstrap script; `../dist/` names it from `src/` (tests) and `dist/` alike. */
const BOOTSTRAP = fileURLToPath(new URL('../dist/spare-bootstrap.js', import.meta.url));

/** How a worker process is started: the Node flags every worker gets. */
export interface WorkerLaunch {
  readonly memoryLimitMb: number;
}

/** Starts a worker-to-be: Node with the worker flags, stdin a pipe for the script to load. */
export function spawnWorkerProcess(launch: WorkerLaunch, script: string): ChildProcess {
  return spawn(process.execPath, [`--max-old-space-size=${launch.memoryLimitMb}`, script], {
    // Own process group (detached), so a kill reaches whatever the plugin started too.
    stdio: [script === BOOTSTRAP ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
}

function setRef(child: ChildProcess, ref: boolean): void {
  for (const handle of [child, ...child.stdio]) {
    const h = handle as { ref?: () => void; unref?: () => void } | null | undefined;
    if (ref) h?.ref?.();
    else h?.unref?.();
  }
}

/** At most `count` spare processes, started on demand and replaced when taken. */
export class SpareWorkers {
  private readonly spares = new Set<ChildProcess>();
  private closed = false;

  constructor(
    private readonly launch: WorkerLaunch,
    private readonly count: number,
  ) {}

  /** Starts spares until there are `count` (none once closed). */
  fill(): void {
    while (!this.closed && this.spares.size < this.count) {
      const child = spawnWorkerProcess(this.launch, BOOTSTRAP);
      this.spares.add(child);
      child.on('error', () => this.spares.delete(child));
      child.on('exit', () => this.spares.delete(child));
      setRef(child, false);
    }
  }

  /**
   * A spare that is still alive, handed over (its handles referenced again), or undefined.
   * The caller tells it what to run with {@link adopt}.
   */
  take(): ChildProcess | undefined {
    for (const child of this.spares) {
      this.spares.delete(child);
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        continue;
      }
      setRef(child, true);
      return child;
    }
    return undefined;
  }

  /** Kills the spares (idempotent). */
  close(): void {
    this.closed = true;
    for (const child of this.spares) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.spares.clear();
  }
}

/** Tells a spare taken with {@link SpareWorkers.take} which worker script to become. */
export function adopt(child: ChildProcess, script: string): void {
  child.stdin?.end(`${script}\n`);
}
