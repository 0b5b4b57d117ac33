/**
 * The error classes plugin code throws, by name (Cloudify's `cloudify.exceptions`). A worker
 * classifies thrown values by `name` (and the
 * `recoverable` / `retryAfter` properties), never with `instanceof`, so any copy works, and so
 * does a plain object thrown with the right name.
 */

/** One cause of a plugin error (Cloudify's `causes=[{type, message, traceback}]`). */
export interface PluginErrorCause {
  /** The error's class name, e.g. `ConnectionError`. */
  readonly type: string;
  /** What went wrong. */
  readonly message: string;
  /** A stack trace, when there is one. */
  readonly traceback?: string;
}

/** Options of the plugin error classes. */
export interface PluginErrorOptions {
  /** Earlier failures that led to this one. */
  causes?: readonly PluginErrorCause[];
  /** The underlying error (standard `Error.cause`); reported as the first cause. */
  cause?: unknown;
}

/** The operation failed and retrying cannot help: the task fails for good. */
export class NonRecoverableError extends Error {
  /** Read by the worker's classification. */
  readonly recoverable = false;
  /** Earlier failures that led to this one. */
  readonly causes: readonly PluginErrorCause[];

  constructor(message: string, options: PluginErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NonRecoverableError';
    this.causes = options.causes ?? [];
  }
}

/** Options of {@link RecoverableError}. */
export interface RecoverableErrorOptions extends PluginErrorOptions {
  /** Seconds to wait before the retry (else the task's retry interval). */
  retryAfter?: number;
}

/** The operation failed but may succeed if retried. */
export class RecoverableError extends Error {
  /** Read by the worker's classification. */
  readonly recoverable: boolean = true;
  /** Seconds to wait before the retry, if the plugin said. */
  readonly retryAfter: number | undefined;
  /** Earlier failures that led to this one. */
  readonly causes: readonly PluginErrorCause[];

  constructor(message: string, options: RecoverableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RecoverableError';
    this.retryAfter = options.retryAfter;
    this.causes = options.causes ?? [];
  }
}

/**
 * The operation asks to be run again (what `ctx.operation.retry()` leads to): always
 * rescheduled, counted against the retries, no failure handlers.
 */
export class OperationRetry extends RecoverableError {
  constructor(message: string, options: RecoverableErrorOptions = {}) {
    super(message, options);
    this.name = 'OperationRetry';
  }
}

/**
 * A graph a workflow function ran ended `failed`: `graph.execute()` (and `task.execute()`) throw
 * it with the engine's reason as the message. Not recoverable: the graph's tasks have already
 * had their retries. A workflow may catch it (e.g. to roll back) or let it fail the workflow.
 */
export class WorkflowFailed extends Error {
  /** Read by the worker's classification. */
  readonly recoverable = false;

  constructor(message: string) {
    super(message);
    this.name = 'WorkflowFailed';
  }
}
