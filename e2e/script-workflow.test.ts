/**
 * Workflows mapped to Python scripts (`workflows: {w: {mapping: scripts/w.py}}`), run by the
 * built-in script plugin's `execute_workflow` in a real worker: the script drives the workflow
 * with Cairn's `cloudify.workflows` (ctx, parameters, tasks, graphs), and the graphs it builds
 * run on the engine's scheduler, with script operations in their own workers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@cairn/engine';
import { createLocalExecutor, type LocalExecutor } from '@cairn/plugin-host';
import { createSqliteStore, type NodeInstanceRecord, type Store } from '@cairn/store';
import { deployBlueprint, scriptPlugin, writeFolder } from './helpers/deploy.js';

const SCRIPT_PLUGIN = scriptPlugin();

let dir: string;
let log: string;
let store: Store;
let executor: LocalExecutor;
let engine: Engine;

/** An operation script that appends `<instance> <operation> <by>` to the log. */
const RECORD = (logFile: string): string => `#!/bin/bash
echo "$(ctx instance id) $(ctx operation name) \${by:--}" >> "${logFile}"
`;

/** The blueprint: `db` (one instance) and three `web` instances connected to it. */
const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_4
imports:
  - cloudify/types/types.yaml

node_types:
  test.Db:
    derived_from: cloudify.nodes.Root
    interfaces:
      custom.ops:
        ping: scripts/ping.sh
        fail:
          implementation: scripts/fail.sh
          max_retries: 0
  test.Web:
    derived_from: cloudify.nodes.Root
    properties:
      port:
        default: 80
    interfaces:
      cloudify.interfaces.lifecycle:
        start: scripts/record.sh
        stop: scripts/record.sh

node_templates:
  db:
    type: test.Db
  web:
    type: test.Web
    properties:
      port: 8080
    capabilities:
      scalable:
        properties:
          default_instances: 3
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish: scripts/link.sh

workflows:
  rolling_restart:
    mapping: scripts/rolling.py
    parameters:
      by:
        type: string
        default: rolling
  probe:
    mapping: scripts/probe.py
  relink:
    mapping: scripts/relink.py
  fragile:
    mapping: scripts/fragile.py
  crash:
    mapping: scripts/crash.py
`;

const ROLLING = `from cloudify.workflows import ctx, parameters

web = ctx.get_node('web')
ctx.logger.info('rolling restart by %s of port %s', parameters['by'], web.properties['port'])
graph = ctx.graph_mode()
sequence = graph.sequence()
for instance in sorted(web.instances, key=lambda i: i.index):
    sequence.add(
        instance.send_event('Restarting'),
        instance.set_state('stopping'),
        instance.execute_operation('cloudify.interfaces.lifecycle.stop',
                                   kwargs={'by': parameters['by']}),
        instance.set_state('stopped'),
        instance.execute_operation('cloudify.interfaces.lifecycle.start',
                                   kwargs={'by': parameters['by']}),
        instance.set_state('started'),
    )
graph.execute()
ctx.send_event('Rolling restart done')
`;

const PROBE = (logFile: string): string => `from cloudify.workflows import ctx

db = ctx.get_node('db').instances[0]
task = db.execute_operation('custom.ops.ping', kwargs={'word': 'hello'})
result = task.get()
# get() returned once the operation had run: its line is in the log.
with open(${JSON.stringify(logFile)}) as lines:
    ctx.logger.info('after get: %s, result %r', lines.read().strip(), result)
db.set_state('configured').get()
db.send_event('db probed').get()
ctx.refresh_node_instances()
ctx.logger.info('db state %s, web nodes %d', db.state, ctx.get_node('web').number_of_instances)
`;

const RELINK = `from cloudify.workflows import ctx

graph = ctx.graph_mode()
establish = [
    relationship.execute_source_operation('cloudify.interfaces.relationship_lifecycle.establish')
    for instance in ctx.get_node('web').instances
    for relationship in instance.relationships
]
graph.sequence().add(establish)
graph.execute()
`;

const FRAGILE = `from cloudify.workflows import ctx
from cloudify.exceptions import WorkflowFailed

db = ctx.get_node_instance(ctx.get_node('db').instances[0].id)
graph = ctx.graph_mode()
graph.add_task(db.execute_operation('custom.ops.fail'))
try:
    graph.execute()
except WorkflowFailed as error:
    ctx.send_event('caught: {0}'.format(str(error).splitlines()[0]))
graph.add_task(db.set_state('deleted'))
graph.execute()
`;

const CRASH = `from cloudify.workflows import ctx

ctx.logger.info('about to fail')
raise RuntimeError('the {0} deployment is in no state to restart'.format(ctx.deployment.id))
`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-script-wf-'));
  log = join(dir, 'ops.log');
  store = createSqliteStore({ path: join(dir, 'cairn.db') });
  executor = createLocalExecutor({
    resolvePlugin: (plugin) => (plugin.name === 'script' ? SCRIPT_PLUGIN : undefined),
  });
  engine = createEngine({ store, executor, workdir: join(dir, 'work') });
  const root = join(dir, 'bp');
  const files: Record<string, string> = {
    'blueprint.yaml': BLUEPRINT,
    'scripts/record.sh': RECORD(log),
    'scripts/ping.sh': `#!/bin/bash
echo "$(ctx instance id) ping $word" >> "${log}"
ctx returns "pong $word"
`,
    'scripts/fail.sh': `#!/bin/bash
ctx abort_operation "the database is down"
`,
    'scripts/link.sh': `#!/bin/bash
echo "link $(ctx source instance id) $(ctx target instance id)" >> "${log}"
`,
    'scripts/rolling.py': ROLLING,
    'scripts/probe.py': PROBE(log),
    'scripts/relink.py': RELINK,
    'scripts/fragile.py': FRAGILE,
    'scripts/crash.py': CRASH,
  };
  writeFolder(root, files);
  await deployBlueprint(engine, join(root, 'blueprint.yaml'));
  const install = await engine.execute({ deploymentId: 'dep', workflowId: 'install' });
  expect(install.status, install.error).toBe('terminated');
  writeFileSync(log, '');
});

afterEach(async () => {
  await executor.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function lines(): string[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

async function instances(nodeId: string): Promise<NodeInstanceRecord[]> {
  return (await store.listNodeInstances({ deployment_id: 'dep', node_id: nodeId })).sort(
    (a, b) => a.index - b.index,
  );
}

async function events(executionId: string): Promise<{ type: string; message: string }[]> {
  return (await store.listEvents({ execution_id: executionId, include_logs: true })).map((e) => ({
    type: e.event_type ?? `log:${e.level ?? ''}`,
    message: e.message,
  }));
}

describe('workflow scripts run by the engine', () => {
  it('runs a graph built as a sequence, in order, with default and given parameters', async () => {
    const webs = (await instances('web')).map((w) => w.id);
    for (const by of ['rolling', 'canary']) {
      writeFileSync(log, '');
      const execution = await engine.execute({
        deploymentId: 'dep',
        workflowId: 'rolling_restart',
        ...(by === 'rolling' ? {} : { parameters: { by } }),
      });
      expect(execution.status, execution.error).toBe('terminated');
      expect(execution.parameters).toMatchObject({ by });
      expect(lines()).toEqual(
        webs.flatMap((w) => [
          `${w} cloudify.interfaces.lifecycle.stop ${by}`,
          `${w} cloudify.interfaces.lifecycle.start ${by}`,
        ]),
      );
      const seen = await events(execution.id);
      expect(seen).toContainEqual({
        type: 'log:info',
        message: `rolling restart by ${by} of port 8080`,
      });
      expect(seen.filter((e) => e.type === 'workflow_node_event').map((e) => e.message)).toEqual([
        'Restarting',
        'Restarting',
        'Restarting',
      ]);
      expect(seen).toContainEqual({ type: 'workflow_stage', message: 'Rolling restart done' });
      expect(seen.at(-1)?.type).toBe('workflow_succeeded');
    }
    expect((await instances('web')).map((w) => w.state)).toEqual(['started', 'started', 'started']);
  }, 60_000);

  it('runs a task at once outside graph mode: get() waits; states and events are stored', async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'probe' });
    expect(execution.status, execution.error).toBe('terminated');
    const [db] = await instances('db');
    const seen = await events(execution.id);
    expect(seen).toContainEqual({
      type: 'log:info',
      // The engine does not give a workflow its operations' results yet (see the next test).
      message: `after get: ${db?.id ?? ''} ping hello, result 'pong hello'`,
    });
    expect(db?.state).toBe('configured');
    expect(seen).toContainEqual({ type: 'workflow_node_event', message: 'db probed' });
    expect(seen).toContainEqual({ type: 'log:info', message: 'db state configured, web nodes 3' });
  }, 60_000);

  // Cloudify's `task.get()` returns the operation's result (for a script: what it `ctx returns`).
  it('returns the operation result (ctx returns) from get() outside graph mode', async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'probe' });
    const seen = await events(execution.id);
    expect(seen.map((e) => e.message).join('\n')).toContain("result 'pong hello'");
  }, 60_000);

  it("runs relationships' source operations, in parallel, once each", async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'relink' });
    expect(execution.status, execution.error).toBe('terminated');
    const [db] = await instances('db');
    const webs = await instances('web');
    expect(lines().sort()).toEqual(webs.map((w) => `link ${w.id} ${db?.id ?? ''}`).sort());
  }, 60_000);

  it('raises WorkflowFailed from graph.execute() when an operation fails; the script goes on', async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'fragile' });
    expect(execution.status, execution.error).toBe('terminated');
    const seen = await events(execution.id);
    const caught = seen.find((e) => e.message.startsWith('caught: '));
    expect(caught?.type).toBe('workflow_stage');
    expect(caught?.message).toMatch(/custom\.ops\.fail/);
    expect(caught?.message).toMatch(/NonRecoverableError: the database is down/);
    expect(seen.some((e) => e.type === 'task_failed')).toBe(true);
    expect((await instances('db'))[0]?.state).toBe('deleted');
  }, 60_000);

  it('fails the execution with the message of an exception the script does not catch', async () => {
    const execution = await engine.execute({ deploymentId: 'dep', workflowId: 'crash' });
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatch(
      /^Workflow function failed: NonRecoverableError: Workflow script scripts\/crash\.py failed: RuntimeError: the dep deployment is in no state to restart/,
    );
    expect(execution.error).toContain('<err> Traceback (most recent call last):');
    const seen = await events(execution.id);
    expect(seen).toContainEqual({ type: 'log:info', message: 'about to fail' });
    expect(seen.at(-1)?.type).toBe('workflow_failed');
    expect((await instances('web')).every((w) => w.state === 'started')).toBe(true);
  }, 60_000);
});
