/**
 * The manager's execution workers: executions are stored `queued` by the engine and started in
 * order, at most `concurrency` at a time across all tenants. The queue itself is the stored
 * executions, so a restart loses nothing: queued ones are found again, and ones a crash
 * interrupted are resumed (only the tasks that had not succeeded run again).
 */
import type { ExecutionHandle, StartExecutionOptions } from '@cairn/engine';
import type { ExecutionRecord } from '@cairn/store';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../http/metrics.js';
import type { TenantRuntime, TenantRuntimes } from './tenant-runtimes.js';

/** Options of {@link ExecutionQueue}. */
export interface ExecutionQueueOptions {
  readonly runtimes: TenantRuntimes;
  /** Most executions running at once (default 8). */
  readonly concurrency?: number;
  readonly metrics: Metrics;
  readonly log: FastifyBaseLogger;
}

interface Waiting {
  readonly tenant: string;
  readonly id: string;
}

/** Queued executions and the ones running. */
export class ExecutionQueue {
  private readonly waiting: Waiting[] = [];
  private readonly running = new Map<string, { tenant: string; handle: ExecutionHandle }>();
  private readonly concurrency: number;
  private stopping = false;

  constructor(private readonly options: ExecutionQueueOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** Checks and stores a new execution as queued, and starts it when a worker is free. */
  async submit(
    tenant: string,
    request: Omit<StartExecutionOptions, 'listener'>,
  ): Promise<ExecutionRecord> {
    const runtime = await this.options.runtimes.get(tenant);
    const execution = await runtime.engine.queueExecution(request);
    runtime.deployments.executionChanged(execution);
    this.options.metrics.executions.inc({ status: 'queued' });
    this.waiting.push({ tenant, id: execution.id });
    this.pump();
    return execution;
  }

  /** Resumes a failed, cancelled or interrupted execution now. */
  async resume(tenant: string, id: string): Promise<ExecutionRecord> {
    const runtime = await this.options.runtimes.get(tenant);
    const handle = await runtime.engine.resume(id);
    this.track(runtime, handle);
    return handle.execution;
  }

  /** Cancels a queued or running execution. A queued one never starts. */
  async cancel(tenant: string, id: string, force: boolean): Promise<ExecutionRecord> {
    const runtime = await this.options.runtimes.get(tenant);
    const index = this.waiting.findIndex((w) => w.tenant === tenant && w.id === id);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      const now = new Date().toISOString();
      await runtime.store.apply({
        execution: { id, status: 'cancelled', ended_at: now, error: 'Cancelled before it started' },
      });
      this.options.metrics.executions.inc({ status: 'cancelled' });
      const record = await runtime.store.getExecution(id);
      if (record !== undefined) {
        runtime.deployments.executionChanged(record);
        return record;
      }
    }
    return runtime.engine.cancel(id, force);
  }

  /** How many executions wait, and how many run. */
  counts(): { queued: number; running: number } {
    return { queued: this.waiting.length, running: this.running.size };
  }

  /**
   * At start-up: every tenant's executions that a stopped manager left behind. Interrupted ones
   * (their process is gone) are marked so and resumed; queued ones go back in the queue, oldest
   * first.
   */
  async recover(tenants: readonly string[]): Promise<{ resumed: number; queued: number }> {
    let resumed = 0;
    let queued = 0;
    const found: (Waiting & { created_at: string })[] = [];
    for (const tenant of tenants) {
      const runtime = await this.options.runtimes.get(tenant);
      for (const execution of await runtime.engine.recoverInterrupted()) {
        if (!execution.error.startsWith('Interrupted')) continue;
        try {
          await this.resume(tenant, execution.id);
          resumed += 1;
        } catch (error) {
          this.options.log.warn(
            { err: error, tenant, execution: execution.id },
            'could not resume an interrupted execution',
          );
        }
      }
      for (const execution of await runtime.store.listExecutions()) {
        if (execution.status === 'queued') {
          found.push({ tenant, id: execution.id, created_at: execution.created_at });
        }
      }
    }
    found.sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const { tenant, id } of found) {
      this.waiting.push({ tenant, id });
      queued += 1;
    }
    this.pump();
    return { resumed, queued };
  }

  /**
   * Stops starting executions, and waits up to `graceMs` for running ones to end. Those still
   * running are left `started`: the next start finds them interrupted and resumes them.
   */
  async drain(graceMs: number): Promise<number> {
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.running.size;
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next === undefined) break;
      void this.start(next);
    }
  }

  private async start(next: Waiting): Promise<void> {
    // Counted as running before the engine answers, so pump() keeps to the limit.
    const placeholder = `starting:${next.tenant}/${next.id}`;
    this.running.set(placeholder, { tenant: next.tenant, handle: undefined as never });
    try {
      const runtime = await this.options.runtimes.get(next.tenant);
      const handle = await runtime.engine.startQueued(next.id);
      this.running.delete(placeholder);
      this.track(runtime, handle);
    } catch (error) {
      this.running.delete(placeholder);
      this.options.log.error(
        { err: error, tenant: next.tenant, execution: next.id },
        'a queued execution could not start',
      );
      this.pump();
    }
  }

  private track(runtime: TenantRuntime, handle: ExecutionHandle): void {
    const key = `${runtime.tenant}/${handle.execution.id}`;
    this.running.set(key, { tenant: runtime.tenant, handle });
    this.options.metrics.executions.inc({ status: 'started' });
    runtime.deployments.executionChanged({ ...handle.execution, status: 'started' });
    void handle.done
      .then((final) => {
        runtime.deployments.executionChanged(final);
        this.options.metrics.executions.inc({ status: final.status });
      })
      .catch((error: unknown) => {
        this.options.log.error({ err: error, execution: handle.execution.id }, 'execution crashed');
      })
      .finally(() => {
        this.running.delete(key);
        this.pump();
      });
  }
}
