/**
 * Following an execution on the manager: its events and logs live (server-sent events), printed
 * as local mode prints its own; Ctrl-C asks the manager to cancel it (twice: force-cancel); and
 * the summary at the end.
 */
import type { ApiClient, Event, Execution } from '@cairn/api';
import { isCairnError } from '@cairn/errors';
import type { JsonObject, NewEvent } from '@cairn/store';
import { EXIT } from '../exit-codes.js';
import { progressFor } from '../local/progress.js';
import type { Output } from '../output.js';
import type { State } from './client.js';

/** The statuses after which an execution does nothing more. */
export const END_STATES: ReadonlySet<string> = new Set(['terminated', 'failed', 'cancelled']);

/** An event of the REST API as the local progress view takes it (context keys of spec §10.4). */
export function toLocalEvent(event: Event): NewEvent {
  const context: JsonObject = {};
  const keys = {
    node_id: event.node_instance_id,
    node_name: event.node_name,
    operation: event.operation,
    source_id: event.source_id,
    target_id: event.target_id,
    workflow_id: event.workflow_id,
    blueprint_id: event.blueprint_id,
  };
  for (const [key, value] of Object.entries(keys)) if (value !== null) context[key] = value;
  return {
    execution_id: event.execution_id,
    deployment_id: event.deployment_id,
    timestamp: event.timestamp,
    type: event.type,
    event_type: event.event_type,
    level: event.level,
    logger: event.logger,
    message: event.message,
    context,
    error_causes: (event.error_causes ?? null) as NewEvent['error_causes'],
  };
}

/** Events after `after` (a seq), then a pause, until the execution has ended. */
async function poll(
  client: ApiClient,
  id: string,
  after: number,
  onEvent: (event: Event) => void,
): Promise<void> {
  let last = after;
  for (;;) {
    const ended = END_STATES.has((await client.call('getExecution', { params: { id } })).status);
    const page = await client.call('listEvents', {
      query: { execution_id: id, include_logs: true, _after: last, _get_all_results: true },
    });
    for (const event of page.items) {
      last = event.seq;
      onEvent(event);
    }
    if (ended) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Prints an execution's events as they happen until it ends; returns it as it ended. When the
 * stream breaks off, the rest is read by polling.
 */
export async function followExecution(
  client: ApiClient,
  execution: Execution,
  output: Output,
): Promise<Execution> {
  const progress = progressFor(output);
  let last = 0;
  const onEvent = (event: Event): void => {
    last = event.seq;
    progress.listener(toLocalEvent(event));
  };
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    const force = interrupts > 1;
    output.err(
      force
        ? 'Force-cancelling: the manager kills running operations…'
        : 'Cancelling: running operations finish (Ctrl-C again to kill them)…',
    );
    client
      .call('executionAction', {
        params: { id: execution.id },
        body: { action: force ? 'force-cancel' : 'cancel' },
      })
      .catch((error: unknown) => {
        output.err(`${output.style.error('error')}: ${(error as Error).message}`);
      });
  };
  process.on('SIGINT', onSignal);
  try {
    try {
      await client.followExecution(execution.id, onEvent);
    } catch (error) {
      // An answer of the manager (not found, refused) is final; a broken connection is not.
      if (isCairnError(error) && error.code !== 'IO') throw error;
      output.err(output.style.dim('The event stream broke off; following by polling…'));
      await poll(client, execution.id, last, onEvent);
    }
  } finally {
    process.off('SIGINT', onSignal);
    progress.stop();
  }
  return client.call('getExecution', { params: { id: execution.id } });
}

function duration(e: Execution): string {
  if (e.started_at === null || e.ended_at === null) return '';
  const ms = Date.parse(e.ended_at) - Date.parse(e.started_at);
  return ms < 1000 ? ` in ${ms} ms` : ` in ${(ms / 1000).toFixed(1)} s`;
}

/** The one-line summary of an ended execution; a failure sets the exit status. */
export function reportExecution(output: Output, e: Execution, state: State): void {
  const s = output.style;
  if (e.status === 'terminated') {
    output.err(
      `${s.ok('✔')} '${e.workflow_id}' on ${e.deployment_id} succeeded${duration(e)} (execution ${e.id}).`,
    );
    state.status = EXIT.OK;
    return;
  }
  output.err(
    `${s.error('✖')} '${e.workflow_id}' on ${e.deployment_id} ${e.status}${e.error === '' ? '' : `: ${e.error}`}`,
  );
  output.err(s.dim(`  Resume it with: cairn executions resume ${e.id} --follow`));
  state.status = EXIT.FAILED;
}
