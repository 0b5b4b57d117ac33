/**
 * The host's handle on one worker process: spawns it in its own process group, does the
 * handshake, runs operations and workflow functions on it (one at a time, or as many at once as
 * the plugin declared safe and the worker supports), turns its output into log records, and
 * turns every way it can fail into a named failed outcome. Nothing here throws at the caller or
 * rejects a promise: the pool only ever sees outcomes.
 */
import type { ChildProcess } from 'node:child_process';
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
import { adopt, spawnWorkerProcess } from './spare-workers.js';

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

/** A run (operation or workflow function) in progress on the worker. */
interface Run {
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
  /** How many runs it has been given (finished or not); the pool recycles by this count. */
  begun = 0;
  /** Resolves once the process has exited and every pending operation is settled. */
  readonly exited: Promise<void>;

  private currentState: WorkerState = 'starting';
  private readonly child: ChildProcess;
  private readonly channel: Duplex | undefined;
  private readonly tail: TailBuffer;
  private readonly outputs: Record<Stream, OutputSplitter>;
  private readonly runs = new Map<string, Run>();
  /** Runs at once, at most: the plugin's wish once the worker has said it can (`concurrent`). */
  private maxConcurrent = 1;
  /** Set once the host has decided to end the process: it takes no more runs. */
  private doomed = false;
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

  /**
   * @param concurrency How many runs the plugin lets one of its workers have at once; honoured
   *   only if the worker announces the `concurrent` feature.
   */
  constructor(
    private readonly entry: string,
    private readonly settings: WorkerSettings,
    private readonly concurrency: number,
    private readonly onExit: (worker: WorkerProcess) => void,
    /** A spare process booted ahead of need (spare-workers.ts), to become this worker. */
    spare?: ChildProcess,
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
    if (spare === undefined) {
      this.child = spawnWorkerProcess(settings, settings.workerScript);
    } else {
      this.child = spare;
      adopt(spare, settings.workerScript);
    }
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

  /** How many more runs it takes now (0 while starting, stopping, full or doomed). */
  get freeSlots(): number {
    if (this.doomed || (this.currentState !== 'idle' && this.currentState !== 'busy')) return 0;
    return this.maxConcurrent - this.runs.size;
  }

  /** How many runs it has in progress. */
  get load(): number {
    return this.runs.size;
  }

  /** Runs at once, at most (1 until the handshake says otherwise). */
  get capacity(): number {
    return this.maxConcurrent;
  }

  /** Resolves when the handshake is over: undefined when the worker is ready, else why not. */
  start(): Promise<OperationError | undefined> {
    return this.started;
  }

  /** Runs one operation; the worker must have a free slot. Always resolves, never rejects. */
  run(
    id: string,
    request: OperationRequest,
    callbacks: OperationCallbacks,
  ): Promise<OperationOutcome> {
    if (this.freeSlots === 0) {
      return Promise.resolve(failedOutcome(this.notFree()));
    }
    return new Promise((resolve) => {
      const run = this.begin(id, { kind: 'operation', request, callbacks, resolve });
      if (request.timeout !== null && request.timeout > 0) {
        const ms = Math.min(request.timeout * 1000, 2 ** 31 - 1);
        run.timers.push(
          setTimeout(() => {
            this.timeOut(run, request.timeout ?? 0);
          }, ms),
        );
      }
      this.send({ type: 'run', id, request });
    });
  }

  /**
   * Runs one workflow function; the worker must have a free slot. No timeout: it lasts as long
   * as the graphs it waits for; cancel ends it. Always resolves, never rejects.
   */
  runWorkflow(
    id: string,
    request: WorkflowRequest,
    callbacks: WorkflowCallbacks,
  ): Promise<WorkflowOutcome> {
    if (this.freeSlots === 0) {
      return Promise.resolve({ status: 'failed', error: this.notFree() });
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

  private notFree(): OperationError {
    return hostFailure(
      'WorkerCrashedError',
      this.currentState === 'busy'
        ? `worker is busy with ${this.runs.size} of its ${this.maxConcurrent} runs`
        : `worker is ${this.doomed ? 'stopping' : this.currentState}, not idle`,
    );
  }

  private begin(id: string, work: Work): Run {
    if (this.runs.size === 0) {
      // The output tail and the out-of-memory sign describe what runs now.
      this.tail.clear();
      this.outOfMemory = false;
    }
    const run: Run = {
      id,
      work,
      timers: [],
      failure: undefined,
      cancelled: false,
      synced: new Set(),
      logChars: 0,
      droppedLines: 0,
    };
    this.runs.set(id, run);
    this.begun += 1;
    this.currentState = 'busy';
    this.setRef(true);
    return run;
  }

  /**
   * An operation ran past its timeout. Alone on its worker, it is killed with the worker. Among
   * others, it is cancelled (`ctx.signal` aborts) and fails at once as a timeout when it stops;
   * only if it does not stop within the grace does the worker go, and the others with it.
   */
  private timeOut(run: Run, seconds: number): void {
    if (this.maxConcurrent === 1) {
      this.end(
        run,
        'TimeoutError',
        `the operation ran past its timeout of ${seconds} s; the worker was killed`,
      );
      this.terminate();
      return;
    }
    this.end(run, 'TimeoutError', `the operation ran past its timeout of ${seconds} s`);
    this.send({ type: 'cancel', id: run.id });
    run.timers.push(
      setTimeout(() => {
        this.killFor(
          run,
          'TimeoutError',
          `the operation ran past its timeout of ${seconds} s and did not stop within ${this.settings.killGraceMs} ms; the worker was killed`,
        );
      }, this.settings.killGraceMs),
    );
  }

  /**
   * Cancels a run: the worker is told (`ctx.signal` aborts) and killed if the run has not
   * finished after the grace. Either way the outcome is a `CancelledError`.
   */
  cancel(id: string): void {
    const run = this.runs.get(id);
    if (run === undefined || run.cancelled || run.failure !== undefined) return;
    run.cancelled = true;
    this.send({ type: 'cancel', id });
    run.timers.push(
      setTimeout(() => {
        this.killFor(
          run,
          'CancelledError',
          `the ${run.work.kind} was cancelled and did not stop within ${this.settings.killGraceMs} ms; the worker was killed`,
        );
      }, this.settings.killGraceMs),
    );
  }

  /**
   * Kills the worker because `run` would not stop: it fails for that reason, and any other run
   * on the worker fails saying why its worker went.
   */
  private killFor(run: Run, type: HostFailureType, message: string): void {
    // A timed-out run already carries its reason; this one is more precise.
    run.failure = undefined;
    this.end(run, type, message);
    for (const other of this.runs.values()) {
      this.end(
        other,
        'WorkerCrashedError',
        `the worker ${this.child.pid ?? 'unknown'} was killed because ${run.work.kind} ${run.id}, running beside this ${other.work.kind}, did not stop`,
      );
    }
    this.kill('SIGKILL');
  }

  /**
   * Stops the worker: `shutdown`, then SIGKILL after the grace. Running work ends as an
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
        for (const run of this.runs.values()) {
          this.end(
            run,
            'ExecutorClosedError',
            `the executor was closed while the ${run.work.kind} ran`,
          );
        }
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
        // The process's own output belongs to whatever runs on it; with several runs at once
        // it cannot be told apart, so each of them shows it.
        for (const run of this.runs.values()) {
          this.log(run, stream === 'stdout' ? 'info' : 'error', line);
        }
      },
      onSync: (id) => {
        const run = this.runs.get(id);
        if (run === undefined) return;
        run.synced.add(stream);
        if (run.synced.size === 2) this.complete(run);
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
        const concurrentFeature: WorkerFeature = 'concurrent';
        const concurrent = (message.features ?? []).includes(concurrentFeature);
        this.send({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          entry: this.entry,
          rpc_timeout_ms: this.settings.rpcTimeoutMs,
          ...(concurrent && this.concurrency > 1 ? { max_concurrent: this.concurrency } : {}),
        });
        this.currentState = 'idle';
        this.wasWelcomed = true;
        this.features = new Set(message.features ?? []);
        this.maxConcurrent = this.features.has(concurrentFeature) ? this.concurrency : 1;
        this.setRef(false);
        this.resolveStart?.(undefined);
        this.resolveStart = undefined;
        return;
      }
      case 'log': {
        const run = this.runs.get(message.id);
        if (run !== undefined) this.log(run, message.level, message.message);
        // Otherwise: a plugin logged after its operation ended; there is nobody to tell.
        return;
      }
      case 'rpc':
        this.serve(message);
        return;
      case 'done': {
        const run = this.runs.get(message.id);
        if (run === undefined || run.work.done !== undefined) {
          this.fault(`it reported the end of operation ${message.id}, which is not running`);
          return;
        }
        const { work } = run;
        const { outcome } = message;
        // An operation's outcome has runtime properties, a workflow's has none.
        if (work.kind === 'operation' && 'runtime_properties' in outcome) work.done = outcome;
        else if (work.kind === 'workflow' && !('runtime_properties' in outcome))
          work.done = outcome;
        else {
          this.fault(`it ended ${work.kind} ${message.id} with the outcome of another kind`);
          return;
        }
        if (run.failure !== undefined) {
          // Being killed anyway: the exit settles it. Otherwise (it stopped after the timeout
          // that cancelled it, beside other runs) it ends now, failed for that reason.
          if (!this.doomed) this.complete(run);
          return;
        }
        // It finished: neither its timeout nor a cancel grace may kill it any more.
        for (const timer of run.timers.splice(0)) clearTimeout(timer);
        if (run.synced.size === 2) {
          this.complete(run);
          return;
        }
        run.timers.push(
          setTimeout(() => {
            this.complete(run);
          }, this.settings.syncWaitMs),
        );
        return;
      }
    }
  }

  private serve(message: RpcMessage): void {
    const run = this.runs.get(message.id);
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
    if (run === undefined || run.failure !== undefined) {
      reply({
        error: { type: 'NonRecoverableError', message: 'the operation is no longer running' },
      });
      return;
    }
    const { work } = run;
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

  private log(current: Run, level: OperationLog['level'], message: string): void {
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

  /** Marks a run as ended by the host for this reason (first reason wins). */
  private end(run: Run, type: HostFailureType, message: string): void {
    if (run.failure !== undefined) return;
    run.failure = hostFailure(type, message, {
      timeoutRecoverable: run.work.kind === 'operation' && run.work.request.timeout_recoverable,
    });
  }

  /**
   * A run finished on a live worker (after `done` and the sync marks, or their wait; or after
   * `done` of a run the host had already failed, when the worker lives on).
   */
  private complete(run: Run): void {
    if (run.work.done === undefined || this.runs.get(run.id) !== run) return;
    this.runs.delete(run.id);
    if (this.currentState === 'busy' && this.runs.size === 0) {
      this.currentState = 'idle';
      this.setRef(false);
    }
    this.settle(
      run,
      run.failure ??
        (run.cancelled
          ? hostFailure('CancelledError', `the ${run.work.kind} was cancelled`)
          : undefined),
    );
  }

  /**
   * Ends a run: with the outcome its worker reported when `error` is undefined, else failed with
   * `error` (an operation keeps the runtime properties it reported).
   */
  private settle(current: Run, error: OperationError | undefined): void {
    this.runs.delete(current.id);
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

    for (const current of [...this.runs.values()]) {
      if (current.failure === undefined && current.work.done !== undefined) {
        // It reported its outcome, then went away before the sync marks: the outcome stands.
        this.complete(current);
        continue;
      }
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
      this.settle(current, {
        ...error,
        ...(outputTail === '' ? {} : { output_tail: outputTail }),
      });
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
    this.doomed = true;
    this.setRef(true);
    this.send({ type: 'shutdown' });
    this.later(this.settings.killGraceMs, () => {
      this.kill('SIGKILL');
    });
  }

  /** SIGTERM to the whole group now, SIGKILL after the grace. */
  private terminate(): void {
    this.doomed = true;
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
    for (const run of this.runs.values()) this.end(run, 'ProtocolError', message);
    this.kill('SIGKILL');
  }

  /** Signals the worker's whole process group (the plugin's children too). */
  private kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.finalized) return;
    this.doomed = true;
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
