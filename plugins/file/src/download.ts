/**
 * Fetching an http(s) URL as a stream of chunks, with the failure classes a deployment needs:
 * what a retry may cure (network errors, timeouts, 5xx, 408, 429) is a RecoverableError, what it
 * cannot (other 4xx, a body over the limit) is a NonRecoverableError.
 */
import { NonRecoverableError, RecoverableError } from '@cairn/plugin-sdk';
import type { WriteChunk } from './write-file.js';

/** What to download. */
export interface DownloadRequest {
  /** An http: or https: URL; user info in it becomes a Basic Authorization header. */
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds to wait for the response, then for each next chunk of the body. */
  readonly timeoutMs: number;
  /** The most bytes accepted. */
  readonly maxBytes: number;
  /** Cancels the download; it then rejects with the signal's reason. */
  readonly signal: AbortSignal;
}

/** What the server answered, once the body is written. */
export interface DownloadResult {
  readonly status: number;
  /** The URL after redirects, shown without user info or query. */
  readonly finalUrl: string;
}

/**
 * A URL fit for logs and error messages: no user info, and no query, which often carries a
 * token (signed URLs).
 */
export function displayUrl(url: URL | string): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`;
}

/** Seconds from a Retry-After header (seconds or an HTTP date), if it has any. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The request's URL and headers, with user info moved into an Authorization header. */
function prepare(request: DownloadRequest): { url: URL; headers: Headers } {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  // The bytes as the server stores them, as curl and wget fetch them: fetch would decompress a
  // gzip Content-Encoding, and a .tar.gz served with one would be saved unzipped (and fail its
  // sha256).
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
  if (url.username !== '' || url.password !== '') {
    // fetch refuses URLs with credentials; curl and wget send them as Basic auth.
    if (!headers.has('authorization')) {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      headers.set(
        'authorization',
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      );
    }
    url.username = '';
    url.password = '';
  }
  return { url, headers };
}

/** The error for a response that is not a success. */
function statusError(response: Response, shown: string): Error {
  const what = `${shown} answered ${response.status} ${response.statusText}`.trimEnd();
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    const after = retryAfter(response.headers.get('retry-after'));
    return new RecoverableError(what, after === undefined ? {} : { retryAfter: after });
  }
  return new NonRecoverableError(what);
}

function describe(error: unknown): string {
  // fetch rejects with "fetch failed"; the cause says what failed (ECONNREFUSED …).
  const cause = (error as { cause?: unknown } | null)?.cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  const outer = error instanceof Error ? error.message : String(error);
  return inner ?? outer;
}

/**
 * Downloads `request.url`, following redirects, and hands the body to `write` chunk by chunk.
 * Rejects with a RecoverableError or NonRecoverableError as described above, or with the
 * cancellation reason when `request.signal` aborts.
 */
export async function download(
  request: DownloadRequest,
  write: WriteChunk,
): Promise<DownloadResult> {
  const { url, headers } = prepare(request);
  const shown = displayUrl(url);
  const controller = new AbortController();
  const cancel = (): void => {
    controller.abort(request.signal.reason);
  };
  request.signal.throwIfAborted();
  request.signal.addEventListener('abort', cancel, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // An idle timer, not a deadline: a large file on a slow link may take long, a dead one not.
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timed out'));
    }, request.timeoutMs);
  };
  const failure = (error: unknown): Error => {
    if (request.signal.aborted) return request.signal.reason as Error;
    if (timedOut) {
      return new RecoverableError(
        `${shown} sent nothing for ${request.timeoutMs / 1000} s (the timeout)`,
      );
    }
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'NonRecoverableError' || name === 'RecoverableError') return error as Error;
    // A write error (disk full …) keeps its errno code for the caller to classify.
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) return error;
    return new RecoverableError(`cannot download ${shown}: ${describe(error)}`, { cause: error });
  };

  try {
    arm();
    let response: Response;
    try {
      response = await fetch(url, { headers, redirect: 'follow', signal: controller.signal });
    } catch (error) {
      throw failure(error);
    }
    const finalUrl = displayUrl(response.url === '' ? url : response.url);
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw statusError(response, finalUrl);
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (length > request.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new NonRecoverableError(
        `${finalUrl} is ${length} bytes, more than max_bytes (${request.maxBytes})`,
      );
    }
    if (response.body !== null) {
      let received = 0;
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          arm();
          received += chunk.byteLength;
          if (received > request.maxBytes) {
            throw new NonRecoverableError(
              `${finalUrl} sent more than max_bytes (${request.maxBytes}) bytes`,
            );
          }
          await write(chunk);
        }
      } catch (error) {
        throw failure(error);
      }
    }
    return { status: response.status, finalUrl };
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', cancel);
    // Ends a body left half read (an error above), so the connection is not left open.
    controller.abort(new Error('done'));
  }
}
