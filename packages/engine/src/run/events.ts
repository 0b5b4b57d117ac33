/**
 * Events and logs in Cloudify's shape (spec §10.3–10.4): event types, message templates
 * (`Task started 'plugin.fn' [retry 1/2]`) and context keys, so users' tooling that reads
 * Cloudify events reads Cairn's.
 */
import type { JsonValue } from '@cairn/errors';
import type { JsonObject, NewEvent } from '@cairn/store';

/** The execution an event belongs to. */
export interface EventScope {
  readonly execution_id: string;
  readonly deployment_id: string;
  readonly blueprint_id: string;
  readonly workflow_id: string;
  readonly tenant: string;
}

/** Context keys of one task (node or relationship operation). */
export type TaskContext = JsonObject;

let lastMs = Number.NaN;
let lastStamp = '';

/**
 * The time now as an ISO-8601 timestamp. Formatted once per millisecond: a large execution
 * stamps tens of thousands of records a second, and records of one millisecond share the string.
 */
export function timestamp(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastStamp = new Date(ms).toISOString();
  }
  return lastStamp;
}

/** The context keys every event of an execution has, made once per scope. */
const baseContexts = new WeakMap<EventScope, JsonObject>();

function baseContext(scope: EventScope): JsonObject {
  let base = baseContexts.get(scope);
  if (base === undefined) {
    base = {
      blueprint_id: scope.blueprint_id,
      deployment_id: scope.deployment_id,
      execution_id: scope.execution_id,
      workflow_id: scope.workflow_id,
      // Shared by the events of the scope: records are data, never changed once made.
      tenant: { name: scope.tenant },
    };
    baseContexts.set(scope, base);
  }
  return base;
}

/** An event (`cloudify_event`). */
export function makeEvent(
  scope: EventScope,
  eventType: string,
  message: string,
  extra: { context?: JsonObject; error_causes?: JsonValue } = {},
): NewEvent {
  return {
    execution_id: scope.execution_id,
    deployment_id: scope.deployment_id,
    timestamp: timestamp(),
    type: 'cloudify_event',
    event_type: eventType,
    level: null,
    logger: null,
    message,
    context: { ...baseContext(scope), ...(extra.context ?? {}) },
    error_causes: extra.error_causes ?? null,
  };
}

/** A log record (`cloudify_log`). */
export function makeLog(
  scope: EventScope,
  level: string,
  message: string,
  extra: { context?: JsonObject; logger?: string } = {},
): NewEvent {
  return {
    execution_id: scope.execution_id,
    deployment_id: scope.deployment_id,
    timestamp: timestamp(),
    type: 'cloudify_log',
    event_type: null,
    level,
    logger: extra.logger ?? null,
    message,
    context: { ...baseContext(scope), ...(extra.context ?? {}) },
    error_causes: null,
  };
}

/** ` [retry N/M]`, ` [retry N]` when unlimited, or nothing on the first attempt. */
export function retrySuffix(retry: number, maxRetries: number): string {
  if (retry === 0) return '';
  return maxRetries < 0 ? ` [retry ${retry}]` : ` [retry ${retry}/${maxRetries}]`;
}
