/**
 * Generates large, realistic blueprints for the parser benchmark: node types deriving from the
 * built-in types, data types, a plugin declared in the blueprint, operations mapped to it,
 * inputs, intrinsic functions in properties and operation inputs, and outputs.
 *
 * Two shapes:
 *   - flat: independent node templates (no relationships);
 *   - tree: node i depends on node floor((i - 1) / fanOut), a deep and wide relationship graph.
 */

/** The fan-out of the `tree` shape. */
export const TREE_FAN_OUT = 3;

const HEADER = `tosca_definitions_version: cloudify_dsl_1_5

description: >-
  Cairn parser benchmark blueprint.

imports:
  - cloudify/types/types.yaml

inputs:
  region:
    type: string
    default: eu-west-1
  image_id:
    type: string
    default: ami-0123456789abcdef0
  app_port:
    type: integer
    default: 8080
    constraints:
      - in_range: [1, 65535]
  environment:
    type: string
    default: staging
    constraints:
      - valid_values: [dev, staging, production]
  db_password:
    type: string
    default: not-a-secret
  tags:
    type: dict
    default:
      team: platform
      cost_center: '1234'

plugins:
  bench:
    executor: central_deployment_agent
    package_name: cairn-bench-plugin
    package_version: '1.0.0'
    install: false

data_types:
  bench.datatypes.Resources:
    properties:
      cpus:
        type: integer
        default: 1
      memory_mb:
        type: integer
        default: 512
      disk_gb:
        type: float
        default: 10.0
      labels:
        type: dict
        default: {}

  bench.datatypes.Endpoint:
    properties:
      host:
        type: string
      port:
        type: integer
        default: 80
      secure:
        type: boolean
        default: false
      path:
        type: string
        default: /

node_types:
  bench.nodes.Server:
    derived_from: cloudify.nodes.Compute
    properties:
      image:
        type: string
      region:
        type: string
        default: eu-west-1
      resources:
        type: bench.datatypes.Resources
      user_data:
        type: string
        default: ''
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: bench.bench_plugin.server.create
          inputs:
            image:
              type: string
              default: { get_property: [SELF, image] }
            region:
              type: string
              default: { get_property: [SELF, region] }
        start: bench.bench_plugin.server.start
        stop: bench.bench_plugin.server.stop
        delete:
          implementation: bench.bench_plugin.server.delete
          max_retries: 3
          retry_interval: 10

  bench.nodes.Service:
    derived_from: cloudify.nodes.Root
    properties:
      service_name:
        type: string
      endpoint:
        type: bench.datatypes.Endpoint
      replicas:
        type: integer
        default: 1
      settings:
        type: dict
        default: {}
    interfaces:
      cloudify.interfaces.lifecycle:
        create: bench.bench_plugin.service.create
        configure:
          implementation: bench.bench_plugin.service.configure
          inputs:
            url:
              default:
                concat:
                  - { get_property: [SELF, endpoint, host] }
                  - ':'
                  - { get_property: [SELF, endpoint, port] }
        start: bench.bench_plugin.service.start
        delete: bench.bench_plugin.service.delete
      bench.interfaces.monitoring:
        check:
          implementation: bench.bench_plugin.service.check
          inputs:
            interval:
              type: integer
              default: 30

  bench.nodes.Database:
    derived_from: bench.nodes.Service
    properties:
      engine:
        type: string
        default: postgresql
      storage_gb:
        type: integer
        default: 20

relationships:
  bench.relationships.depends_on_configured:
    derived_from: cloudify.relationships.depends_on
    source_interfaces:
      cloudify.interfaces.relationship_lifecycle:
        preconfigure:
          implementation: bench.bench_plugin.relationship.preconfigure
          inputs:
            target_ip:
              default: { get_attribute: [TARGET, ip] }
`;

/**
 * One node template. `parent` is the node it depends on (tree shape) or undefined; `neighbour`
 * is another node whose properties it reads (never creating a cycle: always an earlier node).
 */
function nodeTemplate(i, parent) {
  const name = `node_${i}`;
  const neighbour = i > 0 ? `node_${i - 1}` : undefined;
  const lines = [`  ${name}:`];
  const kind = i % 3;
  if (kind === 0) {
    lines.push(
      '    type: bench.nodes.Server',
      '    properties:',
      '      image: { get_input: image_id }',
      '      region: { get_input: region }',
      '      agent_config:',
      '        install_method: none',
      '      resources:',
      `        cpus: ${1 + (i % 4)}`,
      `        memory_mb: ${512 * (1 + (i % 8))}`,
      '        labels:',
      '          environment: { get_input: environment }',
      `          index: '${i}'`,
      `      user_data: { concat: ['#!/bin/sh\\necho ', '${name}', ' ', { get_input: region }] }`,
      '    interfaces:',
      '      cloudify.interfaces.lifecycle:',
      '        configure:',
      '          implementation: bench.bench_plugin.server.configure',
      '          inputs:',
      '            ip: { get_attribute: [SELF, ip] }',
      `            name: ${name}`,
    );
  } else if (kind === 1) {
    lines.push(
      '    type: bench.nodes.Service',
      '    properties:',
      `      service_name: { concat: [svc-, { get_input: environment }, '-${i}'] }`,
      '      endpoint:',
      `        host: ${name}.internal`,
      '        port: { get_input: app_port }',
      `        secure: ${i % 2 === 0 ? 'true' : 'false'}`,
      `      replicas: ${1 + (i % 3)}`,
      '      settings:',
      '        tags: { get_input: tags }',
      neighbour === undefined
        ? '        upstream: none'
        : `        upstream: { get_property: [${neighbour}, resources, cpus] }`,
      '    interfaces:',
      '      cloudify.interfaces.lifecycle:',
      '        start:',
      '          inputs:',
      '            public_ip: { get_attribute: [SELF, public_ip] }',
      '            port: { get_property: [SELF, endpoint, port] }',
    );
  } else {
    lines.push(
      '    type: bench.nodes.Database',
      '    properties:',
      `      service_name: db-${i}`,
      '      endpoint:',
      `        host: { concat: [db-, '${i}', ., { get_input: region }, .internal] }`,
      '        port: 5432',
      `      engine: ${i % 2 === 0 ? 'postgresql' : 'mysql'}`,
      `      storage_gb: ${10 + (i % 50)}`,
      '      settings:',
      '        password: { get_input: db_password }',
      neighbour === undefined
        ? '        peer: none'
        : `        peer: { get_property: [${neighbour}, endpoint, host] }`,
    );
  }
  if (parent !== undefined) {
    const type =
      i % 5 === 0
        ? 'bench.relationships.depends_on_configured'
        : 'cloudify.relationships.depends_on';
    lines.push('    relationships:', `      - type: ${type}`, `        target: node_${parent}`);
  }
  return lines.join('\n');
}

/**
 * The text of a benchmark blueprint.
 * @param {number} count number of node templates
 * @param {'flat' | 'tree'} shape
 * @returns {string}
 */
export function generateBlueprint(count, shape) {
  const parts = [HEADER, 'node_templates:'];
  for (let i = 0; i < count; i++) {
    const parent = shape === 'tree' && i > 0 ? Math.floor((i - 1) / TREE_FAN_OUT) : undefined;
    parts.push(nodeTemplate(i, parent));
  }
  const last = count - 1;
  parts.push(
    '',
    'outputs:',
    '  first_server_ip:',
    '    description: IP of the first server.',
    '    value: { get_attribute: [node_0, ip] }',
    '  last_node:',
    `    value: { concat: [node_, '${last}', ' in ', { get_input: region }] }`,
    '  service_endpoint:',
    '    value:',
    '      host: { get_property: [node_1, endpoint, host] }',
    '      port: { get_property: [node_1, endpoint, port] }',
    '  environment:',
    '    value: { get_input: environment }',
    '',
  );
  return parts.join('\n');
}
