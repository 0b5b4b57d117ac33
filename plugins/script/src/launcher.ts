/**
 * Starting a script's process. Node starts a child by forking its whole self (~1.5 ms of CPU
 * here, about as much again in the child to drop the copy) and its event loop waits until the
 * child has exec'd; with many scripts at once that is most of a worker's time. So scripts are
 * started by a small Perl process (`libexec/launcher.pl`, perl-base modules only) that forks
 * cheaply and relays their output; where there is no perl, Node starts them itself. ADR 0011.
 *
 * Either way a script's events are the same: its pid, its output as text, its exit, and the end
 * of its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

/** What to start: a program and its arguments, in a folder. */
export interface ProcessLaunch {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
}

/** What a started script reports. */
export interface ScriptEvents {
  /** It runs as `pid` (what a cancel signals). */
  started(pid: number): void;
  /** A decoded piece of its output. */
  output(stream: 'stdout' | 'stderr', text: string): void;
  /** It ended: its exit code, or the signal that ended it. */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
  /** It ended and both its output streams are closed. */
  closed(): void;
}

/** Where the launcher script is (`<plugin>/libexec`, beside `dist/`). */
const LAUNCHER = fileURLToPath(new URL('../libexec/launcher.pl', import.meta.url));

/** Signal names by number; the first name of a number wins (SIGABRT, not SIGIOT), as in Node. */
const SIGNALS = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!SIGNALS.has(number)) SIGNALS.set(number, name as NodeJS.Signals);
}

/** The perl on PATH, if any (looked for once). */
let perl: string | null | undefined;

/**
 * The perl to run the launcher with, or null to start scripts from Node: when there is none,
 * or when `CAIRN_SCRIPT_LAUNCHER=node` says so (read at each start).
 */
function findPerl(): string | null {
  if (process.env.CAIRN_SCRIPT_LAUNCHER === 'node') return null;
  if (perl !== undefined) return perl;
  perl = null;
  if (!existsSync(LAUNCHER)) return perl;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'perl'))) {
      perl = join(dir, 'perl');
      break;
    }
  }
  return perl;
}

/** A script being run by the launcher. */
interface Job {
  readonly events: ScriptEvents;
  readonly decoders: { readonly o: StringDecoder; readonly e: StringDecoder };
  open: number;
  exited: boolean;
}

/** The launcher process of this worker and the scripts it runs. */
class Launcher {
  private readonly child: ChildProcess;
  private readonly jobs = new Map<string, Job>();
  private next = 1;
  private buffered = Buffer.alloc(0);
  private dead = false;

  constructor(perlPath: string) {
    this.child = spawn(perlPath, [LAUNCHER], { stdio: ['pipe', 'pipe', 'inherit'] });
    // Idle, it must not keep the worker alive; a running script's pipes are the launcher's.
    this.unref();
    this.child.on('error', () => {
      this.die('the script launcher could not start');
    });
    this.child.on('exit', () => {
      this.die('the script launcher ended unexpectedly');
    });
    this.child.stdin?.on('error', () => undefined);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
  }

  start(launch: ProcessLaunch, env: NodeJS.ProcessEnv, events: ScriptEvents): void {
    const id = String(this.next++);
    const fields = [launch.file, launch.cwd ?? '', String(launch.args.length), ...launch.args];
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined) fields.push(`${name}=${value}`);
    }
    const payload = Buffer.from(fields.join('\0'), 'utf8');
    this.jobs.set(id, {
      events,
      decoders: { o: new StringDecoder('utf8'), e: new StringDecoder('utf8') },
      open: 2,
      exited: false,
    });
    if (this.jobs.size === 1) this.ref();
    this.child.stdin?.write(Buffer.concat([Buffer.from(`S ${id} ${payload.length}\n`), payload]));
  }

  private receive(chunk: Buffer): void {
    let data = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const newline = data.indexOf(10);
      if (newline === -1) break;
      const [id = '', kind = '', size = '0'] = data
        .subarray(0, newline)
        .toString('latin1')
        .split(' ');
      const end = newline + 1 + Number(size);
      if (data.length < end) break;
      this.report(id, kind, data.subarray(newline + 1, end));
      data = data.subarray(end);
    }
    this.buffered = Buffer.from(data);
  }

  private report(id: string, kind: string, data: Buffer): void {
    const job = this.jobs.get(id);
    if (job === undefined) return;
    switch (kind) {
      case 'p':
        job.events.started(Number(data.toString('latin1')));
        return;
      case 'o':
      case 'e':
        job.events.output(kind === 'o' ? 'stdout' : 'stderr', job.decoders[kind].write(data));
        return;
      case 'c': {
        const stream = data.toString('latin1') === 'o' ? 'o' : 'e';
        const rest = job.decoders[stream].end();
        if (rest !== '') job.events.output(stream === 'o' ? 'stdout' : 'stderr', rest);
        job.open -= 1;
        break;
      }
      case 'x': {
        const [code = '0', signal = '0'] = data.toString('latin1').split(' ');
        job.exited = true;
        const number = Number(signal);
        job.events.exited(number === 0 ? Number(code) : null, SIGNALS.get(number) ?? null);
        break;
      }
      default:
        return;
    }
    if (job.exited && job.open === 0) this.finish(id, job);
  }

  private finish(id: string, job: Job): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.unref();
    job.events.closed();
  }

  /** The launcher is gone: its scripts' ends are unknown, so they end as not started. */
  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    if (launcher === this) launcher = undefined;
    for (const [id, job] of this.jobs) {
      if (!job.exited) {
        job.events.output('stderr', `${reason}\n`);
        job.events.exited(126, null);
      }
      this.finish(id, job);
    }
  }

  private ref(): void {
    this.child.ref();
    (this.child.stdout as { ref?: () => void } | null)?.ref?.();
  }

  private unref(): void {
    this.child.unref();
    (this.child.stdout as { unref?: () => void } | null)?.unref?.();
    (this.child.stdin as { unref?: () => void } | null)?.unref?.();
  }
}

let launcher: Launcher | undefined;

/** Starts a script with Node's own `spawn` (no perl here). */
function spawnDirectly(launch: ProcessLaunch, env: NodeJS.ProcessEnv, events: ScriptEvents): void {
  let child: ChildProcess;
  try {
    child = spawn(launch.file, launch.args, {
      cwd: launch.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    events.output('stderr', `cannot start ${launch.file}: ${String(error)}\n`);
    events.exited(126, null);
    events.closed();
    return;
  }
  if (child.pid !== undefined) events.started(child.pid);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => {
    events.output('stdout', text);
  });
  child.stderr?.on('data', (text: string) => {
    events.output('stderr', text);
  });
  let failed = false;
  child.on('error', (error: NodeJS.ErrnoException) => {
    failed = true;
    events.output('stderr', `cannot start ${launch.file}: ${error.code ?? error.message}\n`);
    events.exited(error.code === 'ENOENT' ? 127 : 126, null);
    events.closed();
  });
  child.on('exit', (code, signal) => {
    if (!failed) events.exited(code, signal);
  });
  child.on('close', () => {
    if (!failed) events.closed();
  });
}

/** Starts a script: through this worker's launcher when there is perl, else directly. */
export function startScript(
  launch: ProcessLaunch,
  env: NodeJS.ProcessEnv,
  events: ScriptEvents,
): void {
  const perlPath = findPerl();
  if (perlPath === null) {
    spawnDirectly(launch, env, events);
    return;
  }
  launcher ??= new Launcher(perlPath);
  launcher.start(launch, env, events);
}
