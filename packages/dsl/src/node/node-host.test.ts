/**
 * The Node import host against a real HTTP server on 127.0.0.1: URL imports fetched and parsed,
 * HTTP errors, timeouts, the size limit, offline mode, import rules and the disk cache. These are
 * the diagnostics no fixture can show, because the fixture harness always parses offline.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseBlueprint, type ParseResult } from '../parse.js';
import { normalizeRule } from './config.js';
import { createNodeHost, fileUrl, type NodeHostOptions } from './node-host.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const REMOTE_TYPES = `node_types:
  my.Remote:
    derived_from: cloudify.nodes.Root
    properties:
      port:
        type: integer
        default: 8080
`;

/** A local HTTP server that counts the requests each path gets. */
class TestServer {
  readonly hits = new Map<string, number>();
  private readonly routes = new Map<string, Handler>();
  private server: Server | undefined;
  base = '';

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  hitsOf(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.hits.set(path, this.hitsOf(path) + 1);
      const handler = this.routes.get(path);
      if (handler === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      handler(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

const yamlText = (text: string): Handler => {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/yaml' }).end(text);
  };
};

let dir = '';
let count = 0;

/** Writes a main blueprint that imports the built-in types and `url`, and parses it. */
async function parseImporting(
  url: string,
  options: NodeHostOptions,
  rules: { prefix: string; replacement: string }[] = [],
): Promise<ParseResult> {
  const path = join(dir, `blueprint-${++count}.yaml`);
  writeFileSync(
    path,
    [
      'tosca_definitions_version: cloudify_dsl_1_5',
      'imports:',
      '  - cloudify/types/types.yaml',
      `  - ${url}`,
      'node_templates:',
      '  app:',
      '    type: my.Remote',
      '',
    ].join('\n'),
  );
  const host = createNodeHost({ cwd: dir, ...options });
  return parseBlueprint(fileUrl(path), { host, importRules: rules });
}

function errorsOf(result: ParseResult): string[] {
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.code} ${d.line}:${d.column}`);
}

const server = new TestServer();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-node-host-'));
  server
    .route('/ok/types.yaml', yamlText(REMOTE_TYPES))
    .route('/broken/types.yaml', (_req, res) => {
      res.writeHead(500, 'Internal Server Error').end('boom');
    })
    .route('/slow/types.yaml', (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200).end(REMOTE_TYPES);
      }, 2_000);
    })
    .route('/big/declared.yaml', (_req, res) => {
      const body = `# ${'x'.repeat(4_000)}\n${REMOTE_TYPES}`;
      res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
    })
    .route('/big/chunked.yaml', (_req, res) => {
      // No content-length: the size limit must hold while the body streams in.
      res.writeHead(200, { 'content-type': 'text/yaml' });
      for (let i = 0; i < 8; i++) res.write(`# ${'y'.repeat(500)}\n`);
      res.end(REMOTE_TYPES);
    })
    .route('/offline/types.yaml', yamlText(REMOTE_TYPES))
    .route('/mirror/types.yaml', yamlText('this: [is not the mirrored file'));
  await server.start();
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('URL imports over HTTP', () => {
  it('fetches a URL import and parses it with the blueprint', async () => {
    const result = await parseImporting(`${server.base}/ok/types.yaml`, {});
    expect(errorsOf(result)).toEqual([]);
    expect(result.plan?.nodes.find((n) => n.id === 'app')?.properties.port).toBe(8080);
    expect(result.sources[`${server.base}/ok/types.yaml`]).toBe(REMOTE_TYPES);
    expect(server.hitsOf('/ok/types.yaml')).toBe(1);
  });

  it('reports a 404 as DSL_IMPORT_NOT_FOUND at the import', async () => {
    const result = await parseImporting(`${server.base}/nowhere/types.yaml`, {});
    expect(errorsOf(result)).toContain('DSL_IMPORT_NOT_FOUND 4:5');
    expect(server.hitsOf('/nowhere/types.yaml')).toBe(1);
  });

  it('retries a 500 and then reports DSL_IMPORT_FETCH_FAILED', async () => {
    const result = await parseImporting(`${server.base}/broken/types.yaml`, {});
    expect(errorsOf(result)).toContain('DSL_IMPORT_FETCH_FAILED 4:5');
    const d = result.diagnostics.find((x) => x.code === 'DSL_IMPORT_FETCH_FAILED');
    expect(d?.message).toContain('HTTP 500');
    expect(server.hitsOf('/broken/types.yaml')).toBe(3);
  });

  it('gives up on a server slower than fetchTimeoutMs with DSL_IMPORT_FETCH_FAILED', async () => {
    const started = performance.now();
    const result = await parseImporting(`${server.base}/slow/types.yaml`, {
      fetchTimeoutMs: 100,
    });
    expect(errorsOf(result)).toContain('DSL_IMPORT_FETCH_FAILED 4:5');
    const d = result.diagnostics.find((x) => x.code === 'DSL_IMPORT_FETCH_FAILED');
    expect(d?.message).toContain('no answer within 100 ms');
    // Three attempts of 100 ms each, well before the server's 2 s answer.
    expect(performance.now() - started).toBeLessThan(1_900);
  });

  it('refuses a body whose declared length is over maxFetchBytes with DSL_IMPORT_TOO_LARGE', async () => {
    const result = await parseImporting(`${server.base}/big/declared.yaml`, {
      maxFetchBytes: 1_000,
    });
    expect(errorsOf(result)).toContain('DSL_IMPORT_TOO_LARGE 4:5');
  });

  it('stops reading a streamed body once it passes maxFetchBytes (DSL_IMPORT_TOO_LARGE)', async () => {
    const result = await parseImporting(`${server.base}/big/chunked.yaml`, {
      maxFetchBytes: 1_000,
    });
    expect(errorsOf(result)).toContain('DSL_IMPORT_TOO_LARGE 4:5');
  });

  it('refuses URL imports offline with DSL_IMPORT_OFFLINE, without contacting the server', async () => {
    const result = await parseImporting(`${server.base}/offline/types.yaml`, { offline: true });
    expect(errorsOf(result)).toContain('DSL_IMPORT_OFFLINE 4:5');
    expect(server.hitsOf('/offline/types.yaml')).toBe(0);
  });

  it('serves a URL prefix from a local folder through an import rule', async () => {
    const mirror = join(dir, 'mirror');
    mkdirSync(mirror, { recursive: true });
    writeFileSync(join(mirror, 'types.yaml'), REMOTE_TYPES);
    const rule = normalizeRule(`${server.base}/mirror/`, 'mirror/', dir);
    for (const offline of [false, true]) {
      const result = await parseImporting(`${server.base}/mirror/types.yaml`, { offline }, [rule]);
      expect(errorsOf(result)).toEqual([]);
      expect(result.plan?.nodes.find((n) => n.id === 'app')?.type).toBe('my.Remote');
    }
    expect(server.hitsOf('/mirror/types.yaml')).toBe(0);
  });
});

describe('the disk cache of URL imports', () => {
  it('parses again from cacheDir once the server is gone', async () => {
    const cached = new TestServer().route('/cached/types.yaml', yamlText(REMOTE_TYPES));
    await cached.start();
    const cacheDir = join(dir, 'cache');
    const url = `${cached.base}/cached/types.yaml`;
    const first = await parseImporting(url, { cacheDir });
    expect(errorsOf(first)).toEqual([]);
    expect(cached.hitsOf('/cached/types.yaml')).toBe(1);
    await cached.stop();

    // A fresh copy of the module: its in-memory cache is empty, so only the disk can answer.
    vi.resetModules();
    const fresh = await import('./node-host.js');
    const path = join(dir, 'cached-blueprint.yaml');
    writeFileSync(
      path,
      `tosca_definitions_version: cloudify_dsl_1_5\nimports:\n  - cloudify/types/types.yaml\n  - ${url}\nnode_templates:\n  app:\n    type: my.Remote\n`,
    );
    const withCache = await parseBlueprint(fileUrl(path), {
      host: fresh.createNodeHost({ cwd: dir, cacheDir }),
    });
    expect(errorsOf(withCache)).toEqual([]);
    expect(withCache.plan?.nodes.find((n) => n.id === 'app')?.type).toBe('my.Remote');

    // Without the disk cache, the same fresh host has nothing to read from.
    vi.resetModules();
    const empty = await import('./node-host.js');
    const withoutCache = await parseBlueprint(fileUrl(path), {
      host: empty.createNodeHost({ cwd: dir, fetchTimeoutMs: 1_000 }),
    });
    expect(errorsOf(withoutCache)).toContain('DSL_IMPORT_FETCH_FAILED 4:5');
  });
});
