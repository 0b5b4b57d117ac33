/**
 * The errors this plugin throws. The worker tells failures apart by `name` (and `recoverable`),
 * not by class, so these small classes are all a plugin needs until the plugin SDK ships the
 * shared ones.
 */

/** The operation failed and retrying cannot help. */
export class NonRecoverableError extends Error {
  readonly recoverable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRecoverableError';
  }
}

/** The operation failed and may succeed when retried (Cloudify's default for any error). */
export class RecoverableError extends Error {
  readonly recoverable = true;

  constructor(
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'RecoverableError';
  }
}

/** A script ended with a non-zero exit code (Cloudify's `ProcessException`): recoverable. */
export class ProcessError extends RecoverableError {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'ProcessException';
  }
}
