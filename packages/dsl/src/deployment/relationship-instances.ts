/**
 * Relationship instances other than contained_in (spec §2.3, §6). `all_to_all` links every source
 * instance to every target instance; `all_to_one` links them all to one target instance, the one
 * with the smallest id. When source and target nodes share a scaling group, an instance links
 * only to targets in the same instance of the smallest group they share, and `all_to_one` is not
 * allowed.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import { show } from '../util/value.js';
import type { InstanceDraft } from './node-instances.js';
import type { Topology } from './topology.js';

/** The most relationship instances one deployment may have (all_to_all multiplies fast). */
export const MAX_RELATIONSHIP_INSTANCES = 1_000_000;

const SUPPORTED = [
  'cloudify.relationships.depends_on',
  'cloudify.relationships.connected_to',
  'cloudify.relationships.contained_in',
];

function groupBy<K>(
  items: readonly InstanceDraft[],
  key: (d: InstanceDraft) => K,
): Map<K, InstanceDraft[]> {
  const out = new Map<K, InstanceDraft[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/**
 * Adds the relationship instances of every node's non-containment relationships to `drafts`.
 * Returns false when a relationship cannot be instantiated (reported).
 */
export function addRelationshipInstances(
  topology: Topology,
  drafts: readonly InstanceDraft[],
  reporter: Reporter,
): boolean {
  const byNode = groupBy(drafts, (d) => d.node.id);
  let ok = true;
  let created = 0;
  for (const node of topology.nodes) {
    for (const { rel, index, containedIn } of topology.relationshipsOf(node.id)) {
      if (containedIn) continue;
      const what = `The ${rel.type} relationship from '${node.id}' to '${rel.target_id}'`;
      if (!rel.type_hierarchy.some((t) => SUPPORTED.includes(t))) {
        reporter.report(
          'DSL_INVALID_VALUE',
          `${what} cannot be instantiated: its type derives from none of ${SUPPORTED.join(', ')}.`,
          undefined,
        );
        ok = false;
        continue;
      }
      const connection = rel.properties.connection_type;
      if (connection !== 'all_to_all' && connection !== 'all_to_one') {
        reporter.report(
          'DSL_INVALID_VALUE',
          `${what} has connection_type ${connection === undefined ? '(none)' : show(connection)}; it must be all_to_all or all_to_one.`,
          undefined,
        );
        ok = false;
        continue;
      }
      const sources = byNode.get(node.id) ?? [];
      let targets = byNode.get(rel.target_id) ?? [];
      if (sources.length === 0 || targets.length === 0) continue;
      const around = new Set(topology.groupsAround(rel.target_id));
      const shared = topology.groupsAround(node.id).find((g) => around.has(g));
      if (connection === 'all_to_one') {
        if (shared !== undefined) {
          reporter.report(
            'DSL_ALL_TO_ONE_IN_GROUP',
            `${what} is all_to_one, but both nodes are in scaling group '${shared}'; inside a group each instance already has its own target.`,
            undefined,
          );
          ok = false;
          continue;
        }
        const first = targets.reduce((min, t) => (t.id < min.id ? t : min));
        targets = [first];
      }
      // Targets by the instance of the shared group they are in (one bucket without a group).
      const groupOf = (d: InstanceDraft): string | undefined =>
        shared === undefined ? undefined : d.groupInstances.get(shared);
      const buckets = groupBy(targets, groupOf);
      created += sources.reduce((sum, s) => sum + (buckets.get(groupOf(s))?.length ?? 0), 0);
      if (created > MAX_RELATIONSHIP_INSTANCES) {
        reporter.report(
          'DSL_SCALING_BOUNDS',
          `${what} would bring the deployment to ${created} relationship instances; a deployment may have at most ${MAX_RELATIONSHIP_INSTANCES}.`,
          undefined,
        );
        return false;
      }
      for (const source of sources) {
        for (const target of buckets.get(groupOf(source)) ?? []) {
          source.relationships.push({
            index,
            instance: { type: rel.type, target_name: rel.target_id, target_id: target.id },
          });
        }
      }
    }
  }
  return ok;
}
