/**
 * A deployment as one execution sees it: its plan's nodes and the current node instances,
 * indexed for the lookups workflows and functions make (by id, by node, relationships in both
 * directions). Built once per execution from the store; instances are replaced as tasks
 * commit, so everything reads the stored truth.
 */
import type { Plan, PlanNode, PlanOperation, PlanRelationship } from '@cairn/dsl';
import type { DeploymentRecord, NodeInstanceRecord } from '@cairn/store';

/** A relationship instance with everything a workflow needs about it. */
export interface RelationshipView {
  /** Its position among the source instance's relationships. */
  readonly index: number;
  readonly source: NodeInstanceRecord;
  readonly target: NodeInstanceRecord;
  /** The relationship as the source node template declares it. */
  readonly declared: PlanRelationship;
}

/** The deployment being worked on. */
export class DeploymentModel {
  readonly plan: Plan;
  readonly nodes: ReadonlyMap<string, PlanNode>;
  private readonly instances = new Map<string, NodeInstanceRecord>();
  private readonly byNode = new Map<string, NodeInstanceRecord[]>();
  /** Where each instance sits in its node's list (updates are O(1), not a scan of the list). */
  private readonly positions = new Map<string, number>();
  /**
   * Per node, its declared relationships by `target\0type` and by target (the first
   * declaration wins, as a scan would find it): looked up for every relationship instance.
   */
  private readonly declaredIndex = new Map<string, Map<string, PlanRelationship>>();

  constructor(
    readonly deployment: DeploymentRecord,
    instances: readonly NodeInstanceRecord[],
  ) {
    this.plan = deployment.plan as unknown as Plan;
    this.nodes = new Map(this.plan.nodes.map((n) => [n.id, n]));
    for (const instance of instances) this.add(instance);
  }

  private add(instance: NodeInstanceRecord): void {
    this.instances.set(instance.id, instance);
    let list = this.byNode.get(instance.node_id);
    if (list === undefined) this.byNode.set(instance.node_id, (list = []));
    this.positions.set(instance.id, list.length);
    list.push(instance);
  }

  /** Every instance, in creation order. */
  allInstances(): NodeInstanceRecord[] {
    return [...this.instances.values()];
  }

  instance(id: string): NodeInstanceRecord {
    const found = this.instances.get(id);
    if (found === undefined) throw new Error(`no node instance '${id}' in this deployment`);
    return found;
  }

  hasInstance(id: string): boolean {
    return this.instances.has(id);
  }

  /** Adds instances created by a deployment modification (scale out). */
  insert(records: readonly NodeInstanceRecord[]): void {
    for (const record of records) this.add(record);
  }

  /** Forgets instances removed by a deployment modification (scale in). */
  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const record = this.instances.get(id);
      if (record === undefined) continue;
      this.instances.delete(id);
      const list = this.byNode.get(record.node_id);
      if (list !== undefined) {
        const i = list.findIndex((r) => r.id === id);
        if (i >= 0) list.splice(i, 1);
      }
    }
  }

  /** Replaces stored records after a commit. */
  update(records: readonly NodeInstanceRecord[]): void {
    for (const record of records) {
      const list = this.byNode.get(record.node_id);
      if (list !== undefined) {
        let i = this.positions.get(record.id) ?? -1;
        if (list[i]?.id !== record.id) {
          // Moved by a removal before it: found once, then remembered again.
          i = list.findIndex((r) => r.id === record.id);
          if (i >= 0) this.positions.set(record.id, i);
        }
        if (i >= 0) list[i] = record;
      }
      this.instances.set(record.id, record);
    }
  }

  node(id: string): PlanNode {
    const found = this.nodes.get(id);
    if (found === undefined) throw new Error(`no node '${id}' in this deployment`);
    return found;
  }

  nodeOf(instance: NodeInstanceRecord): PlanNode {
    return this.node(instance.node_id);
  }

  instancesOf(nodeId: string): readonly NodeInstanceRecord[] {
    return this.byNode.get(nodeId) ?? [];
  }

  /**
   * The relationship instances of `instance`, in declaration order. Several relationship
   * instances to one target instance keep only the last (Cloudify keeps one per target
   * instance; traces finding 1).
   */
  relationshipsOf(instance: NodeInstanceRecord): RelationshipView[] {
    const declaredOf = this.declaredOf(this.nodeOf(instance));
    const out: RelationshipView[] = [];
    instance.relationships.forEach((rel, index) => {
      const declared =
        declaredOf.get(`${rel.target_name}\u0000${rel.type}`) ?? declaredOf.get(rel.target_name);
      const target = this.instances.get(rel.target_id);
      if (declared === undefined || target === undefined) return;
      out.push({ index, source: instance, target, declared });
    });
    return out;
  }

  private declaredOf(node: PlanNode): Map<string, PlanRelationship> {
    let index = this.declaredIndex.get(node.id);
    if (index === undefined) {
      index = new Map();
      for (const r of node.relationships) {
        const key = `${r.target_id}\u0000${r.type}`;
        if (!index.has(key)) index.set(key, r);
        if (!index.has(r.target_id)) index.set(r.target_id, r);
      }
      this.declaredIndex.set(node.id, index);
    }
    return index;
  }

  /** The operation `name` of a node, or undefined when the node does not have it or it is a no-op. */
  operation(node: PlanNode, name: string): PlanOperation | undefined {
    return runnable(node.operations[name]);
  }

  /** A relationship's operation on one side, or undefined for a no-op. */
  relationshipOperation(
    rel: PlanRelationship,
    side: 'source' | 'target',
    name: string,
  ): PlanOperation | undefined {
    return runnable((side === 'source' ? rel.source_operations : rel.target_operations)[name]);
  }
}

/** An operation that does something: a mapped implementation (Cloudify skips the rest). */
function runnable(op: PlanOperation | undefined): PlanOperation | undefined {
  if (op === undefined || op.operation === '' || op.plugin === '') return undefined;
  return op;
}
