/**
 * The task graph of one execution: plain task descriptions (data, so a dry run can print them
 * and a resumed execution can rebuild the same ids), dependencies between them, and the
 * subgraphs they belong to (a node instance's lifecycle; a failure there fails the subgraph).
 *
 * Built in O(tasks + edges): workflows add sequences of steps (a step is a set of tasks that
 * may run in parallel) and make whole subgraphs wait for each other.
 */

/** Runs an operation of a node instance, or one side of a relationship instance's operation. */
export interface OperationTaskSpec {
  readonly kind: 'operation';
  readonly instanceId: string;
  /** Full operation name. */
  readonly operation: string;
  /** For relationship operations: which relationship of the source instance, and which side. */
  readonly relationship?: { readonly index: number; readonly side: 'source' | 'target' };
  /** Extra inputs (execute_operation's operation_kwargs). */
  readonly kwargs?: { readonly [key: string]: unknown };
  readonly allowKwargsOverride?: boolean;
  /** Keep going when it fails for good (uninstall's ignore_failure). */
  readonly ignoreFailure?: boolean;
  /**
   * A health check (`validation.check_status`): its outcome is stored as the instance's
   * `system_properties.status` (the old one becomes `previous_status`).
   */
  readonly recordStatus?: boolean;
}

/** Writes a node instance's state. */
export interface StateTaskSpec {
  readonly kind: 'state';
  readonly instanceId: string;
  readonly state: string;
}

/** Sends a node event (`workflow_node_event`). */
export interface EventTaskSpec {
  readonly kind: 'event';
  readonly instanceId: string;
  readonly message: string;
}

/** What one task does. */
export type TaskSpec = OperationTaskSpec | StateTaskSpec | EventTaskSpec;

/** A task in the graph. */
export interface GraphTask {
  /** Stable inside the execution: `<subgraph>/<n>`. */
  readonly id: string;
  readonly subgraph: string;
  readonly spec: TaskSpec;
  /** Ids of the tasks that wait for this one. */
  readonly dependents: readonly string[];
  /** How many tasks this one waits for. */
  readonly waitsFor: number;
  /** Its position in the graph, from 0: the scheduler keeps per-task counters in arrays. */
  readonly index: number;
}

/**
 * A task as the graph keeps it. A graph of 10,000 instances holds 200,000 tasks, so each is
 * small: most have one dependent, kept as its id rather than in an array of its own.
 */
class Task implements GraphTask {
  waitsFor = 0;
  private next: string | string[] | undefined = undefined;

  constructor(
    readonly id: string,
    readonly subgraph: string,
    readonly spec: TaskSpec,
    readonly index: number,
  ) {}

  get dependents(): readonly string[] {
    const next = this.next;
    if (next === undefined) return [];
    return typeof next === 'string' ? [next] : next;
  }

  hasDependent(id: string): boolean {
    const next = this.next;
    return typeof next === 'string' ? next === id : (next?.includes(id) ?? false);
  }

  addDependent(id: string): void {
    const next = this.next;
    if (next === undefined) this.next = id;
    else if (typeof next === 'string') this.next = [next, id];
    else next.push(id);
  }
}

/** A run of consecutive steps added to a subgraph: its first and last tasks. */
export interface Span {
  readonly first: readonly string[];
  readonly last: readonly string[];
}

/** A subgraph: one instance's part of the workflow. */
export interface Subgraph {
  readonly name: string;
  /** The node instance it is about (for events and failure handling). */
  readonly instanceId: string | undefined;
  readonly tasks: string[];
  /** Tasks that start it and end it (for whole-subgraph dependencies). */
  first: string[];
  last: string[];
  /**
   * An install subgraph's retry (Cloudify's `subgraph_retries`): the steps that uninstall the
   * instance as it now is and install it again, given the instance's current state.
   */
  reinstall?: (state: string | null) => readonly (readonly TaskSpec[])[];
}

/** A directed acyclic graph of tasks, grouped in subgraphs. */
export class TaskGraph {
  readonly tasks: ReadonlyMap<string, GraphTask> = new Map<string, Task>();
  readonly subgraphs = new Map<string, Subgraph>();
  /**
   * Edges between subgraphs, for idempotence. Edges inside a subgraph are not kept here (a
   * graph of 10,000 instances has 200,000 of them): `append` only links new tasks, and another
   * such edge is found among the few dependents of a task.
   */
  private readonly crossEdges = new Set<string>();

  /** Opens (or returns) a subgraph. */
  subgraph(name: string, instanceId?: string): Subgraph {
    let sub = this.subgraphs.get(name);
    if (sub === undefined) {
      sub = { name, instanceId, tasks: [], first: [], last: [] };
      this.subgraphs.set(name, sub);
    }
    return sub;
  }

  /**
   * Appends steps to a subgraph: every task of a step waits for every task of the step before
   * (and the first step for the subgraph's current last tasks). Empty steps are skipped.
   */
  append(sub: Subgraph, steps: readonly (readonly TaskSpec[])[]): Span {
    let previous = sub.last;
    let first: string[] | undefined;
    for (const step of steps) {
      if (step.length === 0) continue;
      const ids = step.map((spec) => this.add(sub, spec));
      // New tasks: these edges cannot exist yet.
      for (const id of ids) for (const before of previous) this.link(id, before);
      first ??= ids;
      previous = ids;
    }
    if (first === undefined) return { first: [], last: [] };
    if (sub.first.length === 0) sub.first = first;
    sub.last = previous;
    return { first, last: previous };
  }

  /** Adds one task to a subgraph with no dependencies (callers add them with {@link depend}). */
  addTask(sub: Subgraph, spec: TaskSpec): string {
    const id = this.add(sub, spec);
    if (sub.first.length === 0) sub.first = [id];
    sub.last = [...sub.last, id];
    return id;
  }

  private add(sub: Subgraph, spec: TaskSpec): string {
    // `join` makes a flat string; a template literal makes a rope of two (twice the memory,
    // kept for the life of the graph as the map key).
    const id = [sub.name, sub.tasks.length + 1].join('/');
    const tasks = this.tasks as Map<string, Task>;
    tasks.set(id, new Task(id, sub.name, spec, tasks.size));
    sub.tasks.push(id);
    return id;
  }

  /** `task` waits for `before` (idempotent). */
  depend(task: string, before: string): void {
    if (task === before) return;
    const t = this.task(task);
    const b = this.task(before);
    if (t === undefined || b === undefined) throw new Error(`unknown task ${task} or ${before}`);
    if (t.subgraph === b.subgraph) {
      if (b.hasDependent(task)) return;
    } else {
      const key = `${task}\u0000${before}`;
      if (this.crossEdges.has(key)) return;
      this.crossEdges.add(key);
    }
    this.link(task, before);
  }

  private task(id: string): Task | undefined {
    return (this.tasks as Map<string, Task>).get(id);
  }

  private link(task: string, before: string): void {
    (this.task(before) as Task).addDependent(task);
    (this.task(task) as Task).waitsFor++;
  }

  /** Every first task of `sub` waits for every task in `before`. */
  waitFor(sub: Subgraph, before: readonly string[]): void {
    for (const id of sub.first) for (const b of before) this.depend(id, b);
  }

  /** The whole of `sub` waits for the whole of `other`. */
  subgraphWaits(sub: Subgraph, other: Subgraph): void {
    this.waitFor(sub, other.last);
  }

  get size(): number {
    return this.tasks.size;
  }

  /**
   * The tasks in an order that respects every dependency (Kahn's algorithm, ties by insertion
   * order): what a dry run prints.
   */
  order(): GraphTask[] {
    const waits = new Int32Array(this.tasks.size);
    for (const t of this.tasks.values()) waits[t.index] = t.waitsFor;
    const ready = [...this.tasks.values()].filter((t) => t.waitsFor === 0);
    for (let i = 0; i < ready.length; i++) {
      for (const d of (ready[i] as GraphTask).dependents) {
        const task = this.tasks.get(d) as GraphTask;
        const left = (waits[task.index] ?? 0) - 1;
        waits[task.index] = left;
        if (left === 0) ready.push(task);
      }
    }
    return ready;
  }
}
