/**
 * `script_runner.tasks.execute_workflow`: a workflow mapped to a Python script (spec §8.3).
 * The parser maps `workflows: {w: {mapping: scripts/w.py}}` here, with the script in the
 * `script_path` parameter. The script runs with python3 and Cairn's `cloudify` package, whose
 * `cloudify.workflows.ctx` drives this workflow through a ctx proxy (see proxy/workflow-view.ts):
 * the graphs it builds run on the engine's scheduler. Its output lines are logged as they come;
 * an uncaught exception or a non-zero exit code fails the workflow.
 */
import type { Json, JsonObject, WorkflowContext } from './context.js';
import { NonRecoverableError } from './errors.js';
import { OutputLines } from './output-lines.js';
import { startCtxProxy, type CtxProxy } from './proxy/server.js';
import { workflowView, WorkflowScriptState } from './proxy/workflow-view.js';
import { makeRunFolder, prepareScript, removeRunFolder } from './script-file.js';
import { runScriptProcess, scriptEnvironment } from './script-process.js';

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
  const dir = makeRunFolder('cairn-workflow-');
  const state = new WorkflowScriptState(ctx);
  let proxy: CtxProxy | undefined;
  let script: string | undefined;
  try {
    // The workflow ctx downloads blueprint resources as the operation ctx does.
    script = await prepareScript(ctx, dir, { scriptPath });
    proxy = await startCtxProxy(workflowView(ctx, state, scriptParameters(params)));
    const output = new OutputLines(ctx.logger, { logStdout: true, logStderr: true }, TAIL_LINES);
    ctx.logger.debug(`Running workflow script ${scriptPath}: python3 ${script}`);
    const { code, signal } = await runScriptProcess(
      { file: 'python3', args: [script] },
      scriptEnvironment(proxy.url),
      ctx.signal,
      output,
    );
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
    await removeRunFolder(dir, script);
  }
}
