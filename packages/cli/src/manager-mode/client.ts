/**
 * From a manager profile to an {@link ApiClient}: the token or the basic-auth credentials, the
 * tenant, a fetch that names the manager when it cannot be reached, and a session that turns a
 * refused token into a way to sign in again.
 */
import { ApiClient, type Credentials } from '@cairn/api';
import { IoError, isCairnError, UnauthorizedError, UsageError } from '@cairn/errors';
import type { Output } from '../output.js';
import { diagnosticsOf, printDiagnostics } from './format.js';
import { loginHint, type ManagerProfile } from './profile-store.js';

/** Where a command records its exit status. */
export interface State {
  status: number;
}

/** A fetch whose network failures are IoErrors naming the manager (not a bare "fetch failed"). */
function managerFetch(url: string): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      if ((error as { name?: unknown }).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why =
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : String(error);
      throw new IoError(`Cannot reach the manager at ${url} (${why}). Is it running?`, {
        cause: error,
      });
    }
  };
}

/** A client of the manager at `url`. */
export function createClient(options: {
  readonly url: string;
  readonly tenant: string;
  readonly credentials?: Credentials;
}): ApiClient {
  return new ApiClient({
    url: options.url,
    tenant: options.tenant,
    fetch: managerFetch(options.url),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
}

/** True while a token that expires at `expiresAt` is still worth sending. */
export function tokenUnexpired(expiresAt: string, now = Date.now()): boolean {
  const at = Date.parse(expiresAt);
  return Number.isFinite(at) && now < at;
}

/** A client signed in as the profile says; a stored token already expired is refused here. */
export function clientFor(profile: ManagerProfile): ApiClient {
  if (profile.kind === 'stored') {
    if (!tokenUnexpired(profile.token_expires_at)) {
      throw new UnauthorizedError(
        `The token of profile '${profile.name}' (${profile.username} on ${profile.url}) expired at ${profile.token_expires_at}. Sign in again: ${loginHint(profile)}`,
      );
    }
    return createClient({
      url: profile.url,
      tenant: profile.tenant,
      credentials: { token: profile.token },
    });
  }
  if (profile.username === undefined || profile.password === undefined) {
    throw new UsageError(
      'CAIRN_MANAGER_URL is set, so CAIRN_MANAGER_USER and CAIRN_MANAGER_PASSWORD must be set too (or unset CAIRN_MANAGER_URL to use the stored profiles).',
    );
  }
  return createClient({
    url: profile.url,
    tenant: profile.tenant,
    credentials: { username: profile.username, password: profile.password },
  });
}

/** The error to show for a failed call: refused credentials come with the way to sign in again. */
export function explainFailure(profile: ManagerProfile, error: unknown): unknown {
  if (!isCairnError(error) || error.code !== 'UNAUTHORIZED') return error;
  if (profile.kind === 'stored') {
    return new UnauthorizedError(
      `The manager at ${profile.url} refused the token of profile '${profile.name}' (user ${profile.username}): it has expired or was revoked. Sign in again: ${loginHint(profile)}`,
      { cause: error },
    );
  }
  return new UnauthorizedError(
    `The manager at ${profile.url} refused CAIRN_MANAGER_USER '${profile.username ?? ''}' with CAIRN_MANAGER_PASSWORD: ${error.message}`,
    { cause: error },
  );
}

/** What manager-mode commands share: the profile, where they write, and their exit status. */
export interface ManagerSession {
  readonly profile: ManagerProfile;
  readonly output: Output;
  readonly state: State;
  /**
   * Runs `work` with a client of the profile. A failure is rethrown for `main` to print and map
   * to an exit status, after printing the blueprint diagnostics it carries; refused credentials
   * are explained.
   */
  run(work: (client: ApiClient) => Promise<void>): Promise<void>;
}

/** The session of the active manager profile. */
export function createSession(
  profile: ManagerProfile,
  output: Output,
  state: State,
): ManagerSession {
  return {
    profile,
    output,
    state,
    async run(work) {
      const client = clientFor(profile);
      try {
        await work(client);
      } catch (error) {
        const diagnostics = diagnosticsOf(error);
        if (diagnostics !== undefined) printDiagnostics(output, diagnostics);
        throw explainFailure(profile, error);
      }
    },
  };
}
