/**
 * Builds the Plan from a composed blueprint: types first, then plugins, inputs, nodes and
 * relationships, groups and policies, workflows and the remaining sections, then the checks that
 * need everything (get_property paths, all_to_one inside scaling groups).
 */
import type { ComposedBlueprint } from '../compose/compose.js';
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { ImportHost } from '../imports/import-host.js';
import { TypeRegistry } from '../types/type-registry.js';
import { dict, isMap } from '../util/value.js';
import { versionRank } from '../util/dsl-version.js';
import { buildGroups } from './groups.js';
import { buildInputs } from './inputs.js';
import { buildNodes, type NodeBuild } from './nodes.js';
import type { PlanContext } from './plan-context.js';
import type { Plan, PlanNode, PlanPlugin, PlanScalingGroup, PlanValue } from './plan-types.js';
import { buildPlugins, checkImportProperties } from './plugins.js';
import { checkPropertyReferences } from './property-references.js';
import {
  buildDeploymentSettings,
  buildLabels,
  buildLegacyPolicySection,
  buildOutputs,
  buildResourceTags,
  buildWorkflows,
  planDataTypes,
  planRelationshipTypes,
} from './sections.js';

/** Builds the plan. Returns it even when errors were reported (callers decide what to do). */
export function buildPlan(composed: ComposedBlueprint, reporter: Reporter, host: ImportHost): Plan {
  const base = { reporter, version: composed.version, composed, host };
  const registry = new TypeRegistry(base);
  const ctx: PlanContext = {
    ...base,
    registry,
    scan: { reporter, version: composed.version, composed, propertyRefs: [] },
    plugins: new Map(),
    mainUrl: composed.main.doc.url,
    operationCache: new Map(),
  };
  registry.resolveAll();
  registry.checkDefaults();
  buildPlugins(ctx);
  checkImportProperties(ctx);
  const inputs = buildInputs(ctx);
  const builds = buildNodes(ctx);
  const nodes = builds.map((b) => b.node as PlanNode);
  const { groups, policies, scalingGroups } = buildGroups(builds, ctx);
  checkAllToOne(builds, scalingGroups, ctx);
  const workflows = buildWorkflows(ctx);
  // Every section that may hold get_property is scanned before the references are checked.
  const outputs = buildOutputs('outputs', ctx);
  const capabilities = buildOutputs('capabilities', ctx);
  const labels = buildLabels('labels', ctx);
  const blueprintLabels = buildLabels('blueprint_labels', ctx);
  const resourceTags = buildResourceTags(ctx);
  const deploymentSettings = buildDeploymentSettings(ctx);
  checkPropertyReferences(new Map(nodes.map((n) => [n.id, n])), ctx);
  const description = composed.description?.value;
  const metadata = composed.metadata?.value;
  const workflowPlugins = new Map<string, PlanPlugin>();
  for (const wf of Object.values(workflows)) {
    const p = ctx.plugins.get(wf.plugin)?.plugin;
    if (p !== undefined && p.install) workflowPlugins.set(p.name, p);
  }
  const deploymentPlugins = new Map<string, PlanPlugin>();
  const hostPlugins = new Map<string, PlanPlugin>();
  for (const node of nodes) {
    for (const p of node.deployment_plugins_to_install) deploymentPlugins.set(p.name, p);
    for (const p of node.plugins_to_install ?? []) hostPlugins.set(p.name, p);
  }
  return {
    version: {
      raw: composed.version,
      definitions_name: 'cloudify_dsl',
      definitions_version: [1, versionRank(composed.version)],
    },
    description: typeof description === 'string' ? description : null,
    metadata: isMap(metadata) ? metadata : dict<PlanValue>(),
    inputs,
    outputs,
    capabilities,
    nodes,
    relationships: planRelationshipTypes(ctx),
    data_types: planDataTypes(ctx),
    workflows,
    groups,
    scaling_groups: scalingGroups,
    policies,
    policy_types: buildLegacyPolicySection('policy_types', ctx),
    policy_triggers: buildLegacyPolicySection('policy_triggers', ctx),
    deployment_plugins_to_install: [...deploymentPlugins.values()],
    workflow_plugins_to_install: [...workflowPlugins.values()],
    host_agent_plugins_to_install: [...hostPlugins.values()],
    labels,
    blueprint_labels: blueprintLabels,
    resource_tags: resourceTags,
    deployment_settings: deploymentSettings,
    imported_blueprints: [...new Set(Object.values(composed.loaded.namespacesMapping))],
    namespaces_mapping: { ...composed.loaded.namespacesMapping },
  };
}

/** The scaling groups a node belongs to, innermost first (containment counts as membership). */
export function groupsOfNode(
  node: string,
  builds: ReadonlyMap<string, NodeBuild>,
  scalingGroups: Readonly<Record<string, PlanScalingGroup>>,
): string[] {
  const parentOf = new Map<string, string>();
  for (const [g, sg] of Object.entries(scalingGroups))
    for (const m of sg.members) parentOf.set(m, g);
  const out: string[] = [];
  const seen = new Set<string>();
  for (let n: string | undefined = node; n !== undefined && !seen.has(n);) {
    seen.add(n);
    for (let g = parentOf.get(n); g !== undefined && !out.includes(g); g = parentOf.get(g))
      out.push(g);
    n = builds.get(n)?.edges.find((e) => e.containedIn)?.target;
  }
  return out;
}

function checkAllToOne(
  builds: readonly NodeBuild[],
  scalingGroups: Readonly<Record<string, PlanScalingGroup>>,
  ctx: PlanContext,
): void {
  if (Object.keys(scalingGroups).length === 0) return;
  const byName = new Map(builds.map((b) => [b.node.id, b]));
  for (const build of builds) {
    build.node.relationships.forEach((rel, i) => {
      if (rel.properties.connection_type !== 'all_to_one') return;
      const a = groupsOfNode(build.node.id, byName, scalingGroups);
      const b = new Set(groupsOfNode(rel.target_id, byName, scalingGroups));
      const shared = a.find((g) => b.has(g));
      if (shared === undefined) return;
      ctx.reporter.report(
        'DSL_ALL_TO_ONE_IN_GROUP',
        `The all_to_one relationship from '${build.node.id}' to '${rel.target_id}' joins two nodes of scaling group '${shared}'; inside a group each instance already has its own target.`,
        build.edges[i]?.loc,
      );
    });
  }
}
