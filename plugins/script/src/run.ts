/**
 * `script_runner.tasks.run`: runs a script as the operation (spec §8.1). The script gets the
 * operation's inputs as environment variables, `CTX_SOCKET_URL` and Cairn's `ctx` command on
 * its PATH; its output lines become log records as they come; its exit code, or what it asked
 * for through `ctx` (`returns`, `abort_operation`, `retry_operation`), is the outcome.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json, OperationContext } from './context.js';
import { inputsAsEnv } from './env.js';
import { NonRecoverableError, ProcessError } from './errors.js';
import { OutputLines } from './output-lines.js';
import { processOptions, type ProcessOptions } from './process-options.js';
import { ctxView, ScriptState } from './proxy/ctx-view.js';
import { startCtxProxy, type CtxProxy } from './proxy/server.js';
import { signalTree } from './process-tree.js';
import { prepareScript } from './script-file.js';

/** Where the `ctx` command and `ctx-sh` are (`<plugin>/bin`, beside `dist/`). */
export const BIN_DIR = fileURLToPath(new URL('../bin', import.meta.url));

/** Where the `cloudify` Python package for `.py` scripts is (`<plugin>/python`). */
export const PYTHON_DIR = fileURLToPath(new URL('../python', import.meta.url));

/** How long a killed script may take to exit before it is killed hard. */
const KILL_GRACE_MS = 5_000;

/** How long after the script's exit its output pipes may take to close. */
const DRAIN_AFTER_EXIT_MS = 200;

/** How much of the output a failure reports. */
const TAIL_LINES = 20;

function optionalText(inputs: Readonly<Record<string, Json>>, name: string): string | undefined {
  const value = inputs[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new NonRecoverableError(
      `The script input '${name}' must be a string, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Why the shell could not run the script, when its `#!` line names an interpreter that is not
 * there (the shell only says "not found", as if the script itself were missing).
 */
async function interpreterProblem(script: string): Promise<string | undefined> {
  const first = (await readFile(script, 'utf8').catch(() => '')).split('\n', 1)[0] ?? '';
  const interpreter = /^#!\s*(\S+)/.exec(first)?.[1];
  if (interpreter === undefined) return undefined;
  return (await access(interpreter, constants.X_OK).then(
    () => true,
    () => false,
  ))
    ? undefined
    : `its interpreter ${interpreter} (the #! line) does not exist or cannot be run`;
}

/** Whether a file starts with `#!`. */
async function hasShebang(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer.toString('latin1') === '#!';
  } finally {
    await handle.close();
  }
}

/** Single-quoted for /bin/sh. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * How the script is started. `shell` is the command line Cloudify would give `sh -c` (`args`
 * are joined unquoted: the shell splits them); `direct`, when there is nothing for a shell to do
 * (no args, no user prefix, no redirection), is the same program started without the shell,
 * which saves a process start per operation.
 */
interface Launch {
  readonly shell: string;
  readonly direct: { readonly file: string; readonly args: readonly string[] } | undefined;
}

function launchFor(script: string, options: ProcessOptions, hasShebang: boolean): Launch {
  let prefix = options.commandPrefix;
  let defaultPrefix = false;
  if (prefix === undefined && script.endsWith('.py') && options.evalPython !== false) {
    // Cloudify runs a .py script inside its own Python; Cairn runs it with python3, with the
    // `cloudify` package on its PYTHONPATH.
    prefix = 'python3';
    defaultPrefix = true;
  }
  if (prefix === undefined && script.endsWith('.ps1')) {
    prefix = 'powershell';
    defaultPrefix = true;
  }
  const head = prefix === undefined ? shellQuote(script) : `${prefix} ${shellQuote(script)}`;
  const shell = [head, ...options.args].join(' ');
  const plain = options.args.length === 0 && !options.stderrToStdout;
  const direct =
    !plain || (prefix !== undefined && !defaultPrefix)
      ? undefined
      : prefix !== undefined
        ? { file: prefix, args: [script] }
        : hasShebang
          ? { file: script, args: [] }
          : undefined; // no #! line: only a shell runs it (as a shell script)
  return { shell, direct };
}

/** The script's environment. */
function environment(
  inputs: Readonly<Record<string, Json>>,
  options: ProcessOptions,
  socketUrl: string,
): NodeJS.ProcessEnv {
  const base = process.env;
  const path = base.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  return {
    ...base,
    ...(base.TMPDIR === undefined ? { TMPDIR: tmpdir() } : {}),
    ...inputsAsEnv(inputs),
    ...options.env,
    CTX_SOCKET_URL: socketUrl,
    // Cairn's `ctx` first, so that the script talks to this operation whatever else is on PATH.
    PATH: `${BIN_DIR}:${options.env.PATH ?? path}`,
    PYTHONPATH: [PYTHON_DIR, options.env.PYTHONPATH ?? base.PYTHONPATH]
      .filter((p) => p !== undefined && p !== '')
      .join(':'),
  };
}

/** Runs the script to its end; resolves to its exit code, or the signal that ended it. */
function execute(
  ctx: OperationContext,
  launch: Launch,
  options: ProcessOptions,
  env: NodeJS.ProcessEnv,
  output: OutputLines,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    // `exec 2>&1` first: one stream, in the order the script wrote it.
    const shellCommand = options.stderrToStdout ? `exec 2>&1\n${launch.shell}` : launch.shell;
    const [file, args] =
      launch.direct === undefined
        ? ['/bin/sh', ['-c', shellCommand]]
        : [launch.direct.file, launch.direct.args];
    const child = spawn(file, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let ended = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    // After the end, what a background process of the script still prints is read and dropped
    // (closing the pipe could kill it with SIGPIPE).
    child.stdout.on('data', (chunk: string) => {
      if (!ended) output.push('stdout', chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      if (!ended) output.push('stderr', chunk);
    });
    const timers: ReturnType<typeof setTimeout>[] = [];
    const onAbort = (): void => {
      if (child.pid === undefined) return;
      signalTree(child.pid, 'SIGTERM');
      const pid = child.pid;
      timers.push(
        setTimeout(() => {
          signalTree(pid, 'SIGKILL');
        }, KILL_GRACE_MS).unref(),
      );
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const finish = (result: { code: number | null; signal: NodeJS.Signals | null }): void => {
      if (ended) return;
      ended = true;
      ctx.signal.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      output.flush();
      resolve(result);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // What a shell would have said, as the shell would have failed (127: not found, 126: not
      // executable): a recoverable failure with the reason in the output.
      const code = error.code === 'EACCES' ? 126 : 127;
      output.push('stderr', `cannot start ${file}: ${error.code ?? error.message}\n`);
      finish({ code, signal: null });
    });
    // The end is the shell's exit, plus what its pipes still hold: a background process that
    // keeps them open (`server &`) must not hold the operation up.
    child.on('exit', (code, signal) => {
      timers.push(
        setTimeout(() => {
          finish({ code, signal });
        }, DRAIN_AFTER_EXIT_MS),
      );
    });
    child.on('close', (code, signal) => {
      finish({ code, signal });
    });
  });
}

/** The operation: `script_path` or `script_source`, `process` options, other inputs exported. */
export async function run(
  ctx: OperationContext,
  inputs: Readonly<Record<string, Json>>,
): Promise<Json | undefined> {
  const scriptPath = optionalText(inputs, 'script_path');
  const scriptSource = optionalText(inputs, 'script_source');
  if ((scriptPath === undefined) === (scriptSource === undefined)) {
    throw new NonRecoverableError(
      scriptPath === undefined
        ? 'The script operation has neither script_path nor script_source: give one of them'
        : 'The script operation has both script_path and script_source: give only one',
    );
  }
  const options = processOptions(inputs.process);
  if (options.unknown.length > 0) {
    ctx.logger.warning(`Ignoring unknown process options: ${options.unknown.join(', ')}`);
  }
  if (options.replacedProxyType !== undefined) {
    ctx.logger.info(
      `ctx_proxy_type '${options.replacedProxyType}' is served over HTTP by Cairn (no ZeroMQ)`,
    );
  }
  const sslCert = optionalText(inputs, 'ssl_cert_content');
  const dir = await mkdtemp(join(tmpdir(), 'cairn-script-'));
  const state = new ScriptState();
  let proxy: CtxProxy | undefined;
  try {
    const script = await prepareScript(ctx, dir, {
      ...(scriptPath === undefined ? {} : { scriptPath }),
      ...(scriptSource === undefined ? {} : { scriptSource }),
      ...(sslCert === undefined ? {} : { sslCert }),
    });
    // A .py script run as Cloudify would exec it in-process has its ctx whatever the proxy
    // type says (`ctx_proxy_type` is about the `ctx` command).
    const pythonCtx = script.endsWith('.py') && options.evalPython !== false;
    if (options.ctxProxyType !== 'none' || pythonCtx) {
      proxy = await startCtxProxy(ctxView(ctx, state, inputs));
    }
    const launch = launchFor(script, options, await hasShebang(script));
    const command = launch.shell;
    const output = new OutputLines(ctx.logger, options, TAIL_LINES);
    const shown = scriptPath ?? 'script_source';
    ctx.logger.debug(`Running ${shown}: ${command}`);
    const { code, signal } = await execute(
      ctx,
      launch,
      options,
      environment(inputs, options, proxy?.url ?? ''),
      output,
    );
    const ending = state.ending;
    if (ending?.kind === 'abort') throw new NonRecoverableError(ending.message);
    if (ending?.kind === 'retry') {
      ctx.operation.retry(ending.message, ending.retryAfter);
      return undefined;
    }
    if (code !== 0) {
      const how = code === null ? `killed by ${signal ?? 'a signal'}` : `exit_code: ${code}`;
      const tail = output.tail();
      const hint =
        (code === 126 || code === 127) && options.commandPrefix === undefined
          ? await interpreterProblem(script)
          : undefined;
      throw new ProcessError(
        `Script ${shown} failed (command: ${command}, ${how})` +
          (hint === undefined ? '' : `: ${hint}`) +
          (tail === '' ? '' : `\nLast output:\n${tail}`),
        code,
      );
    }
    return ending?.kind === 'returned' ? ending.value : undefined;
  } finally {
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
