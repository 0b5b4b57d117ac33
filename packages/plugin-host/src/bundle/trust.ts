/**
 * Trust settings kept on disk: the public keys trusted to sign bundles (one PEM file per key,
 * named `<key id>.pub`, in a folder) and the signature policy (a JSON file,
 * `{"require_signature": true}`). The caller says where both live (the CLI: under its home;
 * the manager: per tenant), and turns them into {@link ReadBundleOptions} for reading and
 * installing bundles.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '@cairn/errors';
import type { ReadBundleOptions } from './host.js';
import { keyIdOf } from './signing.js';

/** Where one set of trust settings lives. */
export interface TrustLocation {
  /** The folder of trusted public keys: `<key id>.pub` files (PEM, Ed25519). */
  readonly keysDir: string;
  /** The signature policy file; when it does not exist, signatures are not required. */
  readonly policyFile: string;
}

/** The signature policy file's content. */
interface TrustPolicy {
  readonly require_signature: boolean;
}

const KEY_SUFFIX = '.pub';

function keyFiles(keysDir: string): string[] {
  return existsSync(keysDir)
    ? readdirSync(keysDir)
        .filter((name) => name.endsWith(KEY_SUFFIX))
        .sort()
    : [];
}

function readPolicy(policyFile: string): TrustPolicy {
  if (!existsSync(policyFile)) return { require_signature: false };
  try {
    const parsed = JSON.parse(readFileSync(policyFile, 'utf8')) as Partial<TrustPolicy>;
    return { require_signature: parsed.require_signature === true };
  } catch {
    throw new UsageError(`${policyFile} is not valid JSON: fix or delete it.`);
  }
}

/**
 * The trusted keys and whether a signature is required, as bundle reading options. Throws a
 * `UsageError` when the policy file is not valid JSON.
 */
export function trustOptions(location: TrustLocation): ReadBundleOptions {
  const trustedKeys = keyFiles(location.keysDir).map((name) =>
    readFileSync(join(location.keysDir, name), 'utf8'),
  );
  return { trustedKeys, requireSignature: readPolicy(location.policyFile).require_signature };
}

/**
 * Trusts a public key (PEM): writes it to the keys folder as `<key id>.pub` and returns its key
 * id. Throws a `UsageError` when the text is not an Ed25519 public key in PEM form.
 */
export function trustKey(location: TrustLocation, publicKeyPem: string): string {
  let id: string;
  try {
    id = keyIdOf(publicKeyPem);
  } catch (error) {
    throw new UsageError(
      `Not an Ed25519 public key in PEM form: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  mkdirSync(location.keysDir, { recursive: true });
  writeFileSync(join(location.keysDir, `${id}${KEY_SUFFIX}`), publicKeyPem);
  return id;
}

/** Makes signatures required (or not) for every bundle read with these settings. */
export function setSignaturePolicy(location: TrustLocation, required: boolean): void {
  mkdirSync(dirname(location.policyFile), { recursive: true });
  const policy: TrustPolicy = { require_signature: required };
  writeFileSync(location.policyFile, `${JSON.stringify(policy, null, 2)}\n`);
}

/** The ids of the keys trusted now, sorted. */
export function trustedKeyIds(location: TrustLocation): string[] {
  return keyFiles(location.keysDir)
    .map((name) => name.slice(0, -KEY_SUFFIX.length))
    .sort();
}
