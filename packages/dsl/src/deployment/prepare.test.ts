import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as frontDoor from '@cairn/dsl';
import { ALL_DIAGNOSTIC_CODES } from '../diagnostics/codes.js';
import type { Plan, PlanValue } from '../plan/plan-types.js';
import { parseText } from '../../test/helpers.js';
import { prepareDeployment } from './prepare.js';

const BODY = `
plugins:
  p: {executor: central_deployment_agent, install: false}
node_types:
  t.Node:
    derived_from: cloudify.nodes.Root
    properties:
      a: {required: false}
      b: {required: false}
inputs:
  count: {type: integer, default: 2}
  name: {type: string, default: web}
  cfg: {required: false}
node_templates:
  vm:
    type: cloudify.nodes.Compute
    capabilities:
      scalable:
        properties: {default_instances: {get_input: count}}
  app:
    type: t.Node
    properties:
      a: {concat: [{get_input: name}, '-', {get_input: count}]}
      b: {get_input: cfg}
    interfaces:
      cloudify.interfaces.lifecycle:
        configure:
          implementation: p.tasks.configure
          inputs:
            label: {get_property: [SELF, a]}
    relationships:
      - {type: cloudify.relationships.contained_in, target: vm}
outputs:
  label: {value: {get_property: [app, a]}}
`;

async function plan(): Promise<Plan> {
  const parsed = await parseText(BODY);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return parsed.plan as Plan;
}

describe('prepareDeployment', () => {
  it('is exported from the package front door', () => {
    expect(frontDoor.prepareDeployment).toBe(prepareDeployment);
  });

  it('returns the evaluated plan, the inputs and the node instances', async () => {
    const result = prepareDeployment(await plan(), { seed: 1, inputs: { name: 'api' } });
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([]);
    const deployment = result.deployment;
    expect(deployment?.inputs).toEqual({ count: 2, name: 'api', cfg: null });
    expect(deployment?.plan.outputs.label?.value).toBe('api-2');
    const app = deployment?.plan.nodes.find((n) => n.id === 'app');
    expect(app?.properties).toMatchObject({ a: 'api-2', b: null });
    expect(app?.operations.configure?.inputs).toEqual({ label: 'api-2' });
    expect(deployment?.node_instances.map((i) => i.node_id)).toEqual(['vm', 'app', 'vm', 'app']);
  });

  it('leaves the plan it was given untouched and shares nothing with it', async () => {
    const original = await plan();
    const before = JSON.stringify(original);
    const result = prepareDeployment(original, { seed: 1 });
    expect(JSON.stringify(original)).toBe(before);
    const prepared = result.deployment?.plan as Plan;
    (prepared.nodes[0]?.type_hierarchy as string[]).push('changed');
    (prepared.version.definitions_version as unknown as number[])[0] = 9;
    expect(JSON.stringify(original)).toBe(before);
  });

  it('returns plain JSON data', async () => {
    const result = prepareDeployment(await plan(), { seed: 1 });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('reports problems of every stage together, without positions, and no deployment', async () => {
    const result = prepareDeployment(await plan(), {
      inputs: { count: 'two', extra: 1, cfg: { get_input: 'nope' } },
    });
    expect(result.ok).toBe(false);
    expect(result.deployment).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual([
      'DSL_INPUT_UNKNOWN',
      'DSL_SCALING_BOUNDS',
      'DSL_TYPE_MISMATCH',
      'DSL_UNKNOWN_INPUT',
    ]);
    for (const d of result.diagnostics) {
      expect(d).toMatchObject({ severity: 'error', file: '', line: 0, column: 0 });
    }
  });

  it('never throws, whatever inputs it is given', async () => {
    const p = await plan();
    const codes = new Set<string>(ALL_DIAGNOSTIC_CODES);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('count', 'name', 'cfg', 'other'),
          fc.jsonValue() as fc.Arbitrary<PlanValue>,
        ),
        fc.boolean(),
        (inputs, autoCorrectTypes) => {
          const result = prepareDeployment(p, { inputs, autoCorrectTypes, seed: 1 });
          expect(result.ok).toBe(result.deployment !== undefined);
          for (const d of result.diagnostics) expect(codes.has(d.code)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary function calls in a hand-made plan', async () => {
    const p = await plan();
    const names = [
      'get_input',
      'get_property',
      'concat',
      'merge',
      'string_find',
      'string_replace',
      'string_split',
      'string_lower',
      'string_upper',
      'get_attribute',
      'get_secret',
    ];
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom<PlanValue>(
          'SELF',
          'app',
          'vm',
          'a',
          'b',
          'cfg',
          'count',
          0,
          -1,
          2,
          true,
          null,
        ),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.record({ k: tie('value') }),
        fc
          .tuple(fc.constantFrom(...names), tie('value'))
          .map(([name, args]) => ({ [name]: args }) as PlanValue),
      ),
    }));
    fc.assert(
      fc.property(value as fc.Arbitrary<PlanValue>, value as fc.Arbitrary<PlanValue>, (a, b) => {
        const changed: Plan = {
          ...p,
          nodes: p.nodes.map((n) =>
            n.id === 'app' ? { ...n, properties: { ...n.properties, a, b } } : n,
          ),
          inputs: { ...p.inputs, cfg: { required: false, default: b } },
        };
        const result = prepareDeployment(changed, { seed: 1 });
        expect(result.ok).toBe(result.deployment !== undefined);
      }),
      { numRuns: 300 },
    );
  });
});

describe('prepareDeployment with the source map of the parse', () => {
  const text = `
inputs:
  region:
    type: string
  settings:
    default: {a: 1}
node_templates:
  web:
    type: cloudify.nodes.Root
    properties:
      resource_id: { get_input: [settings, port] }
outputs:
  where:
    value: { get_input: [settings, missing] }
`;

  it('points input and function problems at their declarations', async () => {
    const parsed = await parseText(text);
    expect(parsed.ok).toBe(true);
    const result = prepareDeployment(parsed.plan as Plan, { sourceMap: parsed.sourceMap! });
    const found = result.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`);
    // parseText adds three lines (version and imports) before the text.
    expect(found).toEqual(
      expect.arrayContaining([
        'DSL_INPUT_MISSING /bp/blueprint.yaml:6:3',
        'DSL_FUNCTION_EVALUATION /bp/blueprint.yaml:11:3',
        'DSL_FUNCTION_EVALUATION /bp/blueprint.yaml:16:3',
      ]),
    );
  });

  it('has no positions without the source map', async () => {
    const parsed = await parseText(text);
    const result = prepareDeployment(parsed.plan as Plan);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => d.file === '' && d.line === 0)).toBe(true);
  });
});
