/**
 * The worker side of the protocol, independent of how messages travel (fd 3 in a real worker, an
 * in-memory pair in tests): says hello, loads the plugin module once, runs operations and workflow
 * functions (one at a time, or as many at once as the host's welcome allows), serves `ctx` calls
 * through RPCs, and reports every outcome as data.
 */
import {
  OUTPUT_SYNC_PREFIX,
  PROTOCOL_VERSION,
  type CancelMessage,
  type FailureData,
  type HostMessage,
  type JsonObject,
  type JsonValue,
  type LogLevel,
  type RpcMethod,
  type RpcMessage,
  type RpcMethods,
  type RpcResultMessage,
  type RunMessage,
  type RunOutcome,
  type RunWorkflowMessage,
  type WorkerFeature,
  type WorkerMessage,
  type WorkflowRunOutcome,
} from '@cairn/plugin-protocol';
import { classifyError } from './classify.js';
import { createOperationContext, type ContextHandle } from './context.js';
import { resolveFunction, type ResolvedFunction } from './function-path.js';
import { createWorkflowContext } from './workflow-context.js';

/** The version of this worker runtime, announced in `hello` as `sdk_version`. */
export const WORKER_RUNTIME_VERSION = '0.1.0';

/** The optional parts of the protocol this runtime implements, announced in `hello`. */
const FEATURES: readonly WorkerFeature[] = ['workflows', 'concurrent'];

/**
 * Calls that wait as long as the engine needs (a graph runs as long as its tasks do): no rpc
 * timeout, but they are rejected at once when the running function is cancelled.
 */
const UNTIMED_METHODS: ReadonlySet<RpcMethod> = new Set(['workflow.run_graph']);

/** What the runtime needs from its process. */
export interface WorkerRuntimeOptions {
  /** Sends one message to the host. */
  send(message: WorkerMessage): void;
  /** Loads the plugin's entry module (an absolute path). */
  importModule(entry: string): Promise<object>;
  /** Writes to the worker's own stdout or stderr (for the sync marks). */
  writeOutput(stream: 'stdout' | 'stderr', text: string): void;
  /** Ends the process. */
  exit(code: number): void;
}

interface PendingCall {
  resolve(value: JsonValue): void;
  reject(error: Error): void;
  /** Undefined for calls without a timeout (see `UNTIMED_METHODS`). */
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Running {
  readonly id: string;
  readonly controller: AbortController;
}

/** An error rebuilt from its name and message (the host's error class stays on the host). */
function namedError(name: string, message: string, code?: string): Error {
  const error = new Error(message) as Error & { code?: string };
  error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}

function failed(
  error: FailureData,
  runtimeProperties: Record<string, JsonObject> = {},
): RunOutcome {
  return { status: 'failed', error, runtime_properties: runtimeProperties };
}

/** The result value as JSON (`undefined` and functions become null, as in a JSON reply). */
function toJson(value: unknown): { value: JsonValue; problem?: string } {
  try {
    const text = JSON.stringify(value);
    return { value: text === undefined ? null : (JSON.parse(text) as JsonValue) };
  } catch (error) {
    return {
      value: null,
      problem: `the operation's result is not JSON-serialisable: ${
        error instanceof Error ? error.message : String(error)
      }`,
    };
  }
}

/** One worker's protocol state machine. */
export class WorkerRuntime {
  private entry: string | undefined;
  private rpcTimeoutMs = 60_000;
  private module: Promise<object> | undefined;
  /** Runs at once, at most (the welcome's `max_concurrent`). */
  private maxConcurrent = 1;
  private readonly running = new Map<string, Running>();
  private nextCallId = 1;
  private readonly calls = new Map<number, PendingCall>();

  constructor(private readonly options: WorkerRuntimeOptions) {}

  /** Announces the worker. */
  start(): void {
    this.options.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      sdk_version: WORKER_RUNTIME_VERSION,
      pid: process.pid,
      runtime: `node ${process.version}`,
      features: FEATURES,
    });
  }

  /** Handles one message from the host. */
  receive(message: HostMessage): void {
    switch (message.type) {
      case 'welcome':
        this.entry = message.entry;
        this.rpcTimeoutMs = message.rpc_timeout_ms;
        this.maxConcurrent = message.max_concurrent ?? 1;
        return;
      case 'refuse':
        this.options.writeOutput(
          'stderr',
          `cairn worker: refused by the host (protocol ${message.protocol}): ${message.reason}\n`,
        );
        this.options.exit(3);
        return;
      case 'run':
      case 'run_workflow':
        this.run(message);
        return;
      case 'cancel':
        this.cancel(message);
        return;
      case 'rpc_result':
        this.settleCall(message);
        return;
      case 'shutdown':
        this.options.exit(0);
        return;
    }
  }

  /** The channel to the host closed: fail what waits on it, then stop. */
  channelClosed(): void {
    for (const [callId, call] of this.calls) {
      clearTimeout(call.timer);
      this.calls.delete(callId);
      call.reject(namedError('ChannelClosedError', 'the plugin host went away'));
    }
    this.options.exit(0);
  }

  private run(message: RunMessage | RunWorkflowMessage): void {
    const { id } = message;
    const problem =
      this.entry === undefined
        ? 'before welcome'
        : this.running.has(id)
          ? `with the id ${id} of a run in progress`
          : this.running.size >= this.maxConcurrent
            ? 'while busy'
            : undefined;
    if (problem !== undefined) {
      const why = `${message.type} ${problem}`;
      const error: FailureData = { type: 'ProtocolError', recoverable: true, message: why };
      this.finish(id, message.type === 'run' ? failed(error) : { status: 'failed', error });
      return;
    }
    const running: Running = { id, controller: new AbortController() };
    this.running.set(id, running);
    const outcome =
      message.type === 'run'
        ? this.execute(running, message)
        : this.executeWorkflow(running, message);
    void outcome.then((value) => {
      this.running.delete(id);
      this.finish(id, value);
    });
  }

  private finish(id: string, outcome: RunOutcome | WorkflowRunOutcome): void {
    // The marks go through the same streams the plugin printed on, so they arrive after its
    // output; the host waits for them before it reports the outcome.
    const mark = `${OUTPUT_SYNC_PREFIX}${id}\n`;
    try {
      this.options.writeOutput('stdout', mark);
      this.options.writeOutput('stderr', mark);
    } catch {
      // The plugin closed its stdout or stderr; the host waits a little, then goes on.
    }
    this.options.send({ type: 'done', id, outcome });
  }

  private cancel(message: CancelMessage): void {
    this.running
      .get(message.id)
      ?.controller.abort(namedError('CancelledError', 'the operation was cancelled'));
  }

  private loadModule(entry: string): Promise<object> {
    this.module ??= this.options.importModule(entry);
    return this.module;
  }

  /** Why the plugin module did not load. */
  private loadFailure(error: unknown): FailureData {
    const detail = classifyError(error);
    return {
      ...detail,
      type: 'NonRecoverableError',
      recoverable: false,
      message: `cannot load plugin module ${this.entry ?? ''}: ${detail.message}`,
    };
  }

  /** The function at `path` in the plugin module, or the failure that stands for its absence. */
  private static lookup(namespace: object, path: string): ResolvedFunction | FailureData {
    const resolved = resolveFunction(namespace, path);
    return 'error' in resolved
      ? { type: 'NonRecoverableError', recoverable: false, message: resolved.error }
      : resolved;
  }

  private async executeWorkflow(
    running: Running,
    message: RunWorkflowMessage,
  ): Promise<WorkflowRunOutcome> {
    const { id, request } = message;
    try {
      let namespace: object;
      try {
        namespace = await this.loadModule(this.entry ?? '');
      } catch (error) {
        return { status: 'failed', error: this.loadFailure(error) };
      }
      const found = WorkerRuntime.lookup(namespace, request.function);
      if (!('fn' in found)) return { status: 'failed', error: found };
      const ctx = createWorkflowContext(request, {
        log: (level, text) => {
          this.log(id, level, text);
        },
        call: (method, params) => this.call(id, method, params),
        signal: running.controller.signal,
      });
      const returned: unknown = await found.fn.call(found.owner, ctx, request.parameters);
      const result = toJson(returned);
      if (result.problem !== undefined) this.log(id, 'warning', result.problem);
      return { status: 'succeeded', result: result.value };
    } catch (error) {
      const failure = classifyError(error);
      // A workflow is not rescheduled: a retry request is an ordinary recoverable failure.
      return {
        status: 'failed',
        error:
          failure.type === 'OperationRetry' ? { ...failure, type: 'RecoverableError' } : failure,
      };
    }
  }

  private async execute(running: Running, message: RunMessage): Promise<RunOutcome> {
    const { id, request } = message;
    let handle: ContextHandle | undefined;
    try {
      let namespace: object;
      try {
        namespace = await this.loadModule(this.entry ?? '');
      } catch (error) {
        return failed(this.loadFailure(error));
      }
      const resolved = WorkerRuntime.lookup(namespace, request.operation.function);
      if (!('fn' in resolved)) return failed(resolved);
      handle = createOperationContext(request, {
        log: (level, text) => {
          this.log(id, level, text);
        },
        call: (method, params) => this.call(id, method, params),
        signal: running.controller.signal,
      });
      const returned: unknown = await resolved.fn.call(resolved.owner, handle.ctx, request.inputs);
      const collected = handle.collect();
      const problem = collected.problems[0];
      if (problem !== undefined) {
        return failed(
          { type: 'NonRecoverableError', recoverable: false, message: problem },
          collected.runtime_properties,
        );
      }
      if (collected.retry !== undefined) {
        const { message: text, retryAfter } = collected.retry;
        return failed(
          {
            type: 'OperationRetry',
            recoverable: true,
            message: text,
            ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
          },
          collected.runtime_properties,
        );
      }
      const result = toJson(returned);
      if (result.problem !== undefined) this.log(id, 'warning', result.problem);
      return {
        status: 'succeeded',
        result: result.value,
        runtime_properties: collected.runtime_properties,
      };
    } catch (error) {
      // Cloudify saves runtime properties whether the operation succeeded or failed.
      const collected = handle?.collect();
      return failed(classifyError(error), collected?.runtime_properties ?? {});
    }
  }

  private log(id: string, level: LogLevel, message: string): void {
    this.options.send({ type: 'log', id, level, message });
  }

  private call<M extends RpcMethod>(
    id: string,
    method: M,
    params: RpcMethods[M]['params'],
  ): Promise<JsonValue> {
    const running = this.running.get(id);
    if (running === undefined) {
      return Promise.reject(namedError('NonRecoverableError', 'the operation has already ended'));
    }
    const callId = this.nextCallId;
    this.nextCallId += 1;
    const { signal } = running.controller;
    const untimed = UNTIMED_METHODS.has(method);
    const cancelled = (): Error =>
      namedError('CancelledError', `${method}: the workflow was cancelled`);
    return new Promise<JsonValue>((resolve, reject) => {
      if (untimed && signal.aborted) {
        reject(cancelled());
        return;
      }
      const onAbort = (): void => {
        const call = this.calls.get(callId);
        if (call === undefined) return;
        this.calls.delete(callId);
        call.reject(cancelled());
      };
      const timer = untimed
        ? undefined
        : setTimeout(() => {
            this.calls.delete(callId);
            reject(
              namedError('TimeoutError', `${method} got no answer in ${this.rpcTimeoutMs} ms`),
            );
          }, this.rpcTimeoutMs);
      if (untimed) signal.addEventListener('abort', onAbort, { once: true });
      this.calls.set(callId, {
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
        timer,
      });
      // The compiler cannot tie a generic method to its params; the signature above does.
      this.options.send({ type: 'rpc', id, call_id: callId, method, params } as RpcMessage);
    });
  }

  private settleCall(message: RpcResultMessage): void {
    const call = this.calls.get(message.call_id);
    if (call === undefined) return;
    this.calls.delete(message.call_id);
    clearTimeout(call.timer);
    if (message.error === undefined) call.resolve(message.result);
    else call.reject(namedError(message.error.type, message.error.message, message.error.code));
  }
}
