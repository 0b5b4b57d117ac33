/**
 * How failures leave an operation: every error names the node, and file system errors are
 * sorted into those a retry may cure and those it cannot.
 */
import { NonRecoverableError, RecoverableError } from '@cairn/plugin-sdk';

/** Errno codes of conditions that may pass: worth the task's retries. */
const TRANSIENT = new Set([
  'EAGAIN',
  'EBUSY',
  'EDQUOT',
  'EINTR',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
  'ETIMEDOUT',
  'ETXTBSY',
]);

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

function named(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The error an operation of node `nodeId` throws for `error`: the plugin's own errors with the
 * node named, a file system error classified by its code, anything else recoverable (the
 * SDK's default). A cancellation passes through untouched: the host is waiting for it.
 */
export function operationError(nodeId: string, error: unknown): Error {
  const prefix = `node '${nodeId}': `;
  const message = error instanceof Error ? error.message : String(error);
  const name = named(error);
  if (name === 'CancelledError') return error as Error;
  if (name === 'NonRecoverableError') {
    return new NonRecoverableError(prefix + message, { cause: error });
  }
  if (name === 'RecoverableError') {
    return new RecoverableError(prefix + message, {
      cause: error,
      retryAfter: (error as RecoverableError).retryAfter,
    });
  }
  const code = errnoCode(error);
  if (code !== undefined && !TRANSIENT.has(code)) {
    return new NonRecoverableError(prefix + message, { cause: error });
  }
  return new RecoverableError(prefix + message, { cause: error });
}

/**
 * A file system error from `action` (e.g. `cannot write /etc/motd`), in words: Node's messages
 * repeat the syscall and path (`EACCES: permission denied, open '/etc/.motd.1a2b.tmp'`), which
 * tell less than the action does. The code is kept for classification.
 */
export function fsError(action: string, error: unknown): Error {
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  const reason = error instanceof Error ? error.message.replace(/^[A-Z]+: ([^,]*),.*$/s, '$1') : '';
  const wrapped = new Error(`${action}: ${reason} (${code})`, { cause: error });
  (wrapped as Error & { code: string }).code = code;
  return wrapped;
}
