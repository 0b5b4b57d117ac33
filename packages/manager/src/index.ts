/**
 * `@cairn/manager` — the multi-tenant REST service (Cloudify REST API v3.1): tenants, users,
 * roles, tokens, secrets encrypted at rest, blueprints, deployments, executions run by its own
 * workers, events, and plugins, on SQLite or PostgreSQL.
 */
export { startManager, type ManagerOptions, type RunningManager } from './manager.js';
export { parseDatabaseTarget, tenantSchema, type DatabaseTarget } from './storage/database.js';
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
