/**
 * Prometheus metrics at `/metrics`: request durations by route and status, error answers by
 * Cloudify error code, executions by status change, and events stored.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The manager's metrics. */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Histogram<'method' | 'route' | 'status'>;
  readonly errors: Counter<'code'>;
  readonly executions: Counter<'status'>;
  readonly events: Counter;
}

/** A fresh registry with the process's default metrics and the manager's own. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cairn_manager_' });
  return {
    registry,
    requests: new Histogram({
      name: 'cairn_manager_http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'cairn_manager_http_errors_total',
      help: 'Error answers by Cloudify error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    executions: new Counter({
      name: 'cairn_manager_executions_total',
      help: 'Executions that reached a status',
      labelNames: ['status'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'cairn_manager_events_total',
      help: 'Events and logs stored by executions run here',
      registers: [registry],
    }),
  };
}
