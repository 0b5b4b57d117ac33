import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.js';
import { LoginLimiter } from './login-limiter.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { createSecretCipher, loadSecretKey, SecretDecryptError } from './secret-cipher.js';
import { issueToken, tokenDigest, tokenValid, TOKEN_PREFIX } from './tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-manager-security-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('passwords', () => {
  it('verifies the password it hashed, and no other; each hash has its own salt', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsf', stored)).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(stored);
  });

  it('never matches a malformed or tampered stored value, nor one asking for absurd work', async () => {
    const stored = await hashPassword('pw');
    expect(await verifyPassword('pw', 'plain-text')).toBe(false);
    expect(await verifyPassword('pw', stored.replace(/\$[\w-]+$/, '$AAAA'))).toBe(false);
    expect(await verifyPassword('pw', stored.replace('$32768$', `$${2 ** 24}$`))).toBe(false);
  });
});

describe('tokens', () => {
  it('issues tokens that are stored only as a digest, and expire', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const issued = issueToken(3600, now);
    expect(issued.token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(issued.digest).toBe(tokenDigest(issued.token));
    expect(issued.digest).not.toContain(issued.token.slice(TOKEN_PREFIX.length, 20));
    expect(issued.expiresAt).toBe('2026-01-01T01:00:00.000Z');
    expect(tokenValid(issued.expiresAt, new Date('2026-01-01T00:59:59Z'))).toBe(true);
    expect(tokenValid(issued.expiresAt, new Date('2026-01-01T01:00:00Z'))).toBe(false);
    expect(tokenValid('not a date', now)).toBe(false);
    expect(issueToken(60).token).not.toBe(issueToken(60).token);
    expect(() => issueToken(0)).toThrow(/positive number of seconds/);
  });
});

describe('the failed-login limiter', () => {
  it('refuses a key after too many failures in the window, until the oldest leaves it', () => {
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 1000 });
    for (const t of [0, 100, 200]) {
      expect(limiter.retryAfterMs('admin', t)).toBe(0);
      limiter.fail('admin', t);
    }
    expect(limiter.retryAfterMs('admin', 300)).toBe(700);
    expect(limiter.retryAfterMs('someone-else', 300)).toBe(0);
    expect(limiter.retryAfterMs('admin', 1000)).toBe(0);
    limiter.fail('admin', 1001);
    limiter.succeed('admin');
    expect(limiter.retryAfterMs('admin', 1002)).toBe(0);
  });
});

describe('secrets at rest', () => {
  const key = randomBytes(32);

  it('round-trips a value, and the stored form shows neither the value nor the key', () => {
    const cipher = createSecretCipher(key);
    const stored = cipher.encrypt('s3cr3t-value', 'default_tenant/db_password');
    expect(stored.startsWith(`v1.${cipher.keyId}.`)).toBe(true);
    expect(stored).not.toContain('s3cr3t');
    expect(stored).not.toContain(key.toString('base64url'));
    expect(cipher.decrypt(stored, 'default_tenant/db_password')).toBe('s3cr3t-value');
    expect(cipher.encrypt('s3cr3t-value', 'default_tenant/db_password')).not.toBe(stored);
  });

  it('refuses a ciphertext moved to another secret, changed, or written with another key', () => {
    const cipher = createSecretCipher(key);
    const stored = cipher.encrypt('value', 'tenant-a/key');
    const refused = (fn: () => unknown, text: RegExp) => {
      let error: unknown;
      try {
        fn();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SecretDecryptError);
      expect((error as Error).message).toMatch(text);
      expect((error as Error).message).not.toContain('value');
    };
    refused(() => cipher.decrypt(stored, 'tenant-b/key'), /tenant-b\/key does not decrypt/);
    const parts = stored.split('.');
    const data = Buffer.from(parts[4] ?? '', 'base64url');
    data[0] = (data[0] ?? 0) ^ 1;
    parts[4] = data.toString('base64url');
    refused(() => cipher.decrypt(parts.join('.'), 'tenant-a/key'), /does not decrypt/);
    const other = createSecretCipher(randomBytes(32));
    refused(() => other.decrypt(stored, 'tenant-a/key'), /encrypted with key [0-9a-f]{16}/);
    refused(() => cipher.decrypt('plaintext', 'tenant-a/key'), /not in a format/);
  });

  it('loads the key from CAIRN_SECRETS_KEY, else a key file it can create (mode 0600)', () => {
    const fromEnv = loadSecretKey({
      env: { CAIRN_SECRETS_KEY: key.toString('base64') },
      file: join(dir, 'unused.key'),
      create: false,
    });
    expect(fromEnv.equals(key)).toBe(true);
    const file = join(dir, 'secrets.key');
    const created = loadSecretKey({ env: {}, file, create: true });
    expect(created).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ env: {}, file, create: false }).equals(created)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(created.toString('base64'));
  });

  it('says what is wrong with a bad key without showing it', () => {
    const short = Buffer.from('only-16-bytes!!!').toString('base64');
    expect(() =>
      loadSecretKey({ env: { CAIRN_SECRETS_KEY: short }, file: join(dir, 'x.key'), create: false }),
    ).toThrow(/CAIRN_SECRETS_KEY must hold 32 bytes in base64 .* it holds 16/);
    try {
      loadSecretKey({ env: { CAIRN_SECRETS_KEY: short }, file: join(dir, 'x.key'), create: false });
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(() => loadSecretKey({ env: {}, file: join(dir, 'missing.key'), create: false })).toThrow(
      /No secrets key: set CAIRN_SECRETS_KEY or create/,
    );
  });
});

describe('the credential cache', () => {
  it('reuses a successful check for a while, never a failure, and misses once the password changes', async () => {
    const cache = new CredentialCache({ ttlMs: 1000 });
    const stored = await hashPassword('pw');
    let t = performance.now();
    expect(await cache.verify('admin', 'pw', stored, 0)).toBe(true);
    const fullMs = performance.now() - t;
    t = performance.now();
    expect(await cache.verify('admin', 'pw', stored, 500)).toBe(true);
    expect(performance.now() - t).toBeLessThan(fullMs / 4);
    expect(await cache.verify('admin', 'wrong', stored, 500)).toBe(false);
    expect(await cache.verify('other', 'pw', stored, 500)).toBe(true);
    // A new password: the old one no longer passes, cached or not.
    const changed = await hashPassword('new-pw');
    expect(await cache.verify('admin', 'pw', changed, 600)).toBe(false);
    expect(await cache.verify('admin', 'new-pw', changed, 600)).toBe(true);
  });

  it('checks again once an entry has expired', async () => {
    const cache = new CredentialCache({ ttlMs: 1000 });
    const stored = await hashPassword('pw');
    expect(await cache.verify('admin', 'pw', stored, 0)).toBe(true);
    const t = performance.now();
    expect(await cache.verify('admin', 'pw', stored, 1000)).toBe(true);
    // A full scrypt check again: far slower than a cache hit.
    expect(performance.now() - t).toBeGreaterThan(5);
  });
});
