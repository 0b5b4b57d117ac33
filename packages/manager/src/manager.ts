/**
 * Starting and stopping a manager: open the databases, create `admin` in `default_tenant` on the
 * first start, load the secret key and the secrets, recover executions a previous process left
 * behind, and serve the REST API until asked to stop.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConflictError } from '@cairn/errors';
import type { ResourceKind } from '@cairn/store';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { Authenticator } from './auth/principal.js';
import { BlueprintFiles } from './blueprints/blueprint-files.js';
import { buildApp, type Handlers } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { PluginCatalog } from './plugins/plugin-catalog.js';
import { accountHandlers } from './routes/accounts.js';
import { blueprintHandlers } from './routes/blueprints.js';
import type { ManagerContext } from './routes/context.js';
import { deploymentHandlers } from './routes/deployments.js';
import { executionHandlers } from './routes/executions.js';
import { pluginHandlers } from './routes/plugins.js';
import { secretHandlers } from './routes/secrets.js';
import { ExecutionQueue } from './runtime/execution-queue.js';
import { SecretVault } from './runtime/secret-vault.js';
import { TenantRuntimes } from './runtime/tenant-runtimes.js';
import { CredentialCache } from './security/credential-cache.js';
import { LoginLimiter } from './security/login-limiter.js';
import { hashPassword } from './security/passwords.js';
import { createSecretCipher, loadSecretKey } from './security/secret-cipher.js';
import { openDatabases, parseDatabaseTarget, type DatabaseTarget } from './storage/database.js';
import { claimDatabase, type DatabaseClaim } from './storage/ownership.js';

/** How a manager is started. */
export interface ManagerOptions {
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 8100; 0 picks a free one). */
  readonly port?: number;
  /** `sqlite:PATH` or a `postgres://` URL (default: SQLite in the data folder). */
  readonly db?: string;
  /** Where files live: blueprints, plugins, work folders, the secrets key (default ./cairn-manager). */
  readonly dataDir?: string;
  /** The environment (CAIRN_ADMIN_PASSWORD, CAIRN_SECRETS_KEY, CAIRN_REQUIRE_SIGNED_PLUGINS). */
  readonly env?: NodeJS.ProcessEnv;
  /** Most executions running at once (default 8). */
  readonly concurrency?: number;
  /** Largest upload in bytes (default 512 MiB). */
  readonly maxUploadBytes?: number;
  /** Lifetime of API tokens in seconds (default 10 hours, as Cloudify's). */
  readonly tokenTtlSeconds?: number;
  /** Log level, or false for no log (tests). Default `info`. */
  readonly logLevel?: string | false;
  /** Where structured logs go (default stdout). */
  readonly logDestination?: NodeJS.WritableStream;
  /** Cairn's version, as `/version` reports it. */
  readonly version?: string;
  /** Called once with the admin password when the first start generated one. */
  readonly onGeneratedPassword?: (password: string) => void;
  /** How long a graceful stop waits for running executions (default 10 s). */
  readonly shutdownGraceMs?: number;
}

/** A running manager. */
export interface RunningManager {
  /** `http://host:port`. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops serving, waits for running executions (up to the grace time), closes everything. */
  close(): Promise<void>;
}

const DEFAULT_TENANT = 'default_tenant';

/** Creates `admin` in `default_tenant` when the directory has no user yet. */
async function firstStart(
  context: Pick<ManagerContext, 'directory'>,
  env: NodeJS.ProcessEnv,
  onGenerated: ((password: string) => void) | undefined,
  log: FastifyBaseLogger,
): Promise<void> {
  const { directory } = context;
  const now = new Date().toISOString();
  if ((await directory.getTenant(DEFAULT_TENANT)) === undefined) {
    await directory.createTenant({ name: DEFAULT_TENANT, created_at: now });
  }
  if ((await directory.listUsers()).length > 0) return;
  const given = env.CAIRN_ADMIN_PASSWORD;
  const password =
    given !== undefined && given !== '' ? given : randomBytes(12).toString('base64url');
  await directory.createUser({
    username: 'admin',
    password_hash: await hashPassword(password),
    role: 'sys_admin',
    active: true,
    created_at: now,
    last_login_at: null,
  });
  await directory.setMembership({ tenant: DEFAULT_TENANT, username: 'admin', role: 'manager' });
  log.info({ user: 'admin', tenant: DEFAULT_TENANT }, 'first start: created the admin user');
  if (given === undefined || given === '') onGenerated?.(password);
}

/** Starts a manager and resolves once it listens. */
export async function startManager(options: ManagerOptions = {}): Promise<RunningManager> {
  const env = options.env ?? process.env;
  const dataDir = resolve(options.dataDir ?? 'cairn-manager');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger: FastifyBaseLogger | false =
    options.logLevel === false
      ? false
      : pino(
          {
            level: options.logLevel ?? 'info',
            // Credentials never reach the log, whatever a request carried.
            redact: ['req.headers.authorization', 'req.headers["authentication-token"]'],
          },
          options.logDestination ?? process.stdout,
        );
  const log: FastifyBaseLogger = logger === false ? pino({ level: 'silent' }) : logger;

  const target = parseDatabaseTarget(options.db, dataDir);
  // Before anything is read or migrated: a second manager on this database stops here.
  const claim = await claimDatabase(target);
  try {
    return await serve({ options, env, dataDir, logger, log, target, claim });
  } catch (error) {
    await claim.release();
    throw error;
  }
}

/** What {@link serve} starts from. */
interface Start {
  readonly options: ManagerOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  readonly logger: FastifyBaseLogger | false;
  readonly log: FastifyBaseLogger;
  readonly target: DatabaseTarget;
  readonly claim: DatabaseClaim;
}

/** Opens the databases of a claimed target, recovers what was left running, and listens. */
async function serve(start: Start): Promise<RunningManager> {
  const { options, env, dataDir, logger, log, target, claim } = start;
  const databases = await openDatabases(target);
  const directory = databases.directory;
  const cipher = createSecretCipher(
    loadSecretKey({ env, file: join(dataDir, 'secrets.key'), create: true }),
  );
  const onGenerated =
    options.onGeneratedPassword ??
    ((password: string) =>
      process.stderr.write(
        `\nCreated user 'admin' in tenant '${DEFAULT_TENANT}' with the password:\n\n    ${password}\n\nIt is shown only now. Set CAIRN_ADMIN_PASSWORD before the first start to choose it.\n\n`,
      ));
  await firstStart({ directory }, env, onGenerated, log);
  const vault = await SecretVault.load(directory, cipher);
  const metrics = createMetrics();
  const runtimes = new TenantRuntimes({
    databases,
    directory,
    vault,
    pluginStore: join(dataDir, 'plugin-store'),
    workRoot: join(dataDir, 'work'),
  });
  const queue = new ExecutionQueue({
    runtimes,
    metrics,
    log,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  const plugins = new PluginCatalog({
    directory,
    storeDir: join(dataDir, 'plugin-store'),
    trustDir: join(dataDir, 'trusted-keys'),
    requireSigned: env.CAIRN_REQUIRE_SIGNED_PLUGINS === '1',
  });
  const authenticator = new Authenticator({
    directory,
    credentials: new CredentialCache(),
    limiter: new LoginLimiter(),
  });
  const context: ManagerContext = {
    directory,
    runtimes,
    vault,
    plugins,
    blueprints: new BlueprintFiles(join(dataDir, 'blueprints')),
    queue,
    metrics,
    version: options.version ?? '0.1.0',
    tokenTtlSeconds: options.tokenTtlSeconds ?? 10 * 3600,
    accountsChanged: () => {
      authenticator.forget();
    },
    async requireGloballyUnique(kind: ResourceKind, id: string, tenant: string) {
      for (const other of await directory.listTenants()) {
        if (other.name === tenant) continue;
        if ((await directory.getResource(other.name, kind, id)) !== undefined) {
          throw new ConflictError(
            `A ${kind} '${id}' exists in another tenant; a global ${kind}'s id must be unique across tenants`,
          );
        }
      }
    },
  };
  const handlers: Handlers = {
    ...accountHandlers(context),
    ...secretHandlers(context),
    ...blueprintHandlers(context),
    ...deploymentHandlers(context),
    ...executionHandlers(context),
    ...pluginHandlers(context),
  };
  const app = await buildApp({
    handlers,
    authenticator,
    metrics,
    uploadDir: join(dataDir, 'uploads'),
    maxUploadBytes: options.maxUploadBytes ?? 512 * 1048576,
    maxJsonBytes: 16 * 1048576,
    logger,
    version: context.version,
    tenantExists: async (name) => (await directory.getTenant(name)) !== undefined,
    listTenants: async () => (await directory.listTenants()).map((t) => t.name),
  });

  let address: string;
  try {
    const tenants = (await directory.listTenants()).map((t) => t.name);
    const recovered = await queue.recover(tenants);
    if (recovered.resumed + recovered.queued > 0) {
      log.info(recovered, 'recovered the executions a previous manager process left');
    }
    address = await app.listen({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8100,
    });
  } catch (error) {
    // The port is taken, say: nothing stays open (the caller gives the claim up).
    await queue.drain(0);
    await app.close();
    await runtimes.close();
    await databases.close();
    throw error;
  }
  log.info({ url: address, db: databases.target.kind, dataDir }, 'manager started');

  let closing: Promise<void> | undefined;
  return {
    url: address,
    app,
    close() {
      closing ??= (async () => {
        const left = await queue.drain(options.shutdownGraceMs ?? 10_000);
        if (left > 0) {
          log.warn(
            { running: left },
            'stopping with executions running; they resume at the next start',
          );
        }
        await app.close();
        await runtimes.close();
        await databases.close();
        await claim.release();
      })();
      return closing;
    },
  };
}
