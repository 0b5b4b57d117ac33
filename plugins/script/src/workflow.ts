/**
 * `script_runner.tasks.execute_workflow`: a workflow mapped to a Python script (spec §8.3).
 * The parser maps `workflows: {w: {mapping: scripts/w.py}}` here, with the script in the
 * `script_path` parameter. The script runs with python3 and Cairn's `cloudify` package, whose
 * `cloudify.workflows.ctx` drives this workflow through a ctx proxy (see proxy/workflow-view.ts):
 * the graphs it builds run on the engine's scheduler. Its output lines are logged as they come;
 * an uncaught exception or a non-zero exit code fails the workflow.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json, JsonObject, WorkflowContext } from './context.js';
import { NonRecoverableError } from './errors.js';
import { OutputLines } from './output-lines.js';
import { signalTree } from './process-tree.js';
import { startCtxProxy, type CtxProxy } from './proxy/server.js';
import { workflowView, WorkflowScriptState } from './proxy/workflow-view.js';
import { BIN_DIR, PYTHON_DIR } from './run.js';
import { prepareScript } from './script-file.js';

/** How long a killed script may take to exit before it is killed hard. */
const KILL_GRACE_MS = 5_000;

/** How long after the script's exit its output pipes may take to close. */
const DRAIN_AFTER_EXIT_MS = 200;

/** How much of the output a failure reports. */
const TAIL_LINES = 20;

/** The workflow parameter that names the script (the runner's, not the script's). */
const SCRIPT_PATH = 'script_path';

function cancelledError(message: string): Error {
  const error = new Error(message) as Error & { recoverable: boolean };
  error.name = 'CancelledError';
  error.recoverable = false;
  return error;
}

/** The script's environment: the worker's, plus the proxy and Cairn's `cloudify` package. */
function environment(socketUrl: string): NodeJS.ProcessEnv {
  const base = process.env;
  return {
    ...base,
    ...(base.TMPDIR === undefined ? { TMPDIR: tmpdir() } : {}),
    CTX_SOCKET_URL: socketUrl,
    // The `ctx` command too, for commands the script runs: they reach this workflow's ctx.
    PATH: `${BIN_DIR}:${base.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    PYTHONPATH: [PYTHON_DIR, base.PYTHONPATH].filter((p) => p !== undefined && p !== '').join(':'),
  };
}

/** Runs `python3 script` to its end; resolves to its exit code, or the signal that ended it. */
function runPython(
  ctx: WorkflowContext,
  script: string,
  env: NodeJS.ProcessEnv,
  output: OutputLines,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn('python3', [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let ended = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!ended) output.push('stdout', chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      if (!ended) output.push('stderr', chunk);
    });
    const timers: ReturnType<typeof setTimeout>[] = [];
    // A cancelled workflow stops its script, and whatever the script started.
    const onAbort = (): void => {
      const pid = child.pid;
      if (pid === undefined) return;
      signalTree(pid, 'SIGTERM');
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
      output.push('stderr', `cannot start python3: ${error.code ?? error.message}\n`);
      finish({ code: error.code === 'EACCES' ? 126 : 127, signal: null });
    });
    // A background process that keeps the pipes open must not hold the workflow up.
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

/** The parameters the script sees: the workflow's, without the runner's `script_path`. */
function scriptParameters(params: Readonly<Record<string, Json>>): JsonObject {
  return Object.fromEntries(Object.entries(params).filter(([name]) => name !== SCRIPT_PATH));
}

/** The workflow function: runs the script at `script_path` with a workflow ctx proxy. */
export async function execute_workflow(
  ctx: WorkflowContext,
  params: Readonly<Record<string, Json>>,
): Promise<null> {
  const scriptPath = params[SCRIPT_PATH];
  if (typeof scriptPath !== 'string' || scriptPath === '') {
    throw new NonRecoverableError(
      `The workflow's ${SCRIPT_PATH} parameter must name the workflow script, not ${JSON.stringify(scriptPath ?? null)}`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'cairn-workflow-'));
  const state = new WorkflowScriptState(ctx);
  let proxy: CtxProxy | undefined;
  try {
    // The workflow ctx downloads blueprint resources as the operation ctx does.
    const script = await prepareScript(ctx, dir, { scriptPath });
    proxy = await startCtxProxy(workflowView(ctx, state, scriptParameters(params)));
    const output = new OutputLines(ctx.logger, { logStdout: true, logStderr: true }, TAIL_LINES);
    ctx.logger.debug(`Running workflow script ${scriptPath}: python3 ${script}`);
    const { code, signal } = await runPython(ctx, script, environment(proxy.url), output);
    // Tasks the script started and did not wait for still end before the workflow does.
    const unobserved = await state.unobservedFailure();
    if (ctx.signal.aborted) throw cancelledError(`The workflow script ${scriptPath} was cancelled`);
    const tail = output.tail();
    const last = tail === '' ? '' : `\nLast output:\n${tail}`;
    if (state.failure !== undefined || code !== 0) {
      const why =
        state.failure !== undefined
          ? `${state.failure.type}: ${state.failure.message}`
          : code === null
            ? `killed by ${signal ?? 'a signal'}`
            : `exit_code: ${code}`;
      throw new NonRecoverableError(`Workflow script ${scriptPath} failed: ${why}${last}`);
    }
    if (unobserved !== undefined) {
      throw new NonRecoverableError(
        `Workflow script ${scriptPath} ended, but a task it did not wait for failed: ${unobserved}`,
      );
    }
    return null;
  } finally {
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
