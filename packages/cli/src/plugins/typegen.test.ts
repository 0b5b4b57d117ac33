import { describe, expect, it } from 'vitest';
import { generatePluginTypes } from './typegen.js';

const YAML = `plugins:
  acme:
    executor: central_deployment_agent
    package_name: acme-plugin
data_types:
  acme.datatypes.Disk:
    description: A disk to attach.
    properties:
      size_gb: { type: integer }
      label: { type: string, required: false }
node_types:
  acme.nodes.Server:
    derived_from: cloudify.nodes.Compute
    properties:
      image: { type: string, description: The image to boot. }
      flavor: { type: string, default: small }
      disks: { type: list, item_type: acme.datatypes.Disk, default: [] }
      tags: { type: dict, required: false }
      note: { required: false }
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: acme.tasks.create
          inputs:
            wait: { type: boolean, default: true }
            zone: { type: string }
  acme.nodes.BigServer:
    derived_from: acme.nodes.Server
    properties:
      flavor: { type: string, default: large }
`;

describe('generatePluginTypes', () => {
  const { source, diagnostics } = generatePluginTypes(YAML, 'plugin.yaml');

  it('types data types, with optional only what is not required and has no default', () => {
    expect(diagnostics).toEqual([]);
    expect(source).toContain('export interface Disk {');
    expect(source).toContain('  readonly size_gb: number;');
    expect(source).toContain('  readonly label?: string;');
  });

  it("types a node type's properties, inherited ones included (built-in types too)", () => {
    expect(source).toContain('export interface ServerProperties {');
    expect(source).toMatch(/\/\*\* The image to boot\. \*\/\n {2}readonly image: string;/);
    expect(source).toContain('  readonly flavor: string;');
    expect(source).toContain('  readonly disks: Disk[];');
    expect(source).toContain('  readonly tags?: { [key: string]: JsonValue };');
    expect(source).toContain('  readonly note?: JsonValue;');
    // From cloudify.nodes.Compute and cloudify.nodes.Root:
    // A built-in data type is not generated: JsonValue.
    expect(source).toContain('  readonly agent_config: JsonValue;');
    expect(source).toContain('  readonly use_external_resource: boolean;');
    const big = source?.slice(source.indexOf('export interface BigServerProperties'));
    expect(big).toContain('  readonly image: string;');
    expect(big).toContain('Default: `"large"`.');
  });

  it("types an operation's inputs, inherited by derived types", () => {
    expect(source).toContain('export interface ServerCreateInputs {');
    expect(source).toContain('  readonly wait: boolean;');
    expect(source).toContain('  readonly zone: string;');
    expect(source).toContain('export interface BigServerCreateInputs {');
  });

  it('reports a YAML error with file, line and column, and writes nothing', () => {
    const bad = generatePluginTypes('node_types:\n  a: [\n', 'plugin.yaml');
    expect(bad.source).toBeUndefined();
    expect(bad.diagnostics[0]).toMatchObject({
      code: 'DSL_YAML_SYNTAX',
      file: 'plugin.yaml',
      line: 3,
    });
  });
});
