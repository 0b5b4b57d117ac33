/** cairn.nodes.Download through the test kit, against a local HTTP server. */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scratch, withDeployment } from './testing/kit.js';

const s = scratch();
const body = randomBytes(100_000);
const bodySha = createHash('sha256').update(body).digest('hex');
/** Requests seen, by path. */
const hits = new Map<string, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const count = (hits.get(path) ?? 0) + 1;
    hits.set(path, count);
    switch (path) {
      case '/files/app.tar':
        response.writeHead(200, { 'content-length': body.length }).end(body);
        return;
      case '/latest':
        response.writeHead(302, { location: '/files/app.tar' }).end();
        return;
      case '/private':
        if (request.headers.authorization !== 'Bearer s3cret') {
          response.writeHead(401).end();
          return;
        }
        response.writeHead(200).end('private');
        return;
      case '/flaky':
        if (count === 1) response.writeHead(503).end('busy');
        else response.writeHead(200).end('steady');
        return;
      case '/broken':
        response.writeHead(500).end();
        return;
      case '/stalls':
        // Headers, one byte, then nothing: the idle timeout must end it.
        response.writeHead(200);
        response.write('x');
        return;
      default:
        response.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  s.remove();
});

beforeEach(() => {
  hits.clear();
});

/** A blueprint with one Download node `d` with `properties` (YAML flow mapping entries). */
function downloadBlueprint(name: string, properties: string): string {
  return s.blueprint(
    name,
    `node_templates:
  d:
    type: cairn.nodes.Download
    properties: { ${properties} }
`,
  );
}

/** Retries without waiting, so that a recoverable failure shows as more requests. */
const retrying = { task_retries: 2, task_retry_interval: 0 };

describe('cairn.nodes.Download', () => {
  it('downloads through a redirect, checks the sha256, sends headers, and uninstall deletes', async () => {
    const app = s.path('dl/ok/app.tar');
    const secret = s.path('dl/ok/private.txt');
    const blueprint = s.blueprint(
      'download-ok',
      `node_templates:
  app:
    type: cairn.nodes.Download
    properties:
      url: ${base}/latest
      path: ${app}
      sha256: ${bodySha.toUpperCase()}
      mode: '0640'
  secret:
    type: cairn.nodes.Download
    properties:
      url: ${base}/private?token=abc
      path: ${secret}
      headers: { Authorization: { get_input: token } }
inputs:
  token: { type: string }
`,
    );
    await withDeployment({ blueprint, inputs: { token: 'Bearer s3cret' } }, async (deployment) => {
      const install = await deployment.install();
      expect(install.error).toBe('');
      expect(readFileSync(app).equals(body)).toBe(true);
      expect(statSync(app).mode & 0o777).toBe(0o640);
      expect(readFileSync(secret, 'utf8')).toBe('private');
      expect((await deployment.instance('app')).runtimeProperties).toEqual({
        path: app,
        sha256: bodySha,
        size: body.length,
      });
      const logs = install.logs('info').join('\n');
      expect(logs).toContain(`downloaded ${base}/files/app.tar to ${app} (100000 bytes`);
      // The query may hold a token: logs show that there was one, not what.
      expect(logs).toContain(`downloading ${base}/private?… to ${secret}`);
      expect(logs).not.toContain('abc');

      expect((await deployment.uninstall()).status).toBe('terminated');
      expect(existsSync(app)).toBe(false);
    });
  });

  it('fails for good on a sha256 mismatch, naming both hashes, and leaves no file', async () => {
    const path = s.path('dl/mismatch/app.tar');
    const wrong = 'ab'.repeat(32);
    const blueprint = downloadBlueprint(
      'download-mismatch',
      `url: '${base}/files/app.tar', path: ${path}, sha256: ${wrong}`,
    );
    await withDeployment({ blueprint, settings: retrying }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain(
        `has sha256 ${bodySha}, but property 'sha256' expects ${wrong}`,
      );
      expect(hits.get('/files/app.tar')).toBe(1);
      expect(readdirSync(dirname(path))).toEqual([]);
    });
  });

  it('fails for good on a 404, without retrying', async () => {
    const path = s.path('dl/404/x');
    const blueprint = downloadBlueprint('download-404', `url: '${base}/nope', path: ${path}`);
    await withDeployment({ blueprint, settings: retrying }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain(`node 'd': ${base}/nope answered 404 Not Found`);
      expect(hits.get('/nope')).toBe(1);
      expect(existsSync(path)).toBe(false);
    });
  });

  it('retries a 5xx: a server that recovers gets the file written', async () => {
    const path = s.path('dl/flaky/x');
    const blueprint = downloadBlueprint('download-flaky', `url: '${base}/flaky', path: ${path}`);
    await withDeployment({ blueprint, settings: retrying }, async (deployment) => {
      const install = await deployment.install();
      expect(install.error).toBe('');
      expect(hits.get('/flaky')).toBe(2);
      expect(readFileSync(path, 'utf8')).toBe('steady');
    });
  });

  it('fails after its retries when the server keeps answering 500', async () => {
    const path = s.path('dl/broken/x');
    const blueprint = downloadBlueprint('download-500', `url: '${base}/broken', path: ${path}`);
    await withDeployment({ blueprint, settings: retrying }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain('answered 500 Internal Server Error');
      expect(hits.get('/broken')).toBe(3);
      expect(existsSync(path)).toBe(false);
    });
  });

  it('gives up on a server that stops sending (timeout) and on a body over max_bytes', async () => {
    const stalls = s.path('dl/limits/stalls');
    const big = s.path('dl/limits/big');
    const blueprint = s.blueprint(
      'download-limits',
      `node_templates:
  stalls:
    type: cairn.nodes.Download
    properties: { url: '${base}/stalls', path: ${stalls}, timeout: 0.3 }
  big:
    type: cairn.nodes.Download
    properties: { url: '${base}/files/app.tar', path: ${big}, max_bytes: 1000 }
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      const failures = install.events
        .filter((event) => event.kind === 'task_failed')
        .map((event) => event.message)
        .join('\n');
      expect(failures).toContain(`node 'stalls': ${base}/stalls sent nothing for 0.3 s`);
      expect(failures).toContain(
        `node 'big': ${base}/files/app.tar is 100000 bytes, more than max_bytes (1000)`,
      );
      expect(readdirSync(dirname(big))).toEqual([]);
    });
  });

  it('refuses a URL that is not http(s)', async () => {
    const blueprint = downloadBlueprint(
      'download-scheme',
      `url: 'file:///etc/passwd', path: ${s.path('dl/scheme/x')}`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain(
        "node 'd': property 'url' must be an http or https URL, not file:",
      );
    });
  });

  it('runs examples/download.yaml, whose sha256 input may be left unset', async () => {
    const path = s.path('dl/example/app.tar');
    const blueprint = fileURLToPath(new URL('../examples/download.yaml', import.meta.url));
    await withDeployment(
      { blueprint, inputs: { url: `${base}/files/app.tar`, path } },
      async (deployment) => {
        const install = await deployment.install();
        expect(install.error).toBe('');
        expect(await deployment.outputs()).toEqual({ size: body.length, sha256: bodySha });
        expect((await deployment.uninstall()).status).toBe('terminated');
        expect(existsSync(path)).toBe(false);
      },
    );
  });
});
