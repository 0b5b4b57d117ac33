/**
 * `@cairn/store` — Cairn's durable state: the {@link Store} port and its two implementations,
 * SQLite (embedded, one file) and PostgreSQL (a server, shared by many processes).
 */
export type * from './store.js';
export { applyInstanceChange } from './instance-change.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { SchemaVersionError } from './schema-version-error.js';
