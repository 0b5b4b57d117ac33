/**
 * Generates the engine benchmark's blueprints: many node templates whose operations are mapped
 * to the no-op plugin (`bench/fixtures/noop-plugin`).
 *
 *   - `noop`: every node has create, configure and start (three operations); odd-numbered nodes
 *     depend on the node before them (`depends_on`), so half the subgraphs wait for another and
 *     the graph has edges;
 *   - `sleep`: independent nodes whose one operation (create) sleeps `seconds`;
 *   - `script`: independent nodes whose create, configure and start are each a one-line shell
 *     script run by the built-in script plugin (`SCRIPT_LINE`, written as `scripts/op.sh`).
 */

const HEADER = `tosca_definitions_version: cloudify_dsl_1_5

description: Cairn engine benchmark blueprint.

imports:
  - cloudify/types/types.yaml

plugins:
  bench:
    executor: central_deployment_agent
    install: false

node_types:
  bench.nodes.Noop:
    derived_from: cloudify.nodes.Root
    properties:
      label:
        type: string
        default: ''
    interfaces:
      cloudify.interfaces.lifecycle:
        create: bench.ops.noop
        configure: bench.ops.noop
        start: bench.ops.noop

  bench.nodes.Sleep:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: bench.ops.sleep
          inputs:
            seconds:
              default: 1

node_templates:
`;

/** How many operations each node of a shape runs on install. */
export const OPS_PER_NODE = { noop: 3, sleep: 1, script: 3 };

/** The `script` shape's operation: one line with one ctx call. */
export const SCRIPT_LINE = 'ctx logger info "$0 done"';

const SCRIPT_TYPES = `  bench.nodes.Scripted:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: scripts/create.sh
        configure: scripts/configure.sh
        start: scripts/start.sh

`;

/** The files of the `script` shape besides the blueprint: path → text. */
export const SCRIPT_FILES = Object.fromEntries(
  ['create', 'configure', 'start'].map((op) => [`scripts/${op}.sh`, `#!/bin/sh\n${SCRIPT_LINE}\n`]),
);

/**
 * The blueprint text.
 *
 * @param {number} nodes
 * @param {'noop' | 'sleep' | 'script'} shape
 * @param {{ seconds?: number }} [options]
 */
export function generateEngineBlueprint(nodes, shape, options = {}) {
  const parts = [
    shape === 'script'
      ? HEADER.replace('node_templates:\n', `${SCRIPT_TYPES}node_templates:\n`)
      : HEADER,
  ];
  for (let i = 0; i < nodes; i++) {
    if (shape === 'script') {
      parts.push(`  n${i}:\n    type: bench.nodes.Scripted\n`);
      continue;
    }
    if (shape === 'sleep') {
      parts.push(`  n${i}:\n    type: bench.nodes.Sleep\n`);
      if (options.seconds !== undefined) {
        parts.push(
          `    interfaces:\n      cloudify.interfaces.lifecycle:\n        create:\n` +
            `          implementation: bench.ops.sleep\n          inputs:\n` +
            `            seconds: ${options.seconds}\n`,
        );
      }
      continue;
    }
    parts.push(`  n${i}:\n    type: bench.nodes.Noop\n    properties:\n      label: node ${i}\n`);
    if (i % 2 === 1) {
      parts.push(
        `    relationships:\n      - type: cloudify.relationships.depends_on\n` +
          `        target: n${i - 1}\n`,
      );
    }
  }
  return parts.join('');
}
