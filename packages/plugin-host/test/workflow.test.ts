import { afterAll, describe, expect, it } from 'vitest';
import type { WorkflowOutcome, WorkflowTaskSpec } from '@cairn/engine';
import { createLocalExecutor, type LocalExecutor } from '../src/index.js';
import {
  RecordingCallbacks,
  RecordingEngine,
  WORKFLOW_INSTANCES,
  WORKFLOW_PLUGIN,
  fixture,
  instance,
  node,
  request,
  workflowInstance,
  workflowRequest,
} from './helpers.js';

const GRACE_MS = 500;

/** An asymmetric matcher typed as the string it stands for. */
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

function executor(
  options: { memoryLimitMb?: number; maxWorkersPerPlugin?: number; workerScript?: string } = {},
): LocalExecutor {
  return createLocalExecutor({
    resolvePlugin: (plugin) => (plugin.name === 'wf' ? { entry: WORKFLOW_PLUGIN } : undefined),
    killGraceMs: GRACE_MS,
    ...options,
  });
}

function failure(outcome: WorkflowOutcome) {
  if (outcome.status !== 'failed') {
    throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  }
  return outcome.error;
}

function succeeded(outcome: WorkflowOutcome) {
  if (outcome.status !== 'succeeded') {
    throw new Error(`expected a success, got ${JSON.stringify(outcome)}`);
  }
  return outcome.result;
}

describe('createLocalExecutor: workflow functions', () => {
  const host = executor();
  afterAll(async () => {
    await host.close();
  });

  it('sends graphs as task specs: sequences, fork-joins, dependencies, kwargs, one-task graphs', async () => {
    const engine = new RecordingEngine();
    engine.instanceList = [
      workflowInstance('server_1', 'server', {
        ...WORKFLOW_INSTANCES[0],
        state: 'started',
        runtime_properties: { ip: '10.0.0.1', created: true },
      }),
      workflowInstance('db_1', 'db', { state: 'started' }),
      workflowInstance('db_2', 'db', { index: 2 }),
    ];
    const outcome = await host.runWorkflow(workflowRequest('workflows.build'), engine);
    const op = (
      id: string,
      instanceId: string,
      dependsOn: string[],
      operation: string,
      extra: object = {},
    ): WorkflowTaskSpec => ({
      id,
      instance_id: instanceId,
      depends_on: dependsOn,
      kind: 'operation',
      operation,
      ...extra,
    });
    expect(engine.graphs).toEqual([
      [
        op('task-2', 'db_1', [], 'create'),
        {
          id: 'task-3',
          instance_id: 'server_1',
          depends_on: [],
          kind: 'event',
          message: 'Creating',
        },
        op('task-1', 'server_1', ['task-3', 'task-2'], 'cloudify.interfaces.lifecycle.create', {
          kwargs: { size: 3 },
          allow_kwargs_override: true,
        }),
        op('task-4', 'server_1', ['task-1'], 'establish', {
          relationship: { index: 1, side: 'source' },
        }),
        op('task-5', 'server_1', ['task-1'], 'establish', {
          kwargs: { x: 1 },
          relationship: { index: 1, side: 'target' },
        }),
        {
          id: 'task-6',
          instance_id: 'server_1',
          depends_on: ['task-4', 'task-5'],
          kind: 'state',
          state: 'started',
        },
        { id: 'task-7', instance_id: 'db_1', depends_on: [], kind: 'state', state: 'started' },
      ],
      [op('task-8', 'server_1', [], 'check')],
    ]);
    for (const graph of engine.graphs) {
      expect(new Set(graph.map((task) => task.id)).size).toBe(graph.length);
    }
    expect(succeeded(outcome)).toEqual({
      result: { status: 'terminated', error: '' },
      single: { status: 'terminated', error: '' },
      before: 'uninitialized',
      after: 'started',
      afterProps: { ip: '10.0.0.1', created: true },
      instances: ['server_1', 'db_1', 'db_2'],
      dbInstances: ['db_1', 'db_2'],
      sameObject: true,
      tasks: [
        'task-2:operation:create',
        'task-3:event:Creating',
        'task-1:operation:cloudify.interfaces.lifecycle.create',
        'task-4:operation:establish',
        'task-5:operation:establish',
        'task-6:state:started',
        'task-7:state:started',
      ],
    });
    expect(engine.events).toEqual([
      { message: 'stage one', instanceId: undefined },
      { message: 'about the db', instanceId: 'db_1' },
    ]);
    expect(engine.instanceReads).toBe(1);
    // stdout and the channel are separate pipes: each arrives, their order is not fixed.
    expect(engine.messages('info').sort()).toEqual([
      'a line on stdout',
      'building my_wf with size 3',
    ]);
  });

  it('shows the workflow the whole ctx, with Cloudify-style aliases', async () => {
    const outcome = await host.runWorkflow(
      workflowRequest('workflows.describe', { resume: true }),
      new RecordingEngine(),
    );
    expect(succeeded(outcome)).toEqual({
      deployment: 'dep-1',
      blueprint: 'bp-1',
      executionId: 'exec-wf',
      execution_id: 'exec-wf',
      workflowId: 'my_wf',
      workflow_id: 'my_wf',
      tenant: 'default_tenant',
      parameters: { size: 3, names: ['a', 'b'] },
      sameParameters: true,
      frozenParameters: true,
      resume: true,
      plugin: 'wf',
      nodes: [
        {
          id: 'server',
          type: 'cloudify.nodes.Compute',
          typeHierarchy: ['cloudify.nodes.Root', 'cloudify.nodes.Compute'],
          aliased: true,
          properties: { port: 80 },
          instances: ['server_1'],
          count: 1,
        },
        {
          id: 'db',
          type: 'cloudify.nodes.Root',
          typeHierarchy: ['cloudify.nodes.Root'],
          aliased: true,
          properties: {},
          instances: ['db_1'],
          count: 1,
        },
      ],
      hasCreate: true,
      hasShort: true,
      hasNope: false,
      nodeInstances: ['server_1@server:uninitialized', 'db_1@db:started'],
      missingNode: true,
      missingInstance: true,
      server: {
        node: 'server',
        hostId: 'server_1',
        index: 1,
        runtimeProperties: { ip: '10.0.0.1' },
        relationships: [
          {
            type: 'cloudify.relationships.depends_on',
            index: 0,
            target: 'db_1',
            targetName: 'db',
            source: 'server_1',
          },
          {
            type: 'cloudify.relationships.connected_to',
            index: 1,
            target: 'db_1',
            targetName: 'db',
            source: 'server_1',
          },
        ],
      },
      frozenProperties: { name: 'TypeError', message: matching(/read only/) },
    });
  });

  it('refuses graph mistakes in the worker, before anything reaches the engine', async () => {
    const engine = new RecordingEngine();
    const outcome = await host.runWorkflow(workflowRequest('workflows.misuse'), engine);
    expect(engine.graphs).toEqual([]);
    expect(succeeded(outcome)).toEqual({
      notInGraph: {
        name: 'NonRecoverableError',
        message: 'addDependency: dependsOn task-2 (b) is not in this graph; add it first',
      },
      self: {
        name: 'NonRecoverableError',
        message: 'addDependency: task task-1 cannot wait for itself',
      },
      foreign: { name: 'NonRecoverableError', message: matching(/^not a task/) },
      kwargs: {
        name: 'NonRecoverableError',
        message: matching(/^kwargs of c are not JSON-serialisable/),
      },
      arrayKwargs: { name: 'NonRecoverableError', message: 'kwargs of c must be an object' },
      emptyName: {
        name: 'NonRecoverableError',
        message: 'an operation name must be a non-empty string',
      },
      cycle: {
        name: 'NonRecoverableError',
        message: 'the graph has a dependency cycle among: task-1 (a), task-2 (b)',
      },
      twice: {
        name: 'NonRecoverableError',
        message: 'this graph has already run; build a new one with ctx.graph()',
      },
      empty: { status: 'terminated', error: '' },
    });
  });

  it('throws WorkflowFailed with the engine’s reason when a graph fails', async () => {
    const engine = new RecordingEngine();
    engine.graphResult = { status: 'failed', error: "Task failed 'create' -> boom" };
    const caught = await host.runWorkflow(workflowRequest('workflows.catchFailure'), engine);
    expect(succeeded(caught)).toEqual({
      name: 'WorkflowFailed',
      message: "Task failed 'create' -> boom",
      recoverable: false,
    });
    const uncaught = failure(
      await host.runWorkflow(workflowRequest('workflows.failingGraph'), engine),
    );
    expect(uncaught).toMatchObject({
      type: 'NonRecoverableError',
      recoverable: false,
      message: "Task failed 'create' -> boom",
    });
    expect(uncaught.traceback).toMatch(/^WorkflowFailed: /);
    engine.graphResult = { status: 'cancelled', error: '' };
    expect(
      succeeded(await host.runWorkflow(workflowRequest('workflows.catchFailure'), engine)),
    ).toEqual({
      name: 'CancelledError',
      message: 'the workflow graph was cancelled',
      recoverable: false,
    });
  });

  it('passes the engine’s refusal of a malformed graph to the function as a named error', async () => {
    const engine = new RecordingEngine();
    engine.runGraphWith = () => {
      const error = new Error("The workflow's task 'task-1' names 'x'.");
      error.name = 'WorkflowError';
      return Promise.reject(error);
    };
    const error = failure(
      await host.runWorkflow(workflowRequest('workflows.failingGraph'), engine),
    );
    expect(error).toMatchObject({
      type: 'RecoverableError',
      message: "The workflow's task 'task-1' names 'x'.",
    });
    expect(error.traceback).toMatch(/^WorkflowError: /);
  });

  it('classifies thrown errors as for operations', async () => {
    const run = async (fn: string) =>
      failure(await host.runWorkflow(workflowRequest(fn), new RecordingEngine()));
    expect(await run('workflows.throwRecoverable')).toMatchObject({
      type: 'RecoverableError',
      recoverable: true,
      message: 'try the workflow later',
      retry_after: 5,
    });
    expect(await run('workflows.throwNonRecoverable')).toMatchObject({
      type: 'NonRecoverableError',
      recoverable: false,
      message: 'this workflow cannot work',
    });
    const plain = await run('workflows.throwPlain');
    expect(plain).toMatchObject({ type: 'RecoverableError', recoverable: true });
    expect(plain.traceback).toMatch(/^TypeError: /);
    // A workflow is never rescheduled: a retry request is an ordinary recoverable failure.
    expect(await run('workflows.throwRetry')).toMatchObject({
      type: 'RecoverableError',
      recoverable: true,
      message: 'again',
    });
    expect(await run('workflows.nope')).toMatchObject({
      type: 'NonRecoverableError',
      message: 'the plugin has no function named "workflows.nope"',
    });
  });

  it('fails a workflow of a plugin that is not installed as PluginNotFoundError', async () => {
    const req = workflowRequest('workflows.build');
    const error = failure(
      await host.runWorkflow(
        { ...req, plugin: { ...req.plugin, name: 'ghost' } },
        new RecordingEngine(),
      ),
    );
    expect(error).toMatchObject({ type: 'PluginNotFoundError', recoverable: false });
    expect(error.message).toContain('so workflow my_wf cannot run');
  });

  it('reports a worker that exits mid-workflow as WorkerCrashedError', async () => {
    const error = failure(
      await host.runWorkflow(workflowRequest('workflows.crash'), new RecordingEngine()),
    );
    expect(error).toMatchObject({ type: 'WorkerCrashedError', recoverable: true });
    expect(error.message).toContain('exited with code 3 during the workflow');
    expect(error.output_tail).toContain('the workflow is about to exit');
  });

  it('kills a worker that writes garbage on its channel (ProtocolError)', async () => {
    const error = failure(
      await host.runWorkflow(workflowRequest('workflows.garbage'), new RecordingEngine()),
    );
    expect(error).toMatchObject({ type: 'ProtocolError', recoverable: true });
    expect(error.message).toContain('PROTOCOL_INVALID_FIELD');
  });

  it('cancels a workflow waiting on a graph: the wait ends at once, CancelledError', async () => {
    const engine = new RecordingEngine();
    // The engine's graph never ends (and takes longer than any rpc timeout): only the worker
    // giving up the pending run_graph on cancel lets the function stop by itself.
    const controller = new AbortController();
    let started = 0;
    engine.runGraphWith = () =>
      new Promise(() => {
        setTimeout(() => {
          started = Date.now();
          controller.abort();
        }, 100);
      });
    const outcome = await host.runWorkflow(
      workflowRequest('workflows.waitOnGraph'),
      engine,
      controller.signal,
    );
    // The exact message shows it stopped by itself: a killed one says it did not stop in time.
    expect(outcome).toEqual({
      status: 'failed',
      error: { type: 'CancelledError', recoverable: false, message: 'the workflow was cancelled' },
    });
    expect(Date.now() - started).toBeLessThan(GRACE_MS);
    expect(engine.graphs).toHaveLength(1);
    expect(engine.messages('info')).toEqual(['waiting on a graph']);
  });

  it('kills a workflow that ignores cancel after the grace', async () => {
    const controller = new AbortController();
    const engine = new RecordingEngine();
    let started = 0;
    engine.onLog = () => {
      started = Date.now();
      controller.abort();
    };
    const error = failure(
      await host.runWorkflow(workflowRequest('workflows.ignoreCancel'), engine, controller.signal),
    );
    expect(error).toMatchObject({ type: 'CancelledError', recoverable: false });
    expect(error.message).toContain('did not stop within');
    expect(Date.now() - started).toBeGreaterThanOrEqual(GRACE_MS);
  });

  it('cancels at once when the signal is already aborted', async () => {
    const engine = new RecordingEngine();
    const outcome = await host.runWorkflow(
      workflowRequest('workflows.build'),
      engine,
      AbortSignal.abort(),
    );
    expect(failure(outcome)).toMatchObject({
      type: 'CancelledError',
      message: 'the workflow was cancelled before it started',
    });
    expect(engine.graphs).toEqual([]);
  });
});

describe('workflow workers', () => {
  it('runs a graph’s operations of the same plugin while its workflow holds a worker', async () => {
    // One worker per pool: were workflows and operations in one pool, this would deadlock.
    const host = executor({ maxWorkersPerPlugin: 1 });
    try {
      const engine = new RecordingEngine();
      const callbacks = new RecordingCallbacks();
      engine.runGraphWith = async (tasks) => {
        for (const task of tasks) {
          const req = request('tasks.touch', {
            plugin: workflowRequest('x').plugin,
            inputs: { by: task.id },
            node: node('server'),
            instance: instance(task.instance_id),
          });
          const outcome = await host.run(req, callbacks);
          if (outcome.status === 'failed')
            return { status: 'failed', error: outcome.error.message };
        }
        return { status: 'terminated', error: '' };
      };
      const outcome = await host.runWorkflow(workflowRequest('workflows.touchAll'), engine);
      const result = succeeded(outcome) as { pid: number; loads: number };
      expect(engine.graphs).toEqual([
        [
          expect.objectContaining({ id: 'task-1', instance_id: 'server_1', depends_on: [] }),
          expect.objectContaining({ id: 'task-2', instance_id: 'db_1', depends_on: ['task-1'] }),
        ],
      ]);
      // The operation ran the same module in another process of the same plugin.
      const op = await host.run(
        request('tasks.touch', { plugin: workflowRequest('x').plugin }),
        callbacks,
      );
      expect(op).toMatchObject({ status: 'succeeded', result: { loads: 1 } });
      expect(op.status === 'succeeded' && (op.result as { pid: number }).pid).not.toBe(result.pid);
      expect(result.loads).toBe(1);
    } finally {
      await host.close();
    }
  });

  it('reports V8 heap exhaustion in a workflow as OutOfMemoryError', async () => {
    const host = executor({ memoryLimitMb: 64 });
    try {
      const error = failure(
        await host.runWorkflow(workflowRequest('workflows.oom'), new RecordingEngine()),
      );
      expect(error).toMatchObject({ type: 'OutOfMemoryError', recoverable: true });
      expect(error.output_tail).toMatch(/heap/i);
    } finally {
      await host.close();
    }
  });

  it('never sends run_workflow to a worker that does not announce workflows', async () => {
    const host = executor({ workerScript: fixture('featureless-worker.js') });
    try {
      const error = failure(
        await host.runWorkflow(workflowRequest('workflows.build'), new RecordingEngine()),
      );
      expect(error).toMatchObject({ type: 'WorkflowUnsupportedError', recoverable: false });
      expect(error.message).toContain("does not announce the 'workflows' feature");
    } finally {
      await host.close();
    }
  });

  it('ends a running workflow as ExecutorClosedError on close', async () => {
    const host = executor();
    const engine = new RecordingEngine();
    const logged = new Promise<void>((resolve) => {
      engine.onLog = () => {
        resolve();
      };
    });
    const running = host.runWorkflow(workflowRequest('workflows.ignoreCancel'), engine);
    await logged;
    await host.close();
    expect(failure(await running)).toMatchObject({ type: 'ExecutorClosedError' });
    expect(
      failure(await host.runWorkflow(workflowRequest('workflows.build'), new RecordingEngine())),
    ).toMatchObject({ type: 'ExecutorClosedError' });
  });
});
