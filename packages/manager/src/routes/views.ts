/**
 * The store's records as the REST API shows them (Cloudify's shapes, spec §10): the ownership
 * fields from the directory, and fields computed from the plan.
 */
import type {
  Blueprint,
  Deployment,
  Event,
  Execution,
  JsonObject,
  Node,
  NodeInstance,
} from '@cairn/api';
import type { Plan, PlanNode } from '@cairn/dsl';
import type {
  BlueprintRecord,
  DeploymentRecord,
  EventRecord,
  ExecutionRecord,
  NodeInstanceRecord,
  ResourceRecord,
} from '@cairn/store';

/** The ownership fields every tenant resource carries. */
export function owned(owner: Pick<ResourceRecord, 'tenant' | 'visibility' | 'created_by'>) {
  return {
    tenant_name: owner.tenant,
    created_by: owner.created_by,
    visibility: owner.visibility,
    resource_availability: owner.visibility,
    private_resource: owner.visibility === 'private',
  };
}

function planOf(record: { readonly plan: JsonObject }): Plan {
  return record.plan as unknown as Plan;
}

/** A blueprint. */
export function blueprintView(record: BlueprintRecord, owner: ResourceRecord): Blueprint {
  return {
    id: record.id,
    main_file_name: record.main_file_name,
    description: record.description,
    plan: record.plan,
    state: 'uploaded',
    error: null,
    labels: [],
    created_at: record.created_at,
    updated_at: record.updated_at,
    ...owned(owner),
  };
}

/** What a deployment's latest execution says of it. */
export interface LatestExecution {
  readonly status: string;
  /** Whether an install has completed and no uninstall since. */
  readonly installed: boolean;
}

/** Cloudify's summary of a deployment's latest execution status (spec §10.2). */
export function deploymentStatus(status: string | undefined): string | null {
  if (status === undefined) return null;
  if (status === 'terminated') return 'good';
  if (status === 'failed' || status === 'cancelled') return 'requires_attention';
  return 'in_progress';
}

/** A deployment. */
export function deploymentView(
  record: DeploymentRecord,
  owner: ResourceRecord,
  latest: LatestExecution | undefined,
): Deployment {
  const plan = planOf(record);
  return {
    id: record.id,
    display_name: record.id,
    blueprint_id: record.blueprint_id,
    description: plan.description,
    inputs: record.inputs,
    outputs: plan.outputs,
    capabilities: plan.capabilities,
    workflows: Object.entries(plan.workflows).map(([name, workflow]) => ({
      name,
      plugin: workflow.plugin,
      operation: workflow.operation,
      parameters: workflow.parameters,
      is_cascading: workflow.is_cascading,
    })),
    groups: plan.groups,
    scaling_groups: plan.scaling_groups,
    policy_types: plan.policy_types,
    policy_triggers: plan.policy_triggers,
    labels: [],
    installation_status: latest?.installed === true ? 'active' : 'inactive',
    latest_execution_status: latest?.status ?? null,
    deployment_status: deploymentStatus(latest?.status),
    created_at: record.created_at,
    updated_at: record.updated_at,
    ...owned(owner),
  };
}

/** A node of a deployment, from its plan. */
export function nodeView(
  deployment: DeploymentRecord,
  node: PlanNode,
  instances: number,
  owner: ResourceRecord,
): Node {
  const scalable = node.capabilities.scalable.properties;
  const count = (value: unknown, fallback: number): number =>
    typeof value === 'number' ? value : fallback;
  return {
    id: node.id,
    deployment_id: deployment.id,
    blueprint_id: deployment.blueprint_id,
    type: node.type,
    type_hierarchy: [...node.type_hierarchy],
    properties: node.properties,
    operations: node.operations,
    relationships: node.relationships as unknown as JsonObject[],
    plugins: node.plugins as unknown as JsonObject[],
    host_id: node.host_id ?? null,
    number_of_instances: instances,
    planned_number_of_instances: count(scalable.planned_instances, instances),
    deploy_number_of_instances: count(scalable.default_instances, instances),
    ...owned(owner),
  };
}

/** A node instance. */
export function instanceView(record: NodeInstanceRecord, owner: ResourceRecord): NodeInstance {
  return {
    id: record.id,
    node_id: record.node_id,
    deployment_id: record.deployment_id,
    host_id: record.host_id,
    state: record.state ?? 'uninitialized',
    runtime_properties: record.runtime_properties,
    system_properties: record.system_properties,
    relationships: record.relationships as unknown as JsonObject[],
    scaling_groups: record.scaling_groups as unknown as JsonObject[],
    index: record.index,
    version: record.version,
    ...owned(owner),
  };
}

const STATUS_DISPLAY: Record<string, string> = {
  terminated: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  pending: 'pending',
  queued: 'queued',
  started: 'started',
  cancelling: 'cancelling',
  force_cancelling: 'force_cancelling',
};

/** Workflows Cloudify runs as system workflows. */
const SYSTEM_WORKFLOWS = new Set([
  'create_deployment_environment',
  'delete_deployment_environment',
  'upload_blueprint',
]);

/** An execution. */
export function executionView(
  record: ExecutionRecord,
  blueprintId: string,
  owner: ResourceRecord,
  createdBy: string,
): Execution {
  return {
    id: record.id,
    deployment_id: record.deployment_id,
    blueprint_id: blueprintId,
    workflow_id: record.workflow_id,
    status: record.status,
    status_display: STATUS_DISPLAY[record.status] ?? record.status,
    parameters: record.parameters,
    is_dry_run: record.is_dry_run,
    is_system_workflow: SYSTEM_WORKFLOWS.has(record.workflow_id),
    error: record.error,
    created_at: record.created_at,
    started_at: record.started_at,
    ended_at: record.ended_at,
    ...owned(owner),
    created_by: createdBy,
  };
}

function contextString(context: JsonObject, key: string): string | null {
  const value = context[key];
  return typeof value === 'string' ? value : null;
}

/** An event or log, flattened as Cloudify's `GET /events` returns them. */
export function eventView(record: EventRecord, tenant: string, blueprintId: string | null): Event {
  const context = record.context;
  return {
    timestamp: record.timestamp,
    reported_timestamp: record.timestamp,
    type: record.type,
    event_type: record.event_type,
    level: record.level,
    logger: record.logger,
    message: record.message,
    message_code: null,
    blueprint_id: contextString(context, 'blueprint_id') ?? blueprintId,
    deployment_id: record.deployment_id,
    deployment_display_name: record.deployment_id,
    execution_id: record.execution_id,
    workflow_id: contextString(context, 'workflow_id'),
    operation: contextString(context, 'operation'),
    node_name: contextString(context, 'node_name'),
    node_instance_id: contextString(context, 'node_id'),
    source_id: contextString(context, 'source_id'),
    target_id: contextString(context, 'target_id'),
    error_causes: record.error_causes,
    tenant_name: tenant,
    seq: record.seq,
  };
}
