/**
 * Workflow scripts (`script_runner.tasks.execute_workflow`) run with python3 and Cairn's
 * `cloudify.workflows` over a real ctx proxy, against a stand-in workflow ctx that records the
 * graphs it is asked to run and runs their tasks in an order their dependencies allow.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Json,
  JsonObject,
  WfGraph,
  WfGraphResult,
  WfNode,
  WfNodeInstance,
  WfOperationOptions,
  WfRelationship,
  WfTask,
  WorkflowContext,
} from './context.js';
import { execute_workflow } from './workflow.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-workflow-test-'));
  mkdirSync(join(dir, 'scripts'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface TaskSpec {
  readonly id: string;
  readonly kind: WfTask['kind'];
  readonly instanceId: string;
  readonly name: string;
  readonly kwargs?: Readonly<Record<string, unknown>>;
  readonly side?: 'source' | 'target';
}

/** What a test can look at after a run. */
interface FakeWorkflow {
  readonly ctx: WorkflowContext;
  readonly logs: string[];
  readonly events: string[];
  /** Each graph run: its tasks (by name) and `[task, waits for]` pairs (by name). */
  readonly graphs: { tasks: string[]; waits: [string, string][] }[];
  /** `<instance> <kind> <name>` of each task run, in order. */
  readonly ran: string[];
}

/**
 * A stand-in workflow ctx: nodes `db` (one instance) and `web` (two, each connected to the db
 * instance). A graph runs its tasks one at a time in dependency order; an operation named in
 * `failing` fails the graph as the engine would (a `WorkflowFailed`); each task takes
 * `taskMs`; aborting `controller` cancels the workflow.
 */
function fakeWorkflow(
  parameters: JsonObject,
  failing: readonly string[] = [],
  { taskMs = 5, controller = new AbortController() } = {},
): FakeWorkflow {
  const logs: string[] = [];
  const events: string[] = [];
  const graphs: FakeWorkflow['graphs'] = [];
  const ran: string[] = [];
  const specs = new Map<WfTask, TaskSpec>();
  let next = 1;
  const states = new Map<string, string | null>([
    ['db_1', 'started'],
    ['web_1', 'started'],
    ['web_2', 'started'],
  ]);

  const runTasks = async (tasks: WfTask[], waits: Map<WfTask, Set<WfTask>>): Promise<void> => {
    const done = new Set<WfTask>();
    while (done.size < tasks.length) {
      const ready = tasks.find(
        (task) => !done.has(task) && [...(waits.get(task) ?? [])].every((t) => done.has(t)),
      );
      if (ready === undefined) throw new Error('the fake graph is stuck');
      const spec = specs.get(ready) as TaskSpec;
      await new Promise((resolve) => setTimeout(resolve, taskMs));
      ran.push(`${spec.instanceId} ${spec.kind} ${spec.name}${spec.side ? ` ${spec.side}` : ''}`);
      if (spec.kind === 'state') states.set(spec.instanceId, spec.name);
      if (spec.kind === 'operation' && failing.includes(spec.name)) {
        const error = new Error(
          `Task failed: ${spec.name} on ${spec.instanceId}: NonRecoverableError: it broke`,
        );
        error.name = 'WorkflowFailed';
        throw error;
      }
      done.add(ready);
    }
  };

  const graph = (): WfGraph => {
    const tasks: WfTask[] = [];
    const waits = new Map<WfTask, Set<WfTask>>();
    const self: WfGraph = {
      add: (...more) => {
        for (const task of more) if (!tasks.includes(task)) tasks.push(task);
        return self;
      },
      addDependency: (task, dependsOn) => {
        if (!tasks.includes(task) || !tasks.includes(dependsOn)) {
          throw Object.assign(new Error('addDependency: add both tasks first'), {
            name: 'NonRecoverableError',
          });
        }
        waits.set(task, new Set([...(waits.get(task) ?? []), dependsOn]));
        return self;
      },
      execute: async (): Promise<WfGraphResult> => {
        const name = (task: WfTask): string => task.name;
        graphs.push({
          tasks: tasks.map(name),
          waits: [...waits].flatMap(([task, before]) =>
            [...before].map((b): [string, string] => [name(task), name(b)]),
          ),
        });
        await runTasks(tasks, waits);
        return { status: 'terminated', error: '' };
      },
    };
    return self;
  };

  const task = (spec: Omit<TaskSpec, 'id'>): WfTask => {
    const made: WfTask = {
      id: `task-${next++}`,
      kind: spec.kind,
      instanceId: spec.instanceId,
      name: spec.name,
      execute: () => graph().add(made).execute(),
    };
    specs.set(made, { ...spec, id: made.id });
    return made;
  };

  const operation = (
    instanceId: string,
    name: string,
    options: WfOperationOptions | undefined,
    side?: 'source' | 'target',
  ): WfTask =>
    task({
      kind: 'operation',
      instanceId,
      name,
      ...(options?.kwargs === undefined ? {} : { kwargs: options.kwargs }),
      ...(side === undefined ? {} : { side }),
    });

  const instance = (id: string, nodeId: string, index: number): WfNodeInstance => {
    const relationships: WfRelationship[] =
      nodeId === 'web'
        ? [
            {
              type: 'cloudify.relationships.connected_to',
              index: 0,
              targetId: 'db_1',
              targetName: 'db',
              executeSourceOperation: (op, options) => operation(id, op, options, 'source'),
              executeTargetOperation: (op, options) => operation(id, op, options, 'target'),
            },
          ]
        : [];
    return {
      id,
      nodeId,
      get state() {
        return states.get(id) ?? null;
      },
      runtimeProperties: { name: id },
      hostId: null,
      index,
      relationships,
      executeOperation: (op, options) => operation(id, op, options),
      setState: (state) => task({ kind: 'state', instanceId: id, name: state }),
      sendEvent: (message) => task({ kind: 'event', instanceId: id, name: message }),
    };
  };
  const node = (id: string, count: number, properties: JsonObject): WfNode => ({
    id,
    type: `test.${id}`,
    typeHierarchy: ['cloudify.nodes.Root', `test.${id}`],
    properties,
    operations: ['custom.ping', 'ping', 'custom.fail', 'fail'],
    numberOfInstances: count,
  });
  const instances = [
    instance('db_1', 'db', 0),
    instance('web_1', 'web', 0),
    instance('web_2', 'web', 1),
  ];
  const ctx: WorkflowContext = {
    nodes: [node('db', 1, { engine: 'postgres' }), node('web', 2, { port: 8080 })],
    nodeInstances: instances,
    getNodeInstance: (id) => instances.find((i) => i.id === id),
    deployment: { id: 'dep' },
    blueprint: { id: 'bp' },
    executionId: 'exec-1',
    workflowId: 'w',
    tenantName: 'default_tenant',
    parameters,
    resume: false,
    logger: {
      debug: () => undefined,
      info: (message: unknown) => logs.push(String(message)),
      warning: (message: unknown) => logs.push(`warning: ${String(message)}`),
      error: (message: unknown) => logs.push(`error: ${String(message)}`),
    },
    signal: controller.signal,
    sendEvent: (message) => {
      events.push(message);
      return Promise.resolve();
    },
    graph,
    refresh: () => Promise.resolve(),
    downloadResource: async (path, targetPath) => {
      const target = targetPath ?? join(dir, 'downloads', path);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(dir, path), target);
      return target;
    },
  };
  return { ctx, logs, events, graphs, ran };
}

/** Writes `scripts/w.py` from its lines; the parameters that run it. */
function script(lines: readonly string[], parameters: Record<string, Json> = {}): JsonObject {
  writeFileSync(join(dir, 'scripts', 'w.py'), `${lines.join('\n')}\n`);
  return { script_path: 'scripts/w.py', ...parameters };
}

function stdout(fake: FakeWorkflow): string[] {
  return fake.logs.filter((l) => l.startsWith('<out> ')).map((l) => l.slice(6));
}

async function failure(fake: FakeWorkflow, parameters: JsonObject): Promise<Error> {
  try {
    await execute_workflow(fake.ctx, parameters);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the workflow to fail');
}

describe('workflow scripts', () => {
  it('gives the script its parameters (not script_path), the deployment and its nodes', async () => {
    const parameters = script(
      [
        'from cloudify.workflows import ctx, parameters',
        'print(sorted(parameters.items()), parameters.greeting)',
        'print(ctx.deployment.id, ctx.blueprint.id, ctx.execution_id, ctx.workflow_id)',
        'web = ctx.get_node("web")',
        'print(web.type, web.type_hierarchy, web.properties["port"], web.number_of_instances)',
        'print([i.id for i in web.instances], ctx.get_node_instance("db_1").node.id)',
        'print(web.has_operation("ping"), web.has_operation("nope"))',
        'rel = ctx.get_node_instance("web_2").relationships[0]',
        'print(rel.type, rel.target_id, rel.target_node_instance.state)',
        'ctx.logger.info("hello %s", "log")',
      ],
      { greeting: 'hi', count: 2 },
    );
    const fake = fakeWorkflow(parameters);
    expect(await execute_workflow(fake.ctx, parameters)).toBeNull();
    expect(stdout(fake)).toEqual([
      "[('count', 2), ('greeting', 'hi')] hi",
      'dep bp exec-1 w',
      "test.web ['cloudify.nodes.Root', 'test.web'] 8080 2",
      "['web_1', 'web_2'] db",
      'True False',
      'cloudify.relationships.connected_to db_1 started',
    ]);
    expect(fake.logs).toContain('hello log');
  });

  it('sends a graph as tasks and dependencies: sequences, fork-joins, subgraphs, NOPs', async () => {
    const parameters = script([
      'from cloudify.workflows import ctx',
      'from cloudify.workflows.tasks_graph import forkjoin',
      'graph = ctx.graph_mode()',
      'db, web1, web2 = (ctx.get_node_instance(i) for i in ("db_1", "web_1", "web_2"))',
      'seq = graph.sequence()',
      'configured = db.set_state("configured")',
      'seq.add(',
      '    db.execute_operation("custom.ping", kwargs={"n": 1}),',
      '    [web1.execute_operation("ping"), web2.execute_operation("ping")],',
      '    db.execute_operation("not.an.operation"),',
      '    forkjoin(configured, web1.send_event("hello")),',
      ')',
      'sub = graph.subgraph("rels")',
      'sub.sequence().add(web2.relationships[0].execute_source_operation("establish"))',
      'last = web2.set_state("started")',
      'graph.add_task(last)',
      'graph.add_dependency(sub, configured)',
      'graph.add_dependency(last, sub)',
      'graph.execute()',
      'print("done", graph.tasks)',
    ]);
    const fake = fakeWorkflow(parameters);
    await execute_workflow(fake.ctx, parameters);
    expect(fake.graphs).toHaveLength(1);
    const [graph] = fake.graphs;
    expect(graph?.tasks).toEqual([
      'custom.ping',
      'ping',
      'ping',
      'configured',
      'hello',
      'establish',
      'started',
    ]);
    expect(graph?.waits.sort()).toEqual(
      [
        ['ping', 'custom.ping'],
        ['ping', 'custom.ping'],
        // Through the NOP step: the fork-join waits for both pings.
        ['configured', 'ping'],
        ['configured', 'ping'],
        ['hello', 'ping'],
        ['hello', 'ping'],
        ['establish', 'configured'],
        ['started', 'establish'],
      ].sort(),
    );
    expect(fake.ran.at(-2)).toBe('web_2 operation establish source');
    expect(fake.ran.at(-1)).toBe('web_2 state started');
    expect(stdout(fake)).toEqual(['done []']);
  });

  it('runs a task at once outside graph mode; get() waits for it', async () => {
    const parameters = script([
      'from cloudify.workflows import ctx',
      'web1 = ctx.get_node_instance("web_1")',
      'task = web1.execute_operation("ping", kwargs={"x": [1, 2]})',
      'print(task.get(), task.get_state())',
      'web1.set_state("stopped").get()',
      'ctx.send_event("stage one")',
      'ctx.refresh_node_instances()',
      'print(web1.state, ctx.get_node("web").get_node_instance("web_1") is web1)',
      'print(web1.execute_operation("missing").get())',
    ]);
    const fake = fakeWorkflow(parameters);
    await execute_workflow(fake.ctx, parameters);
    expect(fake.ran).toEqual(['web_1 operation ping', 'web_1 state stopped']);
    expect(fake.graphs.map((g) => g.tasks)).toEqual([['ping'], ['stopped']]);
    expect(fake.events).toEqual(['stage one']);
    expect(stdout(fake)).toEqual(['None succeeded', 'stopped True', 'None']);
  });

  it('raises WorkflowFailed in the script when a graph fails; the script may go on', async () => {
    const parameters = script([
      'from cloudify.workflows import ctx',
      'from cloudify.exceptions import WorkflowFailed',
      'graph = ctx.graph_mode()',
      'graph.add_task(ctx.get_node_instance("db_1").execute_operation("fail"))',
      'try:',
      '    graph.execute()',
      'except WorkflowFailed as error:',
      '    print("caught:", error)',
      'graph.add_task(ctx.get_node_instance("db_1").execute_operation("ping"))',
      'graph.execute()',
    ]);
    const fake = fakeWorkflow(parameters, ['fail']);
    await execute_workflow(fake.ctx, parameters);
    expect(stdout(fake)).toEqual([
      'caught: Task failed: fail on db_1: NonRecoverableError: it broke',
    ]);
    expect(fake.ran).toEqual(['db_1 operation fail', 'db_1 operation ping']);
  });

  it('fails the workflow with an uncaught exception, its type, message and traceback', async () => {
    const parameters = script([
      'from cloudify.workflows import ctx',
      'print("before")',
      'raise ValueError("no such tier: " + ctx.deployment.id)',
    ]);
    const error = await failure(fakeWorkflow(parameters), parameters);
    expect(error.name).toBe('NonRecoverableError');
    expect(error.message).toMatch(
      /^Workflow script scripts\/w\.py failed: ValueError: no such tier: dep\nLast output:\n/,
    );
    expect(error.message).toContain('<out> before');
    expect(error.message).toContain('<err> Traceback (most recent call last):');
  });

  it('fails the workflow when a graph failure is not caught, with the engine reason', async () => {
    const parameters = script([
      'from cloudify.workflows import ctx',
      'ctx.get_node_instance("web_2").execute_operation("fail").get()',
    ]);
    const error = await failure(fakeWorkflow(parameters, ['fail']), parameters);
    expect(error.message).toMatch(
      /^Workflow script scripts\/w\.py failed: WorkflowFailed: Task failed: fail on web_2/,
    );
  });

  it('fails the workflow on a non-zero exit code, and when a task it left running fails', async () => {
    const exiting = script(['import sys', 'print("bye")', 'sys.exit(3)']);
    const error = await failure(fakeWorkflow(exiting), exiting);
    expect(error.message).toBe(
      'Workflow script scripts/w.py failed: exit_code: 3\nLast output:\n<out> bye',
    );
    const leaving = script([
      'from cloudify.workflows import ctx',
      'ctx.get_node_instance("db_1").execute_operation("fail")',
    ]);
    const left = await failure(fakeWorkflow(leaving, ['fail']), leaving);
    expect(left.message).toMatch(/a task it did not wait for failed: Task failed: fail on db_1/);
  });

  it('waits for a graph however long it runs, polling the worker', async () => {
    const parameters = script([
      'import cloudify.workflows.tasks',
      'from cloudify.workflows import ctx',
      '# Short polls, so that this graph outlasts several of them.',
      'cloudify.workflows.tasks._WAIT_SECONDS = 0.2',
      'ctx.get_node_instance("db_1").execute_operation("ping").get()',
      'print("waited")',
    ]);
    const fake = fakeWorkflow(parameters, [], { taskMs: 1_000 });
    await execute_workflow(fake.ctx, parameters);
    expect(stdout(fake)).toEqual(['waited']);
  });

  it('stops the script when the workflow is cancelled', async () => {
    const parameters = script(['import time', 'print("sleeping", flush=True)', 'time.sleep(60)']);
    const controller = new AbortController();
    const fake = fakeWorkflow(parameters, [], { controller });
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 500);
    const error = await failure(fake, parameters);
    expect(error.name).toBe('CancelledError');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a missing script_path and a script that is not in the blueprint', async () => {
    const fake = fakeWorkflow({});
    expect((await failure(fake, {})).message).toMatch(/script_path parameter must name/);
    expect((await failure(fake, { script_path: 'scripts/none.py' })).message).toMatch(
      /The script 'scripts\/none\.py' is not in the blueprint/,
    );
  });
});
