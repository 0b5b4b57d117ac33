/**
 * `check_status` and `heal` (spec §5.6, pinned by `spec/traces/07-heal`).
 *
 * check_status runs `validation.check_status` on the selected instances and stores each
 * outcome as `system_properties.status`. heal, in phases:
 * 1. scope: with `node_instance_id`, that instance's host's contained subgraph (the instance's
 *    own when it has no host); otherwise every instance;
 * 2. unless `force_reinstall` or `check_status: false`: check the scope (failures are findings,
 *    not errors) — an instance is unhealthy when its check failed, or, for a targeted heal, when
 *    it has no check at all;
 * 3. unhealthy instances that declare `lifecycle.heal` run preheal → heal → postheal; a heal
 *    that fails marks `system_properties.heal_failed`;
 * 4. the other unhealthy ones, and the failed heals, are reinstalled with everything contained
 *    in them: the whole uninstall first, with related instances unlinking before and
 *    establishing after.
 */
import type { PlanValue } from '@cairn/dsl';
import type { NodeInstanceRecord } from '@cairn/store';
import { TaskGraph, type Subgraph } from '../graph/task-graph.js';
import type { DeploymentModel } from '../model/deployment-model.js';
import { WorkflowError, type WorkflowParameters } from './builtin-types.js';
import { filterInstances } from './filters.js';
import { addInstall, addRelatedEstablish, addRelatedUnlink, addUninstall } from './lifecycle.js';
import { PhaseFailed, type PhasedWorkflow, type WorkflowContext } from './workflow-context.js';

const CHECK = 'cloudify.interfaces.validation.check_status';
const LIFECYCLE = 'cloudify.interfaces.lifecycle';

function addChecks(
  graph: TaskGraph,
  model: DeploymentModel,
  instances: readonly NodeInstanceRecord[],
  options: { readonly prefix: string; readonly ignoreFailure: boolean },
): void {
  for (const instance of instances) {
    if (model.operation(model.nodeOf(instance), CHECK) === undefined) continue;
    const sub = graph.subgraph(`${options.prefix}${instance.id}`, instance.id);
    graph.append(sub, [
      [
        {
          kind: 'operation',
          instanceId: instance.id,
          operation: CHECK,
          recordStatus: true,
          ...(options.ignoreFailure ? { ignoreFailure: true } : {}),
        },
      ],
    ]);
  }
}

/** The check_status workflow: a failing check fails it. */
export function checkStatus(model: DeploymentModel, params: WorkflowParameters): TaskGraph {
  const graph = new TaskGraph();
  const instances = filterInstances(model, params);
  addChecks(graph, model, instances, { prefix: 'check_status_', ignoreFailure: false });
  if (params.run_by_dependency_order === true) {
    for (const instance of instances) {
      const sub = graph.subgraphs.get(`check_status_${instance.id}`);
      if (sub === undefined) continue;
      for (const rel of instance.relationships) {
        const target = graph.subgraphs.get(`check_status_${rel.target_id}`);
        if (target !== undefined) graph.subgraphWaits(sub, target);
      }
    }
  }
  return graph;
}

/** Instances contained (transitively) in `root`, and `root` itself. */
function containedSubgraph(model: DeploymentModel, root: NodeInstanceRecord): NodeInstanceRecord[] {
  const children = new Map<string, NodeInstanceRecord[]>();
  for (const instance of model.allInstances()) {
    for (const rel of model.relationshipsOf(instance)) {
      if (!rel.declared.type_hierarchy.includes('cloudify.relationships.contained_in')) continue;
      let list = children.get(rel.target.id);
      if (list === undefined) children.set(rel.target.id, (list = []));
      list.push(instance);
    }
  }
  const out: NodeInstanceRecord[] = [];
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const current = stack.pop() as NodeInstanceRecord;
    if (seen.has(current.id)) continue;
    seen.add(current.id);
    out.push(current);
    stack.push(...(children.get(current.id) ?? []));
  }
  return out;
}

function scopeOf(model: DeploymentModel, params: WorkflowParameters): NodeInstanceRecord[] {
  const target = params.node_instance_id;
  if (target === undefined || target === null || target === '') return model.allInstances();
  if (typeof target !== 'string' || !model.hasInstance(target)) {
    throw new WorkflowError(
      `node_instance_id ${JSON.stringify(target)} is not a node instance of this deployment.`,
    );
  }
  const instance = model.instance(target);
  const hostId = instance.host_id;
  const root = hostId !== null && model.hasInstance(hostId) ? model.instance(hostId) : instance;
  const scope = containedSubgraph(model, root);
  // Keep the deployment's order, which is the order Cloudify lists instances in.
  const ids = new Set(scope.map((i) => i.id));
  return model.allInstances().filter((i) => ids.has(i.id));
}

function flag(value: PlanValue | undefined, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function healthy(instance: NodeInstanceRecord, targeted: boolean, hasCheck: boolean): boolean {
  if (!hasCheck) return !targeted;
  const status = instance.system_properties.status;
  return (
    typeof status === 'object' && status !== null && !Array.isArray(status) && status.ok === true
  );
}

/** Reinstalls `instances` and what they contain; related instances unlink and establish. */
async function reinstall(
  context: WorkflowContext,
  instances: readonly NodeInstanceRecord[],
): Promise<void> {
  const { model } = context;
  const ids = new Set<string>();
  for (const instance of instances)
    for (const i of containedSubgraph(model, instance)) ids.add(i.id);
  const set = model.allInstances().filter((i) => ids.has(i.id));
  if (set.length === 0) return;
  const graph = new TaskGraph();
  const down = addUninstall(graph, model, set, { prefix: 'heal_uninstall_', ignoreFailure: true });
  addRelatedUnlink(graph, model, down);
  const up = addInstall(
    graph,
    model,
    set.map((i) => ({ ...i, state: 'deleted' })),
    'heal_install_',
  );
  const allDown = [...down.values()].flatMap((s: Subgraph) => s.last);
  for (const sub of up.values()) graph.waitFor(sub, allDown);
  addRelatedEstablish(graph, model, up);
  await context.run(graph);
}

async function runHeal(context: WorkflowContext): Promise<void> {
  const { model, params } = context;
  const targeted = typeof params.node_instance_id === 'string' && params.node_instance_id !== '';
  const scope = scopeOf(model, params);
  const force = flag(params.force_reinstall, false);
  const check = flag(params.check_status, true);
  if (force || !check) {
    await reinstall(context, scope);
    return;
  }
  const checks = new TaskGraph();
  addChecks(checks, model, scope, { prefix: 'heal_check_', ignoreFailure: true });
  await context.run(checks);

  const unhealthy = scope
    .map((i) => model.instance(i.id))
    .filter((i) => !healthy(i, targeted, model.operation(model.nodeOf(i), CHECK) !== undefined));
  if (unhealthy.length === 0) return;
  const withHeal = unhealthy.filter(
    (i) => model.operation(model.nodeOf(i), `${LIFECYCLE}.heal`) !== undefined,
  );
  const toReinstall = unhealthy.filter((i) => !withHeal.includes(i));

  if (withHeal.length > 0) {
    const graph = new TaskGraph();
    const subs = new Map<string, Subgraph>();
    for (const instance of withHeal) {
      const sub = graph.subgraph(`heal_${instance.id}`, instance.id);
      const steps = ['preheal', 'heal', 'postheal']
        .map((name) => `${LIFECYCLE}.${name}`)
        .filter((op) => model.operation(model.nodeOf(instance), op) !== undefined)
        .map((operation) => [{ kind: 'operation' as const, instanceId: instance.id, operation }]);
      graph.append(sub, [
        [{ kind: 'event', instanceId: instance.id, message: 'Healing node instance' }],
        ...steps,
        [{ kind: 'event', instanceId: instance.id, message: 'Node instance healed' }],
      ]);
      subs.set(instance.id, sub);
    }
    for (const instance of withHeal) {
      const sub = subs.get(instance.id) as Subgraph;
      for (const rel of instance.relationships) {
        const target = subs.get(rel.target_id);
        if (target !== undefined) graph.subgraphWaits(sub, target);
      }
    }
    let failed: PhaseFailed | undefined;
    try {
      await context.run(graph);
    } catch (error) {
      if (!(error instanceof PhaseFailed) || error.status === 'cancelled') throw error;
      failed = error;
    }
    for (const instance of withHeal) {
      const current = model.instance(instance.id);
      const status = current.system_properties.status;
      const old =
        typeof status === 'object' && status !== null && !Array.isArray(status) ? status : {};
      if (failed === undefined) {
        await context.setSystemProperties(instance.id, {
          ...current.system_properties,
          status: {
            ...old,
            ok: true,
            timestamp: new Date().toISOString(),
            task: null,
            healed: true,
          },
        });
      } else {
        await context.setSystemProperties(instance.id, {
          ...current.system_properties,
          heal_failed: true,
        });
        toReinstall.push(current);
      }
    }
  }
  if (toReinstall.length === 0) return;
  if (params.allow_reinstall === false) {
    throw new PhaseFailed(
      'failed',
      `Heal would reinstall ${toReinstall.map((i) => i.id).join(', ')}, but allow_reinstall is false.`,
    );
  }
  await reinstall(context, toReinstall);
}

/** The heal workflow (Cloudify's `auto_heal_reinstall_node_subgraph`). */
export const HEAL: PhasedWorkflow = {
  kind: 'phased',
  check(model, params) {
    scopeOf(model, params);
  },
  run: runHeal,
  preview(model, params) {
    const graph = new TaskGraph();
    const scope = scopeOf(model, params);
    if (flag(params.force_reinstall, false) || !flag(params.check_status, true)) {
      const down = addUninstall(graph, model, scope, {
        prefix: 'heal_uninstall_',
        ignoreFailure: true,
      });
      addRelatedUnlink(graph, model, down);
      const up = addInstall(
        graph,
        model,
        scope.map((i) => ({ ...i, state: 'deleted' })),
        'heal_install_',
      );
      const allDown = [...down.values()].flatMap((s) => s.last);
      for (const sub of up.values()) graph.waitFor(sub, allDown);
      addRelatedEstablish(graph, model, up);
    } else {
      addChecks(graph, model, scope, { prefix: 'heal_check_', ignoreFailure: true });
    }
    return graph;
  },
};
