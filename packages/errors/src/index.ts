/**
 * `@cairn/errors` — the one error base every Cairn package derives its named errors from.
 *
 * Errors carry a stable `code` (the contract: HTTP statuses and CLI exit codes are mapped from it
 * in one place at each edge) and an optional `cause`. They survive a trip across a process
 * boundary through {@link serializeError} / {@link deserializeError}, and are recognised with
 * {@link isCairnError} rather than `instanceof`, which breaks across module copies and processes.
 */

/** Every stable error code, with what it means. Add codes here; never rename one. */
export const ERROR_CODES = {
  INTERNAL: 'A bug in Cairn: an invariant did not hold',
  USAGE: 'The command or call was used wrongly (unknown option, missing argument)',
  INVALID_INPUT: 'A value given by the user does not fit its schema',
  BLUEPRINT_INVALID: 'The blueprint has error diagnostics',
  NOT_FOUND: 'The named thing does not exist',
  CONFLICT: 'The change conflicts with the current state',
  IO: 'Reading or writing a file or a network resource failed',
  TIMEOUT: 'An operation did not finish in its time limit',
  CANCELLED: 'The work was cancelled',
  BUNDLE_INVALID:
    'A plugin bundle is malformed, tampered with, unsigned where a signature is required, or made for another platform or Cairn API',
  UNAUTHORIZED:
    'No valid credentials were given: unknown user, wrong password, or a missing or expired token',
  FORBIDDEN: 'The credentials are valid but do not allow this: role, tenant or visibility',
  TOO_LARGE: 'A request or upload is larger than the limit allows',
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** JSON-compatible value, for error details that must cross a process boundary. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Options shared by every Cairn error constructor. */
export interface CairnErrorOptions {
  /** The underlying error, kept for diagnosis. */
  cause?: unknown;
  /** Extra structured facts about the failure (never secrets). */
  details?: { [key: string]: JsonValue };
}

const MARKER = Symbol.for('cairn.error');

/** The base class of every named Cairn error. */
export class CairnError extends Error {
  /** The stable code of this error. */
  readonly code: ErrorCode;
  /** Extra structured facts about the failure. */
  readonly details: { [key: string]: JsonValue } | undefined;
  /** Set on every Cairn error so it can be recognised without `instanceof`. */
  readonly [MARKER] = true;

  constructor(code: ErrorCode, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** Something the user asked for does not exist. */
export class NotFoundError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** The request conflicts with the current state (e.g. a stale version). */
export class ConflictError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('CONFLICT', message, options);
  }
}

/** A command or API was called with wrong arguments. */
export class UsageError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('USAGE', message, options);
  }
}

/** A user-supplied value does not fit its schema. */
export class InvalidInputError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('INVALID_INPUT', message, options);
  }
}

/** Reading or writing a file or network resource failed. */
export class IoError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('IO', message, options);
  }
}

/** No valid credentials were presented (HTTP 401). The message never says which part was wrong. */
export class UnauthorizedError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('UNAUTHORIZED', message, options);
  }
}

/** Valid credentials that do not allow the request (HTTP 403). */
export class ForbiddenError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('FORBIDDEN', message, options);
  }
}

/** A request or upload over its size limit (HTTP 413). */
export class TooLargeError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('TOO_LARGE', message, options);
  }
}

/** True when `value` is a Cairn error (from any copy of this package, or rebuilt from JSON). */
export function isCairnError(value: unknown): value is CairnError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [MARKER]?: unknown })[MARKER] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** True when `code` is one of the registered {@link ErrorCode}s. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The JSON form of an error, as it crosses a process boundary. */
export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  details?: { [key: string]: JsonValue };
  stack?: string;
  cause?: SerializedError;
}

/** Turns any thrown value into its JSON form; non-Cairn errors become `INTERNAL`. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (isCairnError(error)) {
    const out: SerializedError = { name: error.name, code: error.code, message: error.message };
    if (error.details !== undefined) out.details = error.details;
    if (error.stack !== undefined) out.stack = error.stack;
    if (error.cause !== undefined && depth < 8) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, code: 'INTERNAL', message: error.message };
    if (error.stack !== undefined) out.stack = error.stack;
    if (error.cause !== undefined && depth < 8) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  return { name: 'Error', code: 'INTERNAL', message: String(error) };
}

/** Rebuilds a Cairn error from its JSON form; the name is kept, the class is the base class. */
export function deserializeError(serialized: SerializedError): CairnError {
  const options: CairnErrorOptions = {};
  if (serialized.details !== undefined) options.details = serialized.details;
  if (serialized.cause !== undefined) options.cause = deserializeError(serialized.cause);
  const code = isErrorCode(serialized.code) ? serialized.code : 'INTERNAL';
  const error = new CairnError(code, serialized.message, options);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
