/**
 * The containment tree that node instances are made from (Cloudify's `rel_graph.py`, spec §6).
 * Its units are node templates and scaling groups:
 * - a node that is a direct member of a scaling group sits under the group (its contained_in
 *   target, if any, then comes above the group's outermost enclosing group);
 * - any other node sits under its contained_in target;
 * - a group sits under the group it is a member of, or else under the container of its members.
 * Every instance of a unit holds a full set of instances of the units under it, which is why
 * contained_in and scaling groups multiply counts.
 *
 * It also settles which relationships a node's instances get: two relationships of one node to
 * the same target collapse into one, the later winning (trace 03), except that a contained_in
 * relationship is never replaced, since containment decides where instances live.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { Plan, PlanNode, PlanRelationship } from '../plan/plan-types.js';

/** The relationship type that nests instances in other instances. */
export const CONTAINED_IN = 'cloudify.relationships.contained_in';

/** A node template or a scaling group. */
export type Unit =
  | { readonly kind: 'node'; readonly name: string; readonly node: PlanNode }
  | { readonly kind: 'group'; readonly name: string };

/** A relationship a node's instances get, with its declaration index (their order). */
export interface EffectiveRelationship {
  readonly rel: PlanRelationship;
  readonly index: number;
  readonly containedIn: boolean;
}

/** The containment tree of a plan. */
export interface Topology {
  /** The plan's node templates, in plan order. */
  readonly nodes: readonly PlanNode[];
  /** Units without a parent, in plan order of the first node each holds. */
  readonly roots: readonly Unit[];
  childrenOf(unit: Unit): readonly Unit[];
  /** The relationships of a node after collapsing, in declaration order. */
  relationshipsOf(node: string): readonly EffectiveRelationship[];
  /** The scaling groups a node is inside, directly or through containment, innermost first. */
  groupsAround(node: string): readonly string[];
}

function isContainedIn(rel: PlanRelationship): boolean {
  return rel.type_hierarchy.includes(CONTAINED_IN);
}

function collapse(node: PlanNode): EffectiveRelationship[] {
  const byTarget = new Map<string, EffectiveRelationship>();
  node.relationships.forEach((rel, index) => {
    const previous = byTarget.get(rel.target_id);
    const containedIn = isContainedIn(rel);
    if (previous?.containedIn === true && !containedIn) return;
    byTarget.set(rel.target_id, { rel, index, containedIn });
  });
  return [...byTarget.values()].sort((a, b) => a.index - b.index);
}

/**
 * Builds the containment tree. Reports relationships to unknown nodes and containment cycles
 * (the parser rejects both; a hand-made plan may still have them) and then returns undefined.
 */
export function buildTopology(plan: Plan, reporter: Reporter): Topology | undefined {
  const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
  const groupNames = Object.keys(plan.scaling_groups);
  const units = new Map<string, Unit>();
  const key = (kind: Unit['kind'], name: string): string => `${kind}\u0000${name}`;
  for (const node of plan.nodes)
    units.set(key('node', node.id), { kind: 'node', name: node.id, node });
  for (const name of groupNames) units.set(key('group', name), { kind: 'group', name });

  let ok = true;
  const relationships = new Map<string, EffectiveRelationship[]>();
  for (const node of plan.nodes) {
    const effective = collapse(node).filter(({ rel }) => {
      if (nodes.has(rel.target_id)) return true;
      reporter.report(
        'DSL_UNKNOWN_NODE',
        `Node '${node.id}' has a ${rel.type} relationship to '${rel.target_id}', which is not a node template of the plan.`,
        undefined,
      );
      ok = false;
      return false;
    });
    relationships.set(node.id, effective);
  }
  const containerOf = (node: string): string | undefined =>
    relationships.get(node)?.find((r) => r.containedIn)?.rel.target_id;

  // Direct membership: the first scaling group listing a member owns it.
  const groupOf = new Map<string, string>();
  for (const name of groupNames) {
    for (const member of plan.scaling_groups[name]?.members ?? []) {
      if (!groupOf.has(member) && member !== name) groupOf.set(member, name);
    }
  }
  const outermostGroup = (group: string): string => {
    const seen = new Set<string>();
    let g = group;
    for (let up = groupOf.get(g); up !== undefined && !seen.has(up); up = groupOf.get(g)) {
      seen.add(g);
      g = up;
    }
    return g;
  };
  const parentOf = (unit: Unit): Unit | undefined => {
    const group = groupOf.get(unit.name);
    if (group !== undefined) return units.get(key('group', group));
    if (unit.kind === 'node') {
      const container = containerOf(unit.name);
      return container === undefined ? undefined : units.get(key('node', container));
    }
    // A top-level group lives in the container of its members (Cloudify's group_contained_in).
    for (const node of plan.nodes) {
      const direct = groupOf.get(node.id);
      const container = containerOf(node.id);
      if (direct !== undefined && container !== undefined && outermostGroup(direct) === unit.name) {
        return units.get(key('node', container));
      }
    }
    return undefined;
  };

  const parents = new Map<Unit, Unit | undefined>();
  for (const unit of units.values()) parents.set(unit, parentOf(unit));
  // Walk up from every unit once (units already walked end a walk), so that deep containment
  // chains stay linear; a unit met twice on one walk closes a cycle.
  const walked = new Set<Unit>();
  for (const unit of units.values()) {
    const chain: Unit[] = [];
    const onChain = new Set<Unit>();
    for (let u: Unit | undefined = unit; u !== undefined && !walked.has(u); u = parents.get(u)) {
      if (onChain.has(u)) {
        const names = [...chain.slice(chain.indexOf(u)), u].map((x) => x.name);
        reporter.report(
          'DSL_RELATIONSHIP_CYCLE',
          `Containment forms a cycle (${names.join(' → ')}), so there is no order to create instances in.`,
          undefined,
        );
        return undefined;
      }
      chain.push(u);
      onChain.add(u);
    }
    for (const u of chain) walked.add(u);
  }
  if (!ok) return undefined;

  const children = new Map<Unit, Unit[]>();
  const roots: Unit[] = [];
  for (const unit of units.values()) {
    const parent = parents.get(unit);
    if (parent === undefined) roots.push(unit);
    else {
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [unit]);
      else list.push(unit);
    }
  }
  // Siblings come in plan order of the first node each holds, so instances follow the plan.
  // Nodes are taken in plan order and lend their position to every unit above them that has
  // none yet; a unit that has one already got a smaller one, as did everything above it.
  const order = new Map<Unit, number>();
  plan.nodes.forEach((node, position) => {
    for (
      let u = units.get(key('node', node.id));
      u !== undefined && !order.has(u);
      u = parents.get(u)
    ) {
      order.set(u, position);
    }
  });
  const rank = (unit: Unit): number => order.get(unit) ?? Infinity;
  const byRank = (a: Unit, b: Unit): number => {
    const [x, y] = [rank(a), rank(b)];
    return x === y ? 0 : x < y ? -1 : 1;
  };
  roots.sort(byRank);
  for (const list of children.values()) list.sort(byRank);
  const around = new Map<Unit, readonly string[]>();
  const groupsAbove = (start: Unit): readonly string[] => {
    // Each unit's list is its parent's plus the parent itself when that is a group: memoised
    // down from the first unit whose list is known.
    const chain: Unit[] = [];
    let known: readonly string[] = [];
    for (let u = parents.get(start); u !== undefined; u = parents.get(u)) {
      const cached = around.get(u);
      if (cached !== undefined) {
        known = cached;
        break;
      }
      chain.push(u);
    }
    let list = known;
    for (let i = chain.length - 1; i >= 0; i--) {
      const u = chain[i] as Unit;
      const above = list;
      list = u.kind === 'group' ? [u.name, ...above] : above;
      around.set(u, list);
    }
    // `list` is now what the start's parent sees above and including itself.
    return list;
  };
  return {
    nodes: plan.nodes,
    roots,
    childrenOf: (unit) => children.get(unit) ?? [],
    relationshipsOf: (node) => relationships.get(node) ?? [],
    groupsAround: (node) => {
      const start = units.get(key('node', node));
      return start === undefined ? [] : groupsAbove(start);
    },
  };
}
