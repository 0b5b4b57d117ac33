/**
 * The scheduler: runs a task graph with at most `parallelism` tasks at once, each task as soon
 * as everything it waits for has succeeded. Subgraph bookkeeping follows Cloudify: "Subgraph
 * started/succeeded/failed" events, and a task failing for good fails its subgraph, which
 * fails the execution: nothing new starts, running tasks finish, nothing is rolled back.
 *
 * O(tasks + edges): each task is made ready once, each edge is followed once.
 */
import type { JsonValue } from '@cairn/errors';
import type { OperationError } from '../executor/executor.js';
import type { GraphTask, Subgraph, TaskGraph } from '../graph/task-graph.js';
import { makeEvent } from './events.js';
import { runOperationTask, type OperationTaskResult } from './operation-task.js';
import type { RunState } from './run-state.js';

/** How running a graph ended. */
export interface GraphResult {
  readonly status: 'terminated' | 'failed' | 'cancelled';
  /** Why it failed ('' otherwise). */
  readonly error: string;
  /** What operations returned, by task id (those that returned something other than null). */
  readonly results: ReadonlyMap<string, JsonValue>;
}

/** A FIFO queue with O(1) take (Array#shift is O(n), which large graphs would feel). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  push(...items: T[]): void {
    this.items.push(...items);
  }
  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  get length(): number {
    return this.items.length - this.head;
  }
}

/**
 * A number per task, by task index (typed arrays rather than maps by id: a large graph has
 * hundreds of thousands of tasks). Grows as tasks are added (subgraph retries add some).
 */
class PerTask {
  private values: Int32Array;
  constructor(size: number) {
    this.values = new Int32Array(Math.max(16, size));
  }
  get(task: GraphTask): number {
    return this.values[task.index] ?? 0;
  }
  set(task: GraphTask, value: number): void {
    if (task.index >= this.values.length) {
      const grown = new Int32Array(Math.max(task.index + 1, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[task.index] = value;
  }
}

interface SubgraphProgress {
  readonly sub: Subgraph;
  remaining: number;
  started: boolean;
  failed: boolean;
}

/** Describes a final task failure for the execution's error. */
export function describeFailure(result: Extract<OperationTaskResult, { ok: false }>): string {
  const e: OperationError = result.error;
  const attempts = result.attempt + 1;
  const tail =
    e.output_tail !== undefined && e.output_tail !== ''
      ? `\nOutput (last lines):\n${e.output_tail}`
      : '';
  return (
    `Task failed: ${result.taskName} on ${result.instanceId} ` +
    `(${result.operation}, attempt ${attempts}${result.maxRetries >= 0 ? ` of ${result.maxRetries + 1}` : ''}): ` +
    `${e.type}: ${e.message}${tail}`
  );
}

/** Runs `graph` to its end. */
export async function runGraph(graph: TaskGraph, run: RunState): Promise<GraphResult> {
  // How many of its dependencies each task still waits for.
  const waits = new PerTask(graph.size);
  const progress = new Map<string, SubgraphProgress>();
  for (const sub of graph.subgraphs.values()) {
    progress.set(sub.name, { sub, remaining: sub.tasks.length, started: false, failed: false });
  }
  for (const task of graph.tasks.values()) waits.set(task, task.waitsFor);

  const ready = new Queue<GraphTask>();
  // Tasks that succeeded in an earlier run (resume) count as done without running.
  const doneTasks = new PerTask(graph.size);
  const replaced = new Map<string, { original: SubgraphProgress; left: string[] }>();
  const settle = (task: GraphTask): void => {
    doneTasks.set(task, 1);
    const p = progress.get(task.subgraph);
    if (p !== undefined) p.remaining--;
    for (const d of task.dependents) {
      const dependent = graph.tasks.get(d) as GraphTask;
      const left = waits.get(dependent) - 1;
      waits.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  };
  for (const t of graph.tasks.values()) if (t.waitsFor === 0) ready.push(t);
  const pending: GraphTask[] = [];
  for (let task = ready.take(); task !== undefined; task = ready.take()) {
    // A subgraph that completed counts as done whole (its state and event tasks keep no
    // records of their own); otherwise each operation that succeeded is skipped.
    if (run.succeededBefore(task.id) || run.succeededBefore(`${task.subgraph}/done`)) settle(task);
    else pending.push(task);
  }
  for (const task of pending) ready.push(task);

  let running = 0;
  let failure = '';
  const results = new Map<string, JsonValue>();
  // Tasks of an install subgraph that a successful retry replaced: done without running.
  const skipped = new Set<string>();
  const retries = new Map<string, number>();
  let stopping = false;
  let finish!: () => void;
  let crash!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    crash = reject;
  });

  const subgraphEvent = async (p: SubgraphProgress, what: string): Promise<void> => {
    await run.commit({
      ...(what === 'succeeded'
        ? { tasks: [run.taskRecord(`${p.sub.name}/done`, 'succeeded', 1)] }
        : {}),
      events: [
        makeEvent(
          run.scope,
          what === 'failed'
            ? 'task_failed'
            : what === 'started'
              ? 'task_started'
              : 'task_succeeded',
          `Subgraph ${what} '${p.sub.name}'`,
          {
            context: p.sub.instanceId === undefined ? {} : { node_id: p.sub.instanceId },
          },
        ),
      ],
    });
  };

  const execute = async (task: GraphTask): Promise<boolean> => {
    const p = progress.get(task.subgraph);
    if (p !== undefined && !p.started) {
      p.started = true;
      await subgraphEvent(p, 'started');
    }
    const spec = task.spec;
    switch (spec.kind) {
      case 'state':
        // No task record: writing a state again on resume is harmless, and a completed
        // subgraph is recorded once as a whole.
        await run.commit({ instances: [{ id: spec.instanceId, state: spec.state }] });
        return true;
      case 'event':
        await run.commit({
          events: [
            makeEvent(run.scope, 'workflow_node_event', spec.message, {
              context: {
                node_id: spec.instanceId,
                node_name: run.model.instance(spec.instanceId).node_id,
              },
            }),
          ],
        });
        return true;
      case 'operation': {
        const result = await runOperationTask(run, task, spec);
        // None (null) is what a missing result reads as anyway: not kept (big installs).
        if (result.ok && result.result !== undefined && result.result !== null) {
          results.set(task.id, result.result);
        }
        if (result.ok) return true;
        if (spec.ignoreFailure === true) {
          await run.commit({
            events: [
              makeEvent(
                run.scope,
                'workflow_node_event',
                `Ignoring task ${result.taskName} failure`,
                {
                  context: { node_id: spec.instanceId },
                },
              ),
            ],
          });
          return true;
        }
        // An operation killed by a force-cancel did not fail the execution: it was cancelled.
        const cancelled = run.cancelSignal.aborted && result.error.type === 'CancelledError';
        if (failure === '' && !cancelled) failure = describeFailure(result);
        return false;
      }
    }
  };

  /**
   * Retries a failed install subgraph as a reinstall, when `subgraph_retries` allows: new tasks
   * uninstall the instance as it is now and install it again; when they succeed, what was left
   * of the failed subgraph counts as done, so whatever waited for it goes on.
   */
  const retrySubgraph = async (p: SubgraphProgress): Promise<boolean> => {
    const sub = p.sub;
    const used = retries.get(sub.instanceId ?? sub.name) ?? 0;
    const allowed = run.settings.subgraph_retries;
    if (sub.reinstall === undefined || sub.instanceId === undefined) return false;
    if (run.cancelSignal.aborted || (allowed >= 0 && used >= allowed)) return false;
    retries.set(sub.instanceId, used + 1);
    failure = '';
    const instanceId = sub.instanceId;
    const steps = sub.reinstall(run.model.instance(instanceId).state);
    const retry = graph.subgraph(`reinstall${used + 1}_${instanceId}`, instanceId);
    graph.append(retry, steps);
    const suffix = allowed < 0 ? ` [retry ${used + 1}]` : ` [retry ${used + 1}/${allowed}]`;
    const retryProgress: SubgraphProgress = {
      sub: retry,
      remaining: retry.tasks.length,
      started: true,
      failed: false,
    };
    progress.set(retry.name, retryProgress);
    await run.commit({
      events: [
        makeEvent(run.scope, 'task_started', `Subgraph started '${retry.name}'${suffix}`, {
          context: { node_id: instanceId },
        }),
        makeEvent(
          run.scope,
          'workflow_node_event',
          'Node lifecycle failed. Attempting to re-run node lifecycle',
          { context: { node_id: instanceId, node_name: run.model.instance(instanceId).node_id } },
        ),
      ],
    });
    retry.reinstall = sub.reinstall;
    replaced.set(
      retry.name,
      replaced.get(sub.name) ?? {
        original: p,
        left: sub.tasks.filter((id) => doneTasks.get(graph.tasks.get(id) as GraphTask) === 0),
      },
    );
    for (const id of retry.tasks) {
      const t = graph.tasks.get(id) as GraphTask;
      waits.set(t, t.waitsFor);
      if (t.waitsFor === 0) ready.push(t);
    }
    return true;
  };

  const pump = (): void => {
    if (run.cancelSignal.aborted) stopping = true;
    while (!stopping && running < run.settings.parallelism && ready.length > 0) {
      const task = ready.take() as GraphTask;
      const p = progress.get(task.subgraph);
      // Replaced by a successful retry, or an operation that succeeded before a resume.
      if (skipped.has(task.id) || run.succeededBefore(task.id)) {
        settle(task);
        continue;
      }
      if (p?.failed === true) continue;
      running++;
      void (async () => {
        try {
          const ok = await execute(task);
          // `running` drops only after the subgraph event is stored, so the run cannot be
          // seen as finished while a write is in flight.
          if (ok) {
            settle(task);
            if (p !== undefined && p.remaining === 0 && !p.failed) {
              await subgraphEvent(p, 'succeeded');
              // A retry succeeded: what was left of the subgraph it replaced is done.
              const replacedSub = replaced.get(p.sub.name);
              if (replacedSub !== undefined) {
                for (const id of replacedSub.left) skipped.add(id);
                for (const id of replacedSub.left) {
                  const left = graph.tasks.get(id) as GraphTask;
                  if (waits.get(left) <= 0) ready.push(left);
                }
              }
            }
          } else {
            if (p !== undefined) {
              p.failed = true;
              await subgraphEvent(p, 'failed');
            }
            if (p === undefined || !(await retrySubgraph(p))) stopping = true;
          }
          running--;
          pump();
        } catch (error) {
          running--;
          stopping = true;
          crash(error);
        }
      })();
    }
    if (running === 0 && (stopping || ready.length === 0)) finish();
  };
  const onCancel = (): void => {
    pump();
  };
  run.cancelSignal.addEventListener('abort', onCancel);
  try {
    pump();
    await finished;
  } finally {
    run.cancelSignal.removeEventListener('abort', onCancel);
  }
  if (failure !== '') return { status: 'failed', error: failure, results };
  if (run.cancelSignal.aborted) return { status: 'cancelled', error: '', results };
  return { status: 'terminated', error: '', results };
}
