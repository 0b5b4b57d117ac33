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

/** A step recorded in a database's `schema_migrations` that is not the step of that version here. */
export interface ForeignStep {
  readonly version: number;
  /** The name the database recorded. */
  readonly found: string;
  /** The name this history has at that version. */
  readonly expected: string;
}

/**
 * The first recorded step whose name differs from `migrations` at the same version, if any.
 * Several kinds of Cairn database (a tenant's store, the manager's directory) share the
 * `schema_migrations` table and its version numbers, so a version alone cannot tell a store from
 * the manager's database; the names can (each history starts with its own first name). Without
 * this check, opening one kind as the other would run the wrong migrations on it. Versions past
 * the end of `migrations` are left to the schema version check.
 *
 * @param recorded - the rows of `schema_migrations`
 */
export function foreignStep(
  recorded: readonly { readonly version: number; readonly name: string }[],
  migrations: readonly Migration[],
): ForeignStep | undefined {
  for (const step of recorded) {
    const expected = migrations[step.version - 1];
    if (expected !== undefined && expected.name !== step.name) {
      return { version: step.version, found: step.name, expected: expected.name };
    }
  }
  return undefined;
}

/** The message for a {@link ForeignStep}: `where` is the file, or the server and schema. */
export function foreignStepMessage(where: string, step: ForeignStep): string {
  return (
    `${where} holds another kind of Cairn database: its migration ${step.version} is ` +
    `"${step.found}", where this one expects "${step.expected}". A tenant's store and the ` +
    `manager's database each need a database (or schema) of their own.`
  );
}
