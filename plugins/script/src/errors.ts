/**
 * The errors this plugin throws: the SDK's, and Cloudify's `ProcessException` for a script that
 * exits non-zero.
 */
import { RecoverableError } from '@cairn/plugin-sdk';

export { NonRecoverableError, RecoverableError } from '@cairn/plugin-sdk';

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
