import type { ErrorCode } from '@cairn/errors';

/** Exit statuses of the `cairn` command. */
export const EXIT = {
  /** Success (for `validate`: the blueprint is valid). */
  OK: 0,
  /** The input is invalid (for `validate`: the blueprint has errors) or the work failed. */
  FAILED: 1,
  /** The command was used wrongly: unknown option, missing argument, unreadable file. */
  USAGE: 2,
} as const;

/** An exit status. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** The one place where error codes become exit statuses; the compiler checks every code is here. */
const BY_CODE: Record<ErrorCode, ExitStatus> = {
  INTERNAL: EXIT.FAILED,
  USAGE: EXIT.USAGE,
  INVALID_INPUT: EXIT.FAILED,
  BLUEPRINT_INVALID: EXIT.FAILED,
  NOT_FOUND: EXIT.USAGE,
  CONFLICT: EXIT.FAILED,
  IO: EXIT.USAGE,
  TIMEOUT: EXIT.FAILED,
  CANCELLED: EXIT.FAILED,
  BUNDLE_INVALID: EXIT.FAILED,
  UNAUTHORIZED: EXIT.FAILED,
  FORBIDDEN: EXIT.FAILED,
  TOO_LARGE: EXIT.FAILED,
};

/** The exit status for an error code. */
export function exitStatusFor(code: ErrorCode): ExitStatus {
  return BY_CODE[code];
}
