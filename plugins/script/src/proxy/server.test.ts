/**
 * The ctx proxy as Cloudify's own clients use it: `POST {"args": [...]}` with JSON arguments
 * already decoded, a JSON answer `{"type", "payload"}` with HTTP 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeContext, type FakeContext } from '../testing/fake-context.js';
import { ctxView, ScriptState } from './ctx-view.js';
import { PyCallable, PyObject } from './python-object.js';
import { startCtxProxy, type CtxProxy } from './server.js';

let dir: string;
let fake: FakeContext;
let state: ScriptState;
let proxy: CtxProxy;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-proxy-test-'));
  fake = fakeContext(dir, { properties: { port: 80 }, runtimeProperties: { a: { b: [1, 2] } } });
  state = new ScriptState();
  proxy = await startCtxProxy(ctxView(fake.ctx, state));
});

afterEach(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends a raw request; resolves to the status, the kind of answer (`x-ctx-result`), the body. */
function post(
  url: string,
  body: string,
  method = 'POST',
): Promise<{ status: number; kind: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const kind = res.headers['x-ctx-result'];
        resolve({
          status: res.statusCode ?? 0,
          kind: typeof kind === 'string' ? kind : undefined,
          body: text,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function call(args: unknown[]): Promise<unknown> {
  const answer = await post(proxy.url, JSON.stringify({ args }));
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body);
}

describe('the ctx proxy for Cloudify clients', () => {
  it('answers results, writes and calls as {type, payload}', async () => {
    expect(await call(['instance', 'runtime_properties', 'a.b[1]'])).toEqual({
      type: 'result',
      payload: 2,
    });
    expect(await call(['instance', 'runtime-properties', 'x.y', { deep: true }])).toEqual({
      type: 'result',
      payload: null,
    });
    expect(fake.runtimeProperties).toEqual({ a: { b: [1, 2] }, x: { y: { deep: true } } });
    expect(await call(['node', 'properties'])).toEqual({ type: 'result', payload: { port: 80 } });
    expect(await call(['logger', 'info', 'from python'])).toEqual({
      type: 'result',
      payload: null,
    });
    expect(fake.logs).toContainEqual({ level: 'info', message: 'from python' });
  });

  it('answers errors with the Python exception type and stop_operation after an abort', async () => {
    expect(await call(['instance', 'runtime_properties', 'missing'])).toEqual({
      type: 'error',
      payload: { type: 'RuntimeError', message: 'illegal path: missing', traceback: '' },
    });
    expect(await call(['node'])).toMatchObject({
      type: 'error',
      payload: {
        type: 'TypeError',
        message: 'Object of type NodeContext is not JSON serializable',
      },
    });
    expect(await call(['source'])).toMatchObject({
      type: 'error',
      payload: { type: 'NonRecoverableError' },
    });
    expect(await call(['abort_operation', 'stop here'])).toEqual({
      type: 'stop_operation',
      payload: { message: 'stop here' },
    });
    expect(state.ending).toEqual({ kind: 'abort', message: 'stop here' });
  });

  it('refuses other paths, other methods and malformed requests', async () => {
    const other = new URL(proxy.url);
    other.pathname = '/ctx/guess';
    expect((await post(other.href, '{"args": []}')).status).toBe(404);
    expect((await post(proxy.url, '', 'GET')).status).toBe(405);
    expect(JSON.parse((await post(proxy.url, 'not json')).body)).toMatchObject({
      type: 'error',
      payload: { type: 'ValueError', message: 'the ctx request is not JSON' },
    });
    expect(JSON.parse((await post(proxy.url, '{"argz": 1}')).body)).toMatchObject({
      type: 'error',
      payload: { message: "a ctx request needs 'args', a list" },
    });
  });

  it('answers a call to an ended run with an error, as each client reads it', async () => {
    const url = proxy.url;
    await proxy.close();
    const cloudify = await post(url, '{"args": ["node", "id"]}');
    expect(cloudify.status).toBe(404);
    expect(JSON.parse(cloudify.body)).toEqual({
      type: 'error',
      payload: {
        type: 'RuntimeError',
        message:
          'no running operation has this ctx proxy URL (its operation has ended, or the URL is wrong)',
        traceback: '',
      },
    });
    const cairn = await post(
      url,
      '{"args": ["node", "id"], "cairn_client": {"json_arg_prefix": "@", "output": "text"}}',
    );
    expect(cairn).toMatchObject({ status: 404, kind: 'error' });
    expect(cairn.body).toMatch(/^RuntimeError: no running operation has this ctx proxy URL/);
    proxy = await startCtxProxy(ctxView(fake.ctx, state));
  });
});

describe('endpoints', () => {
  it('serves runs side by side, each at its own URL', async () => {
    const other = fakeContext(dir, { properties: { port: 443 } });
    const second = await startCtxProxy(ctxView(other.ctx, new ScriptState()));
    try {
      expect(second.url).not.toBe(proxy.url);
      expect(second.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ctx\/[0-9a-f]{32}$/);
      const [mine, theirs] = await Promise.all([
        call(['node', 'properties', 'port']),
        post(second.url, JSON.stringify({ args: ['node', 'properties', 'port'] })),
      ]);
      expect(mine).toEqual({ type: 'result', payload: 80 });
      expect(JSON.parse(theirs.body)).toEqual({ type: 'result', payload: 443 });
      await second.close();
      expect(await call(['node', 'properties', 'port'])).toEqual({ type: 'result', payload: 80 });
      expect((await post(second.url, '{"args": []}')).status).toBe(404);
    } finally {
      await second.close();
    }
  });

  it('gives an ended run’s endpoint to the next run, not its calls', async () => {
    const ended = proxy.url;
    await proxy.close();
    const next = fakeContext(dir, { properties: { port: 8443 } });
    proxy = await startCtxProxy(ctxView(next.ctx, new ScriptState()));
    expect(new URL(proxy.url).port).toBe(new URL(ended).port);
    expect(proxy.url).not.toBe(ended);
    expect((await post(ended, '{"args": ["node", "properties", "port"]}')).status).toBe(404);
    expect(await call(['node', 'properties', 'port'])).toEqual({ type: 'result', payload: 8443 });
  });

  it('drops the calls a run still has open when it ends', async () => {
    const started: string[] = [];
    const hanging = await startCtxProxy(
      new PyObject('Ctx', {
        wait: new PyCallable('wait', [], 0, () => {
          started.push('wait');
          return new Promise(() => undefined);
        }),
      }),
    );
    const pending = post(hanging.url, '{"args": ["wait"]}');
    while (started.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await hanging.close();
    await expect(pending).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await call(['node', 'properties', 'port'])).toEqual({ type: 'result', payload: 80 });
  });

  it('does not keep the process alive', () => {
    expect(process.getActiveResourcesInfo()).not.toContain('TCPServerWrap');
  });
});
