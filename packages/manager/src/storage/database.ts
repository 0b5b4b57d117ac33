/**
 * Where the manager keeps its state: one directory database ({@link ManagerStore}: tenants,
 * users, tokens, secrets, plugins, ownership) and one engine {@link Store} per tenant. On SQLite
 * the directory is the file given and each tenant is a file in `tenants/` beside it; on
 * PostgreSQL the directory is the schema `cairn_manager` and each tenant a schema of its own.
 * A tenant's rows therefore cannot be read through another tenant's store.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '@cairn/errors';
import {
  createPostgresManagerStore,
  createPostgresStore,
  createSqliteManagerStore,
  createSqliteStore,
  type ManagerStore,
  type Store,
} from '@cairn/store';

/** The database the manager runs on. */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/**
 * Reads `--db`: `sqlite:PATH` or a `postgres://` / `postgresql://` URL; absent, a SQLite file
 * `manager.db` in the data folder.
 */
export function parseDatabaseTarget(db: string | undefined, dataDir: string): DatabaseTarget {
  if (db === undefined || db === '') return { kind: 'sqlite', path: join(dataDir, 'manager.db') };
  if (db.startsWith('sqlite:')) {
    const path = db.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new UsageError('--db sqlite:PATH needs a file path.');
    return { kind: 'sqlite', path: resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(db)) return { kind: 'postgres', url: db };
  throw new UsageError(
    `--db takes sqlite:PATH or a postgres:// URL, not '${db.replace(/\/\/[^@/]*@/, '//…@')}'.`,
  );
}

/** The PostgreSQL schema of a tenant: readable, and unique even when names differ only in case. */
export function tenantSchema(tenant: string): string {
  const readable = tenant.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const exact = readable === tenant && readable.length <= 40;
  const digest = createHash('sha256').update(tenant).digest('hex').slice(0, 10);
  return exact ? `cairn_t_${readable}` : `cairn_t_${readable.slice(0, 40)}_${digest}`;
}

/** The manager's open databases. */
export interface ManagerDatabases {
  readonly target: DatabaseTarget;
  readonly directory: ManagerStore;
  /** Opens (creating and migrating on first use) a tenant's store. */
  openTenantStore(tenant: string): Promise<Store>;
  /** Closes the directory (tenant stores are closed by their owners). */
  close(): Promise<void>;
}

/** Opens the directory database; tenant stores open on demand. */
export async function openDatabases(target: DatabaseTarget): Promise<ManagerDatabases> {
  if (target.kind === 'sqlite') {
    mkdirSync(dirname(target.path), { recursive: true });
    const tenantsDir = join(dirname(target.path), 'tenants');
    const directory = createSqliteManagerStore({ path: target.path });
    return {
      target,
      directory,
      openTenantStore(tenant) {
        mkdirSync(tenantsDir, { recursive: true });
        return Promise.resolve(createSqliteStore({ path: join(tenantsDir, `${tenant}.db`) }));
      },
      close: () => directory.close(),
    };
  }
  const directory = await createPostgresManagerStore({ connectionString: target.url });
  return {
    target,
    directory,
    openTenantStore(tenant) {
      return createPostgresStore({
        connectionString: target.url,
        schema: tenantSchema(tenant),
        poolSize: 4,
      });
    },
    close: () => directory.close(),
  };
}
