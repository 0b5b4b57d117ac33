/** download() on its own, against a local server: what the task-level tests cannot reach. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayUrl, download, type DownloadRequest } from './download.js';

let server: Server;
let base: string;
let seen: IncomingHttpHeaders = {};

beforeAll(async () => {
  server = createServer((request, response) => {
    seen = request.headers;
    if (request.url === '/busy') {
      response.writeHead(429, { 'retry-after': '7' }).end();
    } else if (request.url === '/slow') {
      response.writeHead(200);
      response.write('a');
    } else {
      response.writeHead(200).end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function request(url: string, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return {
    url: new URL(url),
    headers: {},
    timeoutMs: 5000,
    maxBytes: 1000,
    signal: new AbortController().signal,
    ...extra,
  };
}

const discard = (): Promise<void> => Promise.resolve();

describe('download', () => {
  it('sends user info in the URL as Basic auth, never shows it, and asks for no encoding', async () => {
    const url = `${base.replace('//', '//ada:p%40ss@')}/x?token=abc`;
    await download(request(url), discard);
    expect(seen.authorization).toBe(`Basic ${Buffer.from('ada:p@ss').toString('base64')}`);
    expect(displayUrl(url)).toBe(`${base}/x?…`);
    // Bytes as stored: no compression for fetch to undo.
    expect(seen['accept-encoding']).toBe('identity');
  });

  it('makes a 429 recoverable, with its Retry-After', async () => {
    await expect(download(request(`${base}/busy`), discard)).rejects.toMatchObject({
      name: 'RecoverableError',
      retryAfter: 7,
      message: `${base}/busy answered 429 Too Many Requests`,
    });
  });

  it('rejects with the cancellation reason when its signal aborts', async () => {
    const controller = new AbortController();
    const reason = Object.assign(new Error('the operation was cancelled'), {
      name: 'CancelledError',
    });
    setTimeout(() => {
      controller.abort(reason);
    }, 100);
    await expect(
      download(request(`${base}/slow`, { signal: controller.signal }), discard),
    ).rejects.toBe(reason);
  });
});
