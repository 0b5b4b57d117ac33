/**
 * The failures the host itself reports (as opposed to errors thrown by plugin code), each named
 * by meaning. They reach the engine as the `type` of a failed outcome's error, for operations and
 * workflow functions alike.
 */
import type { OperationError, OperationOutcome } from '@cairn/engine';

/** Every failure type the host reports, with what it means. Never rename one. */
export const HOST_FAILURE_TYPES = {
  PluginNotFoundError: 'No installed plugin matches the operation’s plugin',
  WorkerStartError: 'The worker process could not be started, or did not say hello in time',
  ProtocolMismatchError: 'The worker speaks another protocol version; the host refused it',
  ProtocolError: 'The worker broke the protocol (e.g. garbage on its channel); it was killed',
  WorkerCrashedError: 'The worker process exited while it ran the operation',
  OutOfMemoryError: 'The worker ran out of memory (V8 heap limit) and died',
  TimeoutError: 'The operation ran past its timeout; its worker was killed',
  CancelledError: 'The operation was cancelled',
  ExecutorClosedError: 'The executor was closed before the operation finished',
  WorkflowUnsupportedError:
    'The plugin’s worker cannot run workflow functions (it does not announce the `workflows` feature)',
} as const;

/** A failure type of {@link HOST_FAILURE_TYPES}. */
export type HostFailureType = keyof typeof HOST_FAILURE_TYPES;

/**
 * Whether the engine may retry each host failure; the compiler checks every type is covered.
 * A timeout is recoverable only when the operation says so (`timeout_recoverable`).
 */
export const HOST_FAILURE_RECOVERABLE: Readonly<
  Record<HostFailureType, boolean | 'timeout_recoverable'>
> = {
  PluginNotFoundError: false,
  WorkerStartError: true,
  ProtocolMismatchError: false,
  ProtocolError: true,
  WorkerCrashedError: true,
  OutOfMemoryError: true,
  TimeoutError: 'timeout_recoverable',
  CancelledError: false,
  ExecutorClosedError: true,
  WorkflowUnsupportedError: false,
};

/** Details of a host failure. */
export interface HostFailureOptions {
  /** The operation's `timeout_recoverable` (only read for `TimeoutError`). */
  timeoutRecoverable?: boolean;
  /** The worker's last output lines. */
  outputTail?: string;
}

/** Builds the error of a host failure. */
export function hostFailure(
  type: HostFailureType,
  message: string,
  options: HostFailureOptions = {},
): OperationError {
  const rule = HOST_FAILURE_RECOVERABLE[type];
  const recoverable = rule === 'timeout_recoverable' ? options.timeoutRecoverable === true : rule;
  return {
    type,
    recoverable,
    message,
    ...(options.outputTail === undefined || options.outputTail === ''
      ? {}
      : { output_tail: options.outputTail }),
  };
}

/** A failed outcome with this error and these runtime properties (none by default). */
export function failedOutcome(
  error: OperationError,
  runtimeProperties: OperationOutcome['runtime_properties'] = {},
): OperationOutcome {
  return { status: 'failed', error, runtime_properties: runtimeProperties };
}
