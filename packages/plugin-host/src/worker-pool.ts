/**
 * The workers of one plugin entry module: at most `maxWorkers` processes, reused across
 * operations, recycled after `maxUses`, replaced when they die. A worker runs one operation at a
 * time, or up to `concurrency` at once for a plugin that declared that safe (ADR 0010).
 * Operations wait in a FIFO queue when every worker is full.
 *
 * Workers start lazily. Starting one costs as much CPU as hundreds of short operations, so
 * another is started only when it would pay off: when the waiting jobs would keep the workers
 * there are busy for longer than a start takes (both durations measured as the pool runs). Short
 * operations so keep a few workers busy and long ones grow the pool to `maxWorkers`. Until a
 * job has finished there is no duration to go by: then a job waiting `spawnDelayMs` is enough.
 * At most `maxStarting` start at once: on a small machine, starting many together makes each
 * ready late.
 */
import type {
  OperationCallbacks,
  OperationError,
  OperationOutcome,
  OperationRequest,
  WorkflowCallbacks,
  WorkflowOutcome,
  WorkflowRequest,
} from '@cairn/engine';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { failedOutcome, hostFailure } from './failures.js';
import type { SpareWorkers } from './spare-workers.js';
import { WorkerProcess, type WorkerSettings } from './worker-process.js';

/** What a worker start is assumed to take before one has been measured. */
const INITIAL_START_MS = 200;

/** Above this share of its time busy, this process gains nothing from more workers. */
const MAX_HOST_UTILIZATION = 0.75;

/** Weight of the newest sample in the moving averages. */
const SMOOTHING = 0.2;

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + SMOOTHING * (sample - previous);
}

/** Limits of a pool. */
export interface PoolLimits {
  readonly maxWorkers: number;
  readonly maxUses: number;
  /**
   * How often the pool checks whether to start a worker while jobs wait, and how long a job
   * waits before one is started when no job has finished yet.
   */
  readonly spawnDelayMs: number;
  /** Workers starting at once, at most. */
  readonly maxStarting: number;
}

/** An operation or a workflow function, waiting for a worker or running on one. */
interface Job {
  readonly id: string;
  /** What runs, for messages. */
  readonly what: 'operation' | 'workflow';
  /** Runs the job on `worker`; resolves once it has settled the job. */
  readonly execute: (worker: WorkerProcess) => Promise<void>;
  /** Ends the job with a failure of the host (it never reached a worker). */
  readonly fail: (error: OperationError) => void;
  readonly signal: AbortSignal | undefined;
  /** When it was queued, and when a worker took it (`performance.now()`). */
  readonly queuedAt: number;
  startedAt: number;
  worker: WorkerProcess | undefined;
  settled: boolean;
}

/** A pool of workers for one plugin entry. */
export class WorkerPool {
  /** Workers that count against the limit (starting, idle, busy). */
  private readonly workers = new Set<WorkerProcess>();
  /** Every process not yet exited, including retiring ones (what `close` waits for). */
  private readonly alive = new Set<WorkerProcess>();
  private readonly queue: Job[] = [];
  private starting = 0;
  /** Moving averages: how long a job runs (undefined until one has finished), a start takes. */
  private jobMs: number | undefined;
  private startMs = INITIAL_START_MS;
  /** Set while a check for a worker start is pending. */
  private spawnTimer: ReturnType<typeof setTimeout> | undefined;
  /** Since when jobs have waited without a break, and the event loop's use then. */
  private backlog: { since: number; loop: EventLoopUtilization } | undefined;
  private closed = false;

  /**
   * @param concurrency Runs one worker of this plugin may have at once (1: one at a time).
   */
  constructor(
    private readonly entry: string,
    private readonly settings: WorkerSettings,
    private readonly limits: PoolLimits,
    private readonly concurrency = 1,
    /** Processes booted ahead of need, shared by the executor's pools. */
    private readonly spares?: SpareWorkers,
  ) {}

  /** Whether this pool has started a worker yet. */
  private spawnedAny = false;

  /** Runs an operation on a worker of this pool; resolves to its outcome, never rejects. */
  run(
    id: string,
    request: OperationRequest,
    options: { callbacks: OperationCallbacks; signal?: AbortSignal | undefined },
  ): Promise<OperationOutcome> {
    return this.enqueue(id, {
      what: 'operation',
      signal: options.signal,
      execute: (worker) => worker.run(id, request, options.callbacks),
      failed: (error) => failedOutcome(error),
    });
  }

  /** Runs a workflow function on a worker of this pool; resolves to its outcome, never rejects. */
  runWorkflow(
    id: string,
    request: WorkflowRequest,
    options: { callbacks: WorkflowCallbacks; signal?: AbortSignal | undefined },
  ): Promise<WorkflowOutcome> {
    return this.enqueue(id, {
      what: 'workflow',
      signal: options.signal,
      execute: (worker) => worker.runWorkflow(id, request, options.callbacks),
      failed: (error) => ({ status: 'failed', error }),
    });
  }

  private enqueue<O>(
    id: string,
    work: {
      what: Job['what'];
      signal: AbortSignal | undefined;
      execute: (worker: WorkerProcess) => Promise<O>;
      failed: (error: OperationError) => O;
    },
  ): Promise<O> {
    if (this.closed) {
      return Promise.resolve(
        work.failed(hostFailure('ExecutorClosedError', 'the executor is closed')),
      );
    }
    return new Promise((resolve) => {
      const { signal } = work;
      const onAbort = (): void => {
        this.abort(job);
      };
      const settle = (outcome: O): void => {
        if (job.settled) return;
        job.settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const job: Job = {
        id,
        what: work.what,
        execute: (worker) => work.execute(worker).then(settle),
        fail: (error) => {
          settle(work.failed(error));
        },
        signal,
        queuedAt: performance.now(),
        startedAt: 0,
        worker: undefined,
        settled: false,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stops every worker; queued jobs end as `ExecutorClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.spawnTimer);
    this.spawnTimer = undefined;
    for (const job of this.queue.splice(0)) {
      job.fail(hostFailure('ExecutorClosedError', 'the executor was closed'));
    }
    await Promise.all([...this.alive].map((worker) => worker.shutdown()));
  }

  private abort(job: Job): void {
    if (job.settled) return;
    if (job.worker === undefined) {
      const index = this.queue.indexOf(job);
      if (index !== -1) this.queue.splice(index, 1);
      job.fail(hostFailure('CancelledError', `the ${job.what} was cancelled before it started`));
      return;
    }
    job.worker.cancel(job.id);
  }

  /** Hands queued jobs to workers with room, then starts workers if the rest waited long enough. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const worker = this.withRoom();
      if (worker === undefined) break;
      const job = this.queue.shift();
      if (job !== undefined) this.dispatch(worker, job);
    }
    if (this.queue.length === 0) this.backlog = undefined;
    else this.backlog ??= { since: performance.now(), loop: performance.eventLoopUtilization() };
    this.grow();
  }

  /**
   * A worker that takes another run: the fullest that has room, so that concurrent runs gather
   * on few processes (each costs a start and its own warm-up) and the rest stay idle.
   */
  private withRoom(): WorkerProcess | undefined {
    let best: WorkerProcess | undefined;
    for (const worker of this.workers) {
      if (worker.freeSlots === 0 || worker.begun >= this.limits.maxUses) continue;
      if (best === undefined || worker.load > best.load) best = worker;
    }
    return best;
  }

  /** Runs the workers there are, and those starting, can have at once. */
  private capacity(): number {
    let total = this.starting * this.concurrency;
    for (const worker of this.workers) {
      if (worker.state === 'idle' || worker.state === 'busy') total += worker.capacity;
    }
    return total;
  }

  private grow(): void {
    while (
      !this.closed &&
      // Every waiting job already has a worker on its way.
      this.queue.length > this.starting * this.concurrency &&
      this.workers.size < this.limits.maxWorkers &&
      this.starting < this.limits.maxStarting
    ) {
      if (this.workers.size > 0 && !this.worthStarting()) {
        this.spawnTimer ??= setTimeout(() => {
          this.spawnTimer = undefined;
          this.grow();
        }, this.limits.spawnDelayMs);
        return;
      }
      this.spawn();
    }
  }

  /**
   * Whether another worker would pay off: jobs take longer than a start (a waiting job waits
   * for one to end), or those without a worker on its way would keep the workers busy longer
   * than a start takes; or jobs have kept waiting for that long while this process had time to
   * spare (short jobs, but each waits on round trips: more workers, more in flight). When this
   * process is the one that is busy, more workers would only take its CPU.
   */
  private worthStarting(): boolean {
    const now = performance.now();
    if (this.jobMs === undefined) {
      const head = this.queue[this.starting * this.concurrency];
      return head !== undefined && now - head.queuedAt >= this.limits.spawnDelayMs;
    }
    const waiting = this.queue.length - this.starting * this.concurrency;
    if (this.jobMs >= this.startMs) return true;
    if ((waiting * this.jobMs) / Math.max(1, this.capacity()) > this.startMs) return true;
    const backlog = this.backlog;
    if (backlog === undefined || now - backlog.since < this.startMs) return false;
    const busy = performance.eventLoopUtilization(backlog.loop).utilization;
    // The next start is judged on what follows this decision.
    this.backlog = { since: now, loop: performance.eventLoopUtilization() };
    return busy < MAX_HOST_UTILIZATION;
  }

  private spawn(): void {
    const spare = this.spares?.take();
    const worker = new WorkerProcess(
      this.entry,
      this.settings,
      this.concurrency,
      (gone) => {
        this.workers.delete(gone);
        this.alive.delete(gone);
        // A worker that never started is handled by its start failure below.
        if (gone.welcomed) this.pump();
      },
      spare,
    );
    // A spare serves the first worker of each pool: replacing it here lets the next plugin's
    // pool find Node booted too. Growing a pool takes a spare when one is there but starts no
    // replacement: on a busy host, booting Node ahead of need competes with the work itself.
    if (!this.spawnedAny) this.spares?.fill();
    this.spawnedAny = true;
    this.workers.add(worker);
    this.alive.add(worker);
    this.starting += 1;
    const spawnedAt = performance.now();
    void worker.start().then((failure) => {
      this.starting -= 1;
      if (failure === undefined) {
        this.startMs = average(this.startMs, performance.now() - spawnedAt);
        this.pump();
        return;
      }
      // The job this worker was started for takes the failure; otherwise a worker that can
      // never start (a protocol mismatch) would be respawned forever.
      this.workers.delete(worker);
      this.queue.shift()?.fail(failure);
      this.pump();
    });
  }

  private dispatch(worker: WorkerProcess, job: Job): void {
    job.worker = worker;
    job.startedAt = performance.now();
    void job.execute(worker).then(() => {
      this.jobMs = average(this.jobMs, performance.now() - job.startedAt);
      if (worker.state === 'idle' && worker.begun >= this.limits.maxUses) {
        this.workers.delete(worker);
        void worker.shutdown();
      }
      this.pump();
    });
    // Aborted between queueing and now: the listener ran while there was no worker.
    if (job.signal?.aborted === true) worker.cancel(job.id);
  }
}
