/**
 * Manager mode's `cairn events list`: an execution's events (and logs), or with `--tail` its
 * live stream until it ends.
 */
import type { Command } from 'commander';
import type { Event } from '@cairn/api';
import { formatEventLine } from '../local/progress.js';
import type { ManagerSession } from './client.js';
import { toLocalEvent } from './follow.js';

/** Registers manager mode's `events` group. */
export function registerEventCommands(program: Command, session: ManagerSession): void {
  const { output } = session;
  const events = program.command('events').description('show the events and logs of an execution');
  events
    .command('list')
    .description('list an execution’s events')
    .requiredOption('-e, --execution-id <id>', 'the execution')
    .option('--include-logs', 'include log records')
    .option('--tail', 'keep printing new events until the execution ends')
    .option('--json', 'print JSON (one object per line)')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn events list -e 3f2a… --include-logs
  $ cairn events list -e 3f2a… --tail --json`,
    )
    .action(
      async (options: {
        executionId: string;
        includeLogs?: boolean;
        tail?: boolean;
        json?: boolean;
      }) => {
        const print = (event: Event): void => {
          output.out(
            options.json === true
              ? JSON.stringify(event)
              : formatEventLine(toLocalEvent(event), output),
          );
        };
        await session.run(async (client) => {
          if (options.tail === true) {
            await client.followExecution(options.executionId, print, {
              includeLogs: options.includeLogs === true,
            });
            return;
          }
          const list = await client.call('listEvents', {
            query: {
              execution_id: options.executionId,
              include_logs: options.includeLogs === true,
              _get_all_results: true,
            },
          });
          for (const event of list.items) print(event);
        });
      },
    );
}
