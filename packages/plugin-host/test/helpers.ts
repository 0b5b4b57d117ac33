/**
 * Test helpers: operation and workflow requests for the fixture plugins, and callbacks that
 * record what an operation or a workflow function asked of the engine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  OperationCallbacks,
  OperationInstance,
  OperationLog,
  OperationNode,
  OperationRequest,
  WorkflowCallbacks,
  WorkflowGraphResult,
  WorkflowInstanceView,
  WorkflowRequest,
  WorkflowTaskSpec,
} from '@cairn/engine';
import type { JsonObject } from '@cairn/plugin-protocol';

/** A fixture file's absolute path. */
export function fixture(path: string): string {
  return fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
}

/** The faulty plugin's entry module. */
export const FAULTY_PLUGIN = fixture('faulty-plugin/index.js');

const workdirs = mkdtempSync(join(tmpdir(), 'cairn-plugin-host-test-'));

/** A node template. */
export function node(id: string, properties: JsonObject = {}): OperationNode {
  return {
    id,
    name: id,
    type: 'cloudify.nodes.Root',
    type_hierarchy: ['cloudify.nodes.Root'],
    properties,
    number_of_instances: 1,
  };
}

/** A node instance. */
export function instance(
  id: string,
  runtimeProperties: JsonObject = {},
  extra: Partial<OperationInstance> = {},
): OperationInstance {
  return {
    id,
    runtime_properties: runtimeProperties,
    version: 1,
    host_id: null,
    host_ip: null,
    index: 1,
    scaling_groups: [],
    ...extra,
  };
}

let sequence = 0;

/** A node operation request that runs `fn` of the fixture plugin. */
export function request(fn: string, overrides: Partial<OperationRequest> = {}): OperationRequest {
  sequence += 1;
  return {
    task_id: `task-${sequence}#0`,
    execution_id: 'exec-1',
    deployment_id: 'dep-1',
    blueprint_id: 'bp-1',
    workflow_id: 'install',
    tenant: 'default_tenant',
    plugin: {
      name: 'faulty',
      package_name: 'faulty-plugin',
      package_version: '1.0.0',
      source: null,
      properties: { region: 'eu' },
      bundle_id: null,
    },
    operation: {
      name: 'cloudify.interfaces.lifecycle.create',
      function: fn,
      retry_number: 0,
      max_retries: 3,
    },
    inputs: {},
    timeout: null,
    timeout_recoverable: false,
    node: node('server', { port: 80, names: ['a', 'b'] }),
    instance: instance(`server_${sequence.toString().padStart(6, '0')}`),
    resources_path: fixture('blueprint'),
    workdir: join(workdirs, `plugins-${sequence}`),
    ...overrides,
  };
}

/** Callbacks that record logs and store runtime properties with optimistic versions. */
export class RecordingCallbacks implements OperationCallbacks {
  readonly logs: OperationLog[] = [];
  readonly stored: { instanceId: string; properties: JsonObject; version: number }[] = [];
  /** The stored version per instance (1 when unknown). */
  readonly versions = new Map<string, number>();

  log(record: OperationLog): void {
    this.logs.push(record);
  }

  updateRuntimeProperties(
    instanceId: string,
    properties: JsonObject,
    version: number,
  ): Promise<number> {
    const current = this.versions.get(instanceId) ?? 1;
    if (version !== current) {
      const error = new Error(`instance ${instanceId} is at version ${current}, not ${version}`);
      error.name = 'ConflictError';
      return Promise.reject(error);
    }
    this.stored.push({ instanceId, properties, version });
    this.versions.set(instanceId, current + 1);
    return Promise.resolve(current + 1);
  }

  /** The messages logged at a level. */
  messages(level: OperationLog['level']): string[] {
    return this.logs.filter((log) => log.level === level).map((log) => log.message);
  }
}

/** The workflow plugin's entry module. */
export const WORKFLOW_PLUGIN = fixture('workflow-plugin/index.js');

/** A node instance as a workflow sees it. */
export function workflowInstance(
  id: string,
  nodeId: string,
  extra: Partial<WorkflowInstanceView> = {},
): WorkflowInstanceView {
  return {
    id,
    node_id: nodeId,
    state: 'uninitialized',
    runtime_properties: {},
    host_id: null,
    index: 1,
    relationships: [],
    ...extra,
  };
}

/** Instances of the workflow requests: a server with two relationships to a db. */
export const WORKFLOW_INSTANCES: readonly WorkflowInstanceView[] = [
  workflowInstance('server_1', 'server', {
    host_id: 'server_1',
    runtime_properties: { ip: '10.0.0.1' },
    relationships: [
      { type: 'cloudify.relationships.depends_on', target_id: 'db_1', target_name: 'db' },
      { type: 'cloudify.relationships.connected_to', target_id: 'db_1', target_name: 'db' },
    ],
  }),
  workflowInstance('db_1', 'db', { state: 'started' }),
];

/** A request that runs workflow function `fn` of the workflow plugin. */
export function workflowRequest(
  fn: string,
  overrides: Partial<WorkflowRequest> = {},
): WorkflowRequest {
  sequence += 1;
  return {
    task_id: `workflow-${sequence}`,
    execution_id: 'exec-wf',
    deployment_id: 'dep-1',
    blueprint_id: 'bp-1',
    workflow_id: 'my_wf',
    tenant: 'default_tenant',
    plugin: {
      name: 'wf',
      package_name: 'workflow-plugin',
      package_version: '1.0.0',
      source: null,
      properties: {},
      bundle_id: null,
    },
    function: fn,
    parameters: { size: 3, names: ['a', 'b'] },
    nodes: [
      {
        id: 'server',
        type: 'cloudify.nodes.Compute',
        type_hierarchy: ['cloudify.nodes.Root', 'cloudify.nodes.Compute'],
        properties: { port: 80 },
        operations: ['cloudify.interfaces.lifecycle.create', 'create'],
        number_of_instances: 1,
      },
      {
        id: 'db',
        type: 'cloudify.nodes.Root',
        type_hierarchy: ['cloudify.nodes.Root'],
        properties: {},
        operations: [],
        number_of_instances: 1,
      },
    ],
    instances: WORKFLOW_INSTANCES,
    resume: false,
    resources_path: fixture('blueprint'),
    workdir: join(workdirs, `workflow-${sequence}`),
    ...overrides,
  };
}

/**
 * A fake engine for workflow functions: records graphs, events, logs and instance reads, and
 * answers graphs with `graphResult` (or with `runGraphWith`, when set).
 */
export class RecordingEngine implements WorkflowCallbacks {
  readonly logs: OperationLog[] = [];
  readonly graphs: (readonly WorkflowTaskSpec[])[] = [];
  readonly events: { message: string; instanceId: string | undefined }[] = [];
  instanceReads = 0;
  graphResult: WorkflowGraphResult = { status: 'terminated', error: '' };
  runGraphWith: ((tasks: readonly WorkflowTaskSpec[]) => Promise<WorkflowGraphResult>) | undefined;
  /** What `instances()` answers. */
  instanceList: readonly WorkflowInstanceView[] = WORKFLOW_INSTANCES;
  /** Called after each log record (e.g. to act once the function is known to run). */
  onLog: ((record: OperationLog) => void) | undefined;

  log(record: OperationLog): void {
    this.logs.push(record);
    this.onLog?.(record);
  }

  runGraph(tasks: readonly WorkflowTaskSpec[]): Promise<WorkflowGraphResult> {
    this.graphs.push(tasks);
    return this.runGraphWith === undefined
      ? Promise.resolve(this.graphResult)
      : this.runGraphWith(tasks);
  }

  sendEvent(message: string, instanceId?: string): Promise<void> {
    this.events.push({ message, instanceId });
    return Promise.resolve();
  }

  instances(): Promise<readonly WorkflowInstanceView[]> {
    this.instanceReads += 1;
    return Promise.resolve(this.instanceList);
  }

  /** The messages logged at a level. */
  messages(level: OperationLog['level']): string[] {
    return this.logs.filter((log) => log.level === level).map((log) => log.message);
  }
}
