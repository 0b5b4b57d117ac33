/**
 * The workers of one plugin entry module: at most `maxWorkers` processes, reused across
 * operations, recycled after `maxUses`, replaced when they die. Operations wait in a FIFO queue
 * when every worker is busy.
 */
import type { OperationCallbacks, OperationOutcome, OperationRequest } from '@cairn/engine';
import { failedOutcome, hostFailure } from './failures.js';
import { WorkerProcess, type WorkerSettings } from './worker-process.js';

/** Limits of a pool. */
export interface PoolLimits {
  readonly maxWorkers: number;
  readonly maxUses: number;
}

interface Job {
  readonly id: string;
  readonly request: OperationRequest;
  readonly callbacks: OperationCallbacks;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (outcome: OperationOutcome) => void;
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
  private closed = false;

  constructor(
    private readonly entry: string,
    private readonly settings: WorkerSettings,
    private readonly limits: PoolLimits,
  ) {}

  /** Runs an operation on a worker of this pool; resolves to its outcome, never rejects. */
  run(
    id: string,
    request: OperationRequest,
    options: { callbacks: OperationCallbacks; signal?: AbortSignal | undefined },
  ): Promise<OperationOutcome> {
    if (this.closed) {
      return Promise.resolve(
        failedOutcome(hostFailure('ExecutorClosedError', 'the executor is closed')),
      );
    }
    return new Promise((resolve) => {
      const { signal } = options;
      const onAbort = (): void => {
        this.abort(job);
      };
      const job: Job = {
        id,
        request,
        callbacks: options.callbacks,
        signal,
        resolve: (outcome) => {
          if (job.settled) return;
          job.settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
        worker: undefined,
        settled: false,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stops every worker; queued operations end as `ExecutorClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      job.resolve(failedOutcome(hostFailure('ExecutorClosedError', 'the executor was closed')));
    }
    await Promise.all([...this.alive].map((worker) => worker.shutdown()));
  }

  private abort(job: Job): void {
    if (job.settled) return;
    if (job.worker === undefined) {
      const index = this.queue.indexOf(job);
      if (index !== -1) this.queue.splice(index, 1);
      job.resolve(
        failedOutcome(
          hostFailure('CancelledError', 'the operation was cancelled before it started'),
        ),
      );
      return;
    }
    job.worker.cancel();
  }

  /** Hands queued jobs to idle workers, starting workers while under the limit. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = [...this.workers].find((worker) => worker.state === 'idle');
      if (idle !== undefined) {
        const job = this.queue.shift();
        if (job !== undefined) this.dispatch(idle, job);
        continue;
      }
      const starting = [...this.workers].filter((worker) => worker.state === 'starting').length;
      if (this.queue.length > starting && this.workers.size < this.limits.maxWorkers) {
        this.spawn();
        continue;
      }
      break;
    }
  }

  private spawn(): void {
    const worker = new WorkerProcess(this.entry, this.settings, (gone) => {
      this.workers.delete(gone);
      this.alive.delete(gone);
      // A worker that never started is handled by its start failure below.
      if (gone.welcomed) this.pump();
    });
    this.workers.add(worker);
    this.alive.add(worker);
    void worker.start().then((failure) => {
      if (failure === undefined) {
        this.pump();
        return;
      }
      // The job this worker was started for takes the failure; otherwise a worker that can
      // never start (a protocol mismatch) would be respawned forever.
      this.workers.delete(worker);
      this.queue.shift()?.resolve(failedOutcome(failure));
      this.pump();
    });
  }

  private dispatch(worker: WorkerProcess, job: Job): void {
    job.worker = worker;
    void worker.run(job.id, job.request, job.callbacks).then((outcome) => {
      job.resolve(outcome);
      if (worker.state === 'idle' && worker.uses >= this.limits.maxUses) {
        this.workers.delete(worker);
        void worker.shutdown();
      }
      this.pump();
    });
    // Aborted between queueing and now: the listener ran while there was no worker.
    if (job.signal?.aborted === true) worker.cancel();
  }
}
