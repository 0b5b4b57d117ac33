import {
  CairnError,
  ConflictError,
  InvalidInputError,
  IoError,
  isCairnError,
  NotFoundError,
} from '@cairn/errors';

/** What was being done when an error happened, for the message. */
export interface ErrorContext {
  /** The database file (or `:memory:`). */
  readonly path: string;
  /** What the caller asked for, as a gerund phrase: `creating deployment "d1"`. */
  readonly action: string;
}

/** A driver error with SQLite's extended result code (`SQLITE_CONSTRAINT_UNIQUE` …). */
function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for the error SQLite gives when a row would repeat a unique key. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Turns anything thrown while using the database into a Cairn error, so that no raw driver error
 * reaches callers: they branch on `code`, and the HTTP and CLI edges map codes, not driver errors.
 * Cairn errors pass through unchanged.
 */
export function toStoreError(error: unknown, context: ErrorContext): CairnError {
  if (isCairnError(error)) return error;
  const { path, action } = context;
  const details = { path };
  const options = { cause: error, details };
  const reason = error instanceof Error ? error.message : String(error);
  const code = sqliteCode(error);
  if (code === undefined) {
    // better-sqlite3 throws TypeError/RangeError for values it cannot bind (undefined, objects).
    if (error instanceof TypeError || error instanceof RangeError) {
      return new InvalidInputError(`Invalid value while ${action}: ${reason}`, options);
    }
    return new CairnError('INTERNAL', `Unexpected failure while ${action}: ${reason}`, options);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new CairnError(
      'TIMEOUT',
      `The database ${path} stayed locked by another connection while ${action}; ` +
        `another Cairn process is probably writing to it.`,
      options,
    );
  }
  if (isUniqueViolation(error)) {
    return new ConflictError(`Already exists (while ${action}): ${reason}`, options);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new NotFoundError(`A referenced record does not exist (while ${action})`, options);
  }
  if (
    code.startsWith('SQLITE_CONSTRAINT') ||
    code === 'SQLITE_TOOBIG' ||
    code === 'SQLITE_MISMATCH' ||
    code === 'SQLITE_RANGE'
  ) {
    return new InvalidInputError(`Invalid value while ${action}: ${reason}`, options);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new IoError(
      `The database ${path} is corrupt or is not a SQLite database (${reason}); ` +
        `restore it from a backup or move it away.`,
      options,
    );
  }
  if (
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_PERM'
  ) {
    return new IoError(`Cannot use the database ${path} while ${action}: ${reason}`, options);
  }
  return new CairnError(
    'INTERNAL',
    `Database failure while ${action}: ${reason} (${code})`,
    options,
  );
}
