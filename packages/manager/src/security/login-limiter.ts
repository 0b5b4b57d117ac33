/**
 * Slows down password guessing: after `maxFailures` failed logins for one key (a user name, or
 * a user name and an address) within `windowMs`, further attempts for that key are refused
 * until the oldest failure leaves the window. A success clears the key. Kept in memory: a
 * manager restart forgives, which is acceptable for a rate limit.
 */

/** Options of {@link LoginLimiter}. */
export interface LoginLimiterOptions {
  /** Failures allowed within the window (default 5). */
  readonly maxFailures?: number;
  /** The window, in milliseconds (default 5 minutes). */
  readonly windowMs?: number;
  /** Most keys remembered; the oldest are forgotten first (default 10,000). */
  readonly maxKeys?: number;
}

/** Failed-login counting per key, with a sliding window. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(options: LoginLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string, now: number = Date.now()): number {
    const recent = this.recent(key, now);
    if (recent.length < this.maxFailures) return 0;
    const oldest = recent[recent.length - this.maxFailures] ?? now;
    return Math.max(0, oldest + this.windowMs - now);
  }

  /** Records a failed attempt for `key`. */
  fail(key: string, now: number = Date.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > this.maxKeys) {
      const oldestKey = this.failures.keys().next().value;
      if (oldestKey !== undefined) this.failures.delete(oldestKey);
    }
  }

  /** Forgets `key`'s failures (after a successful login). */
  succeed(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }
}
