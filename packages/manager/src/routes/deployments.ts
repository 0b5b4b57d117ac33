/**
 * Deployments, their nodes and node instances. Creating one is the engine's `createDeployment`
 * with the tenant's plugins pinned; the directory records its owner and visibility.
 */
import { DeploymentInputError } from '@cairn/engine';
import type { Plan } from '@cairn/dsl';
import { ConflictError, InvalidInputError, NotFoundError } from '@cairn/errors';
import type { DeploymentRecord, ExecutionRecord, ResourceRecord } from '@cairn/store';
import {
  canSee,
  checkVisibilityChange,
  newVisibility,
  requireChangeable,
  requireVisible,
} from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { listPage } from '../http/list.js';
import type { TenantRuntime } from '../runtime/tenant-runtimes.js';
import { type ManagerContext, now } from './context.js';
import { type LatestExecution, deploymentView, instanceView, nodeView } from './views.js';

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

/** The latest execution of each deployment, and whether its last finished install stands. */
export function latestByDeployment(
  executions: readonly ExecutionRecord[],
): Map<string, LatestExecution> {
  const latest = new Map<string, LatestExecution>();
  const installed = new Map<string, boolean>();
  for (const execution of executions) {
    if (execution.status === 'terminated') {
      if (execution.workflow_id === 'install') installed.set(execution.deployment_id, true);
      if (execution.workflow_id === 'uninstall') installed.set(execution.deployment_id, false);
    }
    latest.set(execution.deployment_id, {
      status: execution.status,
      installed: installed.get(execution.deployment_id) ?? false,
    });
  }
  return latest;
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
  ) {
    const executions = await runtime.store.listExecutions({ deployment_id: record.id });
    return deploymentView(record, owner, latestByDeployment(executions).get(record.id));
  }

  return {
    listDeployments: async ({ principal, tenant, query }) => {
      const owners = await visibleOwners(principal, tenant);
      const runtime = await runtimes.get(tenant);
      const latest = latestByDeployment(await runtime.store.listExecutions());
      const views = [];
      for (const record of await runtime.store.listDeployments()) {
        const owner = owners.get(record.id);
        if (owner !== undefined) views.push(deploymentView(record, owner, latest.get(record.id)));
      }
      return listPage(views, query, {
        filters: ['id', 'blueprint_id', 'visibility', 'created_by'],
        searchField: 'id',
      });
    },
    getDeployment: async ({ principal, tenant, params, query }) => {
      const { owner, record, runtime } = await visibleDeployment(principal, tenant, params.id);
      const view = await deploymentAnswer(owner, record, runtime);
      return listPage([view], { _include: query._include }, { filters: [], searchField: 'id' })
        .items[0] as typeof view;
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
      return deploymentView(record, owner, undefined);
    },
    deleteDeployment: async ({ principal, tenant, params, query }) => {
      const { owner, runtime } = await visibleDeployment(principal, tenant, params.id);
      requireChangeable(principal, tenant, owner, `Deployment '${params.id}'`);
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
      await directory.deleteResource(tenant, 'deployment', params.id);
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
