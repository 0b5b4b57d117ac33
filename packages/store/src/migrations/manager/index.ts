/**
 * The SQLite history of the manager's database, oldest first: a history of its own, apart from
 * the store's (`../index.ts`), numbered from 1. Listed rather than discovered, so that the list
 * is the same in `src` and `dist`; never edit a migration that has shipped.
 */
import type { Migration } from '../migration.js';
import { migration0001 } from './0001-initial.js';

/** Every manager migration, in version order. */
export const MANAGER_MIGRATIONS: readonly Migration[] = [migration0001];
