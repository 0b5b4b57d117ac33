/**
 * Who is calling: the signed-in user with their system role and their role in each tenant,
 * found from the `Authentication-Token` header or HTTP basic auth. Every refusal here is the
 * same 401 whatever was wrong (unknown user, wrong password, expired token, deactivated user),
 * so that the answer tells an attacker nothing.
 */
import { randomBytes } from 'node:crypto';
import { UnauthorizedError } from '@cairn/errors';
import type { ManagerStore, SystemRole, TenantRole } from '@cairn/store';
import type { CredentialCache } from '../security/credential-cache.js';
import type { LoginLimiter } from '../security/login-limiter.js';
import { hashPassword } from '../security/passwords.js';
import { tokenDigest, tokenValid } from '../security/tokens.js';

/** A signed-in caller. */
export interface Principal {
  readonly username: string;
  readonly role: SystemRole;
  /** The caller's role in each tenant they belong to. */
  readonly tenants: ReadonlyMap<string, TenantRole>;
  /** How they signed in. */
  readonly via: 'token' | 'password';
}

/** How long, and how many, callers found by token are remembered. */
const TOKEN_CACHE_MS = 5000;
const TOKEN_CACHE_SIZE = 10_000;

/** The one message of every 401. */
export const AUTH_FAILED =
  'Authentication failed: give a valid user and password, or a valid token';

/** What {@link Authenticator} needs. */
export interface AuthenticatorOptions {
  readonly directory: ManagerStore;
  readonly credentials: CredentialCache;
  readonly limiter: LoginLimiter;
}

/** The request headers authentication reads. */
export interface AuthHeaders {
  readonly authorization?: string | undefined;
  readonly 'authentication-token'?: string | string[] | undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Decodes `Basic base64(user:password)`; undefined when it is not that. */
export function parseBasicAuth(
  header: string | undefined,
): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Finds the caller of a request. */
export class Authenticator {
  private dummy: Promise<string> | undefined;
  /**
   * Callers recently found by token, for a few seconds: a token costs three directory reads
   * otherwise, on every request. Any change to users, memberships or tokens clears it
   * ({@link Authenticator.forget}), so a revoked token or a changed role applies at once.
   */
  private readonly byDigest = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly options: AuthenticatorOptions) {}

  private dummyHash(): Promise<string> {
    this.dummy ??= hashPassword(randomBytes(24).toString('base64'));
    return this.dummy;
  }

  /** The caller, or an UnauthorizedError. */
  async authenticate(headers: AuthHeaders): Promise<Principal> {
    const token = single(headers['authentication-token']);
    if (token !== undefined && token !== '') return this.byToken(token);
    const basic = parseBasicAuth(headers.authorization);
    if (basic !== undefined) return this.byPassword(basic.user, basic.password);
    throw new UnauthorizedError(AUTH_FAILED);
  }

  private async byToken(token: string): Promise<Principal> {
    const digest = tokenDigest(token);
    const now = Date.now();
    const cached = this.byDigest.get(digest);
    if (cached !== undefined && now < cached.until) return cached.principal;
    const record = await this.options.directory.getToken(digest);
    if (record === undefined || !tokenValid(record.expires_at)) {
      throw new UnauthorizedError(AUTH_FAILED);
    }
    const principal = await this.principalOf(record.username, 'token');
    if (this.byDigest.size >= TOKEN_CACHE_SIZE) this.byDigest.clear();
    const expires = Date.parse(record.expires_at);
    this.byDigest.set(digest, { principal, until: Math.min(now + TOKEN_CACHE_MS, expires) });
    return principal;
  }

  /** Forgets every cached caller (after a change to users, memberships or tokens). */
  forget(): void {
    this.byDigest.clear();
  }

  private async byPassword(username: string, password: string): Promise<Principal> {
    const { limiter, credentials, directory } = this.options;
    const wait = limiter.retryAfterMs(username);
    if (wait > 0) {
      throw new UnauthorizedError(
        `Too many failed logins for this user; try again in ${Math.ceil(wait / 1000)} s`,
        { details: { retry_after_seconds: Math.ceil(wait / 1000) } },
      );
    }
    const user = await directory.getUser(username);
    // An unknown user costs a full hash check too, against a throwaway hash, so that the time
    // taken does not tell which user names exist; it counts as a failure like a bad password.
    const stored = user?.password_hash ?? (await this.dummyHash());
    const matches = await credentials.verify(username, password, stored);
    if (user === undefined || !matches) {
      limiter.fail(username);
      throw new UnauthorizedError(AUTH_FAILED);
    }
    limiter.succeed(username);
    return this.principalOf(username, 'password');
  }

  private async principalOf(username: string, via: Principal['via']): Promise<Principal> {
    const { directory } = this.options;
    const user = await directory.getUser(username);
    if (user === undefined || !user.active) throw new UnauthorizedError(AUTH_FAILED);
    const memberships = await directory.listMemberships({ username });
    return {
      username,
      role: user.role,
      tenants: new Map(memberships.map((m) => [m.tenant, m.role])),
      via,
    };
  }
}
