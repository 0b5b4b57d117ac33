import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@cairn/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/fixtures/bundle/layout.js';
import {
  generateSigningKey,
  setSignaturePolicy,
  trustKey,
  trustOptions,
  trustedKeyIds,
  type TrustLocation,
} from './index.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Trust settings in a fresh folder, the keys folder not made yet. */
async function location(): Promise<TrustLocation> {
  const dir = await tempDir('cairn-trust-');
  temps.push(dir);
  return { keysDir: join(dir, 'keys'), policyFile: join(dir, 'policy', 'policy.json') };
}

describe('trust settings', () => {
  it('trust nothing and require nothing before anything is set', async () => {
    const trust = await location();
    expect(trustOptions(trust)).toEqual({ trustedKeys: [], requireSignature: false });
    expect(trustedKeyIds(trust)).toEqual([]);
  });

  it('keep trusted keys as <key id>.pub files and read them back', async () => {
    const trust = await location();
    const first = generateSigningKey();
    const second = generateSigningKey();
    expect(trustKey(trust, first.publicKeyPem)).toBe(first.keyId);
    expect(trustKey(trust, second.publicKeyPem)).toBe(second.keyId);
    // Trusting a key twice keeps one file.
    trustKey(trust, first.publicKeyPem);
    const ids = [first.keyId, second.keyId].sort();
    expect(await readdir(trust.keysDir)).toEqual(ids.map((id) => `${id}.pub`));
    expect(trustedKeyIds(trust)).toEqual(ids);
    const pems = [first, second]
      .sort((a, b) => a.keyId.localeCompare(b.keyId))
      .map((key) => key.publicKeyPem);
    expect(trustOptions(trust)).toEqual({ trustedKeys: pems, requireSignature: false });
  });

  it('ignore files in the keys folder that are not keys', async () => {
    const trust = await location();
    const key = generateSigningKey();
    trustKey(trust, key.publicKeyPem);
    await writeFile(join(trust.keysDir, 'README'), 'not a key\n');
    expect(trustedKeyIds(trust)).toEqual([key.keyId]);
    expect(trustOptions(trust).trustedKeys).toEqual([key.publicKeyPem]);
  });

  it('refuse what is not an Ed25519 public key', async () => {
    const trust = await location();
    expect(() => trustKey(trust, 'not a key')).toThrow(UsageError);
    expect(() => trustKey(trust, 'not a key')).toThrow(/^Not an Ed25519 public key in PEM form: /);
    expect(trustedKeyIds(trust)).toEqual([]);
  });

  it('write the signature policy to its file and read it back', async () => {
    const trust = await location();
    setSignaturePolicy(trust, true);
    expect(await readFile(trust.policyFile, 'utf8')).toBe('{\n  "require_signature": true\n}\n');
    expect(trustOptions(trust).requireSignature).toBe(true);
    setSignaturePolicy(trust, false);
    expect(trustOptions(trust).requireSignature).toBe(false);
  });

  it('refuse a policy file that is not JSON', async () => {
    const trust = await location();
    setSignaturePolicy(trust, true);
    await writeFile(trust.policyFile, '{ require_signature');
    expect(() => trustOptions(trust)).toThrow(UsageError);
    expect(() => trustOptions(trust)).toThrow(
      `${trust.policyFile} is not valid JSON: fix or delete it.`,
    );
  });
});
