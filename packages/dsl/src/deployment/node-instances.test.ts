import { describe, expect, it } from 'vitest';
import type { Plan, PlanValue } from '../plan/plan-types.js';
import { parseText } from '../../test/helpers.js';
import type { NodeInstance, PrepareOptions, PrepareResult } from './deployment-types.js';
import { prepareDeployment } from './prepare.js';

const ID = /^[a-z_]+_[a-z0-9]{6}$/;

async function planOf(body: string): Promise<Plan> {
  const parsed = await parseText(body);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return parsed.plan as Plan;
}

function errors(result: PrepareResult): { code: string; message: string }[] {
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({ code: d.code, message: d.message }));
}

async function instancesOf(body: string, options: PrepareOptions = {}): Promise<NodeInstance[]> {
  const result = prepareDeployment(await planOf(body), { seed: 7, ...options });
  expect(errors(result)).toEqual([]);
  return [...(result.deployment?.node_instances ?? [])];
}

function of(instances: readonly NodeInstance[], node: string): NodeInstance[] {
  return instances.filter((i) => i.node_id === node);
}

function byId(instances: readonly NodeInstance[], id: string): NodeInstance {
  const found = instances.find((i) => i.id === id);
  expect(found).toBeDefined();
  return found as NodeInstance;
}

/** The node instance `instance` is contained in. */
function containerOf(instances: readonly NodeInstance[], instance: NodeInstance): NodeInstance {
  const rel = instance.relationships.find((r) => r.type.endsWith('contained_in'));
  expect(rel).toBeDefined();
  return byId(instances, rel?.target_id ?? '');
}

function targets(instance: NodeInstance, node: string): string[] {
  return instance.relationships.filter((r) => r.target_name === node).map((r) => r.target_id);
}

describe('node instance records', () => {
  it('have the shape Cloudify starts a deployment with', async () => {
    const instances = await instancesOf(`
node_templates:
  db:
    type: cloudify.nodes.Root
  app:
    type: cloudify.nodes.Root
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
`);
    const db = of(instances, 'db')[0] as NodeInstance;
    expect(instances).toEqual([
      {
        id: db.id,
        node_id: 'db',
        name: 'db',
        relationships: [],
        scaling_groups: [],
        index: 1,
        state: null,
        runtime_properties: {},
        version: 1,
      },
      {
        id: expect.stringMatching(/^app_[a-z0-9]{6}$/) as string,
        node_id: 'app',
        name: 'app',
        relationships: [
          { type: 'cloudify.relationships.connected_to', target_name: 'db', target_id: db.id },
        ],
        scaling_groups: [],
        index: 1,
        state: null,
        runtime_properties: {},
        version: 1,
      },
    ]);
    expect(db.id).toMatch(/^db_[a-z0-9]{6}$/);
  });
});

describe('contained_in multiplies instances', () => {
  const chain = `
node_templates:
  top:
    type: cloudify.nodes.Root
  mid:
    type: cloudify.nodes.Root
    instances: {deploy: 2}
    relationships:
      - {type: cloudify.relationships.contained_in, target: top}
  leaf:
    type: cloudify.nodes.Root
    capabilities:
      scalable:
        properties: {default_instances: 3}
    relationships:
      - {type: cloudify.relationships.contained_in, target: mid}
`;

  it('gives N instances per container instance, each contained in its own container', async () => {
    const instances = await instancesOf(chain);
    const top = of(instances, 'top');
    const mids = of(instances, 'mid');
    const leaves = of(instances, 'leaf');
    expect([top.length, mids.length, leaves.length]).toEqual([1, 2, 6]);
    for (const mid of mids) {
      expect(containerOf(instances, mid)).toBe(top[0]);
      expect(leaves.filter((l) => containerOf(instances, l) === mid)).toHaveLength(3);
    }
    for (const leaf of leaves) expect(leaf.relationships).toHaveLength(1);
  });

  it('numbers instances from 1 per node and gives every instance a unique id', async () => {
    const instances = await instancesOf(chain);
    expect(of(instances, 'leaf').map((i) => i.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(of(instances, 'mid').map((i) => i.index)).toEqual([1, 2]);
    expect(new Set(instances.map((i) => i.id)).size).toBe(instances.length);
    for (const i of instances) expect(i.id).toMatch(ID);
    for (const i of instances) expect(i.id.startsWith(`${i.node_id}_`)).toBe(true);
  });

  it('takes counts from inputs', async () => {
    const instances = await instancesOf(
      `
inputs:
  mids: {type: integer}
${chain.replace('instances: {deploy: 2}', 'instances: {deploy: {get_input: mids}}')}`,
      { inputs: { mids: 4 } },
    );
    expect(of(instances, 'leaf')).toHaveLength(12);
  });

  it('makes nothing below a node with zero instances', async () => {
    const instances = await instancesOf(
      chain.replace('instances: {deploy: 2}', 'instances: {deploy: 0}'),
    );
    expect(instances.map((i) => i.node_id)).toEqual(['top']);
  });

  it('sets host_id to the Compute instance at the top of the chain', async () => {
    const instances = await instancesOf(`
node_templates:
  rack:
    type: cloudify.nodes.Root
  vm:
    type: cloudify.nodes.Compute
    capabilities:
      scalable:
        properties: {default_instances: 2}
    relationships:
      - {type: cloudify.relationships.contained_in, target: rack}
  app:
    type: cloudify.nodes.Root
    relationships:
      - {type: cloudify.relationships.contained_in, target: vm}
  module:
    type: cloudify.nodes.Root
    instances: {deploy: 2}
    relationships:
      - {type: cloudify.relationships.contained_in, target: app}
  free:
    type: cloudify.nodes.Root
`);
    const vms = of(instances, 'vm');
    expect(vms.map((vm) => vm.host_id)).toEqual(vms.map((vm) => vm.id));
    for (const app of of(instances, 'app')) {
      expect(app.host_id).toBe(containerOf(instances, app).id);
    }
    const modules = of(instances, 'module');
    expect(modules).toHaveLength(4);
    for (const m of modules) {
      expect(m.host_id).toBe(containerOf(instances, containerOf(instances, m)).id);
    }
    expect(new Set(modules.map((m) => m.host_id)).size).toBe(2);
    expect(of(instances, 'rack')[0]).not.toHaveProperty('host_id');
    expect(of(instances, 'free')[0]).not.toHaveProperty('host_id');
  });
});

describe('instance counts', () => {
  const body = `
inputs:
  count: {}
  min: {default: 0}
  max: {default: -1}
node_templates:
  n:
    type: cloudify.nodes.Root
    capabilities:
      scalable:
        properties:
          default_instances: {get_input: count}
          min_instances: {get_input: min}
          max_instances: {get_input: max}
`;

  it('accepts whole numbers within the bounds, and UNBOUNDED', async () => {
    const plan = await planOf(body);
    const ok = prepareDeployment(plan, { inputs: { count: 3, max: 'UNBOUNDED' } });
    expect(errors(ok)).toEqual([]);
    expect(ok.deployment?.node_instances).toHaveLength(3);
  });

  it.each<[Record<string, PlanValue>, string]>([
    [
      { count: '3' },
      `The default_instances of node 'n' must be a whole number ≥ 0 when the deployment is created, but it is a string ("3").`,
    ],
    [
      { count: -1 },
      `The default_instances of node 'n' must be a whole number ≥ 0 when the deployment is created, but it is an integer (-1).`,
    ],
    [
      { count: { get_secret: 'n' } },
      `The default_instances of node 'n' must be a whole number ≥ 0 when the deployment is created, but it is the run-time function 'get_secret', which is known only when a workflow runs.`,
    ],
    [
      { count: 1, min: 1.5 },
      `The min_instances of node 'n' must be a whole number ≥ 0, but it is a float (1.5).`,
    ],
    [
      { count: 1, max: 'lots' },
      `The max_instances of node 'n' must be a whole number ≥ -1 (or 'UNBOUNDED'), but it is a string ("lots").`,
    ],
    [
      { count: 5, max: 3 },
      `The instance counts of node 'n' do not fit: default_instances (5) is above max_instances (3).`,
    ],
    [
      { count: 1, min: 2 },
      `The instance counts of node 'n' do not fit: default_instances (1) is below min_instances (2).`,
    ],
  ])('reports unusable counts: %j', async (inputs, message) => {
    const result = prepareDeployment(await planOf(body), { inputs });
    expect(errors(result)).toEqual([{ code: 'DSL_SCALING_BOUNDS', message }]);
    expect(result.deployment).toBeUndefined();
  });

  it('refuses counts that would make an unreasonable number of instances', async () => {
    const huge = prepareDeployment(await planOf(body), { inputs: { count: 4472406362906102 } });
    expect(errors(huge)).toEqual([
      {
        code: 'DSL_SCALING_BOUNDS',
        message:
          'The instance counts would make 4472406362906102 node and scaling-group instances; a deployment may have at most 100000.',
      },
    ]);
    // Counts multiply through containment: 400 × 400 leaves is too many as well.
    const nested = prepareDeployment(
      await planOf(`
node_templates:
  a:
    type: cloudify.nodes.Root
    instances: {deploy: 400}
  b:
    type: cloudify.nodes.Root
    instances: {deploy: 400}
    relationships:
      - {type: cloudify.relationships.contained_in, target: a}
`),
    );
    expect(errors(nested).map((e) => e.message)).toEqual([
      'The instance counts would make 160400 node and scaling-group instances; a deployment may have at most 100000.',
    ]);
  });

  it('refuses all_to_all relationships that would make an unreasonable number of instances', async () => {
    const result = prepareDeployment(
      await planOf(`
node_templates:
  a:
    type: cloudify.nodes.Root
    instances: {deploy: 2000}
  b:
    type: cloudify.nodes.Root
    instances: {deploy: 501}
    relationships:
      - {type: cloudify.relationships.connected_to, target: a}
`),
      { seed: 1 },
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_SCALING_BOUNDS',
        message:
          "The cloudify.relationships.connected_to relationship from 'b' to 'a' would bring the deployment to 1002000 relationship instances; a deployment may have at most 1000000.",
      },
    ]);
  });

  it("reports a failing function in a node's count once", async () => {
    const result = prepareDeployment(
      await planOf(`
inputs:
  cfg: {default: {}}
node_templates:
  n:
    type: cloudify.nodes.Root
    capabilities:
      scalable:
        properties: {default_instances: {get_input: [cfg, count]}}
`),
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message: `In 'default_instances' of the scalable capability of node 'n': 'get_input' cannot follow ["cfg", "count"]: input 'cfg' has no key "count".`,
      },
    ]);
  });

  it('reports a failing function in a scaling policy once', async () => {
    const result = prepareDeployment(
      await planOf(`
inputs:
  cfg: {default: {}}
node_templates:
  n:
    type: cloudify.nodes.Root
groups:
  g: {members: [n]}
policies:
  p:
    type: cloudify.policies.scaling
    properties: {default_instances: {get_input: [cfg, count]}}
    targets: [g]
`),
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message: `In property 'default_instances' of policy 'p': 'get_input' cannot follow ["cfg", "count"]: input 'cfg' has no key "count".`,
      },
    ]);
  });

  it('checks scaling group counts the same way', async () => {
    const result = prepareDeployment(
      await planOf(`
inputs:
  count: {}
node_templates:
  n:
    type: cloudify.nodes.Root
groups:
  g: {members: [n]}
policies:
  p:
    type: cloudify.policies.scaling
    properties: {default_instances: {get_input: count}}
    targets: [g]
`),
      { inputs: { count: 'two' } },
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_SCALING_BOUNDS',
        message: `The default_instances of scaling group 'g' must be a whole number ≥ 0 when the deployment is created, but it is a string ("two").`,
      },
    ]);
  });
});

describe('scaling groups', () => {
  it('give each group instance a full copy of its members', async () => {
    const instances = await instancesOf(`
node_templates:
  vm:
    type: cloudify.nodes.Compute
  app:
    type: cloudify.nodes.Root
    relationships:
      - {type: cloudify.relationships.contained_in, target: vm}
groups:
  g: {members: [vm]}
policies:
  p:
    type: cloudify.policies.scaling
    properties: {default_instances: 3}
    targets: [g]
`);
    const vms = of(instances, 'vm');
    expect(vms).toHaveLength(3);
    const groupIds = vms.map((vm) => {
      expect(vm.scaling_groups).toHaveLength(1);
      expect(vm.scaling_groups[0]?.name).toBe('g');
      expect(vm.scaling_groups[0]?.id).toMatch(/^g_[a-z0-9]{6}$/);
      return vm.scaling_groups[0]?.id;
    });
    expect(new Set(groupIds).size).toBe(3);
    // A node contained in a member follows it, but records no group itself (trace 08: web_cfg).
    const apps = of(instances, 'app');
    expect(apps).toHaveLength(3);
    for (const app of apps) expect(app.scaling_groups).toEqual([]);
    expect(new Set(apps.map((a) => containerOf(instances, a).id)).size).toBe(3);
  });

  const nested = `
node_templates:
  vm:
    type: cloudify.nodes.Compute
    instances: {deploy: 2}
    relationships:
      - {type: cloudify.relationships.connected_to, target: db}
      - {type: cloudify.relationships.connected_to, target: ip}
  ip:
    type: cloudify.nodes.Root
  db:
    type: cloudify.nodes.Root
  lb:
    type: cloudify.nodes.Root
    relationships:
      - {type: cloudify.relationships.connected_to, target: vm}
      - type: cloudify.relationships.connected_to
        target: db
        properties: {connection_type: all_to_one}
groups:
  inner: {members: [vm, ip]}
  outer: {members: [inner, db]}
policies:
  inner_policy:
    type: cloudify.policies.scaling
    properties: {default_instances: 3}
    targets: [inner]
  outer_policy:
    type: cloudify.policies.scaling
    properties: {default_instances: 2}
    targets: [outer]
`;

  it('multiply counts through nested groups and record every enclosing group, innermost first', async () => {
    const instances = await instancesOf(nested);
    const vms = of(instances, 'vm');
    const ips = of(instances, 'ip');
    const dbs = of(instances, 'db');
    expect([vms.length, ips.length, dbs.length]).toEqual([12, 6, 2]);
    for (const vm of vms) {
      expect(vm.scaling_groups.map((g) => g.name)).toEqual(['inner', 'outer']);
    }
    for (const db of dbs) expect(db.scaling_groups.map((g) => g.name)).toEqual(['outer']);
    const outerIds = new Set(dbs.map((d) => d.scaling_groups[0]?.id));
    expect(outerIds.size).toBe(2);
    const innerIds = new Set(vms.map((v) => v.scaling_groups[0]?.id));
    expect(innerIds.size).toBe(6);
    for (const outer of outerIds) {
      const inside = vms.filter((v) => v.scaling_groups[1]?.id === outer);
      expect(inside).toHaveLength(6);
      expect(new Set(inside.map((v) => v.scaling_groups[0]?.id)).size).toBe(3);
    }
  });

  it('keep relationships inside the smallest shared group instance', async () => {
    const instances = await instancesOf(nested);
    for (const vm of of(instances, 'vm')) {
      const [inner, outer] = vm.scaling_groups;
      // db shares only the outer group with vm: the db of the same outer instance.
      const db = targets(vm, 'db').map((id) => byId(instances, id));
      expect(db).toHaveLength(1);
      expect(db[0]?.scaling_groups[0]?.id).toBe(outer?.id);
      // ip shares the inner group: the ip of the same inner instance.
      const ip = targets(vm, 'ip').map((id) => byId(instances, id));
      expect(ip).toHaveLength(1);
      expect(ip[0]?.scaling_groups[0]?.id).toBe(inner?.id);
    }
  });

  it('link nodes outside a group to every member instance, or to the smallest id for all_to_one', async () => {
    const instances = await instancesOf(nested);
    const lb = of(instances, 'lb')[0] as NodeInstance;
    expect(targets(lb, 'vm').sort()).toEqual(
      of(instances, 'vm')
        .map((v) => v.id)
        .sort(),
    );
    const smallestDb = of(instances, 'db')
      .map((d) => d.id)
      .sort()[0];
    expect(targets(lb, 'db')).toEqual([smallestDb]);
    expect(lb.relationships.map((r) => r.target_name)).toEqual([
      ...Array.from({ length: 12 }, () => 'vm'),
      'db',
    ]);
  });

  it('put a member that is contained in a non-member under the group, per container instance', async () => {
    const instances = await instancesOf(`
node_templates:
  vm:
    type: cloudify.nodes.Compute
    instances: {deploy: 2}
  app:
    type: cloudify.nodes.Root
    relationships:
      - {type: cloudify.relationships.contained_in, target: vm}
groups:
  g: {members: [app]}
policies:
  p:
    type: cloudify.policies.scaling
    properties: {default_instances: 2}
    targets: [g]
`);
    const apps = of(instances, 'app');
    expect(apps).toHaveLength(4);
    for (const vm of of(instances, 'vm')) {
      const mine = apps.filter((a) => containerOf(instances, a) === vm);
      expect(mine).toHaveLength(2);
      expect(mine.map((a) => a.host_id)).toEqual([vm.id, vm.id]);
    }
    expect(new Set(apps.map((a) => a.scaling_groups[0]?.id)).size).toBe(4);
    for (const app of apps) expect(app.relationships).toHaveLength(1);
  });

  it('refuse all_to_one between members of one group', async () => {
    const result = prepareDeployment(
      await planOf(`
inputs:
  conn: {default: all_to_one}
node_templates:
  a:
    type: cloudify.nodes.Root
    relationships:
      - type: cloudify.relationships.connected_to
        target: b
        properties: {connection_type: {get_input: conn}}
  b:
    type: cloudify.nodes.Root
groups:
  g: {members: [a, b]}
policies:
  p:
    type: cloudify.policies.scaling
    targets: [g]
`),
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_ALL_TO_ONE_IN_GROUP',
        message:
          "The cloudify.relationships.connected_to relationship from 'a' to 'b' is all_to_one, but both nodes are in scaling group 'g'; inside a group each instance already has its own target.",
      },
    ]);
  });
});

describe('relationship instances', () => {
  const body = `
inputs:
  conn: {default: all_to_all}
node_templates:
  t:
    type: cloudify.nodes.Root
    instances: {deploy: 3}
  one:
    type: cloudify.nodes.Root
    instances: {deploy: 4}
  src:
    type: cloudify.nodes.Root
    instances: {deploy: 2}
    relationships:
      - type: cloudify.relationships.connected_to
        target: t
        properties: {connection_type: {get_input: conn}}
      - type: cloudify.relationships.depends_on
        target: one
        properties: {connection_type: all_to_one}
`;

  it('all_to_all links every source instance to every target instance, in declaration order', async () => {
    const instances = await instancesOf(body);
    const ts = of(instances, 't').map((i) => i.id);
    for (const src of of(instances, 'src')) {
      expect(src.relationships.map((r) => r.target_id).slice(0, 3)).toEqual(ts);
      expect(src.relationships.map((r) => r.type)).toEqual([
        'cloudify.relationships.connected_to',
        'cloudify.relationships.connected_to',
        'cloudify.relationships.connected_to',
        'cloudify.relationships.depends_on',
      ]);
    }
  });

  it.each([1, 2, 3, 'x', 'y'])(
    'all_to_one links every source instance to the target instance with the smallest id (seed %s)',
    async (seed) => {
      const instances = await instancesOf(body, { seed });
      const smallest = of(instances, 'one')
        .map((i) => i.id)
        .sort()[0];
      for (const src of of(instances, 'src')) expect(targets(src, 'one')).toEqual([smallest]);
    },
  );

  it('reports a connection type that is neither all_to_all nor all_to_one', async () => {
    const result = prepareDeployment(await planOf(body), { inputs: { conn: 'some_to_some' } });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_INVALID_VALUE',
        message: `The cloudify.relationships.connected_to relationship from 'src' to 't' has connection_type "some_to_some"; it must be all_to_all or all_to_one.`,
      },
    ]);
  });

  it('collapses two relationships to one target into the later one, keeping contained_in', async () => {
    const instances = await instancesOf(`
node_templates:
  db:
    type: cloudify.nodes.Root
  vm:
    type: cloudify.nodes.Compute
  app:
    type: cloudify.nodes.Root
    relationships:
      - {type: cloudify.relationships.contained_in, target: vm}
      - {type: cloudify.relationships.connected_to, target: db}
      - {type: cloudify.relationships.depends_on, target: db}
      - {type: cloudify.relationships.connected_to, target: vm}
`);
    const app = of(instances, 'app')[0] as NodeInstance;
    expect(app.relationships.map((r) => [r.type, r.target_name])).toEqual([
      ['cloudify.relationships.contained_in', 'vm'],
      ['cloudify.relationships.depends_on', 'db'],
    ]);
    expect(app.host_id).toBe(of(instances, 'vm')[0]?.id);
  });

  it('reports a relationship type that derives from no Cloudify relationship', async () => {
    const result = prepareDeployment(
      await planOf(`
relationships:
  my.link: {}
node_templates:
  a:
    type: cloudify.nodes.Root
    relationships:
      - {type: my.link, target: b}
  b:
    type: cloudify.nodes.Root
`),
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_INVALID_VALUE',
        message:
          "The my.link relationship from 'a' to 'b' cannot be instantiated: its type derives from none of cloudify.relationships.depends_on, cloudify.relationships.connected_to, cloudify.relationships.contained_in.",
      },
    ]);
  });

  it('reports relationships to unknown nodes and containment cycles (hand-made plans)', async () => {
    const plan = await planOf(`
node_templates:
  a:
    type: cloudify.nodes.Root
  b:
    type: cloudify.nodes.Root
    relationships:
      - {type: cloudify.relationships.contained_in, target: a}
`);
    const [a, b] = plan.nodes as [Plan['nodes'][number], Plan['nodes'][number]];
    const contained = b.relationships[0] as Plan['nodes'][number]['relationships'][number];
    const unknown = prepareDeployment({
      ...plan,
      nodes: [a, { ...b, relationships: [{ ...contained, target_id: 'ghost' }] }],
    });
    expect(errors(unknown)).toEqual([
      {
        code: 'DSL_UNKNOWN_NODE',
        message:
          "Node 'b' has a cloudify.relationships.contained_in relationship to 'ghost', which is not a node template of the plan.",
      },
    ]);
    const looped = prepareDeployment({
      ...plan,
      nodes: [{ ...a, relationships: [{ ...contained, target_id: 'b' }] }, b],
    });
    expect(errors(looped)).toEqual([
      {
        code: 'DSL_RELATIONSHIP_CYCLE',
        message:
          'Containment forms a cycle (a → b → a), so there is no order to create instances in.',
      },
    ]);
  });
});

describe('instance ids', () => {
  const body = `
node_templates:
  vm:
    type: cloudify.nodes.Compute
    instances: {deploy: 3}
  app:
    type: cloudify.nodes.Root
    instances: {deploy: 2}
    relationships:
      - {type: cloudify.relationships.contained_in, target: vm}
groups:
  g: {members: [vm]}
policies:
  p:
    type: cloudify.policies.scaling
    properties: {default_instances: 2}
    targets: [g]
`;

  it('are the same for the same seed', async () => {
    const plan = await planOf(body);
    const a = prepareDeployment(plan, { seed: 'release-1' });
    const b = prepareDeployment(plan, { seed: 'release-1' });
    expect(a.deployment?.node_instances).toHaveLength(18);
    expect(a.deployment?.node_instances).toEqual(b.deployment?.node_instances);
  });

  it('differ for another seed, and without a seed', async () => {
    const plan = await planOf(body);
    const ids = (options: PrepareOptions): string[] =>
      (prepareDeployment(plan, options).deployment?.node_instances ?? []).map((i) => i.id);
    expect(ids({ seed: 1 })).not.toEqual(ids({ seed: 2 }));
    expect(ids({})).not.toEqual(ids({}));
    for (const id of [...ids({}), ...ids({ seed: 3 })]) expect(id).toMatch(ID);
  });
});
