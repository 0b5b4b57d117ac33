/**
 * The tenants' secrets as the engine reads them. `get_secret` is evaluated synchronously inside
 * the engine, while the directory is async (it may be PostgreSQL), so the vault keeps every
 * secret's *stored* (encrypted) record in memory, kept current by the secret routes, and
 * decrypts a value only when an operation asks for it. Plaintext is never cached.
 *
 * One manager process owns the directory; a second process writing secrets to the same
 * PostgreSQL would not be seen until restart (noted in the manager docs).
 */
import type { SecretSource } from '@cairn/engine';
import type { ManagerStore, SecretRecord } from '@cairn/store';
import type { SecretCipher } from '../security/secret-cipher.js';

/** The associated data a secret's ciphertext is bound to. */
export function secretContext(tenant: string, key: string): string {
  return `${tenant}/${key}`;
}

/** Stored secrets of every tenant, in memory, and the cipher to open them. */
export class SecretVault {
  private readonly byTenant = new Map<string, Map<string, SecretRecord>>();

  private constructor(readonly cipher: SecretCipher) {}

  /** Loads every tenant's secrets from the directory. */
  static async load(directory: ManagerStore, cipher: SecretCipher): Promise<SecretVault> {
    const vault = new SecretVault(cipher);
    for (const tenant of await directory.listTenants()) {
      for (const record of await directory.listSecrets({ tenant: tenant.name })) {
        vault.remember(record);
      }
    }
    return vault;
  }

  /** Encrypts a value for a secret of a tenant. */
  seal(tenant: string, key: string, value: string): string {
    return this.cipher.encrypt(value, secretContext(tenant, key));
  }

  /** Decrypts a stored secret's value. */
  open(record: SecretRecord): string {
    return this.cipher.decrypt(record.value, secretContext(record.tenant, record.key));
  }

  /** Records a created or changed secret. */
  remember(record: SecretRecord): void {
    let secrets = this.byTenant.get(record.tenant);
    if (secrets === undefined) {
      secrets = new Map();
      this.byTenant.set(record.tenant, secrets);
    }
    secrets.set(record.key, record);
  }

  /** Forgets a deleted secret. */
  forget(tenant: string, key: string): void {
    this.byTenant.get(tenant)?.delete(key);
  }

  /** The secret `key` as `tenant` sees it: its own, else another tenant's global one. */
  find(tenant: string, key: string): SecretRecord | undefined {
    const own = this.byTenant.get(tenant)?.get(key);
    if (own !== undefined) return own;
    for (const [other, secrets] of this.byTenant) {
      if (other === tenant) continue;
      const found = secrets.get(key);
      if (found?.visibility === 'global') return found;
    }
    return undefined;
  }

  /** What `get_secret` reads in a tenant's deployments. */
  sourceFor(tenant: string): SecretSource {
    return {
      get: (key) => {
        const record = this.find(tenant, key);
        return record === undefined ? undefined : this.open(record);
      },
    };
  }
}
