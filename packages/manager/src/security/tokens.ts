/**
 * API tokens (Cloudify's `Authentication-Token` header): `ctok-<id>-<secret>`, as Cloudify 7
 * forms them. The id (10 hex characters) is public: it names the token in lists and in
 * `DELETE /tokens/{id}`. The secret is 32 random bytes, shown to its user once; the manager
 * keeps only the SHA-256 of the whole token, so a copy of the database holds no usable token.
 * Each token expires.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Every token starts with this, so that one pasted into a log or a ticket is recognisable. */
export const TOKEN_PREFIX = 'ctok-';

/** A newly issued token. */
export interface IssuedToken {
  /** The public id. */
  readonly id: string;
  /** The secret to give the user; never stored. */
  readonly token: string;
  /** What the manager stores and looks tokens up by. */
  readonly digest: string;
  /** ISO time after which the token is refused. */
  readonly expiresAt: string;
}

/** The digest a token is stored and looked up by (hex SHA-256). */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Issues a token valid for `ttlSeconds` from `now`. */
export function issueToken(ttlSeconds: number, now: Date = new Date()): IssuedToken {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(
      `a token's lifetime must be a positive number of seconds, not ${ttlSeconds}`,
    );
  }
  const id = randomBytes(5).toString('hex');
  const token = `${TOKEN_PREFIX}${id}-${randomBytes(32).toString('base64url')}`;
  return {
    id,
    token,
    digest: tokenDigest(token),
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
  };
}

/** Whether a token that expires at `expiresAt` is still valid at `now`. */
export function tokenValid(expiresAt: string, now: Date = new Date()): boolean {
  const expiry = Date.parse(expiresAt);
  return Number.isFinite(expiry) && now.getTime() < expiry;
}

/** A token's value as lists show it: the id, the secret masked. */
export function maskedToken(id: string): string {
  return `${TOKEN_PREFIX}${id}-********`;
}
