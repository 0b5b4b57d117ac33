/**
 * How Cairn's stable error codes become HTTP answers, with Cloudify's `error_code` strings (so a
 * Cloudify client raises the exception class it would raise against Cloudify), and back again
 * in the client. The one place this mapping lives.
 */
import { type ErrorCode, CairnError, isErrorCode } from '@cairn/errors';

/** The HTTP status and Cloudify error_code of each Cairn error code. */
export const HTTP_ERRORS: Record<
  ErrorCode,
  { readonly status: number; readonly errorCode: string }
> = {
  INTERNAL: { status: 500, errorCode: 'internal_server_error' },
  USAGE: { status: 400, errorCode: 'bad_parameters_error' },
  INVALID_INPUT: { status: 400, errorCode: 'bad_parameters_error' },
  BLUEPRINT_INVALID: { status: 400, errorCode: 'invalid_blueprint_error' },
  NOT_FOUND: { status: 404, errorCode: 'not_found_error' },
  CONFLICT: { status: 409, errorCode: 'conflict_error' },
  IO: { status: 500, errorCode: 'internal_server_error' },
  TIMEOUT: { status: 504, errorCode: 'timeout_error' },
  CANCELLED: { status: 409, errorCode: 'conflict_error' },
  BUNDLE_INVALID: { status: 400, errorCode: 'invalid_plugin_error' },
  UNAUTHORIZED: { status: 401, errorCode: 'unauthorized_error' },
  FORBIDDEN: { status: 403, errorCode: 'forbidden_error' },
  TOO_LARGE: { status: 413, errorCode: 'payload_too_large_error' },
};

/** The Cairn code of an HTTP error answer: `cairn_code` when the server is Cairn, else by status. */
export function codeOfAnswer(status: number, body: { cairn_code?: unknown }): ErrorCode {
  if (isErrorCode(body.cairn_code)) return body.cairn_code;
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'TOO_LARGE';
  if (status >= 400 && status < 500) return 'INVALID_INPUT';
  return 'INTERNAL';
}

/** An error answer from the manager, as the client raises it. */
export class ApiError extends CairnError {
  /** The HTTP status. */
  readonly status: number;
  /** Cloudify's error_code string. */
  readonly errorCode: string;
  constructor(
    status: number,
    body: {
      message?: unknown;
      error_code?: unknown;
      cairn_code?: unknown;
      diagnostics?: unknown;
    },
  ) {
    const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`;
    super(codeOfAnswer(status, body), message, {
      details: Array.isArray(body.diagnostics)
        ? { status, diagnostics: body.diagnostics as never }
        : { status },
    });
    this.status = status;
    this.errorCode = typeof body.error_code === 'string' ? body.error_code : 'unknown_error';
  }
}
