/**
 * The SQLite schema's history, oldest first. Modules are listed here rather than discovered by
 * reading the folder, so that the list is the same in `src` and `dist` and checked by the compiler.
 * To change the schema, add `NNNN-name.ts` and append it; never edit a migration that has shipped.
 */
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-deployment-plugins.js';
import { migration0003 } from './0003-events-checked-by-insert.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003];
