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

/** Sends a raw request; resolves to the status and body. */
function post(
  url: string,
  body: string,
  method = 'POST',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text });
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

  it('stops answering once closed', async () => {
    const url = proxy.url;
    await proxy.close();
    await expect(post(url, '{"args": []}')).rejects.toThrow(/ECONNREFUSED/);
    proxy = await startCtxProxy(ctxView(fake.ctx, state));
  });
});
