/**
 * `@cairn/manager` — the multi-tenant REST service (Cloudify REST API v3.1). Built in steps; so
 * far its security primitives: password hashing (with a short-lived cache of successful checks),
 * API tokens, the failed-login limiter, and the encryption of secrets at rest.
 */
export { hashPassword, verifyPassword } from './security/passwords.js';
export {
  issueToken,
  tokenDigest,
  tokenValid,
  TOKEN_PREFIX,
  type IssuedToken,
} from './security/tokens.js';
export { LoginLimiter, type LoginLimiterOptions } from './security/login-limiter.js';
export { CredentialCache, type CredentialCacheOptions } from './security/credential-cache.js';
export {
  createSecretCipher,
  keyIdOf,
  loadSecretKey,
  SecretDecryptError,
  type SecretCipher,
  type SecretKeySource,
} from './security/secret-cipher.js';
