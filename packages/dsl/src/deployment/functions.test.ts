import { describe, expect, it } from 'vitest';
import type { Plan, PlanNode, PlanValue } from '../plan/plan-types.js';
import { parseText } from '../../test/helpers.js';
import type { PrepareOptions, PrepareResult } from './deployment-types.js';
import { prepareDeployment } from './prepare.js';

const TYPES = `
plugins:
  p: {executor: central_deployment_agent, install: false}
node_types:
  t.Node:
    derived_from: cloudify.nodes.Root
    properties:
      a: {required: false}
      b: {required: false}
      c: {required: false}
`;

async function planOf(body: string): Promise<Plan> {
  const parsed = await parseText(TYPES + body);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return parsed.plan as Plan;
}

function errors(result: PrepareResult): { code: string; message: string }[] {
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({ code: d.code, message: d.message }));
}

function node(result: PrepareResult, id: string): PlanNode {
  const found = result.deployment?.plan.nodes.find((n) => n.id === id);
  expect(found).toBeDefined();
  return found as PlanNode;
}

async function prepare(body: string, options: PrepareOptions = {}): Promise<PrepareResult> {
  return prepareDeployment(await planOf(body), { seed: 1, ...options });
}

/** The evaluated properties of node `n` in a blueprint with the given node templates. */
async function propsOf(
  templates: string,
  options: PrepareOptions = {},
  id = 'n',
): Promise<Record<string, PlanValue>> {
  const result = await prepare(templates, options);
  expect(errors(result)).toEqual([]);
  return ownProperties(node(result, id));
}

/** A node's properties without the one every type inherits from cloudify.nodes.Root. */
function ownProperties(n: PlanNode): Record<string, PlanValue> {
  return Object.fromEntries(
    Object.entries(n.properties).filter(([k]) => k !== 'use_external_resource'),
  );
}

/** Replaces one property of one node of a plan (to build plans the parser would refuse). */
function withProperty(plan: Plan, id: string, name: string, value: PlanValue): Plan {
  return {
    ...plan,
    nodes: plan.nodes.map((n) =>
      n.id === id ? { ...n, properties: { ...n.properties, [name]: value } } : n,
    ),
  };
}

const INPUTS = `
inputs:
  cfg:
    default:
      db: {hosts: [{name: a, port: 1}, {name: b, port: 2}]}
      flag: true
  port: {type: integer, default: 8080}
  which: {default: port}
  key: {default: db}
  text: {default: 'a-b-c-d'}
`;

describe('get_input', () => {
  it('reads an input, and follows nested keys and indexes (negative ones too)', async () => {
    expect(
      await propsOf(`${INPUTS}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: port}
      b: {get_input: [cfg, db, hosts, 1, name]}
      c: {get_input: [cfg, {get_input: key}, hosts, -1, port]}
`),
    ).toEqual({ a: 8080, b: 'b', c: 2 });
  });

  it('takes the input name from a function', async () => {
    expect(
      await propsOf(`${INPUTS}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: {get_input: which}}
`),
    ).toEqual({ a: 8080 });
  });

  it.each<[string, string]>([
    [
      '[cfg, db, nope]',
      `In property 'a' of node 'n': 'get_input' cannot follow ["cfg", "db", "nope"]: input 'cfg.db' has no key "nope".`,
    ],
    [
      '[cfg, db, hosts, 2]',
      `In property 'a' of node 'n': 'get_input' cannot follow ["cfg", "db", "hosts", 2]: input 'cfg.db.hosts' has no item 2.`,
    ],
    [
      '[cfg, db, hosts, first]',
      `In property 'a' of node 'n': 'get_input': 'cfg.db.hosts' is a list, so the next step must be an integer index, not "first".`,
    ],
    [
      '[cfg, flag, x]',
      `In property 'a' of node 'n': 'get_input': 'cfg.flag' is a boolean (true), so it has no "x".`,
    ],
  ])('reports the path %s that does not exist', async (path, message) => {
    const result = await prepare(`${INPUTS}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: ${path}}
`);
    expect(errors(result)).toEqual([{ code: 'DSL_FUNCTION_EVALUATION', message }]);
    expect(result.deployment).toBeUndefined();
  });

  it('cannot look inside a run-time function', async () => {
    const result = await prepare(
      `
inputs:
  creds: {}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: [creds, user]}
`,
      { inputs: { creds: { get_secret: 'creds' } } },
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message:
          "In property 'a' of node 'n': 'get_input' cannot look inside 'creds': it holds the run-time function 'get_secret', whose value is known only when a workflow runs.",
      },
    ]);
  });

  it("checks the value against the function's own `type`", async () => {
    const body = `
inputs:
  port: {}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: port, type: integer}
`;
    expect(await propsOf(body, { inputs: { port: 80 } })).toEqual({ a: 80 });
    const result = await prepare(body, { inputs: { port: '80' } });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_TYPE_MISMATCH',
        message: `In property 'a' of node 'n': the value "80" of input 'port' is not of the type 'integer' that 'get_input' asks for.`,
      },
    ]);
  });

  it('reports an input the plan does not declare, and a malformed call (hand-made plans)', async () => {
    const plan = await planOf(`${INPUTS}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: port}
`);
    const unknown = prepareDeployment({ ...plan, inputs: { ports: { required: false } } });
    expect(errors(unknown)).toEqual([
      {
        code: 'DSL_UNKNOWN_INPUT',
        message:
          "In property 'a' of node 'n': 'get_input' refers to the input 'port', which the blueprint does not declare. Did you mean 'ports'?",
      },
    ]);
    const malformed = prepareDeployment(withProperty(plan, 'n', 'a', { get_input: [5] }));
    expect(errors(malformed)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message:
          "In property 'a' of node 'n': 'get_input' needs an input name or a list [input_name, key or index, …], not [5].",
      },
    ]);
  });
});

describe('get_property', () => {
  it('reads SELF and other nodes, with nested keys and indexes', async () => {
    const result = await prepare(`
node_templates:
  vm:
    type: t.Node
    properties:
      a: {ips: [10.0.0.1, 10.0.0.2]}
  n:
    type: t.Node
    properties:
      a: {get_property: [vm, a, ips, 1]}
      b: {get_property: [SELF, a]}
      c: {get_property: [vm, a]}
`);
    expect(errors(result)).toEqual([]);
    expect(ownProperties(node(result, 'n'))).toEqual({
      a: '10.0.0.2',
      b: '10.0.0.2',
      c: { ips: ['10.0.0.1', '10.0.0.2'] },
    });
  });

  it('follows chains in either declaration order, each value evaluated in its own node', async () => {
    const chain = `
inputs:
  port: {default: 80}
node_templates:
  x:
    type: t.Node
    properties:
      a: {get_property: [y, a]}
  y:
    type: t.Node
    properties:
      a: {get_property: [SELF, b]}
      b: {concat: [{get_input: port}, /, {get_property: [z, a]}]}
  z:
    type: t.Node
    properties:
      a: tcp
`;
    expect(await propsOf(chain, {}, 'x')).toEqual({ a: '80/tcp' });
    const reversed =
      chain.replace(/ {2}x:\n(?: {4}.*\n)+/, '') +
      '  x:\n    type: t.Node\n    properties:\n      a: {get_property: [y, a]}\n';
    expect(reversed).not.toEqual(chain);
    expect(await propsOf(reversed, {}, 'x')).toEqual({ a: '80/tcp' });
  });

  it('reads a sibling key of the property it is part of (not a cycle)', async () => {
    expect(
      await propsOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a:
        port: 80
        url: {concat: ['http://h:', {get_property: [SELF, a, port]}]}
`),
    ).toEqual({ a: { port: 80, url: 'http://h:80' } });
  });

  it('reports properties that refer to each other in a cycle', async () => {
    const plan = await planOf(`
node_templates:
  x:
    type: t.Node
    properties:
      a: 1
  y:
    type: t.Node
    properties:
      a: {get_property: [x, a]}
`);
    const result = prepareDeployment(withProperty(plan, 'x', 'a', { get_property: ['y', 'a'] }));
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_CYCLE',
        message:
          "In property 'a' of node 'y': values refer to each other in a cycle: x.a → y.a → x.a.",
      },
    ]);
  });

  it('reports a property that contains itself', async () => {
    const plan = await planOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: {x: 1}
`);
    const result = prepareDeployment(
      withProperty(plan, 'n', 'a', { x: { get_property: ['SELF', 'a'] } }),
    );
    expect(errors(result).map((e) => e.code)).toEqual(['DSL_FUNCTION_CYCLE']);
  });

  it('reports a path that turns out not to exist once inputs are known', async () => {
    const body = `
inputs:
  cfg: {default: {db: {port: 1}}}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: cfg}
      b: {get_property: [SELF, a, db, host]}
      c: {get_property: [SELF, a, db, port]}
`;
    const result = await prepare(body);
    expect(errors(result)).toEqual([
      {
        code: 'DSL_UNKNOWN_PROPERTY_PATH',
        message: `In property 'b' of node 'n': 'get_property' refers to 'a.db.host' of node 'n', which does not exist ('a.db' has no "host").`,
      },
    ]);
    expect(await propsOf(body, { inputs: { cfg: { db: { port: 2, host: 'h' } } } })).toEqual({
      a: { db: { port: 2, host: 'h' } },
      b: 'h',
      c: 2,
    });
  });

  it('takes negative list indexes, as Python does (hand-made plan: the parser refuses them)', async () => {
    const plan = await planOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: [x, y]
      b: 1
`);
    const result = prepareDeployment(
      withProperty(plan, 'n', 'b', { get_property: ['SELF', 'a', -1] }),
    );
    expect(errors(result)).toEqual([]);
    expect(result.deployment?.plan.nodes[0]?.properties.b).toBe('y');
  });

  it('reports wrong steps through a value that came from a function', async () => {
    const body = (path: string): string => `
inputs:
  cfg: {default: {hosts: [a, b], port: 1}}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_input: cfg}
      b: {get_property: [SELF, a, ${path}]}
`;
    expect(errors(await prepare(body('hosts, first')))).toEqual([
      {
        code: 'DSL_UNKNOWN_PROPERTY_PATH',
        message: `In property 'b' of node 'n': 'get_property': 'a.hosts' is a list, so the next step must be an integer index, not "first".`,
      },
    ]);
    expect(errors(await prepare(body('port, x')))).toEqual([
      {
        code: 'DSL_UNKNOWN_PROPERTY_PATH',
        message: `In property 'b' of node 'n': 'get_property': 'a.port' is an integer (1), so it has no "x".`,
      },
    ]);
    expect(errors(await prepare(body('hosts, 5')))).toEqual([
      {
        code: 'DSL_UNKNOWN_PROPERTY_PATH',
        message: `In property 'b' of node 'n': 'get_property' refers to 'a.hosts[5]' of node 'n', which does not exist ('a.hosts' has no 5).`,
      },
    ]);
  });

  it('reports a missing property, a list step that is no index, and a scalar step (hand-made plans)', async () => {
    const plan = await planOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: [x, y]
      b: 1
      c: 1
`);
    const cases: [PlanValue, string][] = [
      [
        ['n', 'd'],
        `In property 'c' of node 'n': 'get_property' refers to 'd' of node 'n', which does not exist. Did you mean 'a'?`,
      ],
      [
        ['n', 'a', -3],
        `In property 'c' of node 'n': 'get_property' refers to 'a[-3]' of node 'n', which does not exist ('a' has no -3).`,
      ],
      [
        ['n', 'a', '0'],
        `In property 'c' of node 'n': 'get_property': 'a' of node 'n' is a list, so the next step must be an integer index, not "0".`,
      ],
      [
        ['n', 'a', 2],
        `In property 'c' of node 'n': 'get_property' refers to 'a[2]' of node 'n', which does not exist ('a' has no 2).`,
      ],
      [
        ['n', 'b', 'k'],
        `In property 'c' of node 'n': 'get_property' refers to 'b.k' of node 'n', which does not exist ('b' has no "k").`,
      ],
    ];
    for (const [args, message] of cases) {
      const result = prepareDeployment(withProperty(plan, 'n', 'c', { get_property: args }));
      expect(errors(result)).toEqual([{ code: 'DSL_UNKNOWN_PROPERTY_PATH', message }]);
    }
  });

  it('reports SELF outside a node, unknown nodes and malformed calls (hand-made plans)', async () => {
    const plan = await planOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: 1
outputs:
  o: {value: {get_property: [n, a]}}
`);
    const output = (value: PlanValue): Plan => ({ ...plan, outputs: { o: { value } } });
    expect(errors(prepareDeployment(output({ get_property: ['SELF', 'a'] })))).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message:
          "In output 'o': 'get_property' uses SELF, which means something only in node properties and node operations.",
      },
    ]);
    expect(errors(prepareDeployment(output({ get_property: ['TARGET', 'a'] })))).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message:
          "In output 'o': 'get_property' uses TARGET, which means something only in relationship properties and relationship operations.",
      },
    ]);
    expect(errors(prepareDeployment(output({ get_property: ['m', 'a'] })))).toEqual([
      {
        code: 'DSL_UNKNOWN_NODE',
        message:
          "In output 'o': 'get_property' refers to the node template 'm', which does not exist. Did you mean 'n'?",
      },
    ]);
    expect(errors(prepareDeployment(output({ get_property: ['n'] })))).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message: `In output 'o': 'get_property' needs a list [node_name or SELF/SOURCE/TARGET, property, key or index, …], not ["n"].`,
      },
    ]);
  });

  it('returns run-time functions it finds, and waits when the path goes through one', async () => {
    expect(
      await propsOf(`
node_templates:
  vm:
    type: t.Node
    properties:
      a: {get_secret: vm_config}
      b: {get_attribute: [SELF, ip]}
  n:
    type: t.Node
    properties:
      a: {get_property: [vm, a, user]}
      b: {get_property: [vm, b]}
`),
    ).toEqual({
      a: { get_property: ['vm', 'a', 'user'] },
      b: { get_attribute: ['SELF', 'ip'] },
    });
  });
});

describe('concat', () => {
  it("joins Python's str() of each item", async () => {
    expect(
      await propsOf(`
inputs:
  port: {default: 80}
node_templates:
  n:
    type: t.Node
    properties:
      a: {concat: [a, 1, true, false, null, 1.5, [1, x], {k: v}]}
      b: {concat: ['http://', {get_input: port}, /]}
      c: {concat: []}
`),
    ).toEqual({ a: "a1TrueFalseNone1.5[1, 'x']{'k': 'v'}", b: 'http://80/', c: '' });
  });

  it('waits for run time when an item holds a run-time function, with the rest evaluated', async () => {
    expect(
      await propsOf(`
inputs:
  port: {default: 80}
node_templates:
  n:
    type: t.Node
    properties:
      a: {concat: [{get_attribute: [SELF, ip]}, ':', {get_input: port}]}
      b: {concat: [x, [{get_secret: s}]]}
`),
    ).toEqual({
      a: { concat: [{ get_attribute: ['SELF', 'ip'] }, ':', 80] },
      b: { concat: ['x', [{ get_secret: 's' }]] },
    });
  });
});

describe('merge', () => {
  it('merges mappings, later keys winning', async () => {
    expect(
      await propsOf(`
inputs:
  extra: {default: {b: 3, c: 4}}
node_templates:
  n:
    type: t.Node
    properties:
      a: {merge: [{a: 1, b: 2}, {get_input: extra}]}
      b: {merge: [{a: {get_attribute: [SELF, x]}}, {b: 1}]}
`),
    ).toEqual({ a: { a: 1, b: 3, c: 4 }, b: { a: { get_attribute: ['SELF', 'x'] }, b: 1 } });
  });

  it('waits for run time when an item is a run-time function', async () => {
    expect(
      await propsOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: {merge: [{a: 1}, {get_secret: extra}]}
`),
    ).toEqual({ a: { merge: [{ a: 1 }, { get_secret: 'extra' }] } });
  });

  it('reports an item that is not a mapping', async () => {
    const result = await prepare(`
inputs:
  extra: {default: [1]}
node_templates:
  n:
    type: t.Node
    properties:
      a: {merge: [{a: 1}, {get_input: extra}]}
`);
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message:
          "In property 'a' of node 'n': 'merge' can merge only mappings, but item 2 is a list ([1]).",
      },
    ]);
  });
});

describe('string functions', () => {
  it('find, replace, split, lower and upper, as Python does', async () => {
    expect(
      await propsOf(`${INPUTS}
node_templates:
  n:
    type: t.Node
    properties:
      a:
        find: {string_find: [{get_input: text}, c]}
        missing: {string_find: [{get_input: text}, z]}
        replace_all: {string_replace: [{get_input: text}, '-', '+']}
        replace_two: {string_replace: [{get_input: text}, '-', '+', 2]}
        split: {string_split: [{get_input: text}, '-']}
        second: {string_split: [{get_input: text}, '-', 1]}
        last: {string_split: [{get_input: text}, '-', -1]}
        lower: {string_lower: ABC}
        upper: {string_upper: {get_input: text}}
`),
    ).toEqual({
      a: {
        find: 4,
        missing: -1,
        replace_all: 'a+b+c+d',
        replace_two: 'a+b+c-d',
        split: ['a', 'b', 'c', 'd'],
        second: 'b',
        last: 'd',
        lower: 'abc',
        upper: 'A-B-C-D',
      },
    });
  });

  it('wait for run time when an argument is a run-time function', async () => {
    expect(
      await propsOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: {string_upper: {get_attribute: [SELF, name]}}
      b: {string_split: [{get_secret: hosts}, ',', 0]}
`),
    ).toEqual({
      a: { string_upper: { get_attribute: ['SELF', 'name'] } },
      b: { string_split: [{ get_secret: 'hosts' }, ',', 0] },
    });
  });

  it.each<[string, string]>([
    [
      '{string_find: [{get_input: port}, "8"]}',
      "argument 1 of 'string_find' must be a string, not an integer (8080)",
    ],
    [
      '{string_replace: [abc, b, {get_input: port}]}',
      "argument 3 of 'string_replace' must be a string, not an integer (8080)",
    ],
    [
      '{string_replace: [abc, b, c, {get_input: text}]}',
      `the count of 'string_replace' must be an integer, not a string ("a-b-c-d")`,
    ],
    ['{string_split: [abc, ""]}', "'string_split' cannot split on an empty separator"],
    [
      '{string_split: [a-b, "-", 2]}',
      `'string_split': index 2 is out of range; "a-b" split on "-" gives 2 part(s)`,
    ],
    [
      '{string_split: [a-b, "-", {get_input: text}]}',
      `the index of 'string_split' must be an integer, not a string ("a-b-c-d")`,
    ],
    ['{string_lower: {get_input: port}}', "'string_lower' needs a string, not an integer (8080)"],
  ])('reports %s', async (call, message) => {
    const result = await prepare(`${INPUTS}
node_templates:
  n:
    type: t.Node
    properties:
      a: ${call}
`);
    expect(errors(result)).toEqual([
      { code: 'DSL_FUNCTION_EVALUATION', message: `In property 'a' of node 'n': ${message}.` },
    ]);
  });

  it('reports a wrong number of arguments (hand-made plan)', async () => {
    const plan = await planOf(`
node_templates:
  n:
    type: t.Node
    properties:
      a: 1
`);
    const result = prepareDeployment(withProperty(plan, 'n', 'a', { string_find: ['abc'] }));
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message: `In property 'a' of node 'n': 'string_find' takes a list of 2 arguments, not ["abc"].`,
      },
    ]);
    const concat = prepareDeployment(withProperty(plan, 'n', 'a', { concat: 'abc' }));
    expect(errors(concat).map((e) => e.message)).toEqual([
      `In property 'a' of node 'n': 'concat' needs a list of values to join, not "abc".`,
    ]);
    const merge = prepareDeployment(withProperty(plan, 'n', 'a', { merge: { a: 1 } }));
    expect(errors(merge).map((e) => e.message)).toEqual([
      `In property 'a' of node 'n': 'merge' needs a list of mappings, not {"a":1}.`,
    ]);
  });
});

describe('run-time functions', () => {
  it('are kept, with their arguments evaluated', async () => {
    expect(
      await propsOf(`
inputs:
  secret_name: {default: db_pass}
node_templates:
  n:
    type: t.Node
    properties:
      a: {get_secret: {get_input: secret_name}}
      b: {get_attribute: [SELF, ip]}
      c:
        - {get_sys: [deployment, id]}
        - {get_capability: [{get_input: secret_name}, url]}
        - {get_label: env}
`),
    ).toEqual({
      a: { get_secret: 'db_pass' },
      b: { get_attribute: ['SELF', 'ip'] },
      c: [
        { get_sys: ['deployment', 'id'] },
        { get_capability: ['db_pass', 'url'] },
        { get_label: 'env' },
      ],
    });
  });
});

describe('the recursion limit', () => {
  /** A chain of `length` get_property calls: x0.a → x1.a → … → x{length}.a = 'end'. */
  function chain(length: number, reversed: boolean): string {
    const nodes = Array.from({ length: length + 1 }, (_, i) =>
      i === length
        ? `  x${i}:\n    type: t.Node\n    properties:\n      a: end\n`
        : `  x${i}:\n    type: t.Node\n    properties:\n      a: {get_property: [x${i + 1}, a]}\n`,
    );
    if (reversed) nodes.reverse();
    return `node_templates:\n${nodes.join('')}`;
  }

  it.each([false, true])('allows 50 chained functions (reversed: %s)', async (reversed) => {
    expect(await propsOf(chain(50, reversed), {}, 'x0')).toEqual({ a: 'end' });
  });

  it.each([false, true])('refuses 51 chained functions (reversed: %s)', async (reversed) => {
    const result = await prepare(chain(51, reversed));
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_EVALUATION',
        message: expect.stringContaining(
          'the recursion limit (50) was reached: functions evaluate to functions more than 50 levels deep',
        ) as string,
      },
    ]);
  });

  it('counts nested function calls (hand-made plan: YAML nesting is limited)', async () => {
    const nest = (depth: number): PlanValue => (depth === 0 ? 'x' : { concat: [nest(depth - 1)] });
    const plan = await planOf(
      'node_templates:\n  n:\n    type: t.Node\n    properties:\n      a: 1\n',
    );
    const fifty = prepareDeployment(withProperty(plan, 'n', 'a', nest(50)));
    expect(errors(fifty)).toEqual([]);
    expect(fifty.deployment?.plan.nodes[0]?.properties.a).toBe('x');
    const result = prepareDeployment(withProperty(plan, 'n', 'a', nest(51)));
    expect(errors(result).map((e) => e.message)).toEqual([
      "In property 'a' of node 'n': the recursion limit (50) was reached: functions evaluate to functions more than 50 levels deep.",
    ]);
  });
});

describe('where functions are evaluated', () => {
  const body = `
inputs:
  port: {type: integer, default: 8080}
  conn: {default: all_to_one}
  count: {default: 2}
  env: {default: prod}
node_templates:
  m:
    type: t.Node
    properties:
      a: target-a
  n:
    type: t.Node
    properties:
      a: source-a
    capabilities:
      scalable:
        properties:
          default_instances: {get_input: count}
    interfaces:
      cloudify.interfaces.lifecycle:
        configure:
          implementation: p.tasks.configure
          inputs:
            port: {get_input: port}
        start:
          implementation: p.tasks.start
          inputs:
            ip: {get_attribute: [SELF, ip]}
    relationships:
      - type: cloudify.relationships.connected_to
        target: m
        properties:
          connection_type: {get_input: conn}
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            preconfigure:
              implementation: p.tasks.pre
              inputs:
                mine: {get_property: [SOURCE, a]}
                theirs: {get_property: [TARGET, a]}
        target_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish:
              implementation: p.tasks.est
              inputs:
                both: {concat: [{get_property: [SOURCE, a]}, '>', {get_property: [TARGET, a]}]}
outputs:
  url: {value: {concat: ['http://', {get_property: [n, a]}, ':', {get_input: port}]}}
capabilities:
  port: {value: {get_input: port}}
labels:
  env:
    values: [{get_input: env}, fixed]
resource_tags:
  owner: {get_input: env}
deployment_settings:
  display_name: {concat: [app-, {get_input: env}]}
workflows:
  wf:
    mapping: p.tasks.wf
    parameters:
      port: {default: {get_input: port}}
      plain: {default: 1}
      none: {}
groups:
  g: {members: [m]}
policies:
  scale:
    type: cloudify.policies.scaling
    properties:
      default_instances: {get_input: count}
    targets: [g]
`;

  it('evaluates node, relationship and plan-level values', async () => {
    const result = await prepare(body);
    expect(errors(result)).toEqual([]);
    const plan = result.deployment?.plan as Plan;
    const n = node(result, 'n');
    expect(n.capabilities.scalable.properties).toMatchObject({
      default_instances: 2,
      current_instances: 2,
      planned_instances: 2,
    });
    expect(n.instances).toEqual({ deploy: 2 });
    const configure = n.operations['cloudify.interfaces.lifecycle.configure'];
    expect(configure?.inputs).toEqual({ port: 8080 });
    expect(configure?.has_intrinsic_functions).toBe(false);
    // Listed under its short name too; both entries are evaluated.
    expect(n.operations.configure?.inputs).toEqual({ port: 8080 });
    expect(n.operations.configure?.has_intrinsic_functions).toBe(false);
    const start = n.operations['cloudify.interfaces.lifecycle.start'];
    expect(start?.inputs).toEqual({ ip: { get_attribute: ['SELF', 'ip'] } });
    expect(start?.has_intrinsic_functions).toBe(true);
    const rel = n.relationships[0];
    expect(rel?.properties.connection_type).toBe('all_to_one');
    expect(
      rel?.source_operations['cloudify.interfaces.relationship_lifecycle.preconfigure']?.inputs,
    ).toEqual({ mine: 'source-a', theirs: 'target-a' });
    const establish =
      rel?.target_operations['cloudify.interfaces.relationship_lifecycle.establish'];
    expect(establish?.inputs).toEqual({ both: 'source-a>target-a' });
    expect(establish?.has_intrinsic_functions).toBe(false);
    expect(plan.outputs.url?.value).toBe('http://source-a:8080');
    expect(plan.capabilities.port?.value).toBe(8080);
    expect(plan.labels.env?.values).toEqual(['prod', 'fixed']);
    expect(plan.resource_tags).toEqual({ owner: 'prod' });
    expect(plan.deployment_settings).toEqual({ display_name: 'app-prod' });
    expect(plan.workflows.wf?.parameters).toMatchObject({
      port: { default: 8080 },
      plain: { default: 1 },
      none: {},
    });
    expect(plan.policies.scale?.properties.default_instances).toBe(2);
    expect(plan.scaling_groups.g?.properties.default_instances).toBe(2);
  });

  it('marks operations whose inputs still hold functions before evaluation (parser) and after (here)', async () => {
    const plan = await planOf(body);
    const before = plan.nodes.find((n) => n.id === 'n')?.operations[
      'cloudify.interfaces.lifecycle.configure'
    ];
    expect(before?.has_intrinsic_functions).toBe(true);
  });

  it('evaluates plugin properties', async () => {
    const plan = await planOf(body);
    const plugin = plan.deployment_plugins_to_install[0];
    expect(plugin).toBeDefined();
    const withProps: Plan = {
      ...plan,
      deployment_plugins_to_install: [
        {
          ...(plugin as Plan['deployment_plugins_to_install'][number]),
          properties: { port: { get_input: 'port' }, user: { get_secret: 'u' } },
        },
      ],
    };
    const result = prepareDeployment(withProps);
    expect(result.deployment?.plan.deployment_plugins_to_install[0]?.properties).toEqual({
      port: 8080,
      user: { get_secret: 'u' },
    });
  });

  it('names where a failing function is written', async () => {
    const result = await prepare(
      body.replace(
        'theirs: {get_property: [TARGET, a]}',
        'theirs: {string_lower: {get_input: port}}',
      ),
    );
    expect(errors(result).map((e) => e.message)).toEqual([
      "In input 'theirs' of the source operation 'cloudify.interfaces.relationship_lifecycle.preconfigure' of relationship 1 of node 'n' (cloudify.relationships.connected_to → m): 'string_lower' needs a string, not an integer (8080).",
    ]);
  });
});
