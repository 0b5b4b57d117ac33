/**
 * A refusal whose HTTP answer Cloudify fixes beyond what the Cairn error code says: e.g. a
 * blueprint or plugin still in use is 405 `blueprint_in_use` / `plugin_in_use`, not 409.
 */
import { CairnError, type ErrorCode } from '@cairn/errors';

/** A Cairn error with the exact HTTP status and Cloudify error_code to answer with. */
export class HttpRefusal extends CairnError {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    code: ErrorCode = 'CONFLICT',
  ) {
    super(code, message);
  }
}

/** A refusal answered with `status` and Cloudify's `errorCode`. */
export function refusal(status: number, errorCode: string, message: string): HttpRefusal {
  return new HttpRefusal(status, errorCode, message);
}
