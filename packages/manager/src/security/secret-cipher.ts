/**
 * Secrets at rest: AES-256-GCM with a key the operator provides (`CAIRN_SECRETS_KEY`, base64 of
 * 32 bytes, or a key file). Each value gets a fresh 96-bit nonce, and the secret's tenant and
 * name are bound in as associated data, so a ciphertext copied onto another secret's row does
 * not decrypt. The stored form names the format and the key (`v1.<key id>.<nonce>.<tag>.<data>`),
 * so keys can be rotated: values written with an old key say which key they need.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CairnError, UsageError } from '@cairn/errors';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;

/** A stored secret that cannot be decrypted: wrong key, or changed since it was written. */
export class SecretDecryptError extends CairnError {
  constructor(message: string) {
    super('INTERNAL', message);
  }
}

/** Encrypts and decrypts secret values with one key. */
export interface SecretCipher {
  /** A short, public name of the key: the first 8 bytes of its SHA-256, in hex. */
  readonly keyId: string;
  /** The stored form of `value`, bound to `context` (e.g. `tenant/name`). */
  encrypt(value: string, context: string): string;
  /** The value of a stored form written with this key and `context`. */
  decrypt(stored: string, context: string): string;
}

/** The id of a key: public, and the same wherever the key is. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A cipher for a 32-byte key. */
export function createSecretCipher(key: Buffer): SecretCipher {
  if (key.length !== KEY_BYTES) {
    throw new UsageError(`The secrets key must be ${KEY_BYTES} bytes, not ${key.length}.`);
  }
  const keyId = keyIdOf(key);
  return {
    keyId,
    encrypt(value, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return ['v1', keyId, nonce, cipher.getAuthTag(), data]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    decrypt(stored, context) {
      const parts = stored.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') {
        throw new SecretDecryptError(
          `A stored secret (${context}) is not in a format Cairn knows.`,
        );
      }
      const [, storedKeyId, nonce, tag, data] = parts as [string, string, string, string, string];
      if (storedKeyId !== keyId) {
        throw new SecretDecryptError(
          `The secret ${context} was encrypted with key ${storedKeyId}; the manager has key ${keyId}.`,
        );
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(nonce, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(data, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        // Never the value, the key or the ciphertext in the message.
        throw new SecretDecryptError(
          `The secret ${context} does not decrypt: it was changed, or belongs to another secret.`,
        );
      }
    },
  };
}

/** Where the secrets key comes from. */
export interface SecretKeySource {
  /** The environment: `CAIRN_SECRETS_KEY` (base64 of 32 bytes) wins when set. */
  readonly env: NodeJS.ProcessEnv;
  /** The key file (32 raw bytes, or their base64 on one line). */
  readonly file: string;
  /** Create the key file (mode 0600) with a random key when neither source has one. */
  readonly create: boolean;
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    // The message names where the key came from, never any of it.
    throw new UsageError(
      `${where} must hold ${KEY_BYTES} bytes in base64 (e.g. from \`openssl rand -base64 32\`); it holds ${key.length}.`,
    );
  }
  return key;
}

/** The secrets key, from the environment or the key file (created if asked). */
export function loadSecretKey(source: SecretKeySource): Buffer {
  const fromEnv = source.env.CAIRN_SECRETS_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return decodeKey(fromEnv, 'CAIRN_SECRETS_KEY');
  if (existsSync(source.file)) {
    const raw = readFileSync(source.file);
    return raw.length === KEY_BYTES ? raw : decodeKey(raw.toString('utf8'), source.file);
  }
  if (!source.create) {
    throw new UsageError(
      `No secrets key: set CAIRN_SECRETS_KEY or create ${source.file} (32 random bytes, base64).`,
    );
  }
  const key = randomBytes(KEY_BYTES);
  writeFileSync(source.file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
