/**
 * examples/multi-tier as a user runs it with the `cairn` command: install (backends behind a
 * frontend, every operation a script), scale the backends out and in (the frontend follows
 * through its connected_to relationship scripts), the Python `rolling_restart` workflow, and an
 * uninstall that leaves no process behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PROC, isRunning, processesWithEnv, runCairn } from './helpers/cli.js';

let dir: string;
let env: Record<string, string>;
let base = 0;

/** A base port with the five after it free too. */
async function freeRange(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => {
        resolve(false);
      });
      server.listen(port, '127.0.0.1', () =>
        server.close(() => {
          resolve(true);
        }),
      );
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20000 + Math.floor(Math.random() * 30000);
    const checks = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => free(start + i)));
    if (checks.every(Boolean)) return start;
  }
  throw new Error('no free port range');
}

interface FrontendAnswer {
  backends: { backend?: string; started?: string; error?: string }[];
}

/**
 * The frontend's answer, on a connection of its own: a pooled keep-alive connection that the
 * server closes when idle would make a request racing that close fail although the site is up.
 */
function frontend(): Promise<FrontendAnswer> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port: base, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as FrontendAnswer);
        } catch (error) {
          reject(
            new Error(`the frontend answered ${res.statusCode ?? '?'}: ${body}`, { cause: error }),
          );
        }
      });
      res.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function backendIds(): Promise<string[]> {
  const run = await runCairn(['node-instances', 'list', '--json'], env);
  const list = JSON.parse(run.stdout) as { id: string; node_id: string }[];
  return list
    .filter((i) => i.node_id === 'backend')
    .map((i) => i.id)
    .sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-multi-tier-'));
  env = { CAIRN_HOME: join(dir, 'home'), CAIRN_EXAMPLE_DIR: join(dir, 'services') };
  base = await freeRange();
});

afterAll(async () => {
  await runCairn(['uninstall', '-d', 'multi-tier'], env);
  for (const pid of HAS_PROC
    ? processesWithEnv('CAIRN_EXAMPLE_DIR', env.CAIRN_EXAMPLE_DIR ?? '')
    : []) {
    process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('examples/multi-tier', () => {
  it('installs: the frontend answers with both backends', async () => {
    const run = await runCairn(['install', 'examples/multi-tier', '-i', `base_port=${base}`], env);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`Outputs\n  frontend_url: "http://127.0.0.1:${base}/"\n`);
    const answer = await frontend();
    expect(answer.backends.map((b) => b.backend).sort()).toEqual(await backendIds());
    expect(answer.backends).toHaveLength(2);
  }, 60_000);

  it('scales the backends out: the new one is linked to the frontend', async () => {
    const run = await runCairn(
      ['executions', 'start', 'scale', '-p', 'scalable_entity_name=backend', '-p', 'delta=1'],
      env,
    );
    expect(run.status, run.stderr).toBe(0);
    const ids = await backendIds();
    expect(ids).toHaveLength(3);
    expect((await frontend()).backends.map((b) => b.backend).sort()).toEqual(ids);
  }, 60_000);

  it('restarts the backends one by one with the Python rolling_restart workflow', async () => {
    const before = await frontend();
    const run = await runCairn(['executions', 'start', 'rolling_restart'], env);
    expect(run.status, run.stderr).toBe(0);
    const after = await frontend();
    expect(after.backends).toHaveLength(3);
    for (const backend of after.backends) {
      const old = before.backends.find((b) => b.backend === backend.backend);
      expect(backend.started).not.toBe(old?.started);
    }
  }, 60_000);

  it('scales in: the removed backends are unlinked, their servers stopped', async () => {
    const run = await runCairn(
      ['executions', 'start', 'scale', '-p', 'scalable_entity_name=backend', '-p', 'delta=-2'],
      env,
    );
    expect(run.status, run.stderr).toBe(0);
    const ids = await backendIds();
    expect(ids).toHaveLength(1);
    expect((await frontend()).backends.map((b) => b.backend)).toEqual(ids);
  }, 60_000);

  it('uninstalls and leaves no server running', async () => {
    const run = await runCairn(['uninstall'], env);
    expect(run.status, run.stderr).toBe(0);
    await expect(fetch(`http://127.0.0.1:${base}/`)).rejects.toThrow();
    if (HAS_PROC) {
      const left = processesWithEnv('CAIRN_EXAMPLE_DIR', env.CAIRN_EXAMPLE_DIR ?? '').filter(
        isRunning,
      );
      expect(left).toEqual([]);
    }
  }, 60_000);
});
