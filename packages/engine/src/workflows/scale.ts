/**
 * `scale` (Cloudify's `scale_entity`, spec §5.6 and §6): a deployment modification that adds
 * or removes node instances, then installs what was added or uninstalls what goes.
 *
 * The scaled entity is a scaling group or a node (with `scale_compute`, the node's Compute
 * host). Scaling out clones a unit — one group instance with everything in it, or one node
 * instance with what it contains — `delta` times (per container instance, for a contained
 * node), with fresh ids, the same relationships to targets outside the unit, and the
 * relationship instances that existing `all_to_all` sources gain to the new targets; they run
 * `establish` once the new instances are installed. Scaling in picks units to remove (the
 * `include_instances` hints first, never the `exclude_instances`, then the newest), has the
 * sources that stay run `unlink`, uninstalls the units, then removes them. A failed scale-out
 * with `rollback_if_failed` uninstalls and removes what it added.
 *
 * For resume, the instances a run adds or marks for removal carry its execution id in their
 * system properties, so a resumed run finds its modification instead of making another.
 */
import { randomBytes } from 'node:crypto';
import type { PlanValue } from '@cairn/dsl';
import type { NodeInstanceRecord, RelationshipInstanceRecord } from '@cairn/store';
import { TaskGraph } from '../graph/task-graph.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import { WorkflowError, type WorkflowParameters } from './builtin-types.js';
import { addInstall, addRelatedEstablish, addRelatedUnlink, addUninstall } from './lifecycle.js';
import { PhaseFailed, type PhasedWorkflow, type WorkflowContext } from './workflow-context.js';

const CONTAINED_IN = 'cloudify.relationships.contained_in';
const ADDED_BY = 'scale_added_by';
const REMOVED_BY = 'scale_removed_by';
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** What is being scaled. */
type Entity =
  | { readonly kind: 'group'; readonly name: string }
  | { readonly kind: 'node'; readonly id: string };

function newSuffix(): string {
  const bytes = randomBytes(6);
  let out = '';
  for (const b of bytes) out += ID_CHARS[b % ID_CHARS.length] ?? 'a';
  return out;
}

function newId(prefix: string, taken: Set<string>): string {
  for (;;) {
    const id = `${prefix}_${newSuffix()}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

function entityOf(model: DeploymentModel, params: WorkflowParameters): Entity {
  const name = params.scalable_entity_name;
  if (typeof name !== 'string' || name === '') {
    throw new WorkflowError("scale needs 'scalable_entity_name': a scaling group or a node.");
  }
  if (Object.hasOwn(model.plan.scaling_groups, name)) return { kind: 'group', name };
  if (!model.nodes.has(name)) {
    const known = [...Object.keys(model.plan.scaling_groups), ...model.nodes.keys()].sort();
    throw new WorkflowError(
      `'${name}' is neither a scaling group nor a node of this deployment (it has: ${known.join(', ')}).`,
    );
  }
  if (params.scale_compute === true) {
    const hostId = model.node(name).host_id;
    if (hostId !== undefined && hostId !== name) return { kind: 'node', id: hostId };
  }
  return { kind: 'node', id: name };
}

function deltaOf(params: WorkflowParameters): number {
  const delta = params.delta ?? 1;
  const n = typeof delta === 'string' ? Number(delta) : delta;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new WorkflowError(
      `scale's 'delta' must be a whole number, not ${JSON.stringify(delta)}.`,
    );
  }
  return n;
}

function isContainment(
  model: DeploymentModel,
  instance: NodeInstanceRecord,
  rel: RelationshipInstanceRecord,
): boolean {
  const declared = model
    .nodeOf(instance)
    .relationships.find((r) => r.target_id === rel.target_name && r.type === rel.type);
  return declared?.type_hierarchy.includes(CONTAINED_IN) === true;
}

/** Instance id → the instances directly contained in it. */
function containment(model: DeploymentModel): Map<string, NodeInstanceRecord[]> {
  const out = new Map<string, NodeInstanceRecord[]>();
  for (const instance of model.allInstances()) {
    for (const rel of instance.relationships) {
      if (!isContainment(model, instance, rel)) continue;
      let list = out.get(rel.target_id);
      if (list === undefined) out.set(rel.target_id, (list = []));
      list.push(instance);
    }
  }
  return out;
}

function withDescendants(
  roots: readonly NodeInstanceRecord[],
  children: Map<string, NodeInstanceRecord[]>,
): NodeInstanceRecord[] {
  const out: NodeInstanceRecord[] = [];
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const current = stack.pop() as NodeInstanceRecord;
    if (seen.has(current.id)) continue;
    seen.add(current.id);
    out.push(current);
    stack.push(...(children.get(current.id) ?? []));
  }
  return out;
}

/** The units of the entity: each group instance's (or node instance's) instances, with their container key. */
function unitsOf(
  model: DeploymentModel,
  entity: Entity,
): { key: string; container: string; members: NodeInstanceRecord[] }[] {
  const children = containment(model);
  if (entity.kind === 'node') {
    return model.instancesOf(entity.id).map((instance) => {
      const parent = instance.relationships.find((r) => isContainment(model, instance, r));
      return {
        key: instance.id,
        container: parent?.target_id ?? '',
        members: withDescendants([instance], children),
      };
    });
  }
  const byGroupInstance = new Map<string, NodeInstanceRecord[]>();
  for (const instance of model.allInstances()) {
    for (const g of instance.scaling_groups) {
      if (g.name !== entity.name) continue;
      let list = byGroupInstance.get(g.id);
      if (list === undefined) byGroupInstance.set(g.id, (list = []));
      list.push(instance);
    }
  }
  // Nested groups: members of a nested group instance that sits inside this group instance.
  return [...byGroupInstance].map(([key, direct]) => ({
    key,
    container: '',
    members: withDescendants(direct, children),
  }));
}

interface Modification {
  readonly added: NodeInstanceRecord[];
  /** Existing instances with their new relationship lists. */
  readonly changed: { id: string; relationships: RelationshipInstanceRecord[] }[];
}

/** Clones units for a scale-out. */
function planScaleOut(
  model: DeploymentModel,
  entity: Entity,
  delta: number,
  executionId: string,
): Modification {
  const units = unitsOf(model, entity);
  if (units.length === 0) {
    throw new WorkflowError(
      `'${entity.kind === 'group' ? entity.name : entity.id}' has no instances to copy; Cairn scales out from at least one.`,
    );
  }
  const taken = new Set(model.allInstances().map((i) => i.id));
  for (const i of model.allInstances()) for (const g of i.scaling_groups) taken.add(g.id);
  const nextIndex = new Map<string, number>();
  for (const i of model.allInstances())
    nextIndex.set(i.node_id, Math.max(nextIndex.get(i.node_id) ?? 0, i.index));
  // One template unit per container (a contained node scales per container instance).
  const templates = new Map<string, (typeof units)[number]>();
  for (const unit of units) if (!templates.has(unit.container)) templates.set(unit.container, unit);

  const groupMembers = new Map<string, string[]>();
  for (const i of model.allInstances()) {
    for (const g of i.scaling_groups) {
      let list = groupMembers.get(g.id);
      if (list === undefined) groupMembers.set(g.id, (list = []));
      list.push(i.id);
    }
  }
  const added: NodeInstanceRecord[] = [];
  const extraRelationships = new Map<string, RelationshipInstanceRecord[]>();
  const allUnitIds = new Set(units.flatMap((u) => u.members.map((m) => m.id)));
  for (const template of templates.values()) {
    for (let copy = 0; copy < delta; copy++) {
      const ids = new Map<string, string>();
      for (const member of template.members) ids.set(member.id, newId(member.node_id, taken));
      // Group instances wholly inside the unit (the scaled group's, and groups nested in it)
      // get new ids in the copy; a scaled node stays in the group instances it was in.
      const groupIds = new Map<string, string>();
      if (entity.kind === 'group') {
        const inUnit = new Set(template.members.map((m) => m.id));
        for (const member of template.members) {
          for (const g of member.scaling_groups) {
            if (groupIds.has(g.id)) continue;
            const holders = groupMembers.get(g.id) ?? [];
            if (holders.every((id) => inUnit.has(id))) groupIds.set(g.id, newId(g.name, taken));
          }
        }
      }
      for (const member of template.members) {
        const index = (nextIndex.get(member.node_id) ?? 0) + 1;
        nextIndex.set(member.node_id, index);
        added.push({
          id: ids.get(member.id) as string,
          deployment_id: member.deployment_id,
          node_id: member.node_id,
          host_id: member.host_id === null ? null : (ids.get(member.host_id) ?? member.host_id),
          state: null,
          runtime_properties: {},
          system_properties: { [ADDED_BY]: executionId },
          relationships: member.relationships.map((r) => ({
            ...r,
            target_id: ids.get(r.target_id) ?? r.target_id,
          })),
          scaling_groups: member.scaling_groups.map((g) => ({
            name: g.name,
            id: groupIds.get(g.id) ?? g.id,
          })),
          index,
          version: 1,
        });
      }
      // Existing all_to_all sources outside every unit of this entity gain the new targets.
      for (const source of model.allInstances()) {
        if (allUnitIds.has(source.id)) continue;
        const node = model.nodeOf(source);
        for (const rel of source.relationships) {
          const newTarget = ids.get(rel.target_id);
          if (newTarget === undefined) continue;
          const declared = node.relationships.find(
            (r) => r.target_id === rel.target_name && r.type === rel.type,
          );
          if (declared === undefined || declared.properties.connection_type === 'all_to_one')
            continue;
          if (declared.type_hierarchy.includes(CONTAINED_IN)) continue;
          let list = extraRelationships.get(source.id);
          if (list === undefined) extraRelationships.set(source.id, (list = []));
          list.push({ ...rel, target_id: newTarget });
        }
      }
    }
  }
  const changed = [...extraRelationships].map(([id, extra]) => ({
    id,
    relationships: [...model.instance(id).relationships, ...extra],
  }));
  return { added, changed };
}

function hints(value: PlanValue | undefined): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string' && value !== '') return [value];
  return [];
}

/** Chooses the units a scale-in removes. */
function planScaleIn(
  model: DeploymentModel,
  entity: Entity,
  count: number,
  params: WorkflowParameters,
): NodeInstanceRecord[] {
  const include = new Set(hints(params.include_instances));
  const exclude = new Set(hints(params.exclude_instances));
  const units = unitsOf(model, entity);
  const byContainer = new Map<string, (typeof units)[number][]>();
  for (const unit of units) {
    let list = byContainer.get(unit.container);
    if (list === undefined) byContainer.set(unit.container, (list = []));
    list.push(unit);
  }
  const removed: NodeInstanceRecord[] = [];
  for (const list of byContainer.values()) {
    if (count > list.length) {
      throw new WorkflowError(
        `Cannot remove ${count} instance(s) of '${entity.kind === 'group' ? entity.name : entity.id}': there are only ${list.length}${byContainer.size > 1 ? ' per container' : ''}.`,
      );
    }
    const score = (unit: (typeof units)[number]): number => {
      const ids = unit.members.map((m) => m.id);
      if (ids.some((id) => exclude.has(id))) return -1;
      if (ids.some((id) => include.has(id))) return 2;
      return 1;
    };
    const ranked = [...list].sort(
      (a, b) =>
        score(b) - score(a) ||
        Math.max(...b.members.map((m) => m.index)) - Math.max(...a.members.map((m) => m.index)),
    );
    const chosen = ranked.slice(0, count);
    if (chosen.some((u) => score(u) < 0)) {
      throw new WorkflowError(
        'Cannot scale in that far without removing an instance listed in exclude_instances.',
      );
    }
    for (const unit of chosen) removed.push(...unit.members);
  }
  return removed;
}

function installGraph(model: DeploymentModel, added: readonly NodeInstanceRecord[]): TaskGraph {
  const graph = new TaskGraph();
  const up = addInstall(graph, model, added, 'scale_install_');
  addRelatedEstablish(graph, model, up);
  return graph;
}

function uninstallGraph(
  model: DeploymentModel,
  removed: readonly NodeInstanceRecord[],
  ignoreFailure: boolean,
  prefix: string,
): TaskGraph {
  const graph = new TaskGraph();
  const down = addUninstall(graph, model, removed, { prefix, ignoreFailure });
  addRelatedUnlink(graph, model, down);
  return graph;
}

/** Removes instances and every relationship instance that points at them (one transaction). */
async function removeInstances(
  context: WorkflowContext,
  removed: readonly NodeInstanceRecord[],
): Promise<void> {
  const gone = new Set(removed.map((i) => i.id));
  const changes = context.model
    .allInstances()
    .filter((i) => !gone.has(i.id) && i.relationships.some((r) => gone.has(r.target_id)))
    .map((i) => ({
      id: i.id,
      relationships: i.relationships.filter((r) => !gone.has(r.target_id)),
    }));
  await context.modify({ instances: changes, deletedInstances: [...gone] });
}

async function runScale(context: WorkflowContext): Promise<void> {
  const { model, params, executionId } = context;
  const entity = entityOf(model, params);
  const delta = deltaOf(params);
  const ignoreFailure = params.ignore_failure === true;
  if (delta === 0) return;
  if (delta > 0) {
    let added = model.allInstances().filter((i) => i.system_properties[ADDED_BY] === executionId);
    if (added.length === 0) {
      const modification = planScaleOut(model, entity, delta, executionId);
      await context.modify({ newInstances: modification.added, instances: modification.changed });
      added = modification.added.map((i) => model.instance(i.id));
    }
    await context.stage(
      `Scaling out '${entity.kind === 'group' ? entity.name : entity.id}' by ${delta}: ${added.length} new node instance(s)`,
    );
    try {
      await context.run(installGraph(model, added));
    } catch (error) {
      if (!(error instanceof PhaseFailed) || params.rollback_if_failed === false) throw error;
      await context.stage('Scale out failed: rolling back the added node instances');
      const current = added.map((i) => model.instance(i.id));
      try {
        await context.run(uninstallGraph(model, current, true, 'scale_rollback_'));
      } finally {
        await removeInstances(context, current);
      }
      throw error;
    }
    return;
  }
  let removed = model.allInstances().filter((i) => i.system_properties[REMOVED_BY] === executionId);
  if (removed.length === 0) {
    removed = planScaleIn(model, entity, -delta, params);
    for (const instance of removed) {
      await context.setSystemProperties(instance.id, {
        ...instance.system_properties,
        [REMOVED_BY]: executionId,
      });
    }
  }
  await context.stage(
    `Scaling in '${entity.kind === 'group' ? entity.name : entity.id}' by ${-delta}: removing ${removed.map((i) => i.id).join(', ')}`,
  );
  await context.run(
    uninstallGraph(
      model,
      removed.map((i) => model.instance(i.id)),
      ignoreFailure,
      'scale_uninstall_',
    ),
  );
  await removeInstances(context, removed);
}

/** The scale workflow (Cloudify's `scale_entity`). */
export const SCALE: PhasedWorkflow = {
  kind: 'phased',
  check(model, params) {
    const entity = entityOf(model, params);
    const delta = deltaOf(params);
    if (delta < 0) planScaleIn(model, entity, -delta, params);
  },
  run: runScale,
  preview(model, params) {
    const entity = entityOf(model, params);
    const delta = deltaOf(params);
    if (delta < 0)
      return uninstallGraph(
        model,
        planScaleIn(model, entity, -delta, params),
        false,
        'scale_uninstall_',
      );
    return new TaskGraph();
  },
};
