/**
 * Password hashing for the manager's users: scrypt (node:crypto), memory-hard, with a random
 * salt per password. The stored form names its parameters, so they can be raised later without
 * invalidating what is stored: `scrypt$N$r$p$salt$hash` (salt and hash in base64url).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** The cost parameters of new hashes: 2^15 × 8 × 128 bytes = 32 MiB of memory per hash. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  const cost = params.N ?? PARAMS.N;
  const blockSize = params.r ?? PARAMS.r;
  return new Promise((resolve, reject) => {
    // Node refuses above 32 MiB by default; allow what these parameters need, with headroom.
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { ...params, maxmem: 256 * cost * blockSize },
      (error, key) => {
        if (error) reject(error);
        else resolve(key);
      },
    );
  });
}

/** The stored form of `password`: a fresh salt, scrypt, and the parameters used. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, PARAMS);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/**
 * Whether `password` matches `stored` (a {@link hashPassword} result), compared in constant
 * time. A malformed `stored` value never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, hashText] = parts as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((v) => Number.isInteger(v) && v > 0)) return false;
  // Bound the work a stored value can ask for (a tampered row must not exhaust the server).
  if (params.N > 2 ** 20 || params.r > 32 || params.p > 16) return false;
  const expected = Buffer.from(hashText, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, Buffer.from(saltText, 'base64url'), params);
  return timingSafeEqual(actual, expected);
}
