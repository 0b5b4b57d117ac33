/**
 * The install and uninstall subgraphs of node instances, step by step as Cloudify runs them
 * (spec §5.1–5.2, pinned by `spec/traces`): the states written, the operations run, the node
 * events sent, what a NO-OP step leaves out, and the ordering between instances.
 */
import type { NodeInstanceRecord } from '@cairn/store';
import type { DeploymentModel, RelationshipView } from '../model/deployment-model.js';
import type { Subgraph, TaskGraph, TaskSpec } from '../graph/task-graph.js';

const LIFECYCLE = 'cloudify.interfaces.lifecycle';
const VALIDATION = 'cloudify.interfaces.validation';
const MONITORING = 'cloudify.interfaces.monitoring';
const RELATIONSHIP = 'cloudify.interfaces.relationship_lifecycle';
const DEPENDS_ON_LIFECYCLE_OPERATION = 'cloudify.relationships.depends_on_lifecycle_operation';

/** Options of a lifecycle run. */
export interface LifecycleOptions {
  /** Subgraph names start with this (`install_`, or `` for uninstall as Cloudify names them). */
  readonly prefix: string;
  /** Uninstall: ignore failures (spec §5.2 `ignore_failure`). */
  readonly ignoreFailure?: boolean;
}

type Steps = TaskSpec[][];

function state(instanceId: string, value: string): TaskSpec {
  return { kind: 'state', instanceId, state: value };
}

function event(instanceId: string, message: string): TaskSpec {
  return { kind: 'event', instanceId, message };
}

class StepBuilder {
  readonly steps: Steps = [];
  constructor(
    private readonly model: DeploymentModel,
    readonly instance: NodeInstanceRecord,
    private readonly ignoreFailure: boolean,
  ) {}

  private get id(): string {
    return this.instance.id;
  }

  has(operation: string): boolean {
    return this.model.operation(this.model.nodeOf(this.instance), operation) !== undefined;
  }

  push(...specs: TaskSpec[]): void {
    for (const spec of specs) this.steps.push([spec]);
  }

  state(value: string): void {
    this.push(state(this.id, value));
  }

  event(message: string): void {
    this.push(event(this.id, message));
  }

  op(operation: string): void {
    this.push({
      kind: 'operation',
      instanceId: this.id,
      operation,
      ...(this.ignoreFailure ? { ignoreFailure: true } : {}),
    });
  }

  /** `op` with a before and after event, or a "nothing to do" event when it is a NO-OP. */
  described(
    operation: string,
    before: string,
    after: string,
    nothing = `${before}: nothing to do`,
  ): void {
    if (this.has(operation)) {
      this.event(before);
      this.op(operation);
      this.event(after);
    } else {
      this.event(nothing);
    }
  }

  /**
   * A relationship operation over every relationship of the instance: groups (consecutive
   * relationship instances to one target node) run one after the other, in declaration order
   * or reversed; inside a group every source- and target-side operation runs in parallel.
   */
  relationships(operation: string, reverse: boolean, before: string, after: string): void {
    const rels = this.model.relationshipsOf(this.instance);
    if (rels.length === 0) return;
    this.event(before);
    const groups: RelationshipView[][] = [];
    for (const rel of rels) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[0]?.target.node_id === rel.target.node_id) last.push(rel);
      else groups.push([rel]);
    }
    if (reverse) groups.reverse();
    for (const group of groups) {
      const step: TaskSpec[] = [];
      for (const rel of group) {
        for (const side of ['source', 'target'] as const) {
          if (this.model.relationshipOperation(rel.declared, side, operation) === undefined)
            continue;
          step.push({
            kind: 'operation',
            instanceId: this.id,
            operation,
            relationship: { index: rel.index, side },
            ...(this.ignoreFailure ? { ignoreFailure: true } : {}),
          });
        }
      }
      if (step.length > 0) this.steps.push(step);
    }
    this.event(after);
  }

  /** Whether any relationship of the instance has an operation of the lifecycle interface. */
  hasRelationshipWork(): boolean {
    return this.model
      .relationshipsOf(this.instance)
      .some((rel) =>
        ['preconfigure', 'postconfigure', 'establish'].some((name) =>
          (['source', 'target'] as const).some(
            (side) =>
              this.model.relationshipOperation(rel.declared, side, `${RELATIONSHIP}.${name}`) !==
              undefined,
          ),
        ),
      );
  }
}

const INSTALL_OPERATIONS = [
  `${VALIDATION}.create`,
  `${LIFECYCLE}.precreate`,
  `${LIFECYCLE}.create`,
  `${LIFECYCLE}.configure`,
  `${LIFECYCLE}.start`,
  `${LIFECYCLE}.poststart`,
  `${MONITORING}.start`,
];

/** States from which install skips the create part (spec §5.1, resuming). */
const CREATED_STATES = new Set(['created', 'configuring', 'configured', 'starting']);

/** The install steps of one instance. */
export function installSteps(model: DeploymentModel, instance: NodeInstanceRecord): Steps {
  const b = new StepBuilder(model, instance, false);
  const id = instance.id;
  if (instance.state === 'started') return [[state(id, 'started')]];
  if (!INSTALL_OPERATIONS.some((op) => b.has(op)) && !b.hasRelationshipWork()) {
    b.state('started');
    b.event('Node instance started (nothing to do)');
    return b.steps;
  }
  const created = instance.state !== null && CREATED_STATES.has(instance.state);
  if (!created) {
    b.state('initializing');
    b.described(
      `${VALIDATION}.create`,
      'Validating node instance before creation',
      'Node instance validated before creation',
    );
    b.described(`${LIFECYCLE}.precreate`, 'Precreating node instance', 'Node instance precreated');
    if (b.has(`${LIFECYCLE}.create`)) {
      b.state('creating');
      b.event('Creating node instance');
      b.op(`${LIFECYCLE}.create`);
      b.state('created');
      b.event('Node instance created');
    } else {
      b.event('Creating node instance: nothing to do');
    }
  }
  b.relationships(
    `${RELATIONSHIP}.preconfigure`,
    false,
    'Pre-configuring relationships',
    'Relationships pre-configured',
  );
  if (b.has(`${LIFECYCLE}.configure`)) {
    b.state('configuring');
    b.event('Configuring node instance');
    b.op(`${LIFECYCLE}.configure`);
    b.state('configured');
    b.event('Node instance configured');
  } else {
    b.event('Configuring node instance: nothing to do');
  }
  b.relationships(
    `${RELATIONSHIP}.postconfigure`,
    false,
    'Post-configuring relationships',
    'Relationships post-configured',
  );
  if (b.has(`${LIFECYCLE}.start`)) {
    b.state('starting');
    b.event('Starting node instance');
    b.op(`${LIFECYCLE}.start`);
  } else {
    b.event('Starting node instance: nothing to do');
  }
  b.described(`${LIFECYCLE}.poststart`, 'Poststarting node instance', 'Node instance poststarted');
  if (b.has(`${MONITORING}.start`)) b.op(`${MONITORING}.start`);
  b.relationships(
    `${RELATIONSHIP}.establish`,
    false,
    'Establishing relationships',
    'Relationships established',
  );
  b.state('started');
  b.event('Node instance started');
  return b.steps;
}

/** States in which uninstall skips the stop part (spec §5.2). */
const SKIP_STOP = new Set(['stopped', 'deleting', 'deleted', 'uninitialized', 'configured']);
/** States in which uninstall skips unlink and delete. */
const SKIP_DELETE = new Set(['deleted', 'uninitialized']);

/** The uninstall steps of one instance. */
export function uninstallSteps(
  model: DeploymentModel,
  instance: NodeInstanceRecord,
  ignoreFailure: boolean,
): Steps {
  const b = new StepBuilder(model, instance, ignoreFailure);
  const current = instance.state;
  if (current === null || !SKIP_STOP.has(current)) {
    b.state('stopping');
    b.event('Stopping node instance');
    b.described(
      `${VALIDATION}.delete`,
      'Validating node instance before deletion',
      'Node instance validated before deletion',
      'Validating node instance after deletion: nothing to do',
    );
    if (b.has(`${MONITORING}.stop`)) b.op(`${MONITORING}.stop`);
    if (b.has(`${LIFECYCLE}.prestop`)) {
      b.event('Prestopping node instance');
      b.op(`${LIFECYCLE}.prestop`);
      b.event('Node instance prestopped');
    }
    if (b.has(`${LIFECYCLE}.stop`)) {
      b.op(`${LIFECYCLE}.stop`);
      b.state('stopped');
      b.event('Stopped node instance');
    } else {
      b.state('stopped');
      b.event('Stopped node instance: nothing to do');
    }
  }
  if (current !== null && SKIP_DELETE.has(current)) {
    return b.steps.length > 0 ? b.steps : [[state(instance.id, current)]];
  }
  b.relationships(
    `${RELATIONSHIP}.unlink`,
    true,
    'Unlinking relationships',
    'Relationships unlinked',
  );
  if (b.has(`${LIFECYCLE}.delete`) || b.has(`${LIFECYCLE}.postdelete`)) {
    b.state('deleting');
    b.event('Deleting node instance');
    if (b.has(`${LIFECYCLE}.delete`)) b.op(`${LIFECYCLE}.delete`);
    if (b.has(`${LIFECYCLE}.postdelete`)) {
      b.event('Postdeleting node instance');
      b.op(`${LIFECYCLE}.postdelete`);
      b.event('Node instance postdeleted');
    }
  } else {
    b.event('Deleting node instance: nothing to do');
  }
  b.state('deleted');
  b.event('Deleted node instance');
  return b.steps;
}

/** Where, in a target's install subgraph, a `depends_on_lifecycle_operation` source may start. */
function lifecycleOperationTask(
  graph: TaskGraph,
  target: Subgraph,
  operation: string,
): readonly string[] | undefined {
  const full = operation.includes('.') ? operation : `${LIFECYCLE}.${operation}`;
  for (const id of target.tasks) {
    const spec = graph.tasks.get(id)?.spec;
    if (spec?.kind === 'operation' && spec.relationship === undefined && spec.operation === full) {
      return [id];
    }
  }
  return undefined;
}

/**
 * Adds the install subgraphs of `instances` to the graph, each source waiting for its targets
 * inside the set (the whole target subgraph, or up to the named operation for
 * `depends_on_lifecycle_operation`).
 */
export function addInstall(
  graph: TaskGraph,
  model: DeploymentModel,
  instances: readonly NodeInstanceRecord[],
  prefix = 'install_',
): Map<string, Subgraph> {
  const subs = new Map<string, Subgraph>();
  for (const instance of instances) {
    const sub = graph.subgraph(`${prefix}${instance.id}`, instance.id);
    graph.append(sub, installSteps(model, instance));
    sub.reinstall = (state) => [
      ...uninstallSteps(model, { ...model.instance(instance.id), state }, false),
      ...installSteps(model, { ...model.instance(instance.id), state: 'deleted' }),
    ];
    subs.set(instance.id, sub);
  }
  for (const instance of instances) {
    const sub = subs.get(instance.id) as Subgraph;
    for (const rel of model.relationshipsOf(instance)) {
      const target = subs.get(rel.target.id);
      if (target === undefined) continue;
      if (rel.declared.type_hierarchy.includes(DEPENDS_ON_LIFECYCLE_OPERATION)) {
        const operation = rel.declared.properties.operation;
        const at =
          typeof operation === 'string'
            ? lifecycleOperationTask(graph, target, operation)
            : undefined;
        graph.waitFor(sub, at ?? target.last);
      } else {
        graph.subgraphWaits(sub, target);
      }
    }
  }
  return subs;
}

/** Adds the uninstall subgraphs of `instances`: a target waits for all its sources in the set. */
export function addUninstall(
  graph: TaskGraph,
  model: DeploymentModel,
  instances: readonly NodeInstanceRecord[],
  options: { readonly prefix?: string; readonly ignoreFailure?: boolean } = {},
): Map<string, Subgraph> {
  const subs = new Map<string, Subgraph>();
  for (const instance of instances) {
    const sub = graph.subgraph(`${options.prefix ?? ''}${instance.id}`, instance.id);
    graph.append(sub, uninstallSteps(model, instance, options.ignoreFailure ?? false));
    subs.set(instance.id, sub);
  }
  for (const instance of instances) {
    const sub = subs.get(instance.id) as Subgraph;
    for (const rel of model.relationshipsOf(instance)) {
      const target = subs.get(rel.target.id);
      if (target !== undefined) graph.subgraphWaits(target, sub);
    }
  }
  return subs;
}

/** Instances outside `set` with relationships into it, with those relationships. */
function relatedFrom(
  model: DeploymentModel,
  set: ReadonlySet<string>,
): { instance: NodeInstanceRecord; rels: RelationshipView[] }[] {
  const out: { instance: NodeInstanceRecord; rels: RelationshipView[] }[] = [];
  for (const instance of model.allInstances()) {
    if (set.has(instance.id)) continue;
    const rels = model.relationshipsOf(instance).filter((r) => set.has(r.target.id));
    if (rels.length > 0) out.push({ instance, rels });
  }
  return out;
}

function relationshipStep(
  model: DeploymentModel,
  instance: NodeInstanceRecord,
  rels: readonly RelationshipView[],
  operation: string,
): TaskSpec[][] {
  const steps: TaskSpec[][] = [];
  for (const rel of rels) {
    const step: TaskSpec[] = [];
    for (const side of ['source', 'target'] as const) {
      if (model.relationshipOperation(rel.declared, side, operation) === undefined) continue;
      step.push({
        kind: 'operation',
        instanceId: instance.id,
        operation,
        relationship: { index: rel.index, side },
      });
    }
    if (step.length > 0) steps.push(step);
  }
  return steps;
}

/**
 * For instances outside a set being uninstalled whose relationships point into it: their
 * `unlink` operations for those relationships, before the targets go (Cloudify's "stub"
 * subgraphs of intact instances).
 */
export function addRelatedUnlink(
  graph: TaskGraph,
  model: DeploymentModel,
  uninstalled: ReadonlyMap<string, Subgraph>,
): void {
  for (const { instance, rels } of relatedFrom(model, new Set(uninstalled.keys()))) {
    const steps = relationshipStep(model, instance, [...rels].reverse(), `${RELATIONSHIP}.unlink`);
    if (steps.length === 0) continue;
    const sub = graph.subgraph(`stub_unlink_${instance.id}`, instance.id);
    graph.append(sub, steps);
    for (const rel of rels) {
      const target = uninstalled.get(rel.target.id);
      if (target !== undefined) graph.subgraphWaits(target, sub);
    }
  }
}

/** The mirror of {@link addRelatedUnlink}: `establish` once the targets are installed again. */
export function addRelatedEstablish(
  graph: TaskGraph,
  model: DeploymentModel,
  installed: ReadonlyMap<string, Subgraph>,
): void {
  for (const { instance, rels } of relatedFrom(model, new Set(installed.keys()))) {
    const steps = relationshipStep(model, instance, rels, `${RELATIONSHIP}.establish`);
    if (steps.length === 0) continue;
    const sub = graph.subgraph(`stub_establish_${instance.id}`, instance.id);
    graph.append(sub, steps);
    for (const rel of rels) {
      const target = installed.get(rel.target.id);
      if (target !== undefined) graph.subgraphWaits(sub, target);
    }
  }
}
