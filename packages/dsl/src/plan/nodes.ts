/**
 * Node templates → plan nodes (spec §1.7): type, properties against the type's schema,
 * operations merged over the type's, relationships against their types, instance counts,
 * hosts, the plugins each node needs, and the dependency graph (which must have no cycle).
 */
import { qualify, type Element } from '../compose/compose.js';
import { isFunctionCall } from '../functions/function-call.js';
import { scanFunctions, type FunctionScope } from '../functions/scan.js';
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { checkProperties } from '../types/check-value.js';
import { parseInterfaces } from '../types/operations.js';
import type { NodeTypeInfo } from '../types/type-registry.js';
import { didYouMean } from '../util/suggest.js';
import { dict, isMap, kindOf, show, type Value, type ValueMap } from '../util/value.js';
import { buildOperationTable } from './operations.js';
import type { PlanContext } from './plan-context.js';
import type {
  PlanNode,
  PlanOperation,
  PlanPlugin,
  PlanRelationship,
  PlanScalableProperties,
  PlanValue,
} from './plan-types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const TEMPLATE_FIELDS: Record<string, FieldSpec> = {
  type: { shape: 'string', required: true },
  properties: { shape: 'map' },
  interfaces: { shape: 'map' },
  relationships: { shape: 'list' },
  capabilities: { shape: 'map', since: '1_3' },
  instances: { shape: 'map' },
  description: { shape: 'any' },
};

const RELATIONSHIP_FIELDS: Record<string, FieldSpec> = {
  type: { shape: 'string', required: true },
  target: { shape: 'string', required: true },
  properties: { shape: 'map' },
  source_interfaces: { shape: 'map' },
  target_interfaces: { shape: 'map' },
};

const CONTAINED_IN = 'cloudify.relationships.contained_in';
const LIFECYCLE_OPERATION = 'cloudify.relationships.depends_on_lifecycle_operation';
const COMPUTE = 'cloudify.nodes.Compute';

/** A node under construction, with what later checks need. */
export interface NodeBuild {
  readonly element: Element;
  readonly node: Mutable<PlanNode>;
  readonly type: NodeTypeInfo;
  /** Relationship edges, in declaration order, with where each target is written. */
  readonly edges: { target: string; loc: Loc | undefined; containedIn: boolean }[];
  /** Operation tables whose plugins count for this node (its own and relationship sides). */
  readonly operationTables: Record<string, PlanOperation>[];
}

/** Builds every node template. */
export function buildNodes(ctx: PlanContext): NodeBuild[] {
  const builds: NodeBuild[] = [];
  for (const element of ctx.composed.sections.node_templates.values()) {
    const build = buildNode(element, ctx);
    if (build !== undefined) builds.push(build);
  }
  const byName = new Map(builds.map((b) => [b.node.id, b]));
  for (const build of builds) buildRelationships(build, byName, ctx);
  reportCycles(builds, byName, ctx);
  assignHosts(builds, byName);
  assignPlugins(builds, ctx);
  return builds;
}

function buildNode(element: Element, ctx: PlanContext): NodeBuild | undefined {
  const raw = element.value;
  const what = `node template '${element.name}'`;
  const at = keyLoc(element.section, element.localName);
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The definition of ${what} must be a mapping (type, properties, …), not ${kindOf(raw)}.`,
      valueLoc(element.section, element.localName),
    );
    return undefined;
  }
  const ok = checkFields(raw, TEMPLATE_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what,
    at,
  });
  if (!ok.has('type') || typeof raw.type !== 'string') return undefined;
  const type = ctx.registry.nodeType(raw.type, element.namespace);
  if (type === undefined) {
    if (ctx.registry.findElement('node', raw.type, element.namespace) === undefined) {
      ctx.registry.reportUnknown(
        'node',
        raw.type,
        valueLoc(raw, 'type'),
        `${capitalize(what)} has type`,
      );
    }
    return undefined;
  }
  const scope: FunctionScope = {
    kind: 'node',
    namespace: element.namespace,
    where: what,
    self: element.name,
  };
  const given = ok.has('properties') && isMap(raw.properties) ? raw.properties : undefined;
  const checked = checkProperties(given, type.properties, {
    ctx,
    registry: ctx.registry,
    namespace: element.namespace,
    owner: what,
    requireAll: true,
    path: [],
    missingAt: at,
    kindWord: `node type '${type.name}'`,
    externalResourceRule: true,
  });
  const properties = dict<PlanValue>();
  for (const name of Object.keys(checked)) {
    // A value from the type's default is resolved in the type's namespace.
    const fromTemplate = given !== undefined && name in given;
    const def = type.properties.get(name);
    const namespace = fromTemplate ? element.namespace : (def?.namespace ?? element.namespace);
    properties[name] = scanFunctions(
      checked[name] as Value,
      namespace === scope.namespace ? scope : { ...scope, namespace },
      ctx.scan,
    ).value;
  }
  const templateIfaces = parseInterfaces(
    ok.has('interfaces') ? raw.interfaces : undefined,
    {
      container: raw,
      key: 'interfaces',
      level: 'template',
      owner: what,
      namespace: element.namespace,
    },
    ctx,
  );
  const operations = buildOperationTable(
    { type: type.interfaces, template: templateIfaces },
    { element, scope, owner: what, at },
    ctx,
  );
  const scalable = buildScalable({ raw, ok }, { what, scope }, ctx);
  const node: Mutable<PlanNode> = {
    id: element.name,
    name: element.name,
    type: type.name,
    type_hierarchy: type.hierarchy,
    properties,
    operations,
    relationships: [],
    capabilities: { scalable: { properties: scalable } },
    instances: { deploy: scalable.default_instances },
    plugins: [],
    deployment_plugins_to_install: [],
  };
  return { element, node, type, edges: [], operationTables: [operations] };
}

/** Where a count is written and how its functions are scanned. */
interface CountSite {
  readonly container: ValueMap;
  readonly key: string;
  /** The node template or policy the count belongs to, for messages. */
  readonly what: string;
  readonly scope: FunctionScope;
  /** `max_instances` may be -1 or 'UNBOUNDED' for no limit. */
  readonly unbounded?: boolean;
}

function intOrFunction(
  value: Value | undefined,
  site: CountSite,
  ctx: PlanContext,
): PlanValue | undefined {
  if (value === undefined) return undefined;
  if (isFunctionCall(value)) return scanFunctions(value, site.scope, ctx.scan).value;
  const unbounded = site.unbounded === true;
  if (unbounded && value === 'UNBOUNDED') return -1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (unbounded ? -1 : 0)) {
    ctx.reporter.report(
      'DSL_SCALING_BOUNDS',
      `'${site.key}' of ${site.what} must be a whole number ≥ 0${unbounded ? " (or -1 / 'UNBOUNDED' for no limit)" : ''}, not ${show(value)}.`,
      valueLoc(site.container, site.key),
    );
    return undefined;
  }
  return value;
}

/** Reads scalable properties (`default_instances`, `min_instances`, `max_instances`) and checks bounds. */
export function readScalableProperties(
  props: ValueMap,
  owner: { readonly what: string; readonly scope: FunctionScope },
  ctx: PlanContext,
): PlanScalableProperties {
  const what = owner.what;
  const site = (key: string, unbounded = false): CountSite => ({
    container: props,
    key,
    what,
    scope: owner.scope,
    unbounded,
  });
  checkFields(
    props,
    {
      default_instances: { shape: 'any' },
      min_instances: { shape: 'any' },
      max_instances: { shape: 'any' },
      current_instances: { shape: 'any' },
      planned_instances: { shape: 'any' },
    },
    { reporter: ctx.reporter, version: ctx.version, what: `the scalable properties of ${what}` },
  );
  const def = intOrFunction(props.default_instances, site('default_instances'), ctx) ?? 1;
  const min = intOrFunction(props.min_instances, site('min_instances'), ctx) ?? 0;
  const max = intOrFunction(props.max_instances, site('max_instances', true), ctx) ?? -1;
  if (typeof def === 'number' && typeof min === 'number' && typeof max === 'number') {
    const problem =
      def < min
        ? `default_instances (${def}) is below min_instances (${min})`
        : max !== -1 && def > max
          ? `default_instances (${def}) is above max_instances (${max})`
          : max !== -1 && min > max
            ? `min_instances (${min}) is above max_instances (${max})`
            : undefined;
    if (problem !== undefined) {
      ctx.reporter.report(
        'DSL_SCALING_BOUNDS',
        `The instance counts of ${what} do not fit: ${problem}.`,
        valueLoc(props, 'default_instances'),
      );
    }
  }
  return {
    default_instances: def,
    min_instances: min,
    max_instances: max,
    current_instances: def,
    planned_instances: def,
  };
}

function buildScalable(
  template: { readonly raw: ValueMap; readonly ok: Set<string> },
  owner: { readonly what: string; readonly scope: FunctionScope },
  ctx: PlanContext,
): PlanScalableProperties {
  const { raw, ok } = template;
  const what = owner.what;
  const capabilities =
    ok.has('capabilities') && isMap(raw.capabilities) ? raw.capabilities : undefined;
  const instances = ok.has('instances') && isMap(raw.instances) ? raw.instances : undefined;
  if (capabilities !== undefined && instances !== undefined) {
    ctx.reporter.report(
      'DSL_INSTANCES_CONFLICT',
      `${capitalize(what)} sets both 'instances' (deprecated) and 'capabilities.scalable'; keep only capabilities.scalable.`,
      keyLoc(raw, 'instances'),
    );
  }
  if (capabilities !== undefined) {
    checkFields(
      capabilities,
      { scalable: { shape: 'map' } },
      { reporter: ctx.reporter, version: ctx.version, what: `the capabilities of ${what}` },
    );
    const scalable = capabilities.scalable;
    if (isMap(scalable)) {
      checkFields(
        scalable,
        { properties: { shape: 'map' } },
        { reporter: ctx.reporter, version: ctx.version, what: `capabilities.scalable of ${what}` },
      );
      if (isMap(scalable.properties))
        return readScalableProperties(scalable.properties, owner, ctx);
    }
  }
  if (instances !== undefined) {
    checkFields(
      instances,
      { deploy: { shape: 'any', required: true } },
      {
        reporter: ctx.reporter,
        version: ctx.version,
        what: `'instances' of ${what}`,
        at: keyLoc(raw, 'instances'),
      },
    );
    const deploy = intOrFunction(
      instances.deploy,
      { container: instances, key: 'deploy', what, scope: owner.scope },
      ctx,
    );
    if (deploy !== undefined) {
      return {
        default_instances: deploy,
        min_instances: 0,
        max_instances: -1,
        current_instances: deploy,
        planned_instances: deploy,
      };
    }
  }
  return {
    default_instances: 1,
    min_instances: 0,
    max_instances: -1,
    current_instances: 1,
    planned_instances: 1,
  };
}

function buildRelationships(
  build: NodeBuild,
  byName: Map<string, NodeBuild>,
  ctx: PlanContext,
): void {
  const element = build.element;
  const raw = element.value as ValueMap;
  const lists: { list: Value[]; namespace: string | undefined }[] = [];
  if (Array.isArray(raw.relationships))
    lists.push({ list: raw.relationships, namespace: element.namespace });
  lists.push(...element.extraRelationships);
  const relationships: PlanRelationship[] = [];
  let containedIn: Loc | undefined;
  for (const { list, namespace } of lists) {
    list.forEach((entry, index) => {
      const rel = buildRelationship(build, { entry, list, index, namespace }, { byName, ctx });
      if (rel === undefined) return;
      const isContained = rel.type_hierarchy.includes(CONTAINED_IN);
      const loc = isMap(entry) ? valueLoc(entry, 'target') : valueLoc(list, index);
      if (isContained) {
        if (containedIn !== undefined) {
          ctx.reporter.report(
            'DSL_MULTIPLE_CONTAINED_IN',
            `Node template '${element.name}' has more than one contained_in relationship; a node can be contained in only one other node.`,
            isMap(entry) ? valueLoc(entry, 'type') : loc,
          );
        }
        containedIn = loc;
      }
      build.edges.push({ target: rel.target_id, loc, containedIn: isContained });
      relationships.push(rel);
      build.operationTables.push(rel.source_operations);
      byName.get(rel.target_id)?.operationTables.push(rel.target_operations);
    });
  }
  build.node.relationships = relationships;
}

function buildRelationship(
  build: NodeBuild,
  written: {
    /** The relationship as written, the list holding it and its index there. */
    readonly entry: Value;
    readonly list: Value[];
    readonly index: number;
    /** The namespace of the file the relationship is written in. */
    readonly namespace: string | undefined;
  },
  env: { readonly byName: Map<string, NodeBuild>; readonly ctx: PlanContext },
): PlanRelationship | undefined {
  const { entry, list, index, namespace } = written;
  const { byName, ctx } = env;
  const source = build.element.name;
  const what = `relationship ${index + 1} of node template '${source}'`;
  if (!isMap(entry)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The ${what} must be a mapping (type, target, …), not ${kindOf(entry)}.`,
      valueLoc(list, index),
    );
    return undefined;
  }
  const ok = checkFields(entry, RELATIONSHIP_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what: `the ${what}`,
    at: valueLoc(list, index),
  });
  if (
    !ok.has('type') ||
    !ok.has('target') ||
    typeof entry.type !== 'string' ||
    typeof entry.target !== 'string'
  )
    return undefined;
  const relType = ctx.registry.relationshipType(entry.type, namespace);
  if (relType === undefined) {
    if (ctx.registry.findElement('relationship', entry.type, namespace) === undefined) {
      ctx.registry.reportUnknown(
        'relationship',
        entry.type,
        valueLoc(entry, 'type'),
        `The ${what} has type`,
      );
    }
    return undefined;
  }
  const templates = ctx.composed.sections.node_templates;
  const qualified = qualify(entry.target, namespace);
  const target = templates.has(qualified) ? qualified : entry.target;
  if (!templates.has(target)) {
    ctx.reporter.report(
      'DSL_UNKNOWN_NODE',
      `The ${what} targets '${entry.target}', which is not a node template.${didYouMean(entry.target, [...templates.keys()])}`,
      valueLoc(entry, 'target'),
    );
    return undefined;
  }
  if (target === source) {
    ctx.reporter.report(
      'DSL_SELF_RELATIONSHIP',
      `Node template '${source}' has a relationship to itself.`,
      valueLoc(entry, 'target'),
    );
    return undefined;
  }
  const owner = `the ${what} (${relType.name} → ${target})`;
  const scope: FunctionScope = {
    kind: 'relationship',
    namespace,
    where: owner,
    self: source,
    target,
  };
  const given = ok.has('properties') && isMap(entry.properties) ? entry.properties : undefined;
  const checked = checkProperties(given, relType.properties, {
    ctx,
    registry: ctx.registry,
    namespace,
    owner,
    requireAll: true,
    path: [],
    missingAt: () => valueLoc(list, index),
    kindWord: `relationship type '${relType.name}'`,
  });
  const properties = dict<PlanValue>();
  for (const name of Object.keys(checked)) {
    const fromTemplate = given !== undefined && name in given;
    const def = relType.properties.get(name);
    const ns = fromTemplate ? namespace : (def?.namespace ?? namespace);
    properties[name] = scanFunctions(
      checked[name] as Value,
      ns === scope.namespace ? scope : { ...scope, namespace: ns },
      ctx.scan,
    ).value;
  }
  const connection = properties.connection_type;
  if (
    connection !== undefined &&
    typeof connection === 'string' &&
    connection !== 'all_to_all' &&
    connection !== 'all_to_one'
  ) {
    ctx.reporter.report(
      'DSL_INVALID_VALUE',
      `'connection_type' of ${owner} is ${show(connection)}; it must be all_to_all or all_to_one.`,
      given !== undefined && 'connection_type' in given
        ? valueLoc(given, 'connection_type')
        : valueLoc(entry, 'type'),
    );
  }
  if (relType.hierarchy.includes(LIFECYCLE_OPERATION)) {
    checkLifecycleOperation(
      { operation: properties.operation, given, entry, owner },
      byName.get(target),
      ctx,
    );
  }
  const element = build.element;
  const sourceIfaces = parseInterfaces(
    ok.has('source_interfaces') ? entry.source_interfaces : undefined,
    {
      container: entry,
      key: 'source_interfaces',
      level: 'template',
      owner: owner,
      namespace: namespace,
    },
    ctx,
  );
  const targetIfaces = parseInterfaces(
    ok.has('target_interfaces') ? entry.target_interfaces : undefined,
    {
      container: entry,
      key: 'target_interfaces',
      level: 'template',
      owner: owner,
      namespace: namespace,
    },
    ctx,
  );
  const at = valueLoc(list, index);
  const sourceOps = buildOperationTable(
    { type: relType.sourceInterfaces, template: sourceIfaces },
    { element, scope, owner: `the source side of ${owner}`, at },
    ctx,
  );
  const targetOps = buildOperationTable(
    { type: relType.targetInterfaces, template: targetIfaces },
    { element, scope, owner: `the target side of ${owner}`, at },
    ctx,
  );
  return {
    type: relType.name,
    target_id: target,
    type_hierarchy: relType.hierarchy,
    properties,
    source_operations: sourceOps,
    target_operations: targetOps,
  };
}

function checkLifecycleOperation(
  relationship: {
    /** The `operation` property, as given or defaulted. */
    readonly operation: PlanValue | undefined;
    readonly given: ValueMap | undefined;
    readonly entry: ValueMap;
    readonly owner: string;
  },
  target: NodeBuild | undefined,
  ctx: PlanContext,
): void {
  const { operation, given, entry, owner } = relationship;
  if (typeof operation !== 'string' || target === undefined) return;
  const lifecycle = target.type.interfaces.get('cloudify.interfaces.lifecycle');
  const short = operation.replace(/^cloudify\.interfaces\.lifecycle\./, '');
  if (lifecycle === undefined || !lifecycle.has(short)) {
    ctx.reporter.report(
      'DSL_UNKNOWN_OPERATION',
      `${capitalize(owner)} waits for the operation '${operation}', which is not a lifecycle operation of node template '${target.node.id}'.${didYouMean(short, lifecycle?.keys() ?? [])}`,
      given !== undefined && 'operation' in given
        ? valueLoc(given, 'operation')
        : valueLoc(entry, 'type'),
    );
  }
}

function reportCycles(
  builds: NodeBuild[],
  byName: ReadonlyMap<string, NodeBuild>,
  ctx: PlanContext,
): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (start: NodeBuild): void => {
    // Iterative depth-first search: deep dependency chains must not overflow the stack.
    const stack: { build: NodeBuild; next: number }[] = [{ build: start, next: 0 }];
    const path: string[] = [start.node.id];
    state.set(start.node.id, 'visiting');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { build: NodeBuild; next: number };
      const edge = frame.build.edges[frame.next++];
      if (edge === undefined) {
        state.set(frame.build.node.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const s = state.get(edge.target);
      if (s === 'visiting') {
        const cycle = [...path.slice(path.indexOf(edge.target)), edge.target];
        const key = [...cycle].sort().join('\u0000');
        if (!reported.has(key)) {
          reported.add(key);
          ctx.reporter.report(
            'DSL_RELATIONSHIP_CYCLE',
            `Node templates depend on each other in a cycle (${cycle.join(' → ')}), so there is no order to install them in.`,
            edge.loc,
          );
        }
        continue;
      }
      const next = byName.get(edge.target);
      if (s === undefined && next !== undefined) {
        state.set(edge.target, 'visiting');
        stack.push({ build: next, next: 0 });
        path.push(edge.target);
      }
    }
  };
  for (const build of builds) if (!state.has(build.node.id)) visit(build);
}

function assignHosts(builds: NodeBuild[], byName: Map<string, NodeBuild>): void {
  // Each node's host is its own id (a Compute node) or its container's host. Walk up each chain
  // once, remembering every answer, so deep containment chains stay linear.
  // A node on the chain being walked is marked as such (no set per walk).
  const onChain = 0;
  const known = new Map<string, string | null | typeof onChain>();
  const hostOf = (start: NodeBuild): string | undefined => {
    const chain: NodeBuild[] = [];
    let found: string | null = null;
    for (let b: NodeBuild | undefined = start; b !== undefined;) {
      const id = b.node.id;
      const cached = known.get(id);
      if (cached === onChain) break; // a containment cycle: reported elsewhere, no host
      if (cached !== undefined) {
        found = cached;
        break;
      }
      chain.push(b);
      known.set(id, onChain);
      if (b.type.hierarchy.includes(COMPUTE)) {
        found = id;
        break;
      }
      const container: string | undefined = b.edges.find((e) => e.containedIn)?.target;
      b = container === undefined ? undefined : byName.get(container);
    }
    // Every node on the walked chain below a Compute node has that host.
    let host = found;
    for (let i = chain.length - 1; i >= 0; i--) {
      const b = chain[i] as NodeBuild;
      if (b.type.hierarchy.includes(COMPUTE)) host = b.node.id;
      known.set(b.node.id, host);
    }
    const answer = known.get(start.node.id);
    return typeof answer === 'string' ? answer : undefined;
  };
  for (const build of builds) {
    const host = hostOf(build);
    if (host !== undefined) build.node.host_id = host;
  }
}

function assignPlugins(builds: NodeBuild[], ctx: PlanContext): void {
  // One plugin record per plugin and executor, shared: nodes' lists tell records apart by
  // identity. Looked up by name, then executor, in small maps (a few plugins): maps keyed by
  // each operation or table object grew with the blueprint and made this step superlinear.
  const records = new Map<string, Map<string, PlanPlugin>>();
  const recordOf = (op: PlanOperation, hosted: boolean): PlanPlugin | undefined => {
    const entry = ctx.plugins.get(op.plugin);
    if (entry === undefined) return undefined;
    const executor =
      op.executor === 'auto'
        ? hosted
          ? 'host_agent'
          : 'central_deployment_agent'
        : (op.executor ?? entry.plugin.executor);
    let byExecutor = records.get(op.plugin);
    if (byExecutor === undefined)
      records.set(op.plugin, (byExecutor = new Map<string, PlanPlugin>()));
    let record = byExecutor.get(executor);
    if (record === undefined) byExecutor.set(executor, (record = { ...entry.plugin, executor }));
    return record;
  };
  for (const build of builds) {
    // One record per plugin and executor, so records are told apart by identity.
    const plugins: PlanPlugin[] = [];
    const hosted = build.node.host_id !== undefined;
    for (const table of build.operationTables) {
      for (const name in table) {
        const p = recordOf(table[name] as PlanOperation, hosted);
        if (p !== undefined && !plugins.includes(p)) plugins.push(p);
      }
    }
    build.node.plugins = plugins;
    build.node.deployment_plugins_to_install = plugins.filter(
      (p) => p.executor === 'central_deployment_agent',
    );
    if (build.node.host_id === undefined) {
      const hostAgent = build.node.plugins.find((p) => p.executor === 'host_agent');
      if (hostAgent !== undefined) {
        ctx.reporter.report(
          'DSL_HOST_AGENT_WITHOUT_HOST',
          `Node template '${build.node.id}' uses plugin '${hostAgent.name}' with the host_agent executor, but it is not contained in a Compute host (add a contained_in relationship, or use central_deployment_agent).`,
          keyLoc(build.element.section, build.element.localName),
        );
      }
    }
  }
  // Group nodes by host once (in declaration order): scanning every node per Compute node was
  // quadratic on big blueprints.
  const hosted = new Map<string, NodeBuild[]>();
  for (const other of builds) {
    const host = other.node.host_id;
    if (host === undefined) continue;
    const list = hosted.get(host);
    if (list === undefined) hosted.set(host, [other]);
    else list.push(other);
  }
  for (const build of builds) {
    if (!build.type.hierarchy.includes(COMPUTE)) continue;
    const toInstall = new Map<string, PlanPlugin>();
    for (const other of hosted.get(build.node.id) ?? []) {
      for (const p of other.node.plugins) if (p.executor === 'host_agent') toInstall.set(p.name, p);
    }
    build.node.plugins_to_install = [...toInstall.values()];
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
