import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Executor, OperationOutcome } from '@cairn/engine';
import { createLocalExecutor } from '../src/index.js';
import { FAULTY_PLUGIN, RecordingCallbacks, fixture, instance, node, request } from './helpers.js';

const GRACE_MS = 500;

function executor(options: { memoryLimitMb?: number; maxUsesPerWorker?: number } = {}): Executor {
  return createLocalExecutor({
    resolvePlugin: (plugin) => {
      switch (plugin.name) {
        case 'faulty':
          return { entry: FAULTY_PLUGIN };
        case 'broken':
          return { entry: fixture('broken-plugin/index.js') };
        default:
          return undefined;
      }
    },
    killGraceMs: GRACE_MS,
    ...options,
  });
}

function failure(outcome: OperationOutcome) {
  if (outcome.status !== 'failed')
    throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

/**
 * Runs `fn` while a slow operation runs beside it on another worker of the same pool, and checks
 * that the neighbour succeeds and that the failure comes within `limitMs`.
 */
async function beside(
  host: Executor,
  faulty: Parameters<Executor['run']>[0],
  limitMs: number,
  signal?: AbortSignal,
): Promise<{ outcome: OperationOutcome; elapsed: number; callbacks: RecordingCallbacks }> {
  const callbacks = new RecordingCallbacks();
  const started = Date.now();
  const [outcome, neighbour] = await Promise.all([
    host.run(faulty, callbacks, signal).then((value) => ({ value, elapsed: Date.now() - started })),
    host.run(request('slow', { inputs: { ms: 400 } }), new RecordingCallbacks()),
  ]);
  expect(neighbour).toMatchObject({ status: 'succeeded', result: 'slow done' });
  expect(outcome.elapsed).toBeLessThan(limitMs);
  return { outcome: outcome.value, elapsed: outcome.elapsed, callbacks };
}

describe('createLocalExecutor', () => {
  const host = executor();
  afterAll(async () => {
    await host.close();
  });

  it('runs an operation: result, runtime properties, logs and output lines', async () => {
    const callbacks = new RecordingCallbacks();
    const req = request('ok', { inputs: { name: 'cairn' } });
    const outcome = await host.run(req, callbacks);
    expect(outcome).toEqual({
      status: 'succeeded',
      result: { echo: { name: 'cairn' }, node: 'server', type: 'node-instance' },
      runtime_properties: { [req.instance!.id]: { created: true } },
    });
    // stdout, stderr and the channel are separate pipes: order holds within each, not across.
    const info = callbacks.messages('info');
    expect(info).toContain('hello cairn');
    expect(info.filter((message) => message !== 'hello cairn')).toEqual([
      'a line on stdout',
      'no newline at the end',
    ]);
    expect(callbacks.messages('error')).toEqual(['a line on stderr']);
  });

  it('shows a node operation the whole ctx, with frozen node properties', async () => {
    const target = { node: node('db'), instance: instance('db_1', { ip: '10.0.0.2' }) };
    const req = request('describe', {
      instance: instance(
        'server_1',
        {},
        {
          index: 2,
          host_ip: '10.0.0.1',
          relationships: [
            {
              type: 'cloudify.relationships.connected_to',
              type_hierarchy: [
                'cloudify.relationships.depends_on',
                'cloudify.relationships.connected_to',
              ],
              target,
            },
          ],
        },
      ),
    });
    const outcome = await host.run(req, new RecordingCallbacks());
    expect(outcome).toMatchObject({
      status: 'succeeded',
      runtime_properties: {},
      result: {
        type: 'node-instance',
        node: { id: 'server', name: 'server', type: 'cloudify.nodes.Root' },
        number_of_instances: 1,
        instance: { id: 'server_1', index: 2, host_ip: '10.0.0.1' },
        relationships: [
          {
            type: 'cloudify.relationships.connected_to',
            target: 'db',
            target_instance: 'db_1',
            target_ip: '10.0.0.2',
          },
        ],
        deployment: 'dep-1',
        blueprint: 'bp-1',
        execution_id: 'exec-1',
        workflow_id: 'install',
        tenant_name: 'default_tenant',
        task_id: req.task_id,
        plugin: { name: 'faulty', properties: { region: 'eu' } },
        workdir_exists: true,
        operation: {
          name: 'cloudify.interfaces.lifecycle.create',
          retry_number: 0,
          max_retries: 3,
        },
        frozen: 'TypeError',
      },
    });
  });

  it('finds functions by property path and reports a missing one as non-recoverable', async () => {
    await expect(
      host.run(request('nested.deep.fn', { inputs: { value: 7 } }), new RecordingCallbacks()),
    ).resolves.toMatchObject({ status: 'succeeded', result: 'deep 7' });
    const missing = failure(await host.run(request('nested.nope'), new RecordingCallbacks()));
    expect(missing).toMatchObject({ type: 'NonRecoverableError', recoverable: false });
    expect(missing.message).toContain('nested.nope');
  });

  it('classifies thrown errors by name, Cloudify style', async () => {
    const run = async (fn: string) =>
      failure(await host.run(request(fn), new RecordingCallbacks()));
    expect(await run('throwNonRecoverable')).toMatchObject({
      type: 'NonRecoverableError',
      recoverable: false,
      message: 'this cannot work',
      causes: [{ type: 'ValueError', message: 'bad value', traceback: 'here' }],
    });
    expect(await run('throwRecoverable')).toMatchObject({
      type: 'RecoverableError',
      recoverable: true,
      message: 'try again later',
      retry_after: 7,
    });
    const plain = await run('throwPlain');
    expect(plain).toMatchObject({ type: 'RecoverableError', recoverable: true });
    expect(plain.traceback).toMatch(/^TypeError: /);
    expect(await run('throwString')).toMatchObject({
      type: 'RecoverableError',
      message: 'just a string',
    });
  });

  it('reports runtime properties of a failed operation, and the error’s causes', async () => {
    const req = request('failAfterChange');
    const outcome = await host.run(req, new RecordingCallbacks());
    expect(outcome).toMatchObject({
      status: 'failed',
      error: {
        type: 'RecoverableError',
        message: 'failed halfway',
        causes: [{ type: 'Error', message: 'the root cause' }],
      },
      runtime_properties: { [req.instance!.id]: { half: 'done' } },
    });
  });

  it('turns ctx.operation.retry into an OperationRetry failure', async () => {
    const req = request('retry', {
      operation: { name: 'op', function: 'retry', retry_number: 2, max_retries: 5 },
    });
    const outcome = await host.run(req, new RecordingCallbacks());
    expect(outcome).toEqual({
      status: 'failed',
      error: {
        type: 'OperationRetry',
        recoverable: true,
        message: 'not ready yet',
        retry_after: 5,
      },
      runtime_properties: { [req.instance!.id]: { attempt: 2 } },
    });
  });

  it('stores runtime properties through ctx.instance.update and adopts the new version', async () => {
    const callbacks = new RecordingCallbacks();
    const req = request('update');
    const outcome = await host.run(req, callbacks);
    expect(outcome).toEqual({
      status: 'succeeded',
      result: { first: 2, second: 3 },
      runtime_properties: {},
    });
    expect(callbacks.stored).toEqual([
      { instanceId: req.instance!.id, properties: { step: 1 }, version: 1 },
      { instanceId: req.instance!.id, properties: { step: 2 }, version: 2 },
    ]);
  });

  it('rejects a stale ctx.instance.update with the engine’s ConflictError', async () => {
    const callbacks = new RecordingCallbacks();
    const req = request('staleUpdate');
    callbacks.versions.set(req.instance!.id, 5);
    const outcome = await host.run(req, callbacks);
    expect(outcome).toMatchObject({
      status: 'succeeded',
      result: { name: 'ConflictError' },
      runtime_properties: { [req.instance!.id]: { step: 1 } },
    });
  });

  it('runs relationship operations with ctx.source and ctx.target, and reports both ends', async () => {
    const req = request('relationship', {
      operation: {
        name: 'cloudify.interfaces.relationship_lifecycle.establish',
        function: 'relationship',
        retry_number: 0,
        max_retries: 0,
        relationship: 'source',
      },
      node: undefined,
      instance: undefined,
      source: { node: node('app'), instance: instance('app_1') },
      target: { node: node('db'), instance: instance('db_1', { ip: '10.0.0.9' }) },
    });
    const outcome = await host.run(req, new RecordingCallbacks());
    expect(outcome).toEqual({
      status: 'succeeded',
      result: {
        type: 'relationship-instance',
        relationship: 'source',
        source: 'app',
        target: 'db',
        nodeError: 'NonRecoverableError',
      },
      runtime_properties: {
        app_1: { target_ip: '10.0.0.9' },
        db_1: { ip: '10.0.0.9', connected: 'app_1' },
      },
    });
    const misuse = failure(await host.run(request('sourceInNodeOp'), new RecordingCallbacks()));
    expect(misuse).toMatchObject({ type: 'NonRecoverableError', recoverable: false });
    expect(misuse.message).toContain('ctx.source');
  });

  it('reads, downloads and renders blueprint resources, and refuses escapes', async () => {
    const req = request('resources', { inputs: { port: 8080 } });
    const outcome = await host.run(req, new RecordingCallbacks());
    expect(outcome.status).toBe('succeeded');
    const result = (outcome as { result: Record<string, string | number> }).result;
    expect(result).toMatchObject({
      text: 'Hello from the blueprint\n',
      length: 25,
      rendered: 'port=8080\nnode=server\nname=A\nname=B\n',
      escape: 'NonRecoverableError',
    });
    expect(readFileSync(String(result.copied), 'utf8')).toBe('Hello from the blueprint\n');
    expect(readFileSync(String(result.renderedFile), 'utf8')).toBe(
      'port=1\nnode=server\nname=A\nname=B\n',
    );
    expect(existsSync(req.workdir)).toBe(true);
  });

  it('fails a plugin that is not installed, or does not load, as non-recoverable', async () => {
    const missing = request('ok');
    const notFound = failure(
      await host.run(
        { ...missing, plugin: { ...missing.plugin, name: 'ghost' } },
        new RecordingCallbacks(),
      ),
    );
    expect(notFound).toMatchObject({ type: 'PluginNotFoundError', recoverable: false });
    expect(notFound.message).toContain('"ghost"');
    const broken = failure(
      await host.run(
        { ...missing, plugin: { ...missing.plugin, name: 'broken' } },
        new RecordingCallbacks(),
      ),
    );
    expect(broken).toMatchObject({ type: 'NonRecoverableError', recoverable: false });
    expect(broken.message).toContain('broken at import time');
  });

  it('reports a worker that exits mid-operation as WorkerCrashedError', async () => {
    const { outcome } = await beside(host, request('exit'), 5000);
    const error = failure(outcome);
    expect(error).toMatchObject({ type: 'WorkerCrashedError', recoverable: true });
    expect(error.message).toContain('exited with code 3');
    expect(error.output_tail).toContain('about to exit');
  });

  it('kills a hung operation at its timeout (TimeoutError, recoverable only if said)', async () => {
    const { outcome, elapsed } = await beside(host, request('hang', { timeout: 1 }), 1000 + 5000);
    expect(failure(outcome)).toMatchObject({ type: 'TimeoutError', recoverable: false });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    const recoverable = await host.run(
      request('hang', { timeout: 0.5, timeout_recoverable: true }),
      new RecordingCallbacks(),
    );
    expect(failure(recoverable)).toMatchObject({ type: 'TimeoutError', recoverable: true });
  });

  it('survives a stdout flood with bounded logs, and the operation still succeeds', async () => {
    const { outcome, callbacks } = await beside(
      host,
      request('flood', { inputs: { mb: 16 } }),
      20_000,
    );
    expect(outcome).toMatchObject({ status: 'succeeded', result: 'flooded' });
    const forwarded = callbacks.logs.reduce((sum, log) => sum + log.message.length, 0);
    expect(forwarded).toBeLessThan(1024 * 1024 + 64 * 1024);
    expect(callbacks.logs.at(-1)?.message).toMatch(/lines of output were dropped/);
  });

  it('kills a worker that writes garbage on its channel (ProtocolError)', async () => {
    const { outcome } = await beside(host, request('garbage'), 5000);
    const error = failure(outcome);
    expect(error).toMatchObject({ type: 'ProtocolError', recoverable: true });
    expect(error.message).toContain('PROTOCOL_INVALID_JSON');
  });

  it('cancels a cooperative operation: CancelledError, the worker lives on', async () => {
    const controller = new AbortController();
    const req = request('waitForCancel');
    setTimeout(() => {
      controller.abort();
    }, 200);
    const { outcome } = await beside(host, req, GRACE_MS + 5000, controller.signal);
    // The exact message shows it stopped by itself: a killed one says it did not stop in time.
    expect(outcome).toEqual({
      status: 'failed',
      error: { type: 'CancelledError', recoverable: false, message: 'the operation was cancelled' },
      runtime_properties: { [req.instance!.id]: { waited: true } },
    });
  });

  it('kills an operation that ignores cancel after the grace', async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const { outcome, elapsed } = await beside(
      host,
      request('ignoreCancel'),
      5000,
      controller.signal,
    );
    expect(failure(outcome)).toMatchObject({ type: 'CancelledError', recoverable: false });
    expect(elapsed).toBeGreaterThanOrEqual(200 + GRACE_MS);
  });

  it('cancels at once when the signal is already aborted', async () => {
    const outcome = await host.run(request('ok'), new RecordingCallbacks(), AbortSignal.abort());
    expect(failure(outcome)).toMatchObject({ type: 'CancelledError' });
  });

  it('caps what ctx.logger may forward per operation', async () => {
    const callbacks = new RecordingCallbacks();
    const small = createLocalExecutor({
      resolvePlugin: () => ({ entry: FAULTY_PLUGIN }),
      maxLogBytesPerOperation: 100,
    });
    try {
      const outcome = await small.run(request('chatty', { inputs: { lines: 100 } }), callbacks);
      expect(outcome).toMatchObject({ status: 'succeeded', result: 'talked' });
      expect(callbacks.messages('debug').length).toBeLessThan(20);
      expect(callbacks.messages('warning')).toEqual([
        "the operation's output reached 100 characters; further output is dropped",
        expect.stringMatching(/^\d+ lines of output were dropped$/),
      ]);
    } finally {
      await small.close();
    }
  });
});

describe('a plugin that declares concurrentOperations', () => {
  const CONCURRENCY = 3;
  const concurrent = (options: { workerScript?: string; maxWorkersPerPlugin?: number } = {}) =>
    createLocalExecutor({
      resolvePlugin: () => ({ entry: FAULTY_PLUGIN, concurrentOperations: CONCURRENCY }),
      killGraceMs: GRACE_MS,
      ...options,
    });

  /** The pid an operation returned. */
  const pidOf = (outcome: OperationOutcome): unknown =>
    outcome.status === 'succeeded' ? outcome.result : outcome.error.message;

  it('runs that many operations at once in one worker; more wait for a free slot', async () => {
    const host = concurrent({ maxWorkersPerPlugin: 1 });
    try {
      const warm = pidOf(await host.run(request('pid'), new RecordingCallbacks()));
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: CONCURRENCY + 1 }, () =>
          host.run(request('pid', { inputs: { ms: 400 } }), new RecordingCallbacks()),
        ),
      );
      const elapsed = Date.now() - started;
      expect(outcomes.map(pidOf)).toEqual(Array.from({ length: CONCURRENCY + 1 }, () => warm));
      // Three at once, then the fourth: two rounds of 400 ms, not four.
      expect(elapsed).toBeGreaterThanOrEqual(800);
      expect(elapsed).toBeLessThan(1500);
    } finally {
      await host.close();
    }
  });

  it('ends an operation at its timeout by cancelling it; the others and the worker go on', async () => {
    const host = concurrent();
    try {
      const warm = pidOf(await host.run(request('pid'), new RecordingCallbacks()));
      const timed = request('waitForCancel', { timeout: 0.3 });
      const [outcome, neighbour] = await Promise.all([
        host.run(timed, new RecordingCallbacks()),
        host.run(request('pid', { inputs: { ms: 800 } }), new RecordingCallbacks()),
      ]);
      expect(outcome).toEqual({
        status: 'failed',
        error: {
          type: 'TimeoutError',
          recoverable: false,
          message: 'the operation ran past its timeout of 0.3 s',
        },
        runtime_properties: { [timed.instance!.id]: { waited: true } },
      });
      expect(pidOf(neighbour)).toBe(warm);
      expect(pidOf(await host.run(request('pid'), new RecordingCallbacks()))).toBe(warm);
    } finally {
      await host.close();
    }
  });

  it('kills the worker when an operation ignores its cancel; its neighbours are told why', async () => {
    const host = concurrent();
    try {
      await host.run(request('pid'), new RecordingCallbacks());
      const controller = new AbortController();
      setTimeout(() => {
        controller.abort();
      }, 200);
      const stubborn = request('ignoreCancel');
      const [outcome, neighbour] = await Promise.all([
        host.run(stubborn, new RecordingCallbacks(), controller.signal),
        host.run(request('slow', { inputs: { ms: 5000 } }), new RecordingCallbacks()),
      ]);
      expect(failure(outcome)).toMatchObject({
        type: 'CancelledError',
        message: `the operation was cancelled and did not stop within ${GRACE_MS} ms; the worker was killed`,
      });
      const error = failure(neighbour);
      expect(error.type).toBe('WorkerCrashedError');
      expect(error.message).toMatch(
        /was killed because operation op-\d+, running beside this operation, did not stop/,
      );
      // The pool replaces the worker.
      expect(await host.run(request('pid'), new RecordingCallbacks())).toMatchObject({
        status: 'succeeded',
      });
    } finally {
      await host.close();
    }
  });

  it('runs one at a time on a worker that does not announce the concurrent feature', async () => {
    const host = concurrent({ workerScript: fixture('serial-worker.js'), maxWorkersPerPlugin: 1 });
    try {
      const started = Date.now();
      const outcomes = await Promise.all(
        [1, 2, 3].map(() => host.run(request('pid'), new RecordingCallbacks())),
      );
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ status: 'succeeded', result: { max_concurrent: null } });
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 200);
    } finally {
      await host.close();
    }
  });
});

describe('worker lifecycle', () => {
  it('reports V8 heap exhaustion as OutOfMemoryError', async () => {
    const host = executor({ memoryLimitMb: 64 });
    try {
      const { outcome } = await beside(host, request('oom'), 15_000);
      const error = failure(outcome);
      expect(error).toMatchObject({ type: 'OutOfMemoryError', recoverable: true });
      expect(error.output_tail).toMatch(/heap/i);
    } finally {
      await host.close();
    }
  });

  it('reuses workers and recycles them after maxUsesPerWorker', async () => {
    const host = executor({ maxUsesPerWorker: 2 });
    try {
      const pids: unknown[] = [];
      for (let i = 0; i < 5; i += 1) {
        const outcome = await host.run(request('pid'), new RecordingCallbacks());
        pids.push(outcome.status === 'succeeded' ? outcome.result : outcome.error.message);
      }
      // Two uses per worker: a a b b c.
      expect(typeof pids[0]).toBe('number');
      expect(pids[1]).toBe(pids[0]);
      expect(pids[2]).not.toBe(pids[1]);
      expect(pids[3]).toBe(pids[2]);
      expect(pids[4]).not.toBe(pids[3]);
      expect(new Set(pids).size).toBe(3);
    } finally {
      await host.close();
    }
  });

  it('runs at most maxWorkersPerPlugin workers, queueing the rest', async () => {
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: FAULTY_PLUGIN }),
      maxWorkersPerPlugin: 2,
    });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () =>
          host.run(request('pid', { inputs: { ms: 100 } }), new RecordingCallbacks()),
        ),
      );
      const pids = outcomes.map((outcome) =>
        outcome.status === 'succeeded' ? outcome.result : null,
      );
      expect(pids).not.toContain(null);
      expect(new Set(pids).size).toBe(2);
    } finally {
      await host.close();
    }
  });

  it('replaces a worker that died', async () => {
    const host = executor();
    try {
      const first = await host.run(request('pid'), new RecordingCallbacks());
      expect(failure(await host.run(request('exit'), new RecordingCallbacks())).type).toBe(
        'WorkerCrashedError',
      );
      const after = await host.run(request('pid'), new RecordingCallbacks());
      expect(after.status).toBe('succeeded');
      expect(after).not.toEqual(first);
    } finally {
      await host.close();
    }
  });

  it('refuses a worker that speaks another protocol (ProtocolMismatchError)', async () => {
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: FAULTY_PLUGIN }),
      workerScript: fixture('old-worker.js'),
      killGraceMs: GRACE_MS,
    });
    try {
      const error = failure(await host.run(request('ok'), new RecordingCallbacks()));
      expect(error).toMatchObject({ type: 'ProtocolMismatchError', recoverable: false });
      expect(error.message).toContain('protocol 999');
    } finally {
      await host.close();
    }
  });

  it('kills a worker whose hello is garbage (ProtocolError)', async () => {
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: FAULTY_PLUGIN }),
      workerScript: fixture('garbage-worker.js'),
      killGraceMs: GRACE_MS,
    });
    try {
      const error = failure(await host.run(request('ok'), new RecordingCallbacks()));
      expect(error).toMatchObject({ type: 'ProtocolError' });
    } finally {
      await host.close();
    }
  });

  it('closes idempotently; a running operation ends as ExecutorClosedError', async () => {
    const host = executor();
    const running = host.run(request('ignoreCancel'), new RecordingCallbacks());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await Promise.all([host.close(), host.close()]);
    expect(Date.now() - started).toBeLessThan(GRACE_MS + 2000);
    expect(failure(await running)).toMatchObject({ type: 'ExecutorClosedError' });
    expect(failure(await host.run(request('ok'), new RecordingCallbacks()))).toMatchObject({
      type: 'ExecutorClosedError',
    });
    await host.close();
  });
});

describe('which worker runtime runs a plugin', () => {
  const SDK_WORKER = fileURLToPath(import.meta.resolve('@cairn/plugin-sdk/worker'));

  /** A plugin folder outside the repository (so Node finds no SDK above it). */
  function pluginOutsideRepo(withSdkWorker?: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-runtime-test-'));
    copyFileSync(FAULTY_PLUGIN, join(dir, 'index.js'));
    if (withSdkWorker !== undefined) {
      const sdk = join(dir, 'node_modules', '@cairn', 'plugin-sdk');
      mkdirSync(sdk, { recursive: true });
      writeFileSync(
        join(sdk, 'package.json'),
        JSON.stringify({ name: '@cairn/plugin-sdk', exports: { './worker': './worker.js' } }),
      );
      copyFileSync(withSdkWorker, join(sdk, 'worker.js'));
    }
    return dir;
  }

  it("starts the plugin's own copy of the SDK, not the caller's fallback", async () => {
    // The plugin's "SDK" is a worker that speaks protocol 999: the refusal proves it ran.
    const dir = pluginOutsideRepo(fixture('old-worker.js'));
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: join(dir, 'index.js') }),
      fallbackRuntime: SDK_WORKER,
      killGraceMs: GRACE_MS,
    });
    try {
      const error = failure(await host.run(request('ok'), new RecordingCallbacks()));
      expect(error).toMatchObject({ type: 'ProtocolMismatchError' });
      expect(error.message).toContain('protocol 999');
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a plugin that carries no SDK on the fallback runtime', async () => {
    const dir = pluginOutsideRepo();
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: join(dir, 'index.js') }),
      fallbackRuntime: SDK_WORKER,
      killGraceMs: GRACE_MS,
    });
    try {
      const outcome = await host.run(request('ok'), new RecordingCallbacks());
      expect(outcome.status).toBe('succeeded');
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a plugin with no runtime at all with PluginNotFoundError saying what to add', async () => {
    const dir = pluginOutsideRepo();
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: join(dir, 'index.js') }),
      killGraceMs: GRACE_MS,
    });
    try {
      const error = failure(await host.run(request('ok'), new RecordingCallbacks()));
      expect(error).toMatchObject({ type: 'PluginNotFoundError', recoverable: false });
      expect(error.message).toContain('has no worker runtime');
      expect(error.message).toContain('add @cairn/plugin-sdk to its dependencies');
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spare worker processes', () => {
  const SDK_WORKER = fileURLToPath(import.meta.resolve('@cairn/plugin-sdk/worker'));

  function uptimePlugin(): string {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-spare-test-'));
    writeFileSync(
      join(dir, 'index.js'),
      'export function uptime() { return { uptime: process.uptime(), pid: process.pid }; }\n',
    );
    return dir;
  }

  async function firstRun(spareWorkers: number, waitMs: number) {
    const dir = uptimePlugin();
    const host = createLocalExecutor({
      resolvePlugin: () => ({ entry: join(dir, 'index.js') }),
      fallbackRuntime: SDK_WORKER,
      spareWorkers,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const outcome = await host.run(request('uptime'), new RecordingCallbacks());
      if (outcome.status !== 'succeeded') throw new Error(JSON.stringify(outcome));
      return outcome.result as { uptime: number; pid: number };
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("runs a fresh executor's first operation in a Node process booted before it was asked", async () => {
    const { uptime } = await firstRun(1, 1000);
    expect(uptime).toBeGreaterThan(0.9);
  });

  it('starts every worker from scratch with spareWorkers 0', async () => {
    const { uptime } = await firstRun(0, 1000);
    expect(uptime).toBeLessThan(0.9);
  });
});
