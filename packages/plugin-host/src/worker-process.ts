/**
 * The host's handle on one worker process: spawns it in its own process group, does the
 * handshake, runs one operation or workflow function at a time on it, turns its output into log
 * records, and turns every way it can fail into a named failed outcome. Nothing here throws at
 * the caller or rejects a promise: the pool only ever sees outcomes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type {
  OperationCallbacks,
  OperationError,
  OperationLog,
  OperationOutcome,
  OperationRequest,
  WorkflowCallbacks,
  WorkflowOutcome,
  WorkflowRequest,
} from '@cairn/engine';
import {
  PROTOCOL_VERSION,
  createLineSplitter,
  encodeMessage,
  parseWorkerMessage,
  type HostMessage,
  type JsonValue,
  type RpcErrorData,
  type RpcMessage,
  type RunOutcome,
  type WorkerFeature,
  type WorkerMessage,
  type WorkflowRunOutcome,
} from '@cairn/plugin-protocol';
import { failedOutcome, hostFailure, type HostFailureType } from './failures.js';
import { OutputSplitter, TailBuffer } from './output.js';

/** Settings shared by every worker of an executor. */
export interface WorkerSettings {
  readonly workerScript: string;
  readonly memoryLimitMb: number;
  readonly killGraceMs: number;
  readonly startTimeoutMs: number;
  readonly rpcTimeoutMs: number;
  readonly outputTailBytes: number;
  readonly maxLogBytesPerOperation: number;
  readonly maxLineLength: number;
  readonly maxMessageLength: number;
  readonly syncWaitMs: number;
}

/** Where a worker is in its life. */
export type WorkerState = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';

type Stream = 'stdout' | 'stderr';

/** What a worker runs, whom it reports to, and the outcome its worker reported (`done`). */
type Work =
  | {
      readonly kind: 'operation';
      readonly request: OperationRequest;
      readonly callbacks: OperationCallbacks;
      readonly resolve: (outcome: OperationOutcome) => void;
      done?: RunOutcome;
    }
  | {
      readonly kind: 'workflow';
      readonly request: WorkflowRequest;
      readonly callbacks: WorkflowCallbacks;
      readonly resolve: (outcome: WorkflowOutcome) => void;
      done?: WorkflowRunOutcome;
    };

interface CurrentOperation {
  readonly id: string;
  readonly work: Work;
  readonly timers: ReturnType<typeof setTimeout>[];
  /** Why the host is ending the operation (timeout, cancel, protocol error, close). */
  failure: OperationError | undefined;
  cancelled: boolean;
  readonly synced: Set<Stream>;
  logChars: number;
  droppedLines: number;
}

/** What V8 prints on stderr when a heap limit kills the process. */
const OUT_OF_MEMORY =
  /heap out of memory|Reached heap limit|Allocation failed - JavaScript heap|Fatal JavaScript out of memory/i;

/** How long to wait for the worker's pipes to drain after it exited (grandchildren may hold them). */
const DRAIN_AFTER_EXIT_MS = 1000;

/** How long after SIGKILL the host gives up waiting for the exit event. */
const FORCE_FINALIZE_MS = 2000;

/** How long a worker may live on after closing its protocol channel. */
const CHANNEL_END_GRACE_MS = 500;

/** Calls into the engine are guarded: a throwing callback must not crash the host's streams. */
function safely(call: () => void): void {
  try {
    call();
  } catch {
    // The engine's callback failed; the operation goes on regardless.
  }
}

function rpcError(error: unknown): RpcErrorData {
  if (typeof error === 'object' && error !== null) {
    const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
    return {
      type: typeof name === 'string' ? name : 'Error',
      message: typeof message === 'string' ? message : 'the engine refused the call',
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { type: 'Error', message: String(error) };
}

/** One worker process. */
export class WorkerProcess {
  /** Where the worker is in its life. */
  get state(): WorkerState {
    return this.currentState;
  }
  /** How many operations it has finished. */
  uses = 0;
  /** Resolves once the process has exited and every pending operation is settled. */
  readonly exited: Promise<void>;

  private currentState: WorkerState = 'starting';
  private readonly child: ChildProcess;
  private readonly channel: Duplex | undefined;
  private readonly tail: TailBuffer;
  private readonly outputs: Record<Stream, OutputSplitter>;
  private current: CurrentOperation | undefined;
  private outOfMemory = false;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private startFailure: OperationError | undefined;
  private resolveStart: ((failure: OperationError | undefined) => void) | undefined;
  private readonly started: Promise<OperationError | undefined>;
  private resolveExited: () => void = () => undefined;
  private readonly lifeTimers: ReturnType<typeof setTimeout>[] = [];
  private finalized = false;
  private wasWelcomed = false;
  private channelBroken = false;
  /** The optional protocol parts the worker announced in `hello`. */
  private features: ReadonlySet<string> = new Set();

  constructor(
    private readonly entry: string,
    private readonly settings: WorkerSettings,
    private readonly onExit: (worker: WorkerProcess) => void,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.started = new Promise((resolve) => {
      this.resolveStart = resolve;
    });
    this.tail = new TailBuffer(settings.outputTailBytes);
    this.outputs = {
      stdout: this.splitter('stdout'),
      stderr: this.splitter('stderr'),
    };
    this.child = spawn(
      process.execPath,
      [`--max-old-space-size=${settings.memoryLimitMb}`, settings.workerScript],
      // Own process group (detached), so a kill reaches whatever the plugin started too.
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true },
    );
    this.channel = (this.child.stdio[3] ?? undefined) as Duplex | undefined;
    this.wire();
    this.later(settings.startTimeoutMs, () => {
      if (this.currentState !== 'starting') return;
      this.startFailure ??= hostFailure(
        'WorkerStartError',
        `the worker for ${entry} did not say hello within ${settings.startTimeoutMs} ms`,
      );
      this.kill('SIGKILL');
    });
  }

  /** Whether the handshake succeeded (the worker was welcomed at some point). */
  get welcomed(): boolean {
    return this.wasWelcomed;
  }

  /** The worker's process id (undefined if it could not be spawned). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when the handshake is over: undefined when the worker is ready, else why not. */
  start(): Promise<OperationError | undefined> {
    return this.started;
  }

  /** Runs one operation; the worker must be idle. Always resolves, never rejects. */
  run(
    id: string,
    request: OperationRequest,
    callbacks: OperationCallbacks,
  ): Promise<OperationOutcome> {
    if (this.currentState !== 'idle') {
      return Promise.resolve(
        failedOutcome(
          hostFailure('WorkerCrashedError', `worker is ${this.currentState}, not idle`),
        ),
      );
    }
    return new Promise((resolve) => {
      this.begin(id, { kind: 'operation', request, callbacks, resolve });
      if (request.timeout !== null && request.timeout > 0) {
        const ms = Math.min(request.timeout * 1000, 2 ** 31 - 1);
        this.current?.timers.push(
          setTimeout(() => {
            this.end(
              'TimeoutError',
              `the operation ran past its timeout of ${request.timeout} s; the worker was killed`,
            );
            this.terminate();
          }, ms),
        );
      }
      this.send({ type: 'run', id, request });
    });
  }

  /**
   * Runs one workflow function; the worker must be idle. No timeout: it lasts as long as the
   * graphs it waits for; cancel ends it. Always resolves, never rejects.
   */
  runWorkflow(
    id: string,
    request: WorkflowRequest,
    callbacks: WorkflowCallbacks,
  ): Promise<WorkflowOutcome> {
    if (this.currentState !== 'idle') {
      return Promise.resolve({
        status: 'failed',
        error: hostFailure('WorkerCrashedError', `worker is ${this.currentState}, not idle`),
      });
    }
    const feature: WorkerFeature = 'workflows';
    if (!this.features.has(feature)) {
      return Promise.resolve({
        status: 'failed',
        error: hostFailure(
          'WorkflowUnsupportedError',
          `the worker for ${this.entry} cannot run workflow ${request.workflow_id}: it does not announce the '${feature}' feature`,
        ),
      });
    }
    return new Promise((resolve) => {
      this.begin(id, { kind: 'workflow', request, callbacks, resolve });
      this.send({ type: 'run_workflow', id, request });
    });
  }

  private begin(id: string, work: Work): void {
    this.current = {
      id,
      work,
      timers: [],
      failure: undefined,
      cancelled: false,
      synced: new Set(),
      logChars: 0,
      droppedLines: 0,
    };
    this.currentState = 'busy';
    this.setRef(true);
    this.tail.clear();
    this.outOfMemory = false;
  }

  /**
   * Cancels the running operation: the worker is told (`ctx.signal` aborts) and killed if it has
   * not finished after the grace. Either way the outcome is a `CancelledError`.
   */
  cancel(): void {
    const current = this.current;
    if (current === undefined || current.cancelled || current.failure !== undefined) return;
    current.cancelled = true;
    this.send({ type: 'cancel', id: current.id });
    current.timers.push(
      setTimeout(() => {
        this.end(
          'CancelledError',
          `the ${current.work.kind} was cancelled and did not stop within ${this.settings.killGraceMs} ms; the worker was killed`,
        );
        this.kill('SIGKILL');
      }, this.settings.killGraceMs),
    );
  }

  /**
   * Stops the worker: `shutdown`, then SIGKILL after the grace. A running operation ends as an
   * `ExecutorClosedError`. Resolves once the process is gone.
   */
  shutdown(): Promise<void> {
    switch (this.currentState) {
      case 'exited':
      case 'stopping':
        break;
      case 'starting':
        this.startFailure ??= hostFailure('ExecutorClosedError', 'the executor was closed');
        this.currentState = 'stopping';
        this.kill('SIGKILL');
        break;
      case 'busy':
        this.end('ExecutorClosedError', 'the executor was closed while the operation ran');
        this.stop();
        break;
      case 'idle':
        this.stop();
        break;
    }
    return this.exited;
  }

  // ---- wiring -----------------------------------------------------------------------------

  private wire(): void {
    const { child, channel } = this;
    child.on('error', () => {
      // Spawn failures arrive here (no pid); a dead worker also lands in 'exit'.
      if (child.pid === undefined) {
        this.startFailure ??= hostFailure(
          'WorkerStartError',
          `cannot start a worker for ${this.entry}`,
        );
        this.finalize();
      }
    });
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      // Wait for the pipes to drain: the last stderr lines tell an out-of-memory death apart.
      this.later(DRAIN_AFTER_EXIT_MS, () => {
        this.finalize();
      });
    });
    child.on('close', () => {
      this.finalize();
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      source?.setEncoding('utf8');
      source?.on('data', (chunk: string) => {
        this.outputs[stream].push(chunk);
      });
      source?.on('error', () => undefined);
    }
    if (channel === undefined) return;
    channel.setEncoding('utf8');
    const splitter = createLineSplitter({
      maxLineLength: this.settings.maxMessageLength,
      onLine: (line) => {
        // After a violation nothing more from this channel is believed.
        if (this.channelBroken) return;
        const parsed = parseWorkerMessage(line);
        if (parsed.ok) this.receive(parsed.message);
        else this.fault(`${parsed.issue.code}: ${parsed.issue.message}`);
      },
      onOverflow: (length) => {
        this.fault(`a message line grew past ${length} characters`);
      },
    });
    channel.on('data', (chunk: string) => {
      splitter.push(chunk);
    });
    channel.on('error', () => undefined);
    channel.on('end', () => {
      this.later(CHANNEL_END_GRACE_MS, () => {
        if (this.exit === undefined) this.fault('it closed its protocol channel');
      });
    });
  }

  private splitter(stream: Stream): OutputSplitter {
    return new OutputSplitter({
      maxLineLength: this.settings.maxLineLength,
      onLine: (line) => {
        this.tail.append(`${line}\n`);
        if (stream === 'stderr' && OUT_OF_MEMORY.test(line)) this.outOfMemory = true;
        this.log(stream === 'stdout' ? 'info' : 'error', line);
      },
      onSync: (id) => {
        const current = this.current;
        if (current?.id !== id) return;
        current.synced.add(stream);
        if (current.synced.size === 2) this.complete();
      },
    });
  }

  // ---- messages ---------------------------------------------------------------------------

  private receive(message: WorkerMessage): void {
    switch (message.type) {
      case 'hello': {
        if (this.currentState === 'stopping') return; // closed while it started
        if (this.currentState !== 'starting') {
          this.fault('it said hello twice');
          return;
        }
        if (message.protocol !== PROTOCOL_VERSION) {
          const reason = `the worker speaks protocol ${message.protocol}, the host speaks ${PROTOCOL_VERSION}`;
          this.send({ type: 'refuse', protocol: PROTOCOL_VERSION, reason });
          this.startFailure = hostFailure(
            'ProtocolMismatchError',
            `${reason} (worker runtime ${message.sdk_version} on ${message.runtime}); it was refused`,
          );
          this.currentState = 'stopping';
          this.terminate();
          return;
        }
        this.send({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          entry: this.entry,
          rpc_timeout_ms: this.settings.rpcTimeoutMs,
        });
        this.currentState = 'idle';
        this.wasWelcomed = true;
        this.features = new Set(message.features ?? []);
        this.setRef(false);
        this.resolveStart?.(undefined);
        this.resolveStart = undefined;
        return;
      }
      case 'log':
        if (this.current?.id === message.id) this.log(message.level, message.message);
        // Otherwise: a plugin logged after its operation ended; there is nobody to tell.
        return;
      case 'rpc':
        this.serve(message);
        return;
      case 'done': {
        const current = this.current;
        if (current?.id !== message.id || current.work.done !== undefined) {
          this.fault(`it reported the end of operation ${message.id}, which is not running`);
          return;
        }
        const { work } = current;
        const { outcome } = message;
        // An operation's outcome has runtime properties, a workflow's has none.
        if (work.kind === 'operation' && 'runtime_properties' in outcome) work.done = outcome;
        else if (work.kind === 'workflow' && !('runtime_properties' in outcome))
          work.done = outcome;
        else {
          this.fault(`it ended ${work.kind} ${message.id} with the outcome of another kind`);
          return;
        }
        if (current.failure !== undefined) return; // being killed anyway: the exit settles it
        // It finished: neither its timeout nor a cancel grace may kill it any more.
        for (const timer of current.timers.splice(0)) clearTimeout(timer);
        if (current.synced.size === 2) {
          this.complete();
          return;
        }
        current.timers.push(
          setTimeout(() => {
            this.complete();
          }, this.settings.syncWaitMs),
        );
        return;
      }
    }
  }

  private serve(message: RpcMessage): void {
    const current = this.current;
    const reply = (answer: { result: JsonValue } | { error: RpcErrorData }): void => {
      this.send({ type: 'rpc_result', id: message.id, call_id: message.call_id, ...answer });
    };
    /** Answers with what `call` resolves to, or with the error it rejects with. */
    const forward = (call: () => Promise<JsonValue>): void => {
      Promise.resolve()
        .then(call)
        .then(
          (result) => {
            reply({ result });
          },
          (error: unknown) => {
            reply({ error: rpcError(error) });
          },
        );
    };
    if (current?.id !== message.id || current.failure !== undefined) {
      reply({
        error: { type: 'NonRecoverableError', message: 'the operation is no longer running' },
      });
      return;
    }
    const { work } = current;
    const misplaced = (): void => {
      reply({
        error: {
          type: 'NonRecoverableError',
          message: `${message.method} cannot be called from a ${work.kind}`,
        },
      });
    };
    switch (message.method) {
      case 'instance.update': {
        if (work.kind !== 'operation') {
          misplaced();
          return;
        }
        const { instance_id: instanceId, runtime_properties: properties, version } = message.params;
        const { request } = work;
        const writable = [
          request.instance?.id,
          request.source?.instance.id,
          request.target?.instance.id,
        ];
        if (!writable.includes(instanceId)) {
          reply({
            error: {
              type: 'NonRecoverableError',
              message: `instance ${instanceId} is not one this operation may update`,
            },
          });
          return;
        }
        forward(async () => ({
          version: await work.callbacks.updateRuntimeProperties(instanceId, properties, version),
        }));
        return;
      }
      case 'workflow.run_graph': {
        if (work.kind !== 'workflow') {
          misplaced();
          return;
        }
        const { tasks } = message.params;
        forward(async () => {
          const { status, error, results } = await work.callbacks.runGraph(tasks);
          return { status, error, ...(results === undefined ? {} : { results }) };
        });
        return;
      }
      case 'workflow.send_event': {
        if (work.kind !== 'workflow') {
          misplaced();
          return;
        }
        const { message: text, instance_id: instanceId } = message.params;
        forward(async () => {
          await work.callbacks.sendEvent(text, instanceId);
          return null;
        });
        return;
      }
      case 'workflow.instances': {
        if (work.kind !== 'workflow') {
          misplaced();
          return;
        }
        // The engine's values are JSON by contract (the protocol's WorkflowInstanceData).
        forward(async () => (await work.callbacks.instances()) as unknown as JsonValue);
        return;
      }
    }
  }

  private send(message: HostMessage): void {
    const channel = this.channel;
    if (channel === undefined || this.exit !== undefined || channel.destroyed) return;
    channel.write(encodeMessage(message));
  }

  // ---- operation end ----------------------------------------------------------------------

  private log(level: OperationLog['level'], message: string): void {
    const current = this.current;
    if (current === undefined) return;
    const limit = this.settings.maxLogBytesPerOperation;
    if (current.logChars >= limit) {
      current.droppedLines += 1;
      return;
    }
    const text =
      message.length > this.settings.maxLineLength
        ? `${message.slice(0, this.settings.maxLineLength)}… [cut]`
        : message;
    current.logChars += text.length;
    safely(() => {
      current.work.callbacks.log({ level, message: text });
    });
    if (current.logChars >= limit) {
      safely(() => {
        current.work.callbacks.log({
          level: 'warning',
          message: `the operation's output reached ${limit} characters; further output is dropped`,
        });
      });
    }
  }

  /** Marks the running operation as ended by the host for this reason (first reason wins). */
  private end(type: HostFailureType, message: string): void {
    const current = this.current;
    if (current === undefined || current.failure !== undefined) return;
    current.failure = hostFailure(type, message, {
      timeoutRecoverable:
        current.work.kind === 'operation' && current.work.request.timeout_recoverable,
    });
  }

  /** The operation finished on a live worker (after `done` and the sync marks, or their wait). */
  private complete(): void {
    const current = this.current;
    if (current?.work.done === undefined || current.failure !== undefined) return;
    this.uses += 1;
    if (this.currentState === 'busy') {
      this.currentState = 'idle';
      this.setRef(false);
    }
    this.settle(
      current.cancelled
        ? hostFailure('CancelledError', `the ${current.work.kind} was cancelled`)
        : undefined,
    );
  }

  /**
   * Ends the running work: with the outcome its worker reported when `error` is undefined, else
   * failed with `error` (an operation keeps the runtime properties it reported).
   */
  private settle(error: OperationError | undefined): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    for (const timer of current.timers) clearTimeout(timer);
    const { work } = current;
    if (current.droppedLines > 0) {
      safely(() => {
        work.callbacks.log({
          level: 'warning',
          message: `${current.droppedLines} lines of output were dropped`,
        });
      });
    }
    const failure = (): OperationError =>
      error ?? hostFailure('ProtocolError', `the worker reported no outcome for ${current.id}`);
    switch (work.kind) {
      case 'operation':
        work.resolve(
          error === undefined && work.done !== undefined
            ? work.done
            : failedOutcome(failure(), work.done?.runtime_properties ?? {}),
        );
        return;
      case 'workflow':
        work.resolve(
          error === undefined && work.done !== undefined
            ? work.done
            : { status: 'failed', error: failure() },
        );
        return;
    }
  }

  private describeExit(): string {
    if (this.exit === undefined) return 'exited';
    const { code, signal } = this.exit;
    if (signal === null) return `exited with code ${code ?? 'unknown'}`;
    // The host sends SIGKILL only with a reason of its own; otherwise it came from outside.
    return signal === 'SIGKILL'
      ? 'was killed by SIGKILL (from outside the host: the system out-of-memory killer?)'
      : `was killed by ${signal}`;
  }

  /** The process is gone: settle whatever still waits on it, exactly once. */
  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    for (const timer of this.lifeTimers) clearTimeout(timer);
    this.outputs.stdout.flush();
    this.outputs.stderr.flush();
    this.currentState = 'exited';
    const outputTail = this.tail.toString();
    const pid = this.child.pid ?? 'unknown';

    if (this.resolveStart !== undefined) {
      const failure =
        this.startFailure ??
        hostFailure(
          'WorkerStartError',
          `the worker ${pid} for ${this.entry} ${this.describeExit()} before it was ready`,
        );
      this.resolveStart({ ...failure, ...(outputTail === '' ? {} : { output_tail: outputTail }) });
      this.resolveStart = undefined;
    }

    const current = this.current;
    if (current?.failure === undefined && current?.work.done !== undefined) {
      // It reported its outcome, then went away before the sync marks: the outcome stands.
      this.complete();
    } else if (current !== undefined) {
      const error =
        current.failure ??
        (this.outOfMemory
          ? hostFailure(
              'OutOfMemoryError',
              `the worker ${pid} ran out of memory (limit ${this.settings.memoryLimitMb} MB) and ${this.describeExit()}`,
            )
          : hostFailure(
              'WorkerCrashedError',
              `the worker ${pid} ${this.describeExit()} during the ${current.work.kind}`,
            ));
      this.settle({ ...error, ...(outputTail === '' ? {} : { output_tail: outputTail }) });
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.channel?.destroy();
    this.resolveExited();
    safely(() => {
      this.onExit(this);
    });
  }

  // ---- killing ----------------------------------------------------------------------------

  private later(ms: number, action: () => void): void {
    this.lifeTimers.push(setTimeout(action, ms));
  }

  /** Asks the worker to exit, then kills its group after the grace. */
  private stop(): void {
    this.currentState = 'stopping';
    this.setRef(true);
    this.send({ type: 'shutdown' });
    this.later(this.settings.killGraceMs, () => {
      this.kill('SIGKILL');
    });
  }

  /** SIGTERM to the whole group now, SIGKILL after the grace. */
  private terminate(): void {
    this.kill('SIGTERM');
    this.later(this.settings.killGraceMs, () => {
      this.kill('SIGKILL');
    });
  }

  /** The channel cannot be trusted any more: kill the worker at once. */
  private fault(problem: string): void {
    if (this.finalized) return;
    this.channelBroken = true;
    const message = `the worker ${this.child.pid ?? 'unknown'} broke the protocol: ${problem}; it was killed`;
    if (this.currentState === 'starting')
      this.startFailure ??= hostFailure('ProtocolError', message);
    this.end('ProtocolError', message);
    this.kill('SIGKILL');
  }

  /** Signals the worker's whole process group (the plugin's children too). */
  private kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.finalized) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
    if (signal === 'SIGKILL') {
      this.later(FORCE_FINALIZE_MS, () => {
        this.finalize();
      });
    }
  }

  /** Idle workers do not keep the host's event loop alive; busy ones do. */
  private setRef(ref: boolean): void {
    const handles = [this.child, this.child.stdout, this.child.stderr, this.channel];
    for (const handle of handles) {
      const h = handle as { ref?: () => void; unref?: () => void } | null | undefined;
      if (ref) h?.ref?.();
      else h?.unref?.();
    }
  }
}
