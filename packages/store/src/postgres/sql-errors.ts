import {
  CairnError,
  ConflictError,
  InvalidInputError,
  IoError,
  isCairnError,
  NotFoundError,
} from '@cairn/errors';
import pg from 'pg';
import type { ServerTarget } from './target.js';

/** What was being done when an error happened, for the message. */
export interface ErrorContext {
  /** The server, database and schema. */
  readonly target: ServerTarget;
  /** What the caller asked for, as a gerund phrase: `creating deployment "d1"`. */
  readonly action: string;
}

/** An error the server sent, with its SQLSTATE `code` (`23505` …) and the constraint it names. */
export type ServerError = pg.DatabaseError & { readonly code: string };

/** True for an error the server sent (rather than the network, or the driver itself). */
export function isServerError(error: unknown): error is ServerError {
  return error instanceof pg.DatabaseError && typeof error.code === 'string';
}

/** True for a unique-key violation, of `constraint` when given. */
export function isUniqueViolation(error: unknown, constraint?: string): error is ServerError {
  return (
    isServerError(error) &&
    error.code === '23505' &&
    (constraint === undefined || error.constraint === constraint)
  );
}

/** True for a foreign-key violation (a referenced row is missing). */
export function isForeignKeyViolation(error: unknown): error is ServerError {
  return isServerError(error) && error.code === '23503';
}

/** Error codes of the socket: the server cannot be reached, or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ENOENT',
  'EACCES',
]);

/**
 * True for a failure of the connection rather than of a statement: a socket error, or one of the
 * driver's own (`Connection terminated unexpectedly`, `timeout expired` …), which carry no code.
 */
function isConnectionFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return NETWORK_CODES.has(code);
  return /connection|terminated|timeout|socket|ssl|not queryable/i.test(error.message);
}

/**
 * Turns anything thrown while using the database into a Cairn error, so that no driver error
 * reaches callers (they branch on `code`). Cairn errors pass through unchanged. Messages name the
 * server as `host:port/database (schema "…")`, never the connection string, and are scrubbed of
 * the password should the server or the driver ever quote it.
 */
export function toStoreError(error: unknown, context: ErrorContext): CairnError {
  if (isCairnError(error)) return error;
  const { target, action } = context;
  const details = { server: target.address, database: target.database, schema: target.schema };
  const options = { cause: error, details };
  const reason = target.redact(error instanceof Error ? error.message : String(error));
  const server = `PostgreSQL at ${target.address} (database "${target.database}", user "${target.user}")`;

  if (!isServerError(error)) {
    if (error instanceof Error && isConnectionFailure(error)) {
      return new IoError(`Cannot use ${server} while ${action}: ${reason}`, options);
    }
    // The driver throws TypeError for values it cannot send (a BigInt …).
    if (error instanceof TypeError || error instanceof RangeError) {
      return new InvalidInputError(`Invalid value while ${action}: ${reason}`, options);
    }
    return new CairnError('INTERNAL', `Unexpected failure while ${action}: ${reason}`, options);
  }

  const code = error.code;
  const sqlClass = code.slice(0, 2);
  if (code === '23505') {
    return new ConflictError(`Already exists (while ${action}): ${reason}`, options);
  }
  if (code === '23503') {
    return new NotFoundError(`A referenced record does not exist (while ${action})`, options);
  }
  // Not-null and check violations, and bad values of every kind (class 22: a number that is not
  // one, a timestamp that is not one, a NUL character in text …).
  if (sqlClass === '23' || sqlClass === '22') {
    return new InvalidInputError(`Invalid value while ${action}: ${reason}`, options);
  }
  if (code === '40001' || code === '40P01') {
    return new ConflictError(
      `A concurrent change to ${target.label} got in the way while ${action}; try again (${reason})`,
      options,
    );
  }
  // lock_timeout (55P03) or statement_timeout (57014).
  if (code === '55P03' || code === '57014') {
    return new CairnError(
      'TIMEOUT',
      `${target.label} stayed locked by another connection while ${action}; another Cairn ` +
        `process is probably writing to it (${reason})`,
      options,
    );
  }
  // Connection failures (08), refused credentials (28), a missing database (3D000), the server
  // out of resources (53) or going down (57P0x), and its own I/O errors (58).
  if (
    sqlClass === '08' ||
    sqlClass === '28' ||
    sqlClass === '53' ||
    sqlClass === '58' ||
    code === '3D000' ||
    code.startsWith('57P')
  ) {
    return new IoError(`Cannot use ${server} while ${action}: ${reason}`, options);
  }
  if (code === '42501') {
    return new IoError(
      `User "${target.user}" may not do this in ${target.label} while ${action}: ${reason}`,
      options,
    );
  }
  // A table or column of the schema is missing: it was changed by hand or dropped.
  if (code === '42P01' || code === '42703' || code === '3F000') {
    return new IoError(
      `${target.label} is not a sound Cairn store (${reason}) while ${action}; ` +
        `was its schema changed by hand?`,
      options,
    );
  }
  return new CairnError(
    'INTERNAL',
    `Database failure while ${action}: ${reason} (SQLSTATE ${code})`,
    options,
  );
}
