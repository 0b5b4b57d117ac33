import { CairnError } from '@cairn/errors';

/** One step of the SQLite schema's history. */
export interface Migration {
  /** Position in the history: 1, 2, 3 … with no gaps. Recorded in `schema_migrations`. */
  readonly version: number;
  /** A short kebab-case name, recorded next to the version for whoever reads the table. */
  readonly name: string;
  /**
   * The statements, run in one transaction with every other pending migration. Foreign keys are
   * enforced while they run, so a migration that rebuilds a table must keep references valid.
   */
  readonly sql: string;
}

/** Throws unless `migrations` is numbered 1, 2, 3 … in order: a gap would skip schema changes. */
export function checkHistory(migrations: readonly { version: number; name: string }[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new CairnError(
        'INTERNAL',
        `Migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
}
