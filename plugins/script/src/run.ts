/**
 * `script_runner.tasks.run`: runs a script as the operation (spec §8.1). The script gets the
 * operation's inputs as environment variables, `CTX_SOCKET_URL` and Cairn's `ctx` command on
 * its PATH; its output lines become log records as they come; its exit code, or what it asked
 * for through `ctx` (`returns`, `abort_operation`, `retry_operation`), is the outcome.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { Json, OperationContext } from './context.js';
import { inputsAsEnv } from './env.js';
import { NonRecoverableError, ProcessError } from './errors.js';
import { OutputLines } from './output-lines.js';
import { processOptions, type ProcessOptions } from './process-options.js';
import { ctxView, ScriptState } from './proxy/ctx-view.js';
import { startCtxProxy, type CtxProxy } from './proxy/server.js';
import { hasShebang, makeRunFolder, prepareScript, removeRunFolder } from './script-file.js';
import { runScriptProcess, scriptEnvironment, type ProcessLaunch } from './script-process.js';

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

/** Starts the script: directly, or through `sh -c` when the shell has something to do. */
function processLaunch(launch: Launch, options: ProcessOptions): ProcessLaunch {
  if (launch.direct !== undefined) return { ...launch.direct, cwd: options.cwd };
  // `exec 2>&1` first: one stream, in the order the script wrote it.
  const command = options.stderrToStdout ? `exec 2>&1\n${launch.shell}` : launch.shell;
  return { file: '/bin/sh', args: ['-c', command], cwd: options.cwd };
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
  const dir = makeRunFolder('cairn-script-');
  const state = new ScriptState();
  let proxy: CtxProxy | undefined;
  let script: string | undefined;
  try {
    script = await prepareScript(ctx, dir, {
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
    const launch = launchFor(script, options, hasShebang(script));
    const command = launch.shell;
    const output = new OutputLines(ctx.logger, options, TAIL_LINES);
    const shown = scriptPath ?? 'script_source';
    ctx.logger.debug(`Running ${shown}: ${command}`);
    const { code, signal } = await runScriptProcess(
      processLaunch(launch, options),
      scriptEnvironment(proxy?.url ?? '', { ...inputsAsEnv(inputs), ...options.env }),
      ctx.signal,
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
    await removeRunFolder(dir, script);
  }
}
