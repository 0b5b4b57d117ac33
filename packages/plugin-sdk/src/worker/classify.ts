/**
 * Turns whatever plugin code threw into the failure the engine understands, with Cloudify's
 * semantics (spec §5.4): `NonRecoverableError` is final, `RecoverableError` may carry
 * `retryAfter`, `OperationRetry` reschedules, anything else is recoverable. Classification goes by
 * `name` and by the `recoverable` / `retryAfter` properties, never by `instanceof`: the error
 * classes may come from any copy of the SDK, or from another realm.
 */
import type { FailureCause, FailureData } from '@cairn/plugin-protocol';

/** How deep `cause` chains are followed. */
const MAX_CAUSES = 8;

function prop(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return undefined;
  }
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    // A throwing getter on a thrown value must not break the report.
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The name, message and stack of a thrown value. */
function parts(value: unknown): { name: string; message: string; stack: string | undefined } {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    return {
      name: text(prop(value, 'name')) ?? 'Error',
      message: text(prop(value, 'message')) ?? describe(value),
      stack: text(prop(value, 'stack')),
    };
  }
  return { name: 'Error', message: describe(value), stack: undefined };
}

function causesOf(value: unknown): FailureCause[] {
  const causes: FailureCause[] = [];
  const declared = prop(value, 'causes');
  if (Array.isArray(declared)) {
    for (const item of declared as unknown[]) {
      const type = text(prop(item, 'type'));
      const message = text(prop(item, 'message'));
      if (type === undefined || message === undefined) continue;
      const traceback = text(prop(item, 'traceback'));
      causes.push({ type, message, ...(traceback === undefined ? {} : { traceback }) });
    }
  }
  let cause = prop(value, 'cause');
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth += 1) {
    const { name, message, stack } = parts(cause);
    causes.push({ type: name, message, ...(stack === undefined ? {} : { traceback: stack }) });
    cause = prop(cause, 'cause');
  }
  return causes;
}

function retryAfterOf(value: unknown): number | undefined {
  const retryAfter = prop(value, 'retryAfter') ?? prop(value, 'retry_after');
  return typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0
    ? retryAfter
    : undefined;
}

/** The failure a thrown value stands for. */
export function classifyError(thrown: unknown): FailureData {
  const { name, message, stack } = parts(thrown);
  const causes = causesOf(thrown);
  const retryAfter = retryAfterOf(thrown);
  const recoverableFlag = prop(thrown, 'recoverable');
  let type: string;
  if (name === 'OperationRetry') type = 'OperationRetry';
  else if (name === 'NonRecoverableError' || recoverableFlag === false)
    type = 'NonRecoverableError';
  else type = 'RecoverableError';
  return {
    type,
    recoverable: type !== 'NonRecoverableError',
    message,
    ...(retryAfter === undefined || type === 'NonRecoverableError'
      ? {}
      : { retry_after: retryAfter }),
    ...(causes.length === 0 ? {} : { causes }),
    ...(stack === undefined ? {} : { traceback: stack }),
  };
}
