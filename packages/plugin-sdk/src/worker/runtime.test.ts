import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  encodeMessage,
  parseWorkerMessage,
  type DoneMessage,
  type RunRequest,
  type WorkerMessage,
  type WorkflowRunRequest,
} from '@cairn/plugin-protocol';
import { WorkerRuntime } from './runtime.js';
import type { WorkflowContext } from './workflow-context.js';

/** One resources folder for every request of this file, removed at the end. */
const RESOURCES = mkdtempSync(join(tmpdir(), 'cairn-runtime-'));
afterAll(() => {
  rmSync(RESOURCES, { recursive: true, force: true });
});

interface Ctx {
  instance: {
    runtime_properties: Record<string, unknown>;
    update(): Promise<void>;
    version: number;
  };
  signal: AbortSignal;
}

/** A plugin module held in memory. */
const plugin = {
  workflows: {
    async runAndRefresh(ctx: WorkflowContext): Promise<unknown> {
      const result = await ctx.getNodeInstance('n_1')?.executeOperation('create').execute();
      try {
        await ctx.refresh();
        return { result, refreshed: true };
      } catch (error) {
        return { result, refreshed: (error as Error).name };
      }
    },
    async cancelled(ctx: WorkflowContext): Promise<unknown> {
      try {
        await ctx.getNodeInstance('n_1')?.setState('started').execute();
        return 'the graph ended';
      } catch (error) {
        return { name: (error as Error).name, aborted: ctx.signal.aborted };
      }
    },
  },
  tasks: {
    async store(ctx: Ctx): Promise<number> {
      ctx.instance.runtime_properties.stored = true;
      await ctx.instance.update();
      return ctx.instance.version;
    },
    async wait(ctx: Ctx): Promise<string> {
      await new Promise((resolve) => {
        ctx.signal.addEventListener('abort', resolve);
      });
      return 'aborted';
    },
  },
};

function request(fn: string): RunRequest {
  return {
    task_id: 't',
    execution_id: 'e',
    deployment_id: 'd',
    blueprint_id: 'b',
    workflow_id: 'w',
    tenant: 't',
    plugin: { name: 'p', package_name: null, package_version: null, source: null, properties: {} },
    operation: { name: 'op', function: fn, retry_number: 0, max_retries: 0 },
    inputs: {},
    timeout: null,
    timeout_recoverable: false,
    node: {
      id: 'n',
      name: 'n',
      type: 'T',
      type_hierarchy: ['T'],
      properties: {},
      number_of_instances: 1,
    },
    instance: {
      id: 'n_1',
      runtime_properties: {},
      version: 1,
      host_id: null,
      host_ip: null,
      index: 1,
      scaling_groups: [],
    },
    resources_path: RESOURCES,
    workdir: join(tmpdir(), 'cairn-runtime-workdir'),
  };
}

function workflowRequest(fn: string): WorkflowRunRequest {
  return {
    task_id: 'w',
    execution_id: 'e',
    deployment_id: 'd',
    blueprint_id: 'b',
    workflow_id: 'my_wf',
    tenant: 't',
    plugin: { name: 'p', package_name: null, package_version: null, source: null, properties: {} },
    function: fn,
    parameters: {},
    nodes: [
      {
        id: 'n',
        type: 'T',
        type_hierarchy: ['T'],
        properties: {},
        operations: ['create'],
        number_of_instances: 1,
      },
    ],
    instances: [
      {
        id: 'n_1',
        node_id: 'n',
        state: null,
        runtime_properties: {},
        host_id: null,
        index: 1,
        relationships: [],
      },
    ],
    resume: false,
    resources_path: '/nowhere',
    workdir: '/nowhere',
  };
}

/** A runtime wired to an in-memory "host": every message goes through the real encoding. */
function harness() {
  const sent: WorkerMessage[] = [];
  const output: string[] = [];
  const waiters: (() => void)[] = [];
  const runtime = new WorkerRuntime({
    send: (message) => {
      const parsed = parseWorkerMessage(encodeMessage(message).trimEnd());
      if (!parsed.ok) throw new Error(parsed.issue.message);
      sent.push(parsed.message);
      for (const wake of waiters.splice(0)) wake();
    },
    importModule: () => Promise.resolve(plugin),
    writeOutput: (_stream, text) => output.push(text),
    exit: () => undefined,
  });
  const next = async <T extends WorkerMessage['type']>(
    type: T,
  ): Promise<Extract<WorkerMessage, { type: T }>> => {
    for (;;) {
      const found = sent.find((message) => message.type === type);
      if (found !== undefined) {
        sent.splice(sent.indexOf(found), 1);
        return found as Extract<WorkerMessage, { type: T }>;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { runtime, next, output };
}

describe('WorkerRuntime (in-memory transport)', () => {
  it('says hello, runs after welcome, serves ctx.instance.update through an rpc', async () => {
    const { runtime, next, output } = harness();
    runtime.start();
    expect(await next('hello')).toMatchObject({ protocol: PROTOCOL_VERSION });
    runtime.receive({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      entry: '/x.js',
      rpc_timeout_ms: 1000,
    });
    runtime.receive({ type: 'run', id: 'op-1', request: request('tasks.store') });
    const rpc = await next('rpc');
    expect(rpc).toEqual({
      type: 'rpc',
      id: 'op-1',
      call_id: 1,
      method: 'instance.update',
      params: { instance_id: 'n_1', runtime_properties: { stored: true }, version: 1 },
    });
    runtime.receive({ type: 'rpc_result', id: 'op-1', call_id: 1, result: { version: 2 } });
    expect(await next('done')).toEqual<DoneMessage>({
      type: 'done',
      id: 'op-1',
      outcome: { status: 'succeeded', result: 2, runtime_properties: {} },
    });
    expect(output.filter((text) => text.includes('op-1'))).toHaveLength(2);
  });

  it('rejects the pending rpc with the host error, and when the channel closes', async () => {
    const { runtime, next } = harness();
    runtime.receive({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      entry: '/x.js',
      rpc_timeout_ms: 1000,
    });
    runtime.receive({ type: 'run', id: 'op-1', request: request('tasks.store') });
    const rpc = await next('rpc');
    runtime.receive({
      type: 'rpc_result',
      id: 'op-1',
      call_id: rpc.call_id,
      error: { type: 'ConflictError', message: 'stale', code: 'CONFLICT' },
    });
    expect((await next('done')).outcome).toMatchObject({
      status: 'failed',
      error: { type: 'RecoverableError', message: 'stale' },
      runtime_properties: { n_1: { stored: true } },
    });
    runtime.receive({ type: 'run', id: 'op-2', request: request('tasks.store') });
    await next('rpc');
    runtime.channelClosed();
    expect((await next('done')).outcome).toMatchObject({
      status: 'failed',
      error: { message: 'the plugin host went away' },
    });
  });

  it('aborts ctx.signal on cancel, and refuses work before welcome or while busy', async () => {
    const { runtime, next } = harness();
    runtime.receive({ type: 'run', id: 'early', request: request('tasks.wait') });
    expect((await next('done')).outcome).toMatchObject({ error: { type: 'ProtocolError' } });
    runtime.receive({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      entry: '/x.js',
      rpc_timeout_ms: 1000,
    });
    runtime.receive({ type: 'run', id: 'op-1', request: request('tasks.wait') });
    runtime.receive({ type: 'run', id: 'op-2', request: request('tasks.wait') });
    expect(await next('done')).toMatchObject({
      id: 'op-2',
      outcome: { error: { message: 'run while busy' } },
    });
    runtime.receive({ type: 'cancel', id: 'op-1' });
    expect(await next('done')).toMatchObject({
      id: 'op-1',
      outcome: { status: 'succeeded', result: 'aborted' },
    });
  });

  it('runs up to max_concurrent at once when welcomed so, keeping them apart by id', async () => {
    const { runtime, next } = harness();
    runtime.start();
    expect((await next('hello')).features).toContain('concurrent');
    runtime.receive({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      entry: '/x.js',
      rpc_timeout_ms: 1000,
      max_concurrent: 2,
    });
    runtime.receive({ type: 'run', id: 'op-1', request: request('tasks.wait') });
    runtime.receive({ type: 'run', id: 'op-2', request: request('tasks.store') });
    runtime.receive({ type: 'run', id: 'op-3', request: request('tasks.wait') });
    expect(await next('done')).toMatchObject({
      id: 'op-3',
      outcome: { error: { type: 'ProtocolError', message: 'run while busy' } },
    });
    // op-2 calls the host while op-1 still waits; each answer reaches its own run.
    const rpc = await next('rpc');
    expect(rpc).toMatchObject({ id: 'op-2', method: 'instance.update' });
    runtime.receive({
      type: 'rpc_result',
      id: 'op-2',
      call_id: rpc.call_id,
      result: { version: 5 },
    });
    expect(await next('done')).toMatchObject({
      id: 'op-2',
      outcome: { status: 'succeeded', result: 5 },
    });
    runtime.receive({ type: 'run', id: 'op-1', request: request('tasks.wait') });
    expect(await next('done')).toMatchObject({
      id: 'op-1',
      outcome: { error: { message: 'run with the id op-1 of a run in progress' } },
    });
    runtime.receive({ type: 'cancel', id: 'op-1' });
    expect(await next('done')).toMatchObject({
      id: 'op-1',
      outcome: { status: 'succeeded', result: 'aborted' },
    });
  });

  it('announces workflows; run_graph waits past the rpc timeout, other calls do not', async () => {
    const { runtime, next } = harness();
    runtime.start();
    expect(await next('hello')).toMatchObject({ features: ['workflows', 'concurrent'] });
    runtime.receive({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      entry: '/x.js',
      rpc_timeout_ms: 30,
    });
    runtime.receive({
      type: 'run_workflow',
      id: 'wf-1',
      request: workflowRequest('workflows.runAndRefresh'),
    });
    const graph = await next('rpc');
    expect(graph).toMatchObject({
      method: 'workflow.run_graph',
      params: {
        tasks: [
          {
            id: 'task-1',
            instance_id: 'n_1',
            depends_on: [],
            kind: 'operation',
            operation: 'create',
          },
        ],
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    runtime.receive({
      type: 'rpc_result',
      id: 'wf-1',
      call_id: graph.call_id,
      result: { status: 'terminated', error: '' },
    });
    expect(await next('rpc')).toMatchObject({ method: 'workflow.instances', params: {} });
    // Left unanswered: workflow.instances has the ordinary rpc timeout.
    expect(await next('done')).toEqual<DoneMessage>({
      type: 'done',
      id: 'wf-1',
      outcome: {
        status: 'succeeded',
        result: { result: { status: 'terminated', error: '' }, refreshed: 'TimeoutError' },
      },
    });
  });

  it('gives up a pending run_graph at once when the workflow is cancelled', async () => {
    const { runtime, next } = harness();
    runtime.receive({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      entry: '/x.js',
      rpc_timeout_ms: 1000,
    });
    runtime.receive({
      type: 'run_workflow',
      id: 'wf-1',
      request: workflowRequest('workflows.cancelled'),
    });
    const graph = await next('rpc');
    runtime.receive({ type: 'cancel', id: 'wf-1' });
    expect(await next('done')).toEqual<DoneMessage>({
      type: 'done',
      id: 'wf-1',
      outcome: { status: 'succeeded', result: { name: 'CancelledError', aborted: true } },
    });
    // The engine's late answer finds no call waiting and changes nothing.
    runtime.receive({
      type: 'rpc_result',
      id: 'wf-1',
      call_id: graph.call_id,
      result: { status: 'terminated', error: '' },
    });
  });
});
