import { describe, expect, it } from 'vitest';
import { RuntimeEvaluationError } from '@cairn/dsl';
import type { NodeInstanceRecord } from '@cairn/store';
import { modelFromYaml } from '../testing/model-from-yaml.js';
import { evaluateAtRuntime } from './runtime-functions.js';

const BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  vm:
    type: cloudify.nodes.Compute
    properties: { ip: 10.0.0.5, agent_config: { install_method: none } }
  app:
    type: cloudify.nodes.WebServer
    properties: { port: 8080 }
    relationships: [{ type: cloudify.relationships.contained_in, target: vm }]
  db:
    type: cloudify.nodes.Root
    capabilities: { scalable: { properties: { default_instances: 2 } } }
  web:
    type: cloudify.nodes.Root
    relationships: [{ type: cloudify.relationships.connected_to, target: app }]
`;

function withProps(
  instance: NodeInstanceRecord,
  props: Record<string, unknown>,
): NodeInstanceRecord {
  return { ...instance, runtime_properties: props as NodeInstanceRecord['runtime_properties'] };
}

describe('run-time functions', () => {
  it('reads SELF, a node by name, SOURCE and TARGET, with paths into the value', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const [app] = model.instancesOf('app');
    const [web] = model.instancesOf('web');
    if (app === undefined || web === undefined) throw new Error('no instances');
    model.update([withProps(app, { endpoint: { urls: ['http://a', 'http://b'] } })]);
    const self = { self: model.instance(app.id) };
    expect(evaluateAtRuntime(model, { get_attribute: ['SELF', 'endpoint', 'urls', 1] }, self)).toBe(
      'http://b',
    );
    expect(evaluateAtRuntime(model, { get_attribute: ['app', 'endpoint', 'urls', 0] }, {})).toBe(
      'http://a',
    );
    const rel = { source: model.instance(web.id), target: model.instance(app.id) };
    expect(evaluateAtRuntime(model, { get_attribute: ['TARGET', 'port'] }, rel)).toBe(8080);
    expect(
      evaluateAtRuntime(
        model,
        {
          concat: [
            'port ',
            { get_attribute: ['TARGET', 'port'] },
            ' on ',
            { get_attribute: ['SOURCE', 'nothing'] },
          ],
        },
        rel,
      ),
    ).toBe('port 8080 on None');
  });

  it('walks up to the host for what the instance and its node lack (ip)', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const [app] = model.instancesOf('app');
    if (app === undefined) throw new Error('no app');
    expect(evaluateAtRuntime(model, { get_attribute: ['SELF', 'ip'] }, { self: app })).toBe(
      '10.0.0.5',
    );
    expect(
      evaluateAtRuntime(model, { get_attribute: ['SELF', 'unset'] }, { self: app }),
    ).toBeNull();
  });

  it('refuses a node name with several instances, as Cloudify does', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    expect(() => evaluateAtRuntime(model, { get_attribute: ['db', 'x'] }, {})).toThrow(
      'Unable to evaluate get_attribute function: More than one node instance found for node "db". Cannot resolve a node instance unambiguously.',
    );
    expect(() => evaluateAtRuntime(model, { get_attribute: ['nope', 'x'] }, {})).toThrow(
      RuntimeEvaluationError,
    );
    expect(() => evaluateAtRuntime(model, { get_attribute: ['SOURCE', 'x'] }, {})).toThrow(
      /SOURCE is not available here/,
    );
  });

  it('lists and maps attributes of every instance of a node', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const dbs = model.instancesOf('db');
    model.update(dbs.map((d, i) => withProps(d, { n: i })));
    expect(evaluateAtRuntime(model, { get_attributes_list: ['db', 'n'] }, {})).toEqual([0, 1]);
    expect(evaluateAtRuntime(model, { get_attributes_dict: ['db', 'n'] }, {})).toEqual(
      Object.fromEntries(dbs.map((d, i) => [d.id, i])),
    );
  });

  it('reads secrets from the secret source, and names a missing one without a value', async () => {
    const model = await modelFromYaml(BLUEPRINT);
    const secrets = { get: (key: string) => (key === 'token' ? { value: 's3cr3t' } : undefined) };
    expect(evaluateAtRuntime(model, { get_secret: ['token', 'value'] }, {}, { secrets })).toBe(
      's3cr3t',
    );
    expect(() => evaluateAtRuntime(model, { get_secret: 'missing' }, {}, { secrets })).toThrow(
      "Unable to evaluate get_secret function: no secret named 'missing'.",
    );
  });
});
