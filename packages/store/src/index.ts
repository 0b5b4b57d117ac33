/**
 * `@cairn/store` — Cairn's durable state: the {@link Store} port and its two implementations,
 * SQLite (embedded, one file) and PostgreSQL (a server, shared by many processes); and the
 * {@link ManagerStore} port, the manager's directory of tenants, users, tokens, secrets, plugins
 * and resource ownership, on the same two databases.
 */
export type * from './store.js';
export type * from './manager-store.js';
export { applyInstanceChange } from './instance-change.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export {
  createSqliteManagerStore,
  type SqliteManagerStoreOptions,
} from './sqlite-manager-store.js';
export {
  createPostgresManagerStore,
  type PostgresManagerStoreOptions,
} from './postgres-manager-store.js';
export { SchemaVersionError } from './schema-version-error.js';
