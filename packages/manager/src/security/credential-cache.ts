/**
 * Checking a user name and password costs a scrypt run (~0.5 s here, by design), and Cloudify's
 * REST client may send basic auth with every request. This remembers recent successful checks
 * for a short time, keyed by a SHA-256 of the user, the password and the stored hash, so that:
 * the password itself is never kept; a changed password (a new stored hash) misses at once; and
 * a wrong password always costs a full check. Failures are never cached.
 */
import { createHash } from 'node:crypto';
import { verifyPassword } from './passwords.js';

/** Options of {@link CredentialCache}. */
export interface CredentialCacheOptions {
  /** How long a successful check is reused, in milliseconds (default 60 s). */
  readonly ttlMs?: number;
  /** Most entries kept; the oldest go first (default 1,000). */
  readonly maxEntries?: number;
}

/** Recent successful password checks. */
export class CredentialCache {
  private readonly entries = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: CredentialCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
  }

  /** Whether `password` is the password of `username`, whose stored hash is `storedHash`. */
  async verify(
    username: string,
    password: string,
    storedHash: string,
    now: number = Date.now(),
  ): Promise<boolean> {
    const key = createHash('sha256')
      .update(username)
      .update('\0')
      .update(password)
      .update('\0')
      .update(storedHash)
      .digest('hex');
    const until = this.entries.get(key);
    if (until !== undefined && now < until) return true;
    this.entries.delete(key);
    if (!(await verifyPassword(password, storedHash))) return false;
    this.entries.set(key, now + this.ttlMs);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return true;
  }
}
