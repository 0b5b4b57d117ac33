/**
 * `@cairn/store` — Cairn's durable state: the {@link Store} port and its SQLite implementation.
 */
export type * from './store.js';
export { applyInstanceChange } from './instance-change.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { SchemaVersionError } from './sqlite/sql-errors.js';
