/**
 * One manager per database: a second manager on the same SQLite folder or PostgreSQL database
 * is refused, naming the one that runs, and the first goes on unharmed; once the first stops,
 * the database is free again. A manager that cannot listen gives its claim back. (That a
 * manager killed outright leaves no claim behind is crash.test.ts's business: it restarts on
 * the same database after kill -9.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseForBlock, type TestDatabase } from '@cairn/store/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestManager } from './harness.js';

describe.each(['sqlite', 'postgres'] as const)('one manager per database (%s)', (db) => {
  const databaseOf = databaseForBlock(db);
  let database: TestDatabase | undefined;

  beforeAll(() => {
    database = databaseOf();
  });

  it('refuses a second manager on the same database, naming the first', async () => {
    const first = await startTestManager(database === undefined ? {} : { db: database.url });
    try {
      // On SQLite the folder is the database; on PostgreSQL another folder does not help.
      const second = startTestManager(
        database === undefined ? { dataDir: first.dataDir } : { db: database.url },
      );
      const refusal = await second.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toMatchObject({ code: 'CONFLICT' });
      const message = (refusal as Error).message;
      expect(message).toMatch(/^Another Cairn manager is running on /);
      expect(message).toContain(`pid ${process.pid}`);
      expect(message).toContain(hostname());
      expect(message).toContain('could run an execution twice');
      if (database !== undefined) {
        // The refusal names the server and database, never the password in the URL.
        expect(message).not.toContain(new URL(database.url).password);
      }
      // The first one is unharmed.
      const ok = await first.admin().call('listDeployments', {});
      expect(ok.items).toEqual([]);
    } finally {
      await first.close();
    }
    // Stopped, it leaves the database free.
    const again = await startTestManager(database === undefined ? {} : { db: database.url });
    await again.close();
  });

  it('gives the database back when it cannot listen', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    // One folder for both tries (on PostgreSQL the database is what is claimed).
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-manager-owner-'));
    const options = database === undefined ? { dataDir } : { dataDir, db: database.url };
    try {
      await expect(startTestManager({ ...options, port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      taken.close();
    }
    const next = await startTestManager(options);
    await next.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('a PostgreSQL server out of reach', () => {
  const databaseOf = databaseForBlock('postgres');

  it('is named in the refusal, without the password', async () => {
    const unreachable = new URL(databaseOf()?.url ?? '');
    unreachable.port = String(await closedPort());
    const refusal = await startTestManager({ db: unreachable.href }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toMatchObject({ code: 'USAGE' });
    const message = (refusal as Error).message;
    expect(message).toMatch(
      /^Could not connect to the manager's PostgreSQL database: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    );
    expect(message).not.toContain(unreachable.password);
  });
});

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
