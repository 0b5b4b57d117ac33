/**
 * Ed25519 signatures over the exact bytes of `manifest.json`. The manifest pins the sha256 of
 * every file, so one signature covers the whole package.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { UsageError } from '@cairn/errors';
import { BundleError } from './errors.js';

/** The only signature algorithm of format 1. */
export const SIGNATURE_ALGORITHM = 'ed25519';

/** The content of `manifest.sig`. */
export interface ManifestSignature {
  readonly algorithm: typeof SIGNATURE_ALGORITHM;
  /** {@link keyIdOf} the signing key. */
  readonly key_id: string;
  /** Base64 of the 64-byte Ed25519 signature. */
  readonly signature: string;
}

/** What a reader knows of a bundle's signature. */
export type SignatureStatus =
  | 'unsigned'
  | {
      /** Key id named by `manifest.sig`. */
      readonly keyId: string;
      /**
       * True when the key is one of the trusted keys and the signature verified. False when the
       * key is unknown: the signature could not be checked, as the bundle carries no key.
       */
      readonly trusted: boolean;
    };

/** A new signing key pair and its key id. */
export interface SigningKey {
  /** PKCS#8 PEM of the private key: keep it secret. */
  readonly privateKeyPem: string;
  /** SPKI PEM of the public key: give it to operators as a trusted key. */
  readonly publicKeyPem: string;
  /** {@link keyIdOf} the public key. */
  readonly keyId: string;
}

/** Makes a new Ed25519 key pair for signing bundles. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: idOfKey(publicKey),
  };
}

/**
 * A key's id: the first 16 hex characters of the sha256 of the raw 32-byte Ed25519 public key.
 * Accepts a public key PEM (or a private one, whose public half is used). Throws a
 * {@link UsageError} when the PEM is not an Ed25519 key.
 */
export function keyIdOf(publicKeyPem: string): string {
  return idOfKey(publicKeyFrom(publicKeyPem, 'key'));
}

function idOfKey(key: KeyObject): string {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new UsageError('The key has no Ed25519 public component');
  return createHash('sha256').update(Buffer.from(x, 'base64url')).digest('hex').slice(0, 16);
}

function publicKeyFrom(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new UsageError(`The ${what} is not a PEM public key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(
      `The ${what} is a ${key.asymmetricKeyType ?? 'unknown'} key; bundles are signed with Ed25519`,
    );
  }
  return key;
}

/** The bytes of `manifest.sig` for `manifestBytes` signed with `privateKeyPem`. */
export function signManifest(manifestBytes: Buffer, privateKeyPem: string): Buffer {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (error) {
    throw new UsageError('The signing key is not a PEM private key', { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(
      `The signing key is a ${key.asymmetricKeyType ?? 'unknown'} key; bundles are signed with Ed25519`,
    );
  }
  const signature: ManifestSignature = {
    algorithm: SIGNATURE_ALGORITHM,
    key_id: idOfKey(createPublicKey(key)),
    signature: sign(null, manifestBytes, key).toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(signature)}\n`, 'utf8');
}

/** Trusted public keys by key id. Throws a {@link UsageError} naming a key that is not Ed25519. */
export function trustedKeyMap(pems: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  pems.forEach((pem, index) => {
    const key = publicKeyFrom(pem, `trusted key #${index + 1}`);
    keys.set(idOfKey(key), key);
  });
  return keys;
}

/** Parses `manifest.sig`; throws `signature-invalid` when it is not the format-1 shape. */
export function parseSignature(bytes: Buffer, bundle: string): ManifestSignature {
  const fail = (what: string): never => {
    throw new BundleError('signature-invalid', `${bundle}: manifest.sig ${what}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('is not JSON');
  }
  if (typeof value !== 'object' || value === null) return fail('is not a JSON object');
  const { algorithm, key_id: keyId, signature } = value as Record<string, unknown>;
  if (algorithm !== SIGNATURE_ALGORITHM) {
    fail(`uses algorithm ${JSON.stringify(algorithm)}; only "${SIGNATURE_ALGORITHM}" is known`);
  }
  if (typeof keyId !== 'string' || !/^[0-9a-f]{16}$/.test(keyId)) {
    fail('has a "key_id" that is not 16 lowercase hex characters');
  }
  if (
    typeof signature !== 'string' ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(signature) ||
    Buffer.from(signature, 'base64').length !== 64
  ) {
    fail('has a "signature" that is not the base64 of 64 bytes');
  }
  return {
    algorithm: SIGNATURE_ALGORITHM,
    key_id: keyId as string,
    signature: signature as string,
  };
}

/**
 * Checks a bundle's signature against the trusted keys and says what is known of it. A
 * signature by a trusted key that does not verify is always an error (`signature-invalid`);
 * with `requireSignature`, so are no signature (`signature-missing`) and an unknown key
 * (`untrusted-key`).
 */
export function checkSignature(
  manifestBytes: Buffer,
  signatureBytes: Buffer | undefined,
  trusted: ReadonlyMap<string, KeyObject>,
  requireSignature: boolean,
  bundle: string,
): SignatureStatus {
  if (signatureBytes === undefined) {
    if (requireSignature) {
      throw new BundleError(
        'signature-missing',
        `${bundle} is not signed, and a signature by a trusted key is required`,
      );
    }
    return 'unsigned';
  }
  const parsed = parseSignature(signatureBytes, bundle);
  const key = trusted.get(parsed.key_id);
  if (key === undefined) {
    if (requireSignature) {
      throw new BundleError(
        'untrusted-key',
        `${bundle} is signed by key ${parsed.key_id}, which is not one of the ${trusted.size} trusted key(s)`,
      );
    }
    return { keyId: parsed.key_id, trusted: false };
  }
  if (!verify(null, manifestBytes, key, Buffer.from(parsed.signature, 'base64'))) {
    throw new BundleError(
      'signature-invalid',
      `${bundle}: the signature by trusted key ${parsed.key_id} does not match manifest.json; the bundle was altered after signing`,
    );
  }
  return { keyId: parsed.key_id, trusted: true };
}
