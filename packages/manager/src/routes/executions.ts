/**
 * Executions (queued and run by the manager's workers) and events: the stored list with
 * Cloudify's filters, and a live stream per execution as server-sent events.
 */
import type { Event, Execution } from '@cairn/api';
import { ConflictError, InvalidInputError, NotFoundError } from '@cairn/errors';
import type { EventRecord, ExecutionRecord, ResourceRecord } from '@cairn/store';
import { canSee, requireChangeable, requireVisible } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { listPage } from '../http/list.js';
import type { TenantRuntime } from '../runtime/tenant-runtimes.js';
import type { ManagerContext } from './context.js';
import { END_STATES } from './deployments.js';
import { eventView, executionView } from './views.js';

type ExecutionHandlers = Pick<
  Handlers,
  | 'listExecutions'
  | 'getExecution'
  | 'startExecution'
  | 'executionAction'
  | 'streamExecutionEvents'
  | 'listEvents'
>;

/** A flag from a body: Cloudify's client sends `"true"`/`"false"` strings. */
function flag(value: boolean | 'true' | 'false' | null | undefined): boolean {
  return value === true || value === 'true';
}

/** Each listed deployment's blueprint, from the tenant's deployment index. */
function blueprintsOf(runtime: TenantRuntime): { get(id: string): string | undefined } {
  return { get: (id) => runtime.deployments.get(id)?.blueprint_id };
}

/** How often the live stream looks for new events. */
const STREAM_POLL_MS = 200;

/** The execution routes. */
export function executionHandlers(ctx: ManagerContext): ExecutionHandlers {
  const { directory, runtimes, queue } = ctx;

  /** The owners of the tenant's deployments the caller may see, from the deployment index. */
  async function ownersOf(
    principal: Principal,
    tenant: string,
  ): Promise<Map<string, ResourceRecord>> {
    const runtime = await runtimes.get(tenant);
    const owners = new Map<string, ResourceRecord>();
    for (const summary of runtime.deployments.all()) {
      if (canSee(principal, tenant, summary.owner)) owners.set(summary.id, summary.owner);
    }
    return owners;
  }

  async function view(
    runtime: TenantRuntime,
    record: ExecutionRecord,
    owner: ResourceRecord,
  ): Promise<Execution> {
    const deployment = await runtime.store.getDeployment(record.deployment_id);
    const starter = await directory.getResource(runtime.tenant, 'execution', record.id);
    return executionView(
      record,
      deployment?.blueprint_id ?? '',
      owner,
      starter?.created_by ?? owner.created_by,
    );
  }

  /** An execution the caller may see, with its deployment's owner. */
  async function visibleExecution(principal: Principal, tenant: string, id: string) {
    const runtime = await runtimes.get(tenant);
    const record = await runtime.store.getExecution(id);
    const owner =
      record === undefined
        ? undefined
        : await directory.getResource(tenant, 'deployment', record.deployment_id);
    requireVisible(principal, tenant, owner, `Execution '${id}'`);
    return { runtime, record: record as ExecutionRecord, owner };
  }

  return {
    listExecutions: async ({ principal, tenant, query }) => {
      const owners = await ownersOf(principal, tenant);
      const runtime = await runtimes.get(tenant);
      const records = await runtime.store.listExecutions(
        query.deployment_id === undefined ? {} : { deployment_id: query.deployment_id },
      );
      const blueprints = blueprintsOf(runtime);
      const starters = new Map(
        (await directory.listResources({ tenant, kind: 'execution' })).map((r) => [
          r.id,
          r.created_by,
        ]),
      );
      const views: Execution[] = [];
      for (const record of records) {
        const owner = owners.get(record.deployment_id);
        if (owner === undefined) continue;
        views.push(
          executionView(
            record,
            blueprints.get(record.deployment_id) ?? '',
            owner,
            starters.get(record.id) ?? owner.created_by,
          ),
        );
      }
      return listPage(views, query, {
        filters: ['id', 'deployment_id', 'workflow_id', 'status'],
        searchField: 'id',
      });
    },
    getExecution: async ({ principal, tenant, params }) => {
      const { runtime, record, owner } = await visibleExecution(principal, tenant, params.id);
      return view(runtime, record, owner);
    },
    startExecution: async ({ principal, tenant, body }) => {
      const owner = await directory.getResource(tenant, 'deployment', body.deployment_id);
      requireVisible(principal, tenant, owner, `Deployment '${body.deployment_id}'`);
      requireChangeable(principal, tenant, owner, `Deployment '${body.deployment_id}'`);
      if (flag(body.dry_run)) {
        throw new InvalidInputError(
          'The manager does not run dry runs yet; `cairn executions start WORKFLOW --dry-run` in local mode prints the plan of one',
        );
      }
      const runtime = await runtimes.get(tenant);
      const record = await queue.submit(tenant, {
        deploymentId: body.deployment_id,
        workflowId: body.workflow_id,
        parameters: (body.parameters ?? {}) as never,
        allowCustomParameters: flag(body.allow_custom_parameters),
      });
      await directory.createResource({
        tenant,
        kind: 'execution',
        id: record.id,
        visibility: owner.visibility,
        created_by: principal.username,
        created_at: record.created_at,
      });
      return view(runtime, (await runtime.store.getExecution(record.id)) ?? record, owner);
    },
    executionAction: async ({ principal, tenant, params, body }) => {
      const { runtime, owner } = await visibleExecution(principal, tenant, params.id);
      requireChangeable(principal, tenant, owner, `Execution '${params.id}'`);
      let record: ExecutionRecord;
      switch (body.action) {
        case 'cancel':
          record = await queue.cancel(tenant, params.id, false);
          break;
        case 'force-cancel':
        case 'kill':
          record = await queue.cancel(tenant, params.id, true);
          break;
        case 'resume':
        case 'force-resume':
          record = await queue.resume(tenant, params.id);
          break;
        case 'requeue':
          throw new ConflictError('requeue is not supported: resume the execution instead');
      }
      return view(runtime, (await runtime.store.getExecution(record.id)) ?? record, owner);
    },
    streamExecutionEvents: async ({ principal, tenant, params, query, request, reply }) => {
      const { runtime, record } = await visibleExecution(principal, tenant, params.id);
      const deployment = await runtime.store.getDeployment(record.deployment_id);
      const lastEventId = Number(request.headers['last-event-id'] ?? 0);
      let after = Number.isFinite(lastEventId) ? lastEventId : 0;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      let closed = false;
      request.raw.on('close', () => {
        closed = true;
      });
      const send = (event: EventRecord): void => {
        const data: Event = eventView(event, tenant, deployment?.blueprint_id ?? null);
        raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      try {
        for (;;) {
          const events = await runtime.store.listEvents({
            execution_id: params.id,
            after_seq: after,
            include_logs: query.include_logs !== false,
            limit: 1000,
          });
          for (const event of events) {
            send(event);
            after = event.seq;
          }
          if (closed) break;
          if (events.length === 1000) continue;
          const current = await runtime.store.getExecution(params.id);
          if (current === undefined || END_STATES.has(current.status)) {
            // One last look: events stored with the final status are in by now.
            const rest = await runtime.store.listEvents({
              execution_id: params.id,
              after_seq: after,
              include_logs: query.include_logs !== false,
            });
            for (const event of rest) send(event);
            raw.write(
              `event: end\ndata: ${JSON.stringify({ status: current?.status ?? 'deleted' })}\n\n`,
            );
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS));
        }
      } finally {
        raw.end();
      }
      return undefined;
    },
    listEvents: async ({ principal, tenant, query }) => {
      const owners = await ownersOf(principal, tenant);
      const runtime = await runtimes.get(tenant);
      const types = query.type === undefined ? [] : [query.type].flat().map(String);
      const includeLogs = query.include_logs === true || types.includes('cloudify_log');
      let deploymentId = query.deployment_id === undefined ? undefined : query.deployment_id;
      if (query.execution_id !== undefined) {
        const execution = await runtime.store.getExecution(query.execution_id);
        // An execution of a deployment one may not see answers as a missing one: the words
        // name only what was asked for.
        if (execution === undefined || !owners.has(execution.deployment_id)) {
          throw new NotFoundError(`Execution '${query.execution_id}' not found`);
        }
        deploymentId = execution.deployment_id;
      }
      if (deploymentId !== undefined && !owners.has(deploymentId)) {
        throw new NotFoundError(`Deployment '${deploymentId}' not found`);
      }
      const records = await runtime.store.listEvents({
        ...(query.execution_id === undefined ? {} : { execution_id: query.execution_id }),
        ...(deploymentId === undefined ? {} : { deployment_id: deploymentId }),
        ...(query._after === undefined ? {} : { after_seq: query._after }),
        include_logs: includeLogs,
      });
      const blueprints = blueprintsOf(runtime);
      const views = records
        .filter((r) => owners.has(r.deployment_id))
        .filter((r) => types.length === 0 || types.includes(r.type))
        .map((r) => eventView(r, tenant, blueprints.get(r.deployment_id) ?? null));
      return listPage(views, query, {
        filters: ['event_type', 'level'],
        searchField: 'message',
      });
    },
  };
}
