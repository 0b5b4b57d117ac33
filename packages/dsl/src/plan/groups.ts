/**
 * Groups, policies and scaling groups (spec §6, §1.2): members are nodes or groups, a scaling
 * policy turns its target groups into scaling groups, membership forms no cycle and puts each
 * member in one scaling group only, members agree with containment, and a node contained in a
 * fellow member is dropped from the group (it follows its container), as Cloudify does.
 */
import { qualify, type Element } from '../compose/compose.js';
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { checkProperties } from '../types/check-value.js';
import { parseSchema } from '../types/schema.js';
import { didYouMean } from '../util/suggest.js';
import { dict, isMap, kindOf, type Value, type ValueMap } from '../util/value.js';
import type { NodeBuild } from './nodes.js';
import { readScalableProperties } from './nodes.js';
import type { PlanContext } from './plan-context.js';
import type { PlanGroup, PlanPolicy, PlanScalingGroup, PlanValue } from './plan-types.js';

const GROUP_FIELDS: Record<string, FieldSpec> = {
  members: { shape: 'list', required: true },
  policies: { shape: 'map' },
};

const POLICY_FIELDS: Record<string, FieldSpec> = {
  type: { shape: 'string', required: true },
  properties: { shape: 'map' },
  targets: { shape: 'list', required: true },
};

const SCALING_POLICY = 'cloudify.policies.scaling';

/** What {@link buildGroups} produces. */
export interface GroupsResult {
  readonly groups: Record<string, PlanGroup>;
  readonly policies: Record<string, PlanPolicy>;
  readonly scalingGroups: Record<string, PlanScalingGroup>;
}

interface GroupInfo {
  element: Element;
  members: string[];
  memberLocs: Map<string, Loc | undefined>;
}

/** Builds groups, policies and scaling groups, and checks them against the nodes. */
export function buildGroups(builds: readonly NodeBuild[], ctx: PlanContext): GroupsResult {
  const nodes = new Map(builds.map((b) => [b.node.id, b]));
  const groupTable = ctx.composed.sections.groups;
  const infos = new Map<string, GroupInfo>();
  const groups = dict<PlanGroup>();
  for (const element of groupTable.values()) {
    const info = buildGroup(element, ctx);
    if (info === undefined) continue;
    infos.set(element.name, info);
    const group: { members: string[]; policies?: Record<string, PlanValue> } = {
      members: info.members,
    };
    const raw = element.value as ValueMap;
    if (isMap(raw.policies)) group.policies = checkGroupPolicies(element, raw.policies, ctx);
    groups[element.name] = group;
  }
  const policies = dict<PlanPolicy>();
  const scalingGroups = dict<PlanScalingGroup>();
  for (const element of ctx.composed.sections.policies.values()) {
    const policy = buildPolicy(element, infos, ctx);
    if (policy === undefined) continue;
    policies[element.name] = policy;
    if (!policy.type.endsWith(SCALING_POLICY)) continue;
    for (const target of policy.targets) {
      const info = infos.get(target);
      if (info === undefined) continue;
      scalingGroups[target] = {
        members: [...info.members],
        properties: { ...policy.properties } as unknown as PlanScalingGroup['properties'],
      };
    }
  }
  validateScalingGroups({ scalingGroups, infos, nodes }, ctx);
  return { groups, policies, scalingGroups };
}

function buildGroup(element: Element, ctx: PlanContext): GroupInfo | undefined {
  const templates = ctx.composed.sections.node_templates;
  const groupTable = ctx.composed.sections.groups;
  const raw = element.value;
  const what = `group '${element.name}'`;
  const at = keyLoc(element.section, element.localName);
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The definition of ${what} must be a mapping (members, policies), not ${kindOf(raw)}.`,
      valueLoc(element.section, element.localName),
    );
    return undefined;
  }
  if (templates.has(element.name)) {
    ctx.reporter.report(
      'DSL_GROUP_NAME_CONFLICT',
      `Group '${element.name}' has the same name as a node template; groups and node templates need different names.`,
      at,
    );
  }
  const ok = checkFields(raw, GROUP_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what,
    at,
  });
  if (!ok.has('members') || !Array.isArray(raw.members)) return undefined;
  const list = raw.members;
  if (list.length === 0) {
    ctx.reporter.report(
      'DSL_MISSING_KEY',
      `${capitalize(what)} has no members; give at least one node template or group.`,
      valueLoc(raw, 'members'),
    );
  }
  const members: string[] = [];
  const memberLocs = new Map<string, Loc | undefined>();
  list.forEach((m, i) => {
    const loc = valueLoc(list, i);
    if (typeof m !== 'string') {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `Members of ${what} must be names, not ${kindOf(m)}.`,
        loc,
      );
      return;
    }
    const q = qualify(m, element.namespace);
    const name = templates.has(q) || groupTable.has(q) ? q : m;
    if (!templates.has(name) && !groupTable.has(name)) {
      ctx.reporter.report(
        'DSL_UNKNOWN_GROUP_MEMBER',
        `Member '${m}' of ${what} is neither a node template nor a group.${didYouMean(m, [...templates.keys(), ...groupTable.keys()])}`,
        loc,
      );
      return;
    }
    // A group named like a node template (reported above) lists the node, not itself.
    if (name === element.name && !templates.has(name)) {
      ctx.reporter.report(
        'DSL_GROUP_MEMBERSHIP',
        `${capitalize(what)} lists itself as a member.`,
        loc,
      );
      return;
    }
    if (!memberLocs.has(name)) {
      members.push(name);
      memberLocs.set(name, loc);
    }
  });
  return { element, members, memberLocs };
}

function checkGroupPolicies(
  element: Element,
  policies: ValueMap,
  ctx: PlanContext,
): Record<string, PlanValue> {
  // Legacy monitoring policies: checked against their policy types, kept as data.
  const out = dict<PlanValue>();
  for (const name of Object.keys(policies)) {
    const policy = policies[name];
    const what = `policy '${name}' of group '${element.name}'`;
    if (!isMap(policy)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `The ${what} must be a mapping, not ${kindOf(policy)}.`,
        valueLoc(policies, name),
      );
      continue;
    }
    checkFields(
      policy,
      {
        type: { shape: 'string', required: true },
        properties: { shape: 'map' },
        triggers: { shape: 'map' },
      },
      { reporter: ctx.reporter, version: ctx.version, what, at: keyLoc(policies, name) },
    );
    if (typeof policy.type === 'string') {
      const typeElement =
        ctx.composed.sections.policy_types.get(qualify(policy.type, element.namespace)) ??
        ctx.composed.sections.policy_types.get(policy.type);
      if (typeElement === undefined) {
        ctx.reporter.report(
          'DSL_UNKNOWN_POLICY_TYPE',
          `The ${what} has type '${policy.type}', which is not a defined policy type.${didYouMean(policy.type, ctx.composed.sections.policy_types.keys())}`,
          valueLoc(policy, 'type'),
        );
      } else if (isMap(typeElement.value)) {
        const schema = parseSchema(
          typeElement.value.properties,
          {
            container: typeElement.value,
            key: 'properties',
            kind: 'property',
            owner: `policy type '${typeElement.name}'`,
            namespace: typeElement.namespace,
          },
          ctx,
        );
        checkProperties(isMap(policy.properties) ? policy.properties : undefined, schema, {
          ctx,
          registry: ctx.registry,
          namespace: element.namespace,
          owner: `the ${what}`,
          requireAll: true,
          path: [],
          missingAt: keyLoc(policies, name),
          kindWord: `policy type '${typeElement.name}'`,
        });
      }
    }
    out[name] = policy;
  }
  return out;
}

function buildPolicy(
  element: Element,
  infos: ReadonlyMap<string, GroupInfo>,
  ctx: PlanContext,
): PlanPolicy | undefined {
  const raw = element.value;
  const what = `policy '${element.name}'`;
  const at = keyLoc(element.section, element.localName);
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The definition of ${what} must be a mapping (type, properties, targets), not ${kindOf(raw)}.`,
      valueLoc(element.section, element.localName),
    );
    return undefined;
  }
  const ok = checkFields(raw, POLICY_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what,
    at,
  });
  if (!ok.has('type') || typeof raw.type !== 'string') return undefined;
  if (!raw.type.endsWith(SCALING_POLICY)) {
    ctx.reporter.report(
      'DSL_UNKNOWN_POLICY_TYPE',
      `${capitalize(what)} has type '${raw.type}'; the only supported policy type is ${SCALING_POLICY}.`,
      valueLoc(raw, 'type'),
    );
    return undefined;
  }
  const targets: string[] = [];
  if (ok.has('targets') && Array.isArray(raw.targets)) {
    const list = raw.targets;
    if (list.length === 0) {
      ctx.reporter.report(
        'DSL_MISSING_KEY',
        `${capitalize(what)} has no targets; give at least one group.`,
        valueLoc(raw, 'targets'),
      );
    }
    list.forEach((t, i) => {
      if (typeof t !== 'string') {
        ctx.reporter.report(
          'DSL_WRONG_TYPE',
          `Targets of ${what} must be group names, not ${kindOf(t)}.`,
          valueLoc(list, i),
        );
        return;
      }
      const name = infos.has(qualify(t, element.namespace)) ? qualify(t, element.namespace) : t;
      if (!infos.has(name)) {
        ctx.reporter.report(
          'DSL_UNKNOWN_POLICY_TARGET',
          `${capitalize(what)} targets '${t}', which is not a group.${didYouMean(t, infos.keys())}`,
          valueLoc(list, i),
        );
        return;
      }
      targets.push(name);
    });
  }
  const propsRaw = ok.has('properties') && isMap(raw.properties) ? raw.properties : dict<Value>();
  // Functions in the counts are scanned (and namespaced) while they are read.
  const props = readScalableProperties(
    propsRaw,
    {
      what,
      scope: { kind: 'global', namespace: element.namespace, where: `the properties of ${what}` },
    },
    ctx,
  );
  const properties: Record<string, PlanValue> = { ...props };
  return { type: raw.type, properties, targets };
}

function validateScalingGroups(
  built: {
    readonly scalingGroups: Record<string, PlanScalingGroup>;
    readonly infos: ReadonlyMap<string, GroupInfo>;
    readonly nodes: ReadonlyMap<string, NodeBuild>;
  },
  ctx: PlanContext,
): void {
  const { scalingGroups, infos, nodes } = built;
  const parentOf = new Map<string, string>();
  // Membership: each member (node or group) directly in one scaling group only.
  for (const [group, sg] of Object.entries(scalingGroups)) {
    for (const member of sg.members) {
      const previous = parentOf.get(member);
      if (previous !== undefined && previous !== group) {
        ctx.reporter.report(
          'DSL_GROUP_MEMBERSHIP',
          `'${member}' is a member of both scaling groups '${previous}' and '${group}'; a node or group can be in only one.`,
          infos.get(group)?.memberLocs.get(member),
        );
        continue;
      }
      parentOf.set(member, group);
    }
  }
  // Cycles among groups.
  for (const group of Object.keys(scalingGroups)) {
    const seen = new Set<string>([group]);
    for (let g = parentOf.get(group); g !== undefined; g = parentOf.get(g)) {
      if (seen.has(g)) {
        ctx.reporter.report(
          'DSL_GROUP_CYCLE',
          `Scaling group '${group}' ends up containing itself through nested groups.`,
          keyLoc(
            infos.get(group)?.element.section ?? {},
            infos.get(group)?.element.localName ?? '',
          ),
        );
        return;
      }
      seen.add(g);
    }
  }
  const containersOf = (node: string): string[] => {
    const out: string[] = [];
    const seen = new Set<string>([node]);
    for (let b = nodes.get(node); b !== undefined;) {
      const next = b.edges.find((e) => e.containedIn)?.target;
      if (next === undefined || seen.has(next)) break;
      seen.add(next);
      out.push(next);
      b = nodes.get(next);
    }
    return out;
  };
  const groupChain = (member: string): string[] => {
    const out: string[] = [];
    for (let g = parentOf.get(member); g !== undefined && !out.includes(g); g = parentOf.get(g))
      out.push(g);
    return out;
  };
  // Containment consistency: nodes sharing a group are contained in one another or share a container.
  const nodeMembers = (group: string, seen = new Set<string>()): string[] => {
    if (seen.has(group)) return [];
    seen.add(group);
    const out: string[] = [];
    for (const m of scalingGroups[group]?.members ?? []) {
      if (scalingGroups[m] !== undefined) out.push(...nodeMembers(m, seen));
      else if (nodes.has(m)) out.push(m);
    }
    return out;
  };
  const okPair = (a: string, b: string): boolean => {
    if (a === b) return true;
    const ca = containersOf(a);
    const cb = containersOf(b);
    if (ca.length === 0 && cb.length === 0) return true;
    if (ca.includes(b) || cb.includes(a)) return true;
    return ca.some((c) => cb.includes(c));
  };
  for (const group of Object.keys(scalingGroups)) {
    const members = nodeMembers(group);
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i] as string;
        const b = members[j] as string;
        if (okPair(a, b)) continue;
        const rescued =
          containersOf(a).some((c) => okPair(c, b) && members.includes(c)) ||
          containersOf(b).some((c) => okPair(a, c) && members.includes(c));
        if (rescued) continue;
        ctx.reporter.report(
          'DSL_GROUP_CONTAINMENT',
          `Nodes '${a}' and '${b}' share scaling group '${group}', but neither contains the other and they share no container, so their instances cannot be grouped.`,
          infos.get(group)?.memberLocs.get(b) ?? infos.get(group)?.memberLocs.get(a),
        );
      }
    }
  }
  // A member contained in a fellow member follows its container: drop it from the group.
  for (const member of [...parentOf.keys()]) {
    if (!nodes.has(member)) continue;
    const memberGroups = groupChain(member);
    for (const container of containersOf(member)) {
      if (!parentOf.has(container)) continue;
      const containerGroups = new Set(groupChain(container));
      const shared = memberGroups.filter((g) => containerGroups.has(g));
      const minimal = shared[0];
      if (minimal === undefined) continue;
      const removed =
        memberGroups[0] === minimal
          ? member
          : [...memberGroups].reverse().find((g) => !containerGroups.has(g));
      const sg = scalingGroups[minimal];
      if (removed === undefined || sg === undefined) continue;
      const index = sg.members.indexOf(removed);
      if (index >= 0) (sg.members as string[]).splice(index, 1);
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
