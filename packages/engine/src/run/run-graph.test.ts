import { describe, expect, it } from 'vitest';
import type { Executor, OperationRequest } from '../executor/executor.js';
import { TaskGraph } from '../graph/task-graph.js';
import { MemoryStore } from '../testing/memory-store.js';
import { modelFromYaml } from '../testing/model-from-yaml.js';
import { addInstall } from '../workflows/lifecycle.js';
import { runGraph } from './run-graph.js';
import { RunState } from './run-state.js';

const BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
plugins: { p: { executor: central_deployment_agent, install: false } }
node_types:
  T:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle: { create: p.m.create, start: p.m.start }
node_templates:
  a: { type: T }
  b: { type: T }
  c: { type: T }
  d:
    type: T
    relationships: [{ type: cloudify.relationships.depends_on, target: a }]
`;

/** Runs the install graph of BLUEPRINT; returns what ran, in order, and the most at once. */
async function install(parallelism: number): Promise<{ ran: string[]; most: number }> {
  const model = await modelFromYaml(BLUEPRINT);
  const ran: string[] = [];
  let running = 0;
  let most = 0;
  const executor: Executor = {
    run: async (request: OperationRequest) => {
      ran.push(`${request.node?.id ?? '?'} ${request.operation.name.split('.').pop() ?? ''}`);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return { status: 'succeeded', result: null, runtime_properties: {} };
    },
    close: () => Promise.resolve(),
  };
  const graph = new TaskGraph();
  addInstall(graph, model, model.allInstances());
  const run = new RunState({
    store: new MemoryStore(model.allInstances()),
    executor,
    model,
    scope: {
      execution_id: 'ex',
      deployment_id: 'dep',
      blueprint_id: 'bp',
      workflow_id: 'install',
      tenant: 'default_tenant',
    },
    settings: { task_retries: 0, task_retry_interval: 0, subgraph_retries: 0, parallelism },
    resourcesPath: '/',
    workdirRoot: '/tmp',
    tasks: [],
    cancelSignal: new AbortController().signal,
    forceSignal: new AbortController().signal,
  });
  const result = await runGraph(graph, run);
  expect(result).toMatchObject({ status: 'terminated', error: '' });
  expect(model.allInstances().map((i) => i.state)).toEqual([
    'started',
    'started',
    'started',
    'started',
  ]);
  return { ran, most };
}

describe('runGraph', () => {
  it('runs independent subgraphs side by side, a dependent one after its target', async () => {
    const { ran, most } = await install(50);
    expect(ran.slice(0, 3).sort()).toEqual(['a create', 'b create', 'c create']);
    expect(ran.indexOf('d create')).toBeGreaterThan(ran.indexOf('a start'));
    expect(most).toBe(3);
  });

  it('runs at most `parallelism` tasks at once', async () => {
    const { ran, most } = await install(2);
    expect(ran).toHaveLength(8);
    expect(most).toBe(2);
    expect(ran.indexOf('d create')).toBeGreaterThan(ran.indexOf('a start'));
  });
});
