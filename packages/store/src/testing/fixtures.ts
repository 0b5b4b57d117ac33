/**
 * Small builders of valid records for store tests: each gives a complete record with plausible
 * values, and takes the fields a test cares about as overrides.
 */
import type {
  BlueprintRecord,
  DeploymentRecord,
  ExecutionRecord,
  NewEvent,
  NodeInstanceRecord,
  TaskRecord,
} from '../store.js';

/** A fixed instant, so that records compare equal across runs. */
export const T0 = '2026-11-22T09:12:05.123Z';

/** A blueprint record. */
export function aBlueprint(id: string, overrides: Partial<BlueprintRecord> = {}): BlueprintRecord {
  return {
    id,
    plan: { nodes: [{ id: 'vm', type: 'cloudify.nodes.Compute' }], inputs: {}, outputs: {} },
    main_file_name: 'blueprint.yaml',
    resources_path: `/var/lib/cairn/blueprints/${id}`,
    description: `Blueprint ${id}`,
    created_at: T0,
    updated_at: T0,
    ...overrides,
  };
}

/** A deployment record of `blueprint_id`. */
export function aDeployment(
  id: string,
  blueprint_id: string,
  overrides: Partial<DeploymentRecord> = {},
): DeploymentRecord {
  return {
    id,
    blueprint_id,
    inputs: { size: 'small', replicas: 2, tags: ['a', 'b'] },
    plan: { nodes: [], outputs: { ip: { value: '10.0.0.1' } } },
    plugins: [],
    created_at: T0,
    updated_at: T0,
    ...overrides,
  };
}

/** A node instance of `deployment_id`, at version 1. */
export function anInstance(
  id: string,
  deployment_id: string,
  overrides: Partial<NodeInstanceRecord> = {},
): NodeInstanceRecord {
  return {
    id,
    deployment_id,
    node_id: 'vm',
    host_id: id,
    state: 'uninitialized',
    runtime_properties: { nested: { list: [1, 2.5, 'three', null, true] } },
    system_properties: {},
    relationships: [
      { type: 'cloudify.relationships.depends_on', target_name: 'db', target_id: 'db_1' },
    ],
    scaling_groups: [{ name: 'group', id: 'group_1' }],
    index: 0,
    version: 1,
    ...overrides,
  };
}

/** A started execution of `deployment_id`. */
export function anExecution(
  id: string,
  deployment_id: string,
  overrides: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  return {
    id,
    deployment_id,
    workflow_id: 'install',
    status: 'started',
    parameters: { node_ids: [] },
    settings: { task_retries: 60, task_retry_interval: 15 },
    is_dry_run: false,
    created_at: T0,
    started_at: T0,
    ended_at: null,
    error: '',
    owner: { pid: 4242, hostname: 'worker-1' },
    ...overrides,
  };
}

/** A task record of `execution_id`. */
export function aTask(
  id: string,
  execution_id: string,
  overrides: Partial<TaskRecord> = {},
): TaskRecord {
  return { execution_id, id, status: 'running', attempts: 0, updated_at: T0, ...overrides };
}

/** An event (`type: 'cloudify_event'`) or, with `type: 'cloudify_log'`, a log record. */
export function anEvent(
  execution_id: string,
  deployment_id: string,
  overrides: Partial<NewEvent> = {},
): NewEvent {
  const log = overrides.type === 'cloudify_log';
  return {
    execution_id,
    deployment_id,
    timestamp: T0,
    type: 'cloudify_event',
    event_type: log ? null : 'task_succeeded',
    level: log ? 'info' : null,
    logger: log ? 'task-1' : null,
    message: 'something happened',
    context: { node_id: 'vm', task_id: 'task-1' },
    error_causes: null,
    ...overrides,
  };
}
