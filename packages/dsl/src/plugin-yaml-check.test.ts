import { describe, expect, it } from 'vitest';
import { checkPluginYaml, mappedFunctions } from '@cairn/dsl';

const GOOD_YAML = `plugins:
  tiny:
    executor: central_deployment_agent
    package_name: tiny-plugin
    package_version: '1.0.0'
node_types:
  tiny.nodes.Thing:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: tiny.tasks.create
        delete: tiny.tasks.remove
`;

describe('checkPluginYaml', () => {
  it('finds nothing wrong with a good plugin YAML', async () => {
    const diagnostics = await checkPluginYaml(GOOD_YAML, 'bundle.tgz!plugin.yaml', 'tiny-plugin');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('points at the named file and line of a mistake', async () => {
    const yaml = GOOD_YAML.replace('cloudify.nodes.Root', 'cloudify.nodes.Nope');
    const diagnostics = await checkPluginYaml(yaml, 'bundle.tgz!plugin.yaml', 'tiny-plugin');
    expect(diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.column]))
      .toMatchInlineSnapshot(`
        [
          [
            "DSL_UNKNOWN_TYPE",
            "error",
            "bundle.tgz!plugin.yaml",
            8,
            19,
          ],
        ]
      `);
    expect(diagnostics[0]?.message).toContain('cloudify.nodes.Nope');
  });

  it('reads a suffixed file as a blueprint of its DSL version does', async () => {
    // A plugin's package_name and package_version, and dsl_definitions, need DSL 1_2.
    const yaml = `${GOOD_YAML}dsl_definitions:\n  shared: &shared {}\n`;
    const old = await checkPluginYaml(yaml, 'plugin_1_1.yaml', 'tiny-plugin');
    expect(old.map((d) => [d.code, d.file, d.line])).toMatchInlineSnapshot(`
      [
        [
          "DSL_FEATURE_VERSION",
          "plugin_1_1.yaml",
          4,
        ],
        [
          "DSL_FEATURE_VERSION",
          "plugin_1_1.yaml",
          5,
        ],
        [
          "DSL_FEATURE_VERSION",
          "plugin_1_1.yaml",
          13,
        ],
      ]
    `);
    expect(await checkPluginYaml(yaml, 'plugin_1_2.yaml', 'tiny-plugin')).toEqual([]);
  });
});

describe('mappedFunctions', () => {
  it("finds operation and workflow mappings to the plugin's own keys only", () => {
    const yaml = `plugins:
  tiny: {executor: central_deployment_agent}
node_types:
  tiny.nodes.Thing:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: tiny.tasks.create
        configure: {implementation: other.tasks.configure, inputs: {}}
        start: scripts/start.sh
        stop: script.script_runner.tasks.run
        delete: tiny.tasks.create
relationships:
  tiny.relationships.Uses:
    derived_from: cloudify.relationships.depends_on
    source_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure: tiny.links.source
    target_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        establish: {implementation: tiny.links.target}
workflows:
  heal: tiny.workflows.heal
  scale: {mapping: tiny.workflows.scale, parameters: {}}
  elsewhere: third.workflows.run
  bare: tiny.
`;
    expect(mappedFunctions(yaml)).toEqual([
      'links.source',
      'links.target',
      'tasks.create',
      'workflows.heal',
      'workflows.scale',
    ]);
  });

  it('maps nothing from a YAML without plugins, or text that is not YAML', () => {
    expect(mappedFunctions('node_types: {}\nworkflows: {heal: tiny.heal}\n')).toEqual([]);
    expect(mappedFunctions('plugins: [\n')).toEqual([]);
  });
});
