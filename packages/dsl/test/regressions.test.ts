/**
 * Regressions: crashes and wrong results found by fuzzing (fuzz.test.ts, scripts/fuzz.js) and by
 * the benchmark (bench/). Each test names the input that used to fail.
 */
import { describe, expect, it } from 'vitest';
import { prepareDeployment } from '@cairn/dsl';
import { brief, errorCodes, parseFiles, parseText } from './helpers.js';

describe('regressions found by fuzzing', () => {
  it('takes Object.prototype names as unknown sections, not as section rules', async () => {
    // `toString:` used to crash (versionRank on a function); `__proto__:` was silently ignored.
    for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const result = await parseText(`${key}:\n  a: 1\n`);
      expect(brief(result.diagnostics), key).toEqual(['DSL_UNKNOWN_KEY 4:1']);
    }
  });

  it('takes Object.prototype names as unknown keys of a definition', async () => {
    // 'constructor' used to be checked against Object's constructor: "must be undefined".
    const result = await parseText(
      [
        'data_types:',
        '  my.Data:',
        '    constructor: 1',
        '    properties:',
        '      a: {type: integer, default: 1, toString: x}',
      ].join('\n'),
    );
    expect(brief(result.diagnostics)).toEqual(['DSL_UNKNOWN_KEY 6:5', 'DSL_UNKNOWN_KEY 8:38']);
    for (const d of result.diagnostics) expect(d.message).not.toContain('undefined');
  });

  it('rejects get_sys with an Object.prototype name (allowed.includes is not a function)', async () => {
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const result = await parseText(`inputs:\n  region:\n    default: {get_sys: [${key}, x]}\n`);
      expect(brief(result.diagnostics), key).toEqual(['DSL_FUNCTION_ARGUMENTS 6:24']);
    }
  });

  it('stops a file that imports itself under a namespace (ns--ns--… never ended)', async () => {
    const result = await parseFiles({
      'blueprint.yaml': [
        'tosca_definitions_version: cloudify_dsl_1_5',
        'imports:',
        '  - cloudify/types/types.yaml',
        '  - lib--lib.yaml',
      ].join('\n'),
      'lib.yaml': ['imports:', '  - again--lib.yaml', '  - back--blueprint.yaml'].join('\n'),
    });
    expect(result.ok).toBe(true);
    expect(brief(result.diagnostics, true)).toEqual([
      'DSL_IMPORT_CYCLE 2:5',
      'DSL_IMPORT_CYCLE 3:5',
    ]);
    expect(result.diagnostics.map((d) => d.file)).toEqual(['/bp/lib.yaml', '/bp/lib.yaml']);
  });

  it('stops a blueprint import that imports the same blueprint again', async () => {
    const result = await parseFiles(
      {
        'blueprint.yaml': [
          'tosca_definitions_version: cloudify_dsl_1_5',
          'imports:',
          '  - cloudify/types/types.yaml',
          '  - other--blueprint:other',
        ].join('\n'),
        'other.yaml': [
          'tosca_definitions_version: cloudify_dsl_1_5',
          'imports:',
          '  - other--blueprint:other',
        ].join('\n'),
      },
      { blueprints: { other: 'other.yaml' } },
    );
    expect(brief(result.diagnostics, true)).toEqual(['DSL_IMPORT_CYCLE 3:5']);
    expect(result.diagnostics[0]?.file).toBe('/bp/other.yaml');
  });

  it('reports a data type that contains itself through its defaults (stack overflow)', async () => {
    const selfNoDefault = await parseText(
      ['data_types:', '  Node:', '    properties:', '      next:', '        type: Node'].join('\n'),
    );
    expect(brief(selfNoDefault.diagnostics)).toEqual(['DSL_TYPE_MISMATCH 8:9']);

    const selfWithDefault = await parseText(
      [
        'data_types:',
        '  Node:',
        '    properties:',
        '      size: {type: integer, default: 1}',
        '      next: {type: Node, default: {size: 2}}',
      ].join('\n'),
    );
    expect(brief(selfWithDefault.diagnostics)).toEqual(['DSL_TYPE_MISMATCH 8:35']);

    const mutual = await parseText(
      [
        'data_types:',
        '  A:',
        '    properties:',
        '      b: {type: B}',
        '  B:',
        '    properties:',
        '      a: {type: A}',
      ].join('\n'),
    );
    expect(mutual.ok).toBe(false);
    expect(new Set(mutual.diagnostics.map((d) => d.code))).toEqual(new Set(['DSL_TYPE_MISMATCH']));
  });

  it('still fills in nested data types that do not contain themselves', async () => {
    const result = await parseText(
      [
        'data_types:',
        '  Inner:',
        '    properties:',
        '      n: {type: integer, default: 1}',
        '  Outer:',
        '    properties:',
        '      first: {type: Inner}',
        '      second: {type: Inner, default: {n: 2}}',
        'node_types:',
        '  T:',
        '    derived_from: cloudify.nodes.Root',
        '    properties:',
        '      o: {type: Outer}',
        'node_templates:',
        '  t:',
        '    type: T',
        '    properties:',
        '      o: {first: {n: 3}}',
      ].join('\n'),
    );
    expect(brief(result.diagnostics, true)).toEqual([]);
    expect(result.plan?.nodes[0]?.properties.o).toEqual({ first: { n: 3 }, second: { n: 2 } });
  });
});

describe('regressions found by the benchmark', () => {
  it('gives each Compute host the host_agent plugins of the nodes it contains', async () => {
    // assignPlugins scanned every node for every Compute node (quadratic); now grouped by host.
    const result = await parseText(
      [
        'plugins:',
        '  agent_side: {executor: host_agent, install: false}',
        '  central: {executor: central_deployment_agent, install: false}',
        'node_templates:',
        '  vm1: {type: cloudify.nodes.Compute, properties: {agent_config: {install_method: none}}}',
        '  vm2: {type: cloudify.nodes.Compute, properties: {agent_config: {install_method: none}}}',
        '  app1:',
        '    type: cloudify.nodes.Root',
        '    interfaces: {cloudify.interfaces.lifecycle: {create: agent_side.x.y}}',
        '    relationships: [{type: cloudify.relationships.contained_in, target: vm1}]',
        '  app2:',
        '    type: cloudify.nodes.Root',
        '    interfaces: {cloudify.interfaces.lifecycle: {create: central.x.y}}',
        '    relationships: [{type: cloudify.relationships.contained_in, target: vm2}]',
      ].join('\n'),
    );
    expect(brief(result.diagnostics)).toEqual([]);
    const nodes = new Map(result.plan?.nodes.map((n) => [n.id, n]));
    const toInstall = (id: string) => nodes.get(id)?.plugins_to_install?.map((p) => p.name);
    expect(toInstall('vm1')).toContain('agent_side');
    expect(toInstall('vm2')).not.toContain('agent_side');
    expect(toInstall('vm2')).not.toContain('central');
    expect(nodes.get('app1')?.host_id).toBe('vm1');
  });
});

describe('found by fuzzing (second round)', () => {
  it('keeps a syntax error inside a file that js-yaml ends with a newline', async () => {
    const result = await parseText('[<<: ', true);
    const d = result.diagnostics[0]!;
    expect(d.code).toBe('DSL_YAML_SYNTAX');
    expect(d.line).toBe(1);
    expect(d.column).toBeLessThanOrEqual(6);
  });

  it.each(['constructor', 'toString', '__proto__'])(
    'rejects %s as a constraint operator',
    async (name) => {
      const result = await parseText(
        `inputs:\n  x:\n    type: integer\n    constraints:\n      - ${name}: 1\n`,
      );
      expect(errorCodes(result)).toEqual(['DSL_CONSTRAINT_INVALID']);
    },
  );
});

describe('operations shared between templates of one type', () => {
  const text = `
plugins:
  p: { executor: central_deployment_agent, install: false }
node_types:
  t.App:
    derived_from: cloudify.nodes.Root
    properties:
      settings: { type: dict, default: {} }
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: p.app.create
          inputs:
            key:
              default: { get_property: [SELF, settings, key] }
node_templates:
  good:
    type: t.App
    properties:
      settings: { key: 1 }
  bad:
    type: t.App
    properties:
      settings: { other: 1 }
  also_bad:
    type: t.App
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          max_retries: 2
`;

  it('still checks get_property paths of a shared operation for every template', async () => {
    const result = await parseText(text);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual([
      'DSL_UNKNOWN_PROPERTY_PATH',
      'DSL_UNKNOWN_PROPERTY_PATH',
    ]);
    expect(errors.map((d) => /node template '(\w+)'/.exec(d.message)?.[1]).sort()).toEqual([
      'also_bad',
      'bad',
    ]);
  });

  it('shares the operation objects of templates that do not override them', async () => {
    const result = await parseText(
      text
        .replace('settings: { other: 1 }', 'settings: { key: 2 }')
        .replace('max_retries: 2', 'max_retries: 2\n    properties:\n      settings: { key: 3 }'),
    );
    expect(result.ok).toBe(true);
    const [good, bad, alsoBad] = result.plan!.nodes;
    expect(good!.operations['cloudify.interfaces.lifecycle.create']).toBe(
      bad!.operations['cloudify.interfaces.lifecycle.create'],
    );
    expect(alsoBad!.operations['cloudify.interfaces.lifecycle.create']?.max_retries).toBe(2);
    expect(good!.operations['cloudify.interfaces.lifecycle.create']?.max_retries).toBeNull();
  });
});

describe('an operation named __proto__', () => {
  it('is an ordinary operation of the plan, not a prototype', async () => {
    const text = `
plugins:
  p: { executor: central_deployment_agent, install: false }
node_types:
  t.T:
    derived_from: cloudify.nodes.Root
    interfaces:
      custom:
        __proto__: p.m.f
node_templates:
  a: { type: t.T }
  b:
    type: t.T
    interfaces:
      custom:
        __proto__: p.m.g
`;
    const result = await parseText(text);
    expect(result.ok).toBe(true);
    const [a, b] = result.plan!.nodes;
    // Nothing is inherited: neither Object's members nor a prototype taken from the key.
    expect('toString' in a!.operations).toBe(false);
    expect(Object.hasOwn(a!.operations, '__proto__')).toBe(true);
    expect(Object.keys(a!.operations)).toContain('__proto__');
    const roundTrip = JSON.parse(JSON.stringify(b!.operations)) as Record<
      string,
      { operation: string }
    >;
    expect(roundTrip['custom.__proto__']?.operation).toBe('m.g');
    expect(Object.hasOwn(b!.operations, '__proto__')).toBe(true);
  });
});

describe('constraint messages', () => {
  it('cut long lists short and point at valid values with stray characters', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `'region${i},'`).join(', ');
    const result = await parseText(
      `inputs:\n  region:\n    type: string\n    default: region3\n    constraints:\n      - valid_values: [${values}]\n`,
    );
    const d = result.diagnostics.find((x) => x.code === 'DSL_CONSTRAINT_VIOLATED')!;
    expect(d.message).toContain('… 20 values in all');
    expect(d.message).not.toContain('region19');
    expect(d.message).toContain('the valid value "region3," has stray characters');
  });
});

describe('hints in import and type messages', () => {
  it('names the places an import rule made it try', async () => {
    const result = await parseFiles(
      {
        'bp.yaml':
          'tosca_definitions_version: cloudify_dsl_1_5\nimports:\n  - https://example.invalid/t.yaml\n',
      },
      { importRules: [{ prefix: 'https://example.invalid/', replacement: 'file:///vendor/' }] },
    );
    const d = result.diagnostics.find((x) => x.severity === 'error')!;
    expect(d.message).toContain('tried file:///vendor/t.yaml');
  });

  it('suggests the namespaced name of a type from a namespaced import', async () => {
    const result = await parseFiles({
      'bp.yaml': `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - net--lib.yaml
node_templates:
  n: { type: my.Server }
`,
      'lib.yaml': 'node_types:\n  my.Server: { derived_from: cloudify.nodes.Root }\n',
    });
    const d = result.diagnostics.find((x) => x.code === 'DSL_UNKNOWN_TYPE')!;
    expect(d.message).toContain("Did you mean 'net--my.Server'");
  });
});

describe('deep structures', () => {
  const chain = (n: number, line: (i: number) => string): string =>
    Array.from({ length: n }, (_, i) => line(i)).join('\n');

  it('plans a 5,000-deep containment chain without exhausting the stack', async () => {
    const text = `node_templates:\n  n0: {type: cloudify.nodes.Compute}\n${chain(4999, (i) => `  n${i + 1}: {type: cloudify.nodes.Root, relationships: [{type: cloudify.relationships.contained_in, target: n${i}}]}`)}\n`;
    const parsed = await parseText(text);
    expect(parsed.ok).toBe(true);
    expect(parsed.plan!.nodes[4999]!.host_id).toBe('n0');
    const prepared = prepareDeployment(parsed.plan!, { seed: 1 });
    expect(prepared.ok).toBe(true);
    const last = prepared.deployment!.node_instances.at(-1)!;
    expect(last.node_id).toBe('n4999');
    expect(last.host_id).toBe(prepared.deployment!.node_instances[0]!.id);
  }, 60_000);

  it('resolves a 3,000-long derived_from chain', async () => {
    const text = `node_types:\n  t0: {derived_from: cloudify.nodes.Root}\n${chain(2999, (i) => `  t${i + 1}: {derived_from: t${i}}`)}\nnode_templates:\n  x: {type: t2999}\n`;
    const parsed = await parseText(text);
    expect(parsed.ok).toBe(true);
    expect(parsed.plan!.nodes[0]!.type_hierarchy).toHaveLength(3001);
  }, 60_000);

  it('stops a long get_property chain at the evaluation limit with a diagnostic', async () => {
    const text = `node_templates:\n  n0: {type: cloudify.nodes.Root, properties: {resource_id: x}}\n${chain(99, (i) => `  n${i + 1}: {type: cloudify.nodes.Root, properties: {resource_id: {get_property: [n${i}, resource_id]}}}`)}\n`;
    const parsed = await parseText(text);
    expect(parsed.ok).toBe(true);
    const prepared = prepareDeployment(parsed.plan!, { sourceMap: parsed.sourceMap! });
    expect(prepared.ok).toBe(false);
    expect(prepared.diagnostics.map((d) => d.code)).toContain('DSL_FUNCTION_EVALUATION');
  });
});

describe('nesting', () => {
  it('reads values nested 400 levels deep and refuses 600 with a clear message', async () => {
    const nested = (d: number): string => `${'{a: '.repeat(d)}1${'}'.repeat(d)}`;
    expect((await parseText(`inputs:\n  x:\n    default: ${nested(400)}\n`)).ok).toBe(true);
    const deep = await parseText(`inputs:\n  x:\n    default: ${nested(600)}\n`);
    expect(errorCodes(deep)).toEqual(['DSL_YAML_SYNTAX']);
    expect(deep.diagnostics[0]!.message).toContain('nest more than 500 levels');
  });
});
