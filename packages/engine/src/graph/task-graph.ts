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
  readonly dependents: string[];
  /** How many tasks this one waits for. */
  waitsFor: number;
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
  readonly tasks = new Map<string, GraphTask>();
  readonly subgraphs = new Map<string, Subgraph>();
  private readonly edges = new Set<string>();

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
      for (const id of ids) for (const before of previous) this.depend(id, before);
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
    const id = `${sub.name}/${sub.tasks.length + 1}`;
    this.tasks.set(id, { id, subgraph: sub.name, spec, dependents: [], waitsFor: 0 });
    sub.tasks.push(id);
    return id;
  }

  /** `task` waits for `before` (idempotent). */
  depend(task: string, before: string): void {
    const key = `${task}\u0000${before}`;
    if (task === before || this.edges.has(key)) return;
    this.edges.add(key);
    const t = this.tasks.get(task);
    const b = this.tasks.get(before);
    if (t === undefined || b === undefined) throw new Error(`unknown task ${task} or ${before}`);
    b.dependents.push(task);
    t.waitsFor++;
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
    const waits = new Map<string, number>();
    for (const t of this.tasks.values()) waits.set(t.id, t.waitsFor);
    const ready = [...this.tasks.values()].filter((t) => t.waitsFor === 0);
    const out: GraphTask[] = [];
    for (let i = 0; i < ready.length; i++) {
      const t = ready[i] as GraphTask;
      out.push(t);
      for (const d of t.dependents) {
        const left = (waits.get(d) ?? 0) - 1;
        waits.set(d, left);
        if (left === 0) ready.push(this.tasks.get(d) as GraphTask);
      }
    }
    return out;
  }
}
