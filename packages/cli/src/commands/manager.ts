/**
 * `cairn manager start`: runs the manager (the multi-tenant REST service) in this process until
 * SIGINT or SIGTERM. The manager package is loaded only here, so other commands start as fast
 * as before.
 */
import type { Command } from 'commander';
import { UsageError } from '@cairn/errors';
import type { Output } from '../output.js';
import { VERSION } from '../version.js';

/** Parses a TCP port. */
function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new UsageError(`--port takes a number from 0 to 65535, not '${text}'.`);
  }
  return value;
}

/** Registers `cairn manager …`. */
export function registerManagerCommands(program: Command, output: Output): void {
  const manager = program
    .command('manager')
    .description('run a Cairn manager: the multi-tenant REST service (Cloudify REST API v3.1)');
  manager
    .command('start')
    .description(
      'start a manager in the foreground; the first start creates user admin in default_tenant',
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8100')
    .option(
      '--db <target>',
      'database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: SQLite in the data folder)',
    )
    .option(
      '--data-dir <dir>',
      'where blueprints, plugins, work folders and the secrets key live',
      'cairn-manager',
    )
    .option('--concurrency <n>', 'most executions running at once', '8')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .addHelpText(
      'after',
      `
Environment:
  CAIRN_ADMIN_PASSWORD          admin's password on the first start (else one is generated and printed once)
  CAIRN_SECRETS_KEY             base64 of 32 bytes that encrypt secrets (else <data-dir>/secrets.key, created 0600)
  CAIRN_REQUIRE_SIGNED_PLUGINS  1: refuse plugin bundles without a trusted signature

Examples:
  $ CAIRN_ADMIN_PASSWORD=s3cret cairn manager start --data-dir /var/lib/cairn
  $ cairn manager start --db postgres://cairn:pw@127.0.0.1:5432/cairn --port 8100`,
    )
    .action(
      async (options: {
        host: string;
        port: string;
        db?: string;
        dataDir: string;
        concurrency: string;
        logLevel: string;
      }) => {
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) {
          throw new UsageError(
            `--concurrency takes a positive number, not '${options.concurrency}'.`,
          );
        }
        const { startManager } = await import('@cairn/manager');
        const running = await startManager({
          host: options.host,
          port: port(options.port),
          ...(options.db === undefined ? {} : { db: options.db }),
          dataDir: options.dataDir,
          concurrency,
          logLevel: options.logLevel,
          logDestination: process.stderr,
          version: VERSION,
        });
        output.err(
          `Cairn manager listening on ${running.url} (API: ${running.url}/api/v3.1, docs: ${running.url}/api/docs)`,
        );
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            output.err(
              'Stopping: waiting for running executions (they resume at the next start if cut short)…',
            );
            void running.close().then(resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      },
    );
}
