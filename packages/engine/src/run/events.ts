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

function now(): string {
  return new Date().toISOString();
}

function baseContext(scope: EventScope): JsonObject {
  return {
    blueprint_id: scope.blueprint_id,
    deployment_id: scope.deployment_id,
    execution_id: scope.execution_id,
    workflow_id: scope.workflow_id,
    tenant: { name: scope.tenant },
  };
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
    timestamp: now(),
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
    timestamp: now(),
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
