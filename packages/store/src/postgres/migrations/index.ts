/**
 * The PostgreSQL schema's history, oldest first, numbered as SQLite's (`../../migrations`): a
 * schema change adds a migration to both, with the same version. Listed rather than discovered,
 * so that the list is the same in `src` and `dist`; never edit a migration that has shipped.
 */
import type { Migration } from '../../migrations/migration.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-deployment-plugins.js';
import { migration0003 } from './0003-events-checked-by-insert.js';

/** Every PostgreSQL migration, in version order. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
];
