/**
 * Reproduces the node-instance structure Cloudify 7.1 produced for the install traces in
 * `spec/traces/` (02 contained chain, 03 two relationships to one target, 04 connection types,
 * 08 scaling group). The traces normalise instance ids (`<node>_<n>`), so the comparison is up to
 * a renaming of ids: some one-to-one mapping of our instances onto theirs must give every instance
 * the same node, scaling groups, and relationships (type and target, in order).
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../plan/plan-types.js';
import { parseFiles } from '../../test/helpers.js';
import type { NodeInstance } from './deployment-types.js';
import { prepareDeployment } from './prepare.js';

/** What a trace records of one instance. */
interface Shape {
  readonly id: string;
  readonly node: string;
  readonly relationships: readonly (readonly [type: string, target: string])[];
  readonly groups: readonly string[];
}

/** The blueprint head the four traces share: the recorder plugin, its node type and relationships. */
const PRELUDE = `tosca_definitions_version: cloudify_dsl_1_5

imports:
  - http://cloudify.co/spec/cloudify/6.4.0/types.yaml

plugins:
  trace:
    executor: central_deployment_agent
    install: false

node_types:
  trace.Node:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        precreate: trace.trace_plugin.tasks.record
        create: trace.trace_plugin.tasks.record
        configure: trace.trace_plugin.tasks.record
        start: trace.trace_plugin.tasks.record
        poststart: trace.trace_plugin.tasks.record
        prestop: trace.trace_plugin.tasks.record
        stop: trace.trace_plugin.tasks.record
        delete: trace.trace_plugin.tasks.record
        postdelete: trace.trace_plugin.tasks.record

relationships:
  trace.depends_on:
    derived_from: cloudify.relationships.depends_on
    source_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: trace.trace_plugin.tasks.record
        postconfigure: trace.trace_plugin.tasks.record
        establish: trace.trace_plugin.tasks.record
        unlink: trace.trace_plugin.tasks.record
    target_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: trace.trace_plugin.tasks.record
        postconfigure: trace.trace_plugin.tasks.record
        establish: trace.trace_plugin.tasks.record
        unlink: trace.trace_plugin.tasks.record
  trace.connected_to:
    derived_from: cloudify.relationships.connected_to
    source_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: trace.trace_plugin.tasks.record
        postconfigure: trace.trace_plugin.tasks.record
        establish: trace.trace_plugin.tasks.record
        unlink: trace.trace_plugin.tasks.record
    target_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: trace.trace_plugin.tasks.record
        postconfigure: trace.trace_plugin.tasks.record
        establish: trace.trace_plugin.tasks.record
        unlink: trace.trace_plugin.tasks.record
  trace.contained_in:
    derived_from: cloudify.relationships.contained_in
    source_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: trace.trace_plugin.tasks.record
        postconfigure: trace.trace_plugin.tasks.record
        establish: trace.trace_plugin.tasks.record
        unlink: trace.trace_plugin.tasks.record
    target_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: trace.trace_plugin.tasks.record
        postconfigure: trace.trace_plugin.tasks.record
        establish: trace.trace_plugin.tasks.record
        unlink: trace.trace_plugin.tasks.record

`;
/** Each trace's node templates (and groups) and its `final_instances`. */
const TRACES: { name: string; templates: string; instances: Shape[] }[] = [
  {
    name: '02-contained-chain',
    templates: `node_templates:
  top:
    type: trace.Node
  mid:
    type: trace.Node
    capabilities:
      scalable:
        properties:
          default_instances: 2
    relationships:
      - type: trace.contained_in
        target: top
  leaf:
    type: trace.Node
    relationships:
      - type: trace.contained_in
        target: mid
`,
    instances: [
      { id: 'leaf_1', node: 'leaf', relationships: [['trace.contained_in', 'mid_1']], groups: [] },
      { id: 'leaf_2', node: 'leaf', relationships: [['trace.contained_in', 'mid_2']], groups: [] },
      { id: 'mid_1', node: 'mid', relationships: [['trace.contained_in', 'top_1']], groups: [] },
      { id: 'mid_2', node: 'mid', relationships: [['trace.contained_in', 'top_1']], groups: [] },
      { id: 'top_1', node: 'top', relationships: [], groups: [] },
    ],
  },
  {
    name: '03-relationship-ops',
    templates: `node_templates:
  db:
    type: trace.Node
  cache:
    type: trace.Node
  queue:
    type: trace.Node
  app:
    type: trace.Node
    relationships:
      # declaration order: db, db, cache, queue (two consecutive to db)
      - type: trace.connected_to
        target: db
      - type: trace.depends_on
        target: db
      - type: trace.connected_to
        target: cache
      - type: trace.depends_on
        target: queue
`,
    instances: [
      {
        id: 'app_1',
        node: 'app',
        relationships: [
          ['trace.depends_on', 'db_1'],
          ['trace.connected_to', 'cache_1'],
          ['trace.depends_on', 'queue_1'],
        ],
        groups: [],
      },
      { id: 'cache_1', node: 'cache', relationships: [], groups: [] },
      { id: 'db_1', node: 'db', relationships: [], groups: [] },
      { id: 'queue_1', node: 'queue', relationships: [], groups: [] },
    ],
  },
  {
    name: '04-connection-types',
    templates: `node_templates:
  t_all:
    type: trace.Node
    capabilities: {scalable: {properties: {default_instances: 2}}}
  t_one:
    type: trace.Node
    capabilities: {scalable: {properties: {default_instances: 2}}}
  src:
    type: trace.Node
    capabilities: {scalable: {properties: {default_instances: 2}}}
    relationships:
      - type: trace.connected_to
        target: t_all
        properties:
          connection_type: all_to_all
      - type: trace.connected_to
        target: t_one
        properties:
          connection_type: all_to_one
`,
    instances: [
      {
        id: 'src_1',
        node: 'src',
        relationships: [
          ['trace.connected_to', 't_all_1'],
          ['trace.connected_to', 't_all_2'],
          ['trace.connected_to', 't_one_2'],
        ],
        groups: [],
      },
      {
        id: 'src_2',
        node: 'src',
        relationships: [
          ['trace.connected_to', 't_all_1'],
          ['trace.connected_to', 't_all_2'],
          ['trace.connected_to', 't_one_2'],
        ],
        groups: [],
      },
      { id: 't_all_1', node: 't_all', relationships: [], groups: [] },
      { id: 't_all_2', node: 't_all', relationships: [], groups: [] },
      { id: 't_one_1', node: 't_one', relationships: [], groups: [] },
      { id: 't_one_2', node: 't_one', relationships: [], groups: [] },
    ],
  },
  {
    name: '08-scale',
    templates: `node_templates:
  db:
    type: trace.Node
  web:
    type: trace.Node
    relationships:
      - type: trace.connected_to
        target: db
  web_cfg:
    type: trace.Node
    relationships:
      - type: trace.contained_in
        target: web
  lb:
    type: trace.Node
    relationships:
      - type: trace.connected_to
        target: web

groups:
  g:
    members: [web]

policies:
  g_policy:
    type: cloudify.policies.scaling
    properties:
      default_instances: 1
    targets: [g]
`,
    instances: [
      { id: 'db_1', node: 'db', relationships: [], groups: [] },
      { id: 'lb_1', node: 'lb', relationships: [['trace.connected_to', 'web_1']], groups: [] },
      { id: 'web_1', node: 'web', relationships: [['trace.connected_to', 'db_1']], groups: ['g'] },
      {
        id: 'web_cfg_1',
        node: 'web_cfg',
        relationships: [['trace.contained_in', 'web_1']],
        groups: [],
      },
    ],
  },
];

function shapeOf(instance: NodeInstance): Shape {
  return {
    id: instance.id,
    node: instance.node_id,
    relationships: instance.relationships.map((r) => [r.type, r.target_id] as const),
    groups: instance.scaling_groups.map((g) => g.name),
  };
}

/** True when some renaming of `ours` ids onto `theirs` ids makes the two structures equal. */
function sameStructure(ours: readonly Shape[], theirs: readonly Shape[]): boolean {
  if (ours.length !== theirs.length) return false;
  const mapping = new Map<string, string>();
  const used = new Set<string>();
  const consistent = (): boolean =>
    ours.every((o) => {
      const t = theirs.find((x) => x.id === mapping.get(o.id));
      return (
        t !== undefined &&
        JSON.stringify(o.groups) === JSON.stringify(t.groups) &&
        o.relationships.length === t.relationships.length &&
        o.relationships.every(
          ([type, target], i) =>
            type === t.relationships[i]?.[0] && mapping.get(target) === t.relationships[i]?.[1],
        )
      );
    });
  const assign = (i: number): boolean => {
    const o = ours[i];
    if (o === undefined) return consistent();
    for (const t of theirs) {
      if (t.node !== o.node || used.has(t.id)) continue;
      mapping.set(o.id, t.id);
      used.add(t.id);
      if (assign(i + 1)) return true;
      mapping.delete(o.id);
      used.delete(t.id);
    }
    return false;
  };
  return assign(0);
}

async function prepareTrace(templates: string, seed: number): Promise<NodeInstance[]> {
  const parsed = await parseFiles({ 'blueprint.yaml': PRELUDE + templates });
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const result = prepareDeployment(parsed.plan as Plan, { seed });
  expect(result.diagnostics).toEqual([]);
  return [...(result.deployment?.node_instances ?? [])];
}

describe('the install traces', () => {
  it.each(TRACES.flatMap((t) => [1, 2, 3].map((seed) => [t.name, seed, t] as const)))(
    '%s (seed %s) has the instances and relationships Cloudify made',
    async (_name, seed, trace) => {
      const ours = (await prepareTrace(trace.templates, seed)).map((i) => shapeOf(i));
      expect(sameStructure(ours, trace.instances)).toBe(true);
    },
  );

  it('all_to_one (04) points both sources at the same, smallest, t_one instance', async () => {
    const trace = TRACES.find((t) => t.name === '04-connection-types');
    const instances = await prepareTrace(trace?.templates ?? '', 5);
    const tOne = instances.filter((i) => i.node_id === 't_one').map((i) => i.id);
    const chosen = instances
      .filter((i) => i.node_id === 'src')
      .map((i) => i.relationships.find((r) => r.target_name === 't_one')?.target_id);
    expect(chosen).toEqual([tOne.sort()[0], tOne.sort()[0]]);
  });

  it('the structure check tells a different structure apart', () => {
    const trace = TRACES.find((t) => t.name === '04-connection-types');
    const theirs = trace?.instances ?? [];
    // Point the second source at the other t_one instance: no renaming can match that.
    const changed = theirs.map((s) =>
      s.id === 'src_2'
        ? {
            ...s,
            relationships: s.relationships.map(
              ([type, target]) => [type, target === 't_one_2' ? 't_one_1' : target] as const,
            ),
          }
        : s,
    );
    expect(sameStructure(theirs, theirs)).toBe(true);
    expect(sameStructure(changed, theirs)).toBe(false);
    expect(sameStructure(theirs.slice(1), theirs)).toBe(false);
  });
});
