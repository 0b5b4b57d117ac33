/**
 * Creates the node instances of a new deployment (spec §6, Cloudify's `rel_graph.py`): walks the
 * containment tree from its roots, making `count` instances of every unit per instance of its
 * parent; a scaling-group instance gets a full copy of its members. Each instance records its
 * host (the Compute instance at the top of its containment chain), its contained_in relationship
 * to its own container instance, and the scaling-group instances it is a direct member of. Then
 * the other relationships are added (see `relationship-instances.ts`).
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { Plan, PlanNode } from '../plan/plan-types.js';
import type {
  NodeInstance,
  RelationshipInstance,
  ScalingGroupInstance,
} from './deployment-types.js';
import type { InstanceCounts } from './instance-counts.js';
import type { IdGenerator } from './random-id.js';
import { addRelationshipInstances } from './relationship-instances.js';
import { buildTopology, type Unit } from './topology.js';

/** A node instance under construction. */
export interface InstanceDraft {
  readonly id: string;
  readonly node: PlanNode;
  readonly index: number;
  readonly host: string | undefined;
  readonly scalingGroups: readonly ScalingGroupInstance[];
  /** Every scaling-group instance above this one in the tree, by group name. */
  readonly groupInstances: ReadonlyMap<string, string>;
  /** Relationship instances with the declaration index of their relationship. */
  readonly relationships: { readonly index: number; readonly instance: RelationshipInstance }[];
}

interface Frame {
  /** The nearest node instance above (the container). */
  readonly container: InstanceDraft | undefined;
  readonly host: string | undefined;
  /** Group instances directly above, with no node in between, innermost first. */
  readonly groupChain: readonly ScalingGroupInstance[];
  readonly groupInstances: ReadonlyMap<string, string>;
}

/**
 * The most node and scaling-group instances one deployment may have. Cloudify sets no limit and
 * runs out of memory instead; a count taken from an input must not bring the process down.
 */
export const MAX_INSTANCES = 100_000;

/**
 * Builds every node instance of an evaluated plan. Returns undefined when the plan's topology or
 * relationships do not allow it, or when it would make too many instances (reported).
 */
export function buildNodeInstances(
  plan: Plan,
  counts: InstanceCounts,
  { ids, reporter }: { readonly ids: IdGenerator; readonly reporter: Reporter },
): NodeInstance[] | undefined {
  const topology = buildTopology(plan, reporter);
  if (topology === undefined) return undefined;
  const countOf = (unit: Unit): number =>
    (unit.kind === 'node' ? counts.nodes.get(unit.name) : counts.groups.get(unit.name)) ?? 0;
  // Counts multiply down the tree: add them up before making anything (without recursion, so
  // that deep containment chains cannot exhaust the stack).
  let planned = 0;
  const pending: [Unit, number][] = topology.roots.map((root) => [root, 1]);
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const here = item[1] * countOf(item[0]);
    planned += here;
    if (planned > MAX_INSTANCES) break;
    for (const child of topology.childrenOf(item[0])) pending.push([child, here]);
  }
  if (planned > MAX_INSTANCES) {
    reporter.report(
      'DSL_SCALING_BOUNDS',
      `The instance counts would make ${planned} node and scaling-group instances; a deployment may have at most ${MAX_INSTANCES}.`,
      undefined,
    );
    return undefined;
  }
  const drafts: InstanceDraft[] = [];
  const indexes = new Map<string, number>();

  // Depth first, without recursion: a unit in a frame draws its batch of ids (Cloudify draws all
  // the ids of one batch before it descends into any of them), then each id becomes an instance
  // whose children are done before the next id of the batch.
  type Work =
    | { readonly step: 'unit'; readonly unit: Unit; readonly frame: Frame }
    | {
        readonly step: 'instance';
        readonly unit: Unit;
        readonly frame: Frame;
        readonly id: string;
      };
  const work: Work[] = [];
  const instantiate = (unit: Unit, frame: Frame): void => {
    work.push({ step: 'unit', unit, frame });
  };
  const make = (unit: Unit, frame: Frame, id: string): void => {
    let inner: Frame;
    if (unit.kind === 'group') {
      const groupInstances = new Map(frame.groupInstances).set(unit.name, id);
      inner = {
        ...frame,
        groupChain: [{ name: unit.name, id }, ...frame.groupChain],
        groupInstances,
      };
    } else {
      const node = unit.node;
      const index = (indexes.get(node.id) ?? 0) + 1;
      indexes.set(node.id, index);
      const host = frame.host ?? (node.host_id === node.id ? id : undefined);
      const draft: InstanceDraft = {
        id,
        node,
        index,
        host,
        scalingGroups: frame.groupChain,
        groupInstances: frame.groupInstances,
        relationships: [],
      };
      const contained = topology.relationshipsOf(node.id).find((r) => r.containedIn);
      if (contained !== undefined && frame.container !== undefined) {
        draft.relationships.push({
          index: contained.index,
          instance: {
            type: contained.rel.type,
            target_name: contained.rel.target_id,
            target_id: frame.container.id,
          },
        });
      }
      drafts.push(draft);
      inner = { container: draft, host, groupChain: [], groupInstances: frame.groupInstances };
    }
    const kids = topology.childrenOf(unit);
    for (let i = kids.length - 1; i >= 0; i--) instantiate(kids[i] as Unit, inner);
  };
  const top: Frame = {
    container: undefined,
    host: undefined,
    groupChain: [],
    groupInstances: new Map(),
  };
  for (let i = topology.roots.length - 1; i >= 0; i--) instantiate(topology.roots[i] as Unit, top);
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if (item.step === 'instance') {
      make(item.unit, item.frame, item.id);
      continue;
    }
    const { unit, frame } = item;
    const batch = Array.from({ length: countOf(unit) }, () => ids.next(unit.name));
    for (let i = batch.length - 1; i >= 0; i--) {
      work.push({ step: 'instance', unit, frame, id: batch[i] as string });
    }
  }

  if (!addRelationshipInstances(topology, drafts, reporter)) return undefined;
  return drafts.map((d) => toNodeInstance(d));
}

function toNodeInstance(draft: InstanceDraft): NodeInstance {
  // One relationship instance per target instance: a later relationship to the same target
  // instance takes the earlier one's place (Cloudify keys them by target id; traces finding 1).
  const byTarget = new Map<string, RelationshipInstance>();
  for (const r of [...draft.relationships].sort((a, b) => a.index - b.index)) {
    byTarget.set(r.instance.target_id, { ...r.instance });
  }
  const relationships = [...byTarget.values()];
  return {
    id: draft.id,
    node_id: draft.node.id,
    name: draft.node.id,
    ...(draft.host === undefined ? {} : { host_id: draft.host }),
    relationships,
    scaling_groups: draft.scalingGroups.map((g) => ({ ...g })),
    index: draft.index,
    state: null,
    runtime_properties: {},
    version: 1,
  };
}
