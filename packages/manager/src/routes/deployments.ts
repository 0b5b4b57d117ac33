/**
 * Deployments, their nodes and node instances. Creating one is the engine's `createDeployment`
 * with the tenant's plugins pinned; the directory records its owner and visibility.
 */
import { DEFAULT_PAGE_SIZE, type Deployment } from '@cairn/api';
import { DeploymentInputError } from '@cairn/engine';
import type { Plan } from '@cairn/dsl';
import { ConflictError, InvalidInputError, NotFoundError } from '@cairn/errors';
import type { DeploymentRecord, ResourceRecord } from '@cairn/store';
import {
  canSee,
  isAdmin,
  checkVisibilityChange,
  newVisibility,
  requireChangeable,
  requireVisible,
} from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { includeFields, listPage } from '../http/list.js';
import {
  summaryCovers,
  summaryFields,
  type DeploymentSummary,
} from '../runtime/deployment-index.js';
import type { TenantRuntime } from '../runtime/tenant-runtimes.js';
import { type ManagerContext, now } from './context.js';
import { deploymentView, instanceView, nodeView } from './views.js';

type DeploymentHandlers = Pick<
  Handlers,
  | 'listDeployments'
  | 'getDeployment'
  | 'createDeployment'
  | 'deleteDeployment'
  | 'deploymentOutputs'
  | 'deploymentCapabilities'
  | 'setDeploymentVisibility'
  | 'listNodes'
  | 'listNodeInstances'
  | 'getNodeInstance'
  | 'updateNodeInstance'
>;

const END_STATES = new Set(['terminated', 'failed', 'cancelled']);

/** The fields `?field=value` filters deployments on. */
const FILTERS = ['id', 'blueprint_id', 'visibility', 'created_by'] as const;
const SPEC = { filters: FILTERS, searchField: 'id' };

/** `_include` as a list of fields; undefined when absent. */
function includeList(include: string | undefined): string[] | undefined {
  if (include === undefined || include === '') return undefined;
  return include
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
}

/** `_sort` as fields with a direction. */
function sortList(sort: string | readonly string[] | undefined): { field: string }[] {
  if (sort === undefined) return [];
  return (Array.isArray(sort) ? sort : [sort]).map((s: string) => ({
    field: s.replace(/^[-+]/, ''),
  }));
}

/** A summary's list fields, with the summary kept for reading its full view. */
function withFields(
  summary: DeploymentSummary,
): Partial<Deployment> & { summary: DeploymentSummary } {
  return { ...summaryFields(summary), summary };
}

/** The deployment routes. */
export function deploymentHandlers(ctx: ManagerContext): DeploymentHandlers {
  const { directory, runtimes } = ctx;

  /** A deployment the caller may see, with its owner and the tenant's runtime. */
  async function visibleDeployment(
    principal: Principal,
    tenant: string,
    id: string,
  ): Promise<{ owner: ResourceRecord; record: DeploymentRecord; runtime: TenantRuntime }> {
    const owner = await directory.getResource(tenant, 'deployment', id);
    requireVisible(principal, tenant, owner, `Deployment '${id}'`);
    const runtime = await runtimes.get(tenant);
    const record = await runtime.store.getDeployment(id);
    if (record === undefined) throw new NotFoundError(`Deployment '${id}' not found`);
    return { owner, record, runtime };
  }

  /** The deployments of a tenant the caller may see, by id, with their owners. */
  async function visibleOwners(
    principal: Principal,
    tenant: string,
  ): Promise<Map<string, ResourceRecord>> {
    const owners = await directory.listResources({ tenant, kind: 'deployment' });
    return new Map(owners.filter((o) => canSee(principal, tenant, o)).map((o) => [o.id, o]));
  }

  async function deploymentAnswer(
    owner: ResourceRecord,
    record: DeploymentRecord,
    runtime: TenantRuntime,
  ): Promise<Deployment> {
    const summary = runtime.deployments.get(record.id);
    const view = summary === undefined ? undefined : await runtime.deployments.view(summary);
    return view ?? deploymentView(record, owner, undefined);
  }

  return {
    listDeployments: async ({ principal, tenant, query }) => {
      const runtime = await runtimes.get(tenant);
      const index = runtime.deployments;
      const include = includeList(query._include);
      const sorts = sortList(query._sort);
      const filters = FILTERS.filter((name) => query[name] !== undefined);
      const covered = summaryCovers([...filters, ...sorts.map((s) => s.field), ...(include ?? [])]);
      // Without private deployments, or for those who see them all, every member sees the
      // whole list: no per-request filtering of every deployment.
      const seesAll =
        index.privateCount === 0 ||
        isAdmin(principal) ||
        principal.tenants.get(tenant) === 'manager';
      const visible = seesAll
        ? index.all()
        : index.all().filter((s) => canSee(principal, tenant, s.owner));
      if (filters.length === 0 && sorts.length === 0 && (query._search ?? '') === '') {
        // The common request, a page in creation order: only the page's items are built.
        const offset = query._offset ?? 0;
        const size =
          query._get_all_results === true ? visible.length : (query._size ?? DEFAULT_PAGE_SIZE);
        const page = visible.slice(offset, offset + size);
        const items =
          include !== undefined && covered
            ? includeFields(page.map(summaryFields), query._include)
            : includeFields(
                (await Promise.all(page.map((summary) => index.view(summary)))).filter(
                  (v): v is Deployment => v !== undefined,
                ),
                query._include,
              );
        return { items, metadata: { pagination: { total: visible.length, size, offset } } };
      }
      if (!covered || include === undefined) {
        // Full items: filter and sort on what the index has, read records for the page only.
        if (covered) {
          const page = listPage(visible.map(withFields), { ...query, _include: undefined }, SPEC);
          const items = await Promise.all(page.items.map((row) => index.view(row.summary)));
          return { ...page, items: items.filter((v): v is Deployment => v !== undefined) };
        }
        const views = await Promise.all(visible.map((summary) => index.view(summary)));
        return listPage(
          views.filter((v): v is Deployment => v !== undefined),
          query,
          SPEC,
        );
      }
      return listPage(
        visible.map((summary) => summaryFields(summary)),
        query,
        SPEC,
      );
    },
    getDeployment: async ({ principal, tenant, params, query }) => {
      const runtime = await runtimes.get(tenant);
      const summary = runtime.deployments.get(params.id);
      requireVisible(principal, tenant, summary?.owner, `Deployment '${params.id}'`);
      const view = summary === undefined ? undefined : await runtime.deployments.view(summary);
      if (view === undefined) throw new NotFoundError(`Deployment '${params.id}' not found`);
      return includeFields([view], query._include)[0] ?? view;
    },
    createDeployment: async ({ principal, tenant, params, body }) => {
      const visibility = newVisibility(principal, body);
      if (visibility === 'global') {
        throw new InvalidInputError(
          'A deployment cannot be global (only blueprints, plugins and secrets)',
        );
      }
      const blueprintOwner =
        (await directory.getResource(tenant, 'blueprint', body.blueprint_id)) ??
        (await directory.listResources({ tenant, kind: 'blueprint', includeGlobal: true })).find(
          (r) => r.id === body.blueprint_id && r.visibility === 'global',
        );
      requireVisible(principal, tenant, blueprintOwner, `Blueprint '${body.blueprint_id}'`);
      const runtime = await runtimes.get(tenant);
      if (blueprintOwner.tenant !== tenant) {
        // A global blueprint of another tenant: this tenant's store gets a copy of its record
        // (same files), so the engine finds it as it finds the tenant's own.
        const source = await (
          await runtimes.get(blueprintOwner.tenant)
        ).store.getBlueprint(body.blueprint_id);
        if (source === undefined)
          throw new NotFoundError(`Blueprint '${body.blueprint_id}' not found`);
        await runtime.store.putBlueprint(source);
      }
      const blueprint = await runtime.store.getBlueprint(body.blueprint_id);
      if (blueprint === undefined)
        throw new NotFoundError(`Blueprint '${body.blueprint_id}' not found`);
      const plan = blueprint.plan as unknown as Plan;
      const plugins =
        body.skip_plugins_validation === true
          ? []
          : await ctx.plugins.pinPlugins(principal, tenant, plan);
      const owner: ResourceRecord = {
        tenant,
        kind: 'deployment',
        id: params.id,
        visibility,
        created_by: principal.username,
        created_at: now(),
      };
      await directory.createResource(owner);
      try {
        await runtime.engine.createDeployment({
          id: params.id,
          blueprintId: body.blueprint_id,
          inputs: (body.inputs ?? {}) as never,
          plugins,
        });
      } catch (error) {
        await directory.deleteResource(tenant, 'deployment', params.id);
        if (error instanceof DeploymentInputError) {
          throw new InvalidInputError(error.message, {
            details: {
              diagnostics: error.diagnostics.map((d) => ({ ...d })),
            },
          });
        }
        throw error;
      }
      const record = await runtime.store.getDeployment(params.id);
      if (record === undefined) throw new NotFoundError(`Deployment '${params.id}' not found`);
      runtime.deployments.add(record, owner);
      return deploymentView(record, owner, undefined);
    },
    deleteDeployment: async ({ principal, tenant, params, query }) => {
      const { owner, runtime } = await visibleDeployment(principal, tenant, params.id);
      requireChangeable(principal, tenant, owner, `Deployment '${params.id}'`);
      const executionsOf = new Set(
        (await runtime.store.listExecutions({ deployment_id: params.id })).map((e) => e.id),
      );
      if (query.force !== true) {
        const live = (await runtime.store.listNodeInstances({ deployment_id: params.id })).filter(
          (i) => i.state !== null && i.state !== 'uninitialized' && i.state !== 'deleted',
        );
        if (live.length > 0) {
          throw new ConflictError(
            `Deployment '${params.id}' has ${live.length} live node instance(s); uninstall it first, or delete with force`,
          );
        }
      }
      await runtime.store.deleteDeployment(params.id);
      runtime.deployments.remove(params.id);
      await directory.deleteResource(tenant, 'deployment', params.id);
      // Who started its executions goes with them.
      for (const execution of await directory.listResources({ tenant, kind: 'execution' })) {
        if (executionsOf.has(execution.id)) {
          await directory.deleteResource(tenant, 'execution', execution.id);
        }
      }
    },
    deploymentOutputs: async ({ principal, tenant, params }) => {
      const { runtime } = await visibleDeployment(principal, tenant, params.id);
      return {
        deployment_id: params.id,
        outputs: await runtime.engine.outputs(params.id),
      };
    },
    deploymentCapabilities: async ({ principal, tenant, params }) => {
      const { runtime } = await visibleDeployment(principal, tenant, params.id);
      return {
        deployment_id: params.id,
        capabilities: await runtime.engine.capabilities(params.id),
      };
    },
    setDeploymentVisibility: async ({ principal, tenant, params, body }) => {
      const { owner, record, runtime } = await visibleDeployment(principal, tenant, params.id);
      requireChangeable(principal, tenant, owner, `Deployment '${params.id}'`);
      checkVisibilityChange(
        principal,
        owner.visibility,
        body.visibility,
        `Deployment '${params.id}'`,
      );
      if (body.visibility === 'global') {
        throw new InvalidInputError(
          'A deployment cannot be global (only blueprints, plugins and secrets)',
        );
      }
      const updated = await directory.setResourceVisibility(
        tenant,
        'deployment',
        params.id,
        body.visibility,
      );
      return deploymentAnswer(updated, record, runtime);
    },

    listNodes: async ({ principal, tenant, query }) => {
      const owners = await visibleOwners(principal, tenant);
      const runtime = await runtimes.get(tenant);
      const deployments =
        query.deployment_id === undefined
          ? await runtime.store.listDeployments()
          : [await runtime.store.getDeployment(query.deployment_id)].filter(
              (d): d is DeploymentRecord => d !== undefined,
            );
      const views = [];
      for (const deployment of deployments) {
        const owner = owners.get(deployment.id);
        if (owner === undefined) continue;
        const instances = await runtime.store.listNodeInstances({ deployment_id: deployment.id });
        const plan = deployment.plan as unknown as Plan;
        for (const node of plan.nodes) {
          const count = instances.filter((i) => i.node_id === node.id).length;
          views.push(nodeView(deployment, node, count, owner));
        }
      }
      return listPage(views, query, { filters: ['deployment_id', 'id'], searchField: 'id' });
    },
    listNodeInstances: async ({ principal, tenant, query }) => {
      const owners = await visibleOwners(principal, tenant);
      const runtime = await runtimes.get(tenant);
      const deploymentIds =
        query.deployment_id === undefined ? [...owners.keys()] : [query.deployment_id];
      const views = [];
      for (const deploymentId of deploymentIds) {
        const owner = owners.get(deploymentId);
        if (owner === undefined) continue;
        for (const instance of await runtime.store.listNodeInstances({
          deployment_id: deploymentId,
        })) {
          views.push(instanceView(instance, owner));
        }
      }
      return listPage(views, query, {
        filters: ['deployment_id', 'node_id', 'id', 'state'],
        searchField: 'id',
      });
    },
    getNodeInstance: async ({ principal, tenant, params }) => {
      const runtime = await runtimes.get(tenant);
      const instance = await runtime.store.getNodeInstance(params.id);
      const owner =
        instance === undefined
          ? undefined
          : await directory.getResource(tenant, 'deployment', instance.deployment_id);
      requireVisible(principal, tenant, owner, `Node instance '${params.id}'`);
      return instanceView(instance as NonNullable<typeof instance>, owner);
    },
    updateNodeInstance: async ({ principal, tenant, params, body }) => {
      const runtime = await runtimes.get(tenant);
      const instance = await runtime.store.getNodeInstance(params.id);
      const owner =
        instance === undefined
          ? undefined
          : await directory.getResource(tenant, 'deployment', instance.deployment_id);
      requireVisible(principal, tenant, owner, `Node instance '${params.id}'`);
      requireChangeable(principal, tenant, owner, `Node instance '${params.id}'`);
      if (body.runtime_properties === undefined && body.state === undefined) {
        throw new InvalidInputError('Give runtime_properties or state to change');
      }
      // The store refuses a stale version (409) and writes nothing.
      const result = await runtime.store.apply({
        instances: [
          {
            id: params.id,
            ...(body.runtime_properties === undefined
              ? {}
              : { runtime_properties: body.runtime_properties as never }),
            ...(body.state === undefined ? {} : { state: body.state }),
            ...(body.force === true ? {} : { expected_version: body.version }),
          },
        ],
      });
      const updated = result.instances[0];
      if (updated === undefined) throw new NotFoundError(`Node instance '${params.id}' not found`);
      return instanceView(updated, owner);
    },
  };
}

export { END_STATES };
