import { describe, expect, it } from 'vitest';
import type { Plan, PlanValue } from '../plan/plan-types.js';
import { parseText } from '../../test/helpers.js';
import type { PrepareOptions, PrepareResult } from './deployment-types.js';
import { castToType } from './inputs.js';
import { prepareDeployment } from './prepare.js';

async function planOf(body: string): Promise<Plan> {
  const parsed = await parseText(body);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return parsed.plan as Plan;
}

async function prepare(body: string, options: PrepareOptions = {}): Promise<PrepareResult> {
  return prepareDeployment(await planOf(body), { seed: 1, ...options });
}

function errors(result: PrepareResult): { code: string; message: string }[] {
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({ code: d.code, message: d.message }));
}

async function inputsOf(
  body: string,
  inputs: Record<string, PlanValue> = {},
  options: PrepareOptions = {},
): Promise<Record<string, PlanValue>> {
  const result = await prepare(body, { inputs, ...options });
  expect(errors(result)).toEqual([]);
  return { ...result.deployment?.inputs };
}

describe('input values', () => {
  const body = `
inputs:
  given: {type: string, default: from-default}
  defaulted: {type: integer, default: 8080}
  optional: {required: false}
  optional_typed: {type: integer, required: false}
`;

  it('takes the given value, else the default, else null for optional inputs', async () => {
    expect(await inputsOf(body, { given: 'from-user' })).toEqual({
      given: 'from-user',
      defaulted: 8080,
      optional: null,
      optional_typed: null,
    });
  });

  it('reports every required input with no value, one diagnostic each naming it', async () => {
    const result = await prepare(`
inputs:
  a: {type: string}
  b: {}
  c: {default: ok}
`);
    expect(result.ok).toBe(false);
    expect(result.deployment).toBeUndefined();
    expect(errors(result)).toEqual([
      {
        code: 'DSL_INPUT_MISSING',
        message: "Input 'a' is required, but no value was given and it has no default.",
      },
      {
        code: 'DSL_INPUT_MISSING',
        message: "Input 'b' is required, but no value was given and it has no default.",
      },
    ]);
  });

  it('counts an input whose default is null as missing (as Cloudify does)', async () => {
    const result = await prepare(`
inputs:
  a: {default: null}
`);
    expect(errors(result).map((e) => e.code)).toEqual(['DSL_INPUT_MISSING']);
    expect((await prepare(`inputs:\n  a: {default: null}\n`, { inputs: { a: null } })).ok).toBe(
      true,
    );
  });

  it('reports inputs the blueprint does not declare, with a suggestion', async () => {
    const result = await prepare(body, { inputs: { gven: 'x', other: 1 } });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_INPUT_UNKNOWN',
        message:
          "Input 'gven' is given, but the blueprint does not declare it; it declares given, defaulted, optional, optional_typed. Did you mean 'given'?",
      },
      {
        code: 'DSL_INPUT_UNKNOWN',
        message:
          "Input 'other' is given, but the blueprint does not declare it; it declares given, defaulted, optional, optional_typed.",
      },
    ]);
  });

  it('says so when the blueprint declares no inputs at all', async () => {
    const result = await prepare('description: none\n', { inputs: { x: 1 } });
    expect(errors(result)[0]?.message).toContain('it declares no inputs');
  });
});

describe('deeply nested input values', () => {
  const nest = (depth: number): PlanValue => {
    let value: PlanValue = 'x';
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it('are evaluated up to 500 levels', async () => {
    const result = await prepare('inputs:\n  deep: {}\n', { inputs: { deep: nest(500) } });
    expect(errors(result)).toEqual([]);
    expect(JSON.stringify(result.deployment?.inputs.deep)).toBe(JSON.stringify(nest(500)));
  });

  it('are refused beyond, however deep, without overflowing the stack', async () => {
    for (const depth of [501, 200_000]) {
      const result = await prepare('inputs:\n  deep: {}\n', { inputs: { deep: nest(depth) } });
      expect(errors(result)).toEqual([
        {
          code: 'DSL_INVALID_VALUE',
          message: "The value of input 'deep' nests lists and mappings more than 500 levels deep.",
        },
      ]);
    }
  });
});

describe('input types', () => {
  const body = `
inputs:
  i: {type: integer, required: false}
  f: {type: float, required: false}
  s: {type: string, required: false}
  b: {type: boolean, required: false}
  l: {type: list, required: false}
  d: {type: dict, required: false}
  r: {type: regex, required: false}
  t: {type: textarea, required: false}
  any: {required: false}
`;

  it('accepts values of the declared kinds (float takes ints, string takes anything)', async () => {
    const given = {
      i: 3,
      f: 2,
      s: 5,
      b: false,
      l: [1],
      d: { k: 'v' },
      r: '^a+$',
      t: 'x',
      any: [{ k: 1 }],
    };
    expect(await inputsOf(body, given)).toEqual(given);
    expect(await inputsOf(body, { s: ['a', { b: null }] })).toMatchObject({
      s: ['a', { b: null }],
    });
  });

  it.each<[string, PlanValue, string]>([
    ['i', true, 'a boolean'],
    ['i', '80', 'a string'],
    ['i', 1.5, 'a float'],
    ['f', 'x', 'a string'],
    ['b', 'true', 'a string'],
    ['l', { a: 1 }, 'a mapping'],
    ['d', [1], 'a list'],
    ['r', '([', 'a string'],
  ])('rejects %s = %j', async (name, value, kind) => {
    const result = await prepare(body, { inputs: { [name]: value } });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_TYPE_MISMATCH',
        message: expect.stringContaining(`The value of input '${name}' must be of type`) as string,
      },
    ]);
    expect(errors(result)[0]?.message).toContain(kind);
  });

  it('checks list items against item_type', async () => {
    const result = await prepare(
      `
inputs:
  ports: {type: list, item_type: integer}
`,
      { inputs: { ports: [80, '443', 8080] } },
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_TYPE_MISMATCH',
        message: `'[1]' of input 'ports' must be of type 'integer', but it is a string ("443").`,
      },
    ]);
    expect(
      await inputsOf(`inputs:\n  ports: {type: list, item_type: integer}\n`, { ports: [1, 2] }),
    ).toEqual({ ports: [1, 2] });
  });
});

describe('inputs of data types', () => {
  const body = `
data_types:
  my.Inner:
    properties:
      a: {type: integer, default: 1}
      b: {type: integer, required: false}
  my.Endpoint:
    properties:
      host: {type: string}
      port: {type: integer, default: 80}
      inner:
        type: my.Inner
        default: {b: 2}
  my.AllDefaults:
    properties:
      x: {default: 1}
      y: {default: [a]}
  my.NothingSet:
    properties:
      x: {required: false}
inputs:
  endpoint: {type: my.Endpoint}
  endpoints: {type: list, item_type: my.Endpoint, required: false}
`;

  it('fills in nested defaults, laying a property default under the given value', async () => {
    expect(await inputsOf(body, { endpoint: { host: 'h' } })).toMatchObject({
      endpoint: { host: 'h', port: 80, inner: { a: 1, b: 2 } },
    });
    expect(await inputsOf(body, { endpoint: { host: 'h', inner: { a: 5 } } })).toMatchObject({
      endpoint: { host: 'h', port: 80, inner: { a: 5, b: 2 } },
    });
  });

  it('reports unknown keys, missing required keys and wrongly typed fields', async () => {
    const result = await prepare(body, {
      inputs: { endpoint: { hostt: 'h', port: 'eighty', inner: { a: true } } },
    });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_MISSING_PROPERTY',
        message:
          "The value of input 'endpoint' gives no value for 'host', which data type 'my.Endpoint' requires.",
      },
      {
        code: 'DSL_TYPE_MISMATCH',
        message: `'port' of input 'endpoint' must be of type 'integer', but it is a string ("eighty").`,
      },
      {
        code: 'DSL_TYPE_MISMATCH',
        message: `'inner.a' of input 'endpoint' must be of type 'integer', but it is a boolean (true).`,
      },
      {
        code: 'DSL_UNDEFINED_PROPERTY',
        message:
          "'hostt' of input 'endpoint' is not a property of data type 'my.Endpoint'. Did you mean 'host'?",
      },
    ]);
  });

  it('rejects a value that is not a mapping', async () => {
    const result = await prepare(body, { inputs: { endpoint: 'h:80' } });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_TYPE_MISMATCH',
        message: `The value of input 'endpoint' must be a mapping of data type 'my.Endpoint', but it is a string ("h:80").`,
      },
    ]);
  });

  it('checks list items of a data type', async () => {
    const result = await prepare(body, {
      inputs: { endpoint: { host: 'h' }, endpoints: [{ host: 'a' }, { port: 1 }] },
    });
    expect(errors(result).map((e) => e.message)).toEqual([
      "'[1]' of input 'endpoints' gives no value for '[1].host', which data type 'my.Endpoint' requires.",
    ]);
    expect(
      await inputsOf(body, { endpoint: { host: 'h' }, endpoints: [{ host: 'a' }] }),
    ).toMatchObject({ endpoints: [{ host: 'a', port: 80, inner: { a: 1, b: 2 } }] });
  });

  it("builds a value from the data type's defaults when none is given", async () => {
    const plan = await planOf(`
data_types:
  my.AllDefaults:
    properties:
      x: {default: 1}
      y: {default: [a]}
  my.NothingSet:
    properties:
      x: {required: false}
  my.NeedsHost:
    properties:
      host: {type: string}
inputs:
  built: {type: my.AllDefaults}
  empty: {type: my.NothingSet, required: false}
  cannot: {type: my.NeedsHost, required: false}
`);
    const result = prepareDeployment(plan);
    expect(errors(result)).toEqual([]);
    expect(result.deployment?.inputs).toEqual({
      built: { x: 1, y: ['a'] },
      empty: null,
      cannot: null,
    });
    const required = prepareDeployment({
      ...plan,
      inputs: { cannot: { type: 'my.NeedsHost', required: true } },
    });
    expect(errors(required).map((e) => e.code)).toEqual(['DSL_INPUT_MISSING']);
  });

  it('reports a type that the plan does not define', async () => {
    const plan = await planOf('inputs:\n  x: {type: string}\n');
    const result = prepareDeployment(
      { ...plan, inputs: { x: { type: 'no.such.Type', required: true } } },
      { inputs: { x: {} } },
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_UNKNOWN_DATA_TYPE',
        message:
          "The value of input 'x' has type 'no.such.Type', which is neither a primitive type nor a data type of this blueprint.",
      },
    ]);
  });
});

describe('input constraints', () => {
  const body = `
inputs:
  port:
    type: integer
    constraints:
      - in_range: [1000, 2000]
  env:
    default: dev
    constraints:
      - valid_values: [dev, prod]
  name:
    default: web-1
    constraints:
      - pattern: '[a-z]+-\\d+'
      - max_length: 8
        error_message: names are at most 8 characters
`;

  it('accepts values that keep every constraint', async () => {
    expect(await inputsOf(body, { port: 1500, env: 'prod' })).toEqual({
      port: 1500,
      env: 'prod',
      name: 'web-1',
    });
  });

  it('reports each broken constraint, naming the input', async () => {
    const result = await prepare(body, { inputs: { port: 80, env: 'qa', name: 'webserver-12' } });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_CONSTRAINT_VIOLATED',
        message: "The value of input 'port' breaks a constraint: 80 violates in_range(1000, 2000).",
      },
      {
        code: 'DSL_CONSTRAINT_VIOLATED',
        message: `The value of input 'env' breaks a constraint: "qa" violates valid_values("dev", "prod").`,
      },
      {
        code: 'DSL_CONSTRAINT_VIOLATED',
        message: "The value of input 'name' breaks a constraint: names are at most 8 characters.",
      },
    ]);
  });

  it('refuses a run-time function where constraints must be checked, without naming the secret', async () => {
    const result = await prepare(body, {
      inputs: { port: 1500, env: { get_secret: 'db_password' } },
    });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_CONSTRAINT_VIOLATED',
        message:
          "Input 'env' has constraints, so its value cannot be the run-time function 'get_secret', which is known only when a workflow runs.",
      },
    ]);
    expect(JSON.stringify(result.diagnostics)).not.toContain('db_password');
  });
});

describe('functions in input values', () => {
  it('evaluates defaults that use other inputs, in any declaration order', async () => {
    const body = `
inputs:
  url:
    default: {concat: ['http://', {get_input: host}, ':', {get_input: port}]}
  host: {default: localhost}
  port: {type: integer, default: 80}
  settings:
    default: {merge: [{get_input: base}, {port: {get_input: port}}]}
  base: {default: {host: h, port: 1}}
  first_host: {default: {get_input: [hosts, 0, name]}}
  hosts: {default: [{name: a}, {name: b}]}
`;
    expect(await inputsOf(body, { port: 8080 })).toEqual({
      url: 'http://localhost:8080',
      host: 'localhost',
      port: 8080,
      settings: { host: 'h', port: 8080 },
      base: { host: 'h', port: 1 },
      first_host: 'a',
      hosts: [{ name: 'a' }, { name: 'b' }],
    });
  });

  it('evaluates functions in given values too, and keeps run-time ones', async () => {
    const body = `
inputs:
  a: {}
  b: {default: 2}
  password: {}
`;
    expect(
      await inputsOf(body, {
        a: { get_input: 'b' },
        password: { get_secret: { concat: ['db_', { get_input: 'b' }] } },
      }),
    ).toEqual({ a: 2, b: 2, password: { get_secret: 'db_2' } });
  });

  it('checks the type of the evaluated value', async () => {
    const result = await prepare(
      `
inputs:
  n: {type: integer, default: {concat: [1, 2]}}
`,
    );
    expect(errors(result)).toEqual([
      {
        code: 'DSL_TYPE_MISMATCH',
        message: `The value of input 'n' must be of type 'integer', but it is a string ("12").`,
      },
    ]);
  });

  it('reports inputs that refer to each other in a cycle', async () => {
    const result = await prepare(`inputs:\n  a: {}\n  b: {}\n`, {
      inputs: { a: { get_input: 'b' }, b: { concat: [{ get_input: 'a' }] } },
    });
    expect(errors(result)).toEqual([
      {
        code: 'DSL_FUNCTION_CYCLE',
        message:
          "In input 'b': values refer to each other in a cycle: input 'a' → input 'b' → input 'a'.",
      },
    ]);
  });

  it('reports a cycle among defaults of a plan built by hand', async () => {
    const plan = await planOf(`inputs:\n  a: {default: 1}\n  b: {default: {get_input: a}}\n`);
    const looped: Plan = {
      ...plan,
      inputs: { ...plan.inputs, a: { required: true, default: { get_input: 'b' } } },
    };
    const result = prepareDeployment(looped);
    expect(errors(result).map((e) => e.code)).toEqual(['DSL_FUNCTION_CYCLE']);
  });

  it('does not repeat a missing input through the defaults that use it', async () => {
    const result = await prepare(`
inputs:
  a: {}
  b: {default: {get_input: a}}
  c: {default: {concat: [{get_input: b}, x]}}
`);
    expect(errors(result)).toEqual([
      {
        code: 'DSL_INPUT_MISSING',
        message: "Input 'a' is required, but no value was given and it has no default.",
      },
    ]);
  });
});

describe('auto-correcting input types', () => {
  const body = `
inputs:
  i: {type: integer, required: false}
  f: {type: float, required: false}
  b: {type: boolean, required: false}
  s: {type: string, required: false}
`;

  it('casts strings that read as the declared type, given or default', async () => {
    expect(
      await inputsOf(body, { i: '80', f: '1.5', b: 'true', s: '42' }, { autoCorrectTypes: true }),
    ).toEqual({ i: 80, f: 1.5, b: true, s: '42' });
    expect(
      await inputsOf(body, { i: '1_000', f: '2', b: 'false' }, { autoCorrectTypes: true }),
    ).toEqual({ i: 1000, f: 2, b: false, s: null });
  });

  it('leaves strings that do not read as the type, which then fail the type check', async () => {
    const result = await prepare(body, {
      inputs: { i: '12.5', b: 'yes' },
      autoCorrectTypes: true,
    });
    expect(errors(result).map((e) => e.message)).toEqual([
      `The value of input 'i' must be of type 'integer', but it is a string ("12.5").`,
      `The value of input 'b' must be of type 'boolean', but it is a string ("yes").`,
    ]);
  });

  it('does not cast without the option', async () => {
    const result = await prepare(body, { inputs: { i: '80' } });
    expect(errors(result).map((e) => e.code)).toEqual(['DSL_TYPE_MISMATCH']);
  });

  it.each<[PlanValue, string | undefined, PlanValue]>([
    [' 42 ', 'integer', 42],
    ['-7', 'integer', -7],
    ['+7', 'integer', 7],
    ['4_2', 'integer', 42],
    ['_42', 'integer', '_42'],
    ['4.0', 'integer', '4.0'],
    ['1e3', 'float', 1000],
    ['.5', 'float', 0.5],
    ['5.', 'float', 5],
    ['inf', 'float', 'inf'],
    ['True', 'boolean', 'True'],
    ['true', 'boolean', true],
    ['42', 'string', '42'],
    ['42', undefined, '42'],
    [42, 'integer', 42],
  ])('castToType(%j, %s) is %j', (value, type, expected) => {
    expect(castToType(value, type)).toEqual(expected);
  });
});
