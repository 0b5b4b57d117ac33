/**
 * Starting a manager for a test: a fresh data folder, a known admin password, no log (or a
 * captured one), on a free port of 127.0.0.1; and clients for it.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '@cairn/api';
import { packPlugin } from '@cairn/plugin-host';
import * as tar from 'tar';
import { startManager, type ManagerOptions, type RunningManager } from '../src/manager.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A manager under test, its folder and everything it logged. */
export interface TestManager {
  readonly manager: RunningManager;
  readonly url: string;
  readonly dataDir: string;
  /** Every structured log line the manager wrote so far. */
  log(): string;
  /** A client signed in as `username`. */
  client(username: string, password: string, tenant?: string): ApiClient;
  admin(tenant?: string): ApiClient;
  close(): Promise<void>;
}

/** Starts a manager on a new data folder (or the given one). */
export async function startTestManager(
  options: Partial<ManagerOptions> = {},
): Promise<TestManager> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-manager-test-'));
  const logged: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logged.push(chunk.toString('utf8')));
  const manager = await startManager({
    port: 0,
    dataDir,
    logLevel: 'info',
    logDestination: sink,
    shutdownGraceMs: 2000,
    ...options,
    env: { CAIRN_ADMIN_PASSWORD: ADMIN_PASSWORD, ...options.env },
  });
  const client = (username: string, password: string, tenant = 'default_tenant'): ApiClient =>
    new ApiClient({ url: manager.url, credentials: { username, password }, tenant });
  return {
    manager,
    url: manager.url,
    dataDir,
    log: () => logged.join(''),
    client,
    admin: (tenant) => client('admin', ADMIN_PASSWORD, tenant),
    async close() {
      await manager.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tar.gz of `files` under one top folder, as Cloudify's client makes a blueprint archive. */
export async function blueprintArchive(
  files: Readonly<Record<string, string>>,
  top = 'blueprint',
): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bp-archive-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, top, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    const stream = tar.c({ gzip: true, cwd: dir, portable: true }, [top]);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Cloudify's blueprint upload body: multipart with `params` and `blueprint_archive`. */
export function blueprintForm(archive: Buffer, params: Record<string, unknown>): FormData {
  const form = new FormData();
  form.append('params', JSON.stringify(params));
  form.append('blueprint_archive', new Blob([archive], { type: 'text/plain' }), 'filename');
  return form;
}

/** The file plugin packed as a bundle (built from plugins/file). */
export async function filePluginBundle(outDir: string): Promise<string> {
  const packed = await packPlugin({
    dir: join(REPO, 'plugins', 'file'),
    output: join(outDir, 'cairn-file-plugin.cairn.tgz'),
    cairnVersion: '0.1.0',
  });
  return packed.file;
}
