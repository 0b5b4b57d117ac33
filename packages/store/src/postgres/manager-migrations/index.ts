/**
 * The PostgreSQL history of the manager's database, oldest first, numbered as SQLite's
 * (`../../migrations/manager`): a schema change adds a migration to both, with the same version.
 * Listed rather than discovered, so that the list is the same in `src` and `dist`; never edit a
 * migration that has shipped.
 */
import type { Migration } from '../../migrations/migration.js';
import { migration0001 } from './0001-initial.js';

/** Every PostgreSQL manager migration, in version order. */
export const POSTGRES_MANAGER_MIGRATIONS: readonly Migration[] = [migration0001];
