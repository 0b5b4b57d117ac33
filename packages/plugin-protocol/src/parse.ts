/**
 * Turning one line of the wire into a typed message. Both directions are validated: the host
 * does not trust a worker (plugin code can write anything to the channel) and the worker checks
 * what it is asked to do. Parsing never throws: garbage becomes a returned {@link ProtocolIssue}.
 */
import {
  LOG_LEVELS,
  type EndpointData,
  type FailureCause,
  type FailureData,
  type HostMessage,
  type InstanceData,
  type InstanceUpdateResult,
  type NodeData,
  type OperationData,
  type PluginData,
  type RelationshipData,
  type RpcErrorData,
  type RpcMessage,
  type RunOutcome,
  type RunRequest,
  type WorkerMessage,
  type WorkflowGraphResultData,
  type WorkflowInstanceData,
  type WorkflowNodeData,
  type WorkflowRelationshipData,
  type WorkflowRunOutcome,
  type WorkflowRunRequest,
  type WorkflowTaskData,
  RPC_METHODS,
  WORKFLOW_GRAPH_STATUSES,
  WORKFLOW_TASK_KINDS,
} from './messages.js';
import {
  ShapeError,
  arrayOf,
  bool,
  fields,
  int,
  json,
  jsonObject,
  nullable,
  num,
  oneOf,
  optional,
  recordOf,
  str,
  type Check,
} from './shape.js';

/** Every way a line can break the protocol, with what it means. Never rename a code. */
export const PROTOCOL_ISSUE_CODES = {
  PROTOCOL_INVALID_JSON: 'The line is not valid JSON',
  PROTOCOL_NOT_A_MESSAGE: 'The JSON is not an object with a string `type`',
  PROTOCOL_UNKNOWN_TYPE: 'The message type is not one this direction of the protocol has',
  PROTOCOL_INVALID_FIELD: 'A field of the message is missing or has the wrong shape',
  PROTOCOL_LINE_TOO_LONG: 'A line exceeded the maximum message size',
} as const;

/** A stable code of {@link PROTOCOL_ISSUE_CODES}. */
export type ProtocolIssueCode = keyof typeof PROTOCOL_ISSUE_CODES;

/** Why a line is not a valid message. */
export interface ProtocolIssue {
  readonly code: ProtocolIssueCode;
  readonly message: string;
  /** Where in the message the problem is, e.g. `outcome.error.message`. */
  readonly path?: string;
}

/** The result of parsing one line. */
export type ParseResult<M> =
  | { readonly ok: true; readonly message: M }
  | { readonly ok: false; readonly issue: ProtocolIssue };

/** How much of an offending line an issue message quotes. */
const QUOTE_LENGTH = 80;

function quote(line: string): string {
  const cut = line.length > QUOTE_LENGTH ? `${line.slice(0, QUOTE_LENGTH)}…` : line;
  return JSON.stringify(cut);
}

function parseLine<M>(
  line: string,
  direction: string,
  parsers: Readonly<Record<string, Check<M>>>,
): ParseResult<M> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return {
      ok: false,
      issue: { code: 'PROTOCOL_INVALID_JSON', message: `not JSON: ${quote(line)}` },
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      issue: { code: 'PROTOCOL_NOT_A_MESSAGE', message: `not a message object: ${quote(line)}` },
    };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return {
      ok: false,
      issue: {
        code: 'PROTOCOL_NOT_A_MESSAGE',
        message: `message without a string type: ${quote(line)}`,
      },
    };
  }
  const parser = Object.hasOwn(parsers, type) ? parsers[type] : undefined;
  if (parser === undefined) {
    return {
      ok: false,
      issue: {
        code: 'PROTOCOL_UNKNOWN_TYPE',
        message: `unknown ${direction} message type ${JSON.stringify(type)}`,
      },
    };
  }
  try {
    return { ok: true, message: parser(value, type) };
  } catch (error) {
    if (error instanceof ShapeError) {
      return {
        ok: false,
        issue: { code: 'PROTOCOL_INVALID_FIELD', message: error.message, path: error.path },
      };
    }
    // A check has a bug; still never throw at the caller.
    return {
      ok: false,
      issue: {
        code: 'PROTOCOL_INVALID_FIELD',
        message: `invalid ${type} message: ${String(error)}`,
      },
    };
  }
}

// ---- payload checks -----------------------------------------------------------------------

const strings = arrayOf(str);

const node: Check<NodeData> = (value, path) => {
  const f = fields(value, path);
  return {
    id: str(f.id, `${path}.id`),
    name: str(f.name, `${path}.name`),
    type: str(f.type, `${path}.type`),
    type_hierarchy: strings(f.type_hierarchy, `${path}.type_hierarchy`),
    properties: jsonObject(f.properties, `${path}.properties`),
    number_of_instances: int(f.number_of_instances, `${path}.number_of_instances`),
  };
};

const scalingGroup: Check<{ name: string; id: string }> = (value, path) => {
  const f = fields(value, path);
  return { name: str(f.name, `${path}.name`), id: str(f.id, `${path}.id`) };
};

const relationship: Check<RelationshipData> = (value, path) => {
  const f = fields(value, path);
  return {
    type: str(f.type, `${path}.type`),
    type_hierarchy: strings(f.type_hierarchy, `${path}.type_hierarchy`),
    target: endpoint(f.target, `${path}.target`),
  };
};

const instance: Check<InstanceData> = (value, path) => {
  const f = fields(value, path);
  const relationships = optional(arrayOf(relationship))(f.relationships, `${path}.relationships`);
  return {
    id: str(f.id, `${path}.id`),
    runtime_properties: jsonObject(f.runtime_properties, `${path}.runtime_properties`),
    version: int(f.version, `${path}.version`),
    host_id: nullable(str)(f.host_id, `${path}.host_id`),
    host_ip: nullable(str)(f.host_ip, `${path}.host_ip`),
    index: int(f.index, `${path}.index`),
    scaling_groups: arrayOf(scalingGroup)(f.scaling_groups, `${path}.scaling_groups`),
    ...(relationships === undefined ? {} : { relationships }),
  };
};

const endpoint: Check<EndpointData> = (value, path) => {
  const f = fields(value, path);
  return { node: node(f.node, `${path}.node`), instance: instance(f.instance, `${path}.instance`) };
};

const plugin: Check<PluginData> = (value, path) => {
  const f = fields(value, path);
  return {
    name: str(f.name, `${path}.name`),
    package_name: nullable(str)(f.package_name, `${path}.package_name`),
    package_version: nullable(str)(f.package_version, `${path}.package_version`),
    source: nullable(str)(f.source, `${path}.source`),
    properties: jsonObject(f.properties, `${path}.properties`),
  };
};

const operation: Check<OperationData> = (value, path) => {
  const f = fields(value, path);
  const rel = optional(oneOf(['source', 'target'] as const))(
    f.relationship,
    `${path}.relationship`,
  );
  return {
    name: str(f.name, `${path}.name`),
    function: str(f.function, `${path}.function`),
    retry_number: int(f.retry_number, `${path}.retry_number`),
    max_retries: int(f.max_retries, `${path}.max_retries`),
    ...(rel === undefined ? {} : { relationship: rel }),
  };
};

/** Checks a {@link RunRequest}. */
export const runRequest: Check<RunRequest> = (value, path) => {
  const f = fields(value, path);
  const nodeValue = optional(node)(f.node, `${path}.node`);
  const instanceValue = optional(instance)(f.instance, `${path}.instance`);
  const sourceValue = optional(endpoint)(f.source, `${path}.source`);
  const targetValue = optional(endpoint)(f.target, `${path}.target`);
  return {
    task_id: str(f.task_id, `${path}.task_id`),
    execution_id: str(f.execution_id, `${path}.execution_id`),
    deployment_id: str(f.deployment_id, `${path}.deployment_id`),
    blueprint_id: str(f.blueprint_id, `${path}.blueprint_id`),
    workflow_id: str(f.workflow_id, `${path}.workflow_id`),
    tenant: str(f.tenant, `${path}.tenant`),
    plugin: plugin(f.plugin, `${path}.plugin`),
    operation: operation(f.operation, `${path}.operation`),
    inputs: jsonObject(f.inputs, `${path}.inputs`),
    timeout: nullable(num)(f.timeout, `${path}.timeout`),
    timeout_recoverable: bool(f.timeout_recoverable, `${path}.timeout_recoverable`),
    resources_path: str(f.resources_path, `${path}.resources_path`),
    workdir: str(f.workdir, `${path}.workdir`),
    ...(nodeValue === undefined ? {} : { node: nodeValue }),
    ...(instanceValue === undefined ? {} : { instance: instanceValue }),
    ...(sourceValue === undefined ? {} : { source: sourceValue }),
    ...(targetValue === undefined ? {} : { target: targetValue }),
  };
};

const cause: Check<FailureCause> = (value, path) => {
  const f = fields(value, path);
  const traceback = optional(str)(f.traceback, `${path}.traceback`);
  return {
    type: str(f.type, `${path}.type`),
    message: str(f.message, `${path}.message`),
    ...(traceback === undefined ? {} : { traceback }),
  };
};

const failure: Check<FailureData> = (value, path) => {
  const f = fields(value, path);
  const retryAfter = optional(num)(f.retry_after, `${path}.retry_after`);
  const causes = optional(arrayOf(cause))(f.causes, `${path}.causes`);
  const traceback = optional(str)(f.traceback, `${path}.traceback`);
  const tail = optional(str)(f.output_tail, `${path}.output_tail`);
  return {
    type: str(f.type, `${path}.type`),
    recoverable: bool(f.recoverable, `${path}.recoverable`),
    message: str(f.message, `${path}.message`),
    ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
    ...(causes === undefined ? {} : { causes }),
    ...(traceback === undefined ? {} : { traceback }),
    ...(tail === undefined ? {} : { output_tail: tail }),
  };
};

/** Checks a {@link RunOutcome}. */
export const runOutcome: Check<RunOutcome> = (value, path) => {
  const f = fields(value, path);
  const runtimeProperties = recordOf(jsonObject)(
    f.runtime_properties,
    `${path}.runtime_properties`,
  );
  const status = oneOf(['succeeded', 'failed'] as const)(f.status, `${path}.status`);
  switch (status) {
    case 'succeeded':
      return {
        status,
        result: json(f.result, `${path}.result`),
        runtime_properties: runtimeProperties,
      };
    case 'failed':
      return {
        status,
        error: failure(f.error, `${path}.error`),
        runtime_properties: runtimeProperties,
      };
  }
};

// ---- workflow payloads ----

const workflowNode: Check<WorkflowNodeData> = (value, path) => {
  const f = fields(value, path);
  return {
    id: str(f.id, `${path}.id`),
    type: str(f.type, `${path}.type`),
    type_hierarchy: strings(f.type_hierarchy, `${path}.type_hierarchy`),
    properties: jsonObject(f.properties, `${path}.properties`),
    operations: strings(f.operations, `${path}.operations`),
    number_of_instances: int(f.number_of_instances, `${path}.number_of_instances`),
  };
};

const workflowRelationship: Check<WorkflowRelationshipData> = (value, path) => {
  const f = fields(value, path);
  return {
    type: str(f.type, `${path}.type`),
    target_id: str(f.target_id, `${path}.target_id`),
    target_name: str(f.target_name, `${path}.target_name`),
  };
};

const workflowInstance: Check<WorkflowInstanceData> = (value, path) => {
  const f = fields(value, path);
  return {
    id: str(f.id, `${path}.id`),
    node_id: str(f.node_id, `${path}.node_id`),
    state: nullable(str)(f.state, `${path}.state`),
    runtime_properties: jsonObject(f.runtime_properties, `${path}.runtime_properties`),
    host_id: nullable(str)(f.host_id, `${path}.host_id`),
    index: int(f.index, `${path}.index`),
    relationships: arrayOf(workflowRelationship)(f.relationships, `${path}.relationships`),
  };
};

const workflowInstances = arrayOf(workflowInstance);

/** Checks a {@link WorkflowRunRequest}. */
export const workflowRunRequest: Check<WorkflowRunRequest> = (value, path) => {
  const f = fields(value, path);
  return {
    task_id: str(f.task_id, `${path}.task_id`),
    execution_id: str(f.execution_id, `${path}.execution_id`),
    deployment_id: str(f.deployment_id, `${path}.deployment_id`),
    blueprint_id: str(f.blueprint_id, `${path}.blueprint_id`),
    workflow_id: str(f.workflow_id, `${path}.workflow_id`),
    tenant: str(f.tenant, `${path}.tenant`),
    plugin: plugin(f.plugin, `${path}.plugin`),
    function: str(f.function, `${path}.function`),
    parameters: jsonObject(f.parameters, `${path}.parameters`),
    nodes: arrayOf(workflowNode)(f.nodes, `${path}.nodes`),
    instances: workflowInstances(f.instances, `${path}.instances`),
    resume: bool(f.resume, `${path}.resume`),
    resources_path: str(f.resources_path, `${path}.resources_path`),
    workdir: str(f.workdir, `${path}.workdir`),
  };
};

const nonNegativeInt: Check<number> = (value, path) => {
  const n = int(value, path);
  if (n < 0) throw new ShapeError(path, 'expected a non-negative integer');
  return n;
};

/** Checks one {@link WorkflowTaskData}. */
export const workflowTask: Check<WorkflowTaskData> = (value, path) => {
  const f = fields(value, path);
  const base = {
    id: str(f.id, `${path}.id`),
    instance_id: str(f.instance_id, `${path}.instance_id`),
    depends_on: strings(f.depends_on, `${path}.depends_on`),
  };
  const kind = oneOf(WORKFLOW_TASK_KINDS)(f.kind, `${path}.kind`);
  switch (kind) {
    case 'operation': {
      const kwargs = optional(jsonObject)(f.kwargs, `${path}.kwargs`);
      const override = optional(bool)(f.allow_kwargs_override, `${path}.allow_kwargs_override`);
      const rel = optional((v: unknown, p: string) => {
        const r = fields(v, p);
        return {
          index: nonNegativeInt(r.index, `${p}.index`),
          side: oneOf(['source', 'target'] as const)(r.side, `${p}.side`),
        };
      })(f.relationship, `${path}.relationship`);
      return {
        ...base,
        kind,
        operation: str(f.operation, `${path}.operation`),
        ...(kwargs === undefined ? {} : { kwargs }),
        ...(override === undefined ? {} : { allow_kwargs_override: override }),
        ...(rel === undefined ? {} : { relationship: rel }),
      };
    }
    case 'state':
      return { ...base, kind, state: str(f.state, `${path}.state`) };
    case 'event':
      return { ...base, kind, message: str(f.message, `${path}.message`) };
  }
};

const graphResult: Check<WorkflowGraphResultData> = (value, path) => {
  const f = fields(value, path);
  return {
    status: oneOf(WORKFLOW_GRAPH_STATUSES)(f.status, `${path}.status`),
    error: str(f.error, `${path}.error`),
    ...(f.results === undefined ? {} : { results: jsonObject(f.results, `${path}.results`) }),
  };
};

/** Checks a {@link WorkflowRunOutcome}. */
export const workflowRunOutcome: Check<WorkflowRunOutcome> = (value, path) => {
  const f = fields(value, path);
  const status = oneOf(['succeeded', 'failed'] as const)(f.status, `${path}.status`);
  switch (status) {
    case 'succeeded':
      return { status, result: json(f.result, `${path}.result`) };
    case 'failed':
      return { status, error: failure(f.error, `${path}.error`) };
  }
};

/** An operation's outcome has `runtime_properties`; a workflow function's has none. */
const doneOutcome: Check<RunOutcome | WorkflowRunOutcome> = (value, path) =>
  fields(value, path).runtime_properties === undefined
    ? workflowRunOutcome(value, path)
    : runOutcome(value, path);

const rpcError: Check<RpcErrorData> = (value, path) => {
  const f = fields(value, path);
  const code = optional(str)(f.code, `${path}.code`);
  return {
    type: str(f.type, `${path}.type`),
    message: str(f.message, `${path}.message`),
    ...(code === undefined ? {} : { code }),
  };
};

// ---- messages -----------------------------------------------------------------------------

const WORKER_MESSAGES: Readonly<Record<WorkerMessage['type'], Check<WorkerMessage>>> = {
  hello: (value) => {
    const f = fields(value, 'hello');
    const features = optional(strings)(f.features, 'features');
    return {
      type: 'hello',
      protocol: int(f.protocol, 'protocol'),
      sdk_version: str(f.sdk_version, 'sdk_version'),
      pid: int(f.pid, 'pid'),
      runtime: str(f.runtime, 'runtime'),
      ...(features === undefined ? {} : { features }),
    };
  },
  log: (value) => {
    const f = fields(value, 'log');
    return {
      type: 'log',
      id: str(f.id, 'id'),
      level: oneOf(LOG_LEVELS)(f.level, 'level'),
      message: str(f.message, 'message'),
    };
  },
  rpc: (value): RpcMessage => {
    const f = fields(value, 'rpc');
    const id = str(f.id, 'id');
    const callId = int(f.call_id, 'call_id');
    const method = oneOf(RPC_METHODS)(f.method, 'method');
    switch (method) {
      case 'instance.update': {
        const p = fields(f.params, 'params');
        return {
          type: 'rpc',
          id,
          call_id: callId,
          method,
          params: {
            instance_id: str(p.instance_id, 'params.instance_id'),
            runtime_properties: jsonObject(p.runtime_properties, 'params.runtime_properties'),
            version: int(p.version, 'params.version'),
          },
        };
      }
      case 'workflow.run_graph': {
        const p = fields(f.params, 'params');
        return {
          type: 'rpc',
          id,
          call_id: callId,
          method,
          params: { tasks: arrayOf(workflowTask)(p.tasks, 'params.tasks') },
        };
      }
      case 'workflow.send_event': {
        const p = fields(f.params, 'params');
        const instanceId = optional(str)(p.instance_id, 'params.instance_id');
        return {
          type: 'rpc',
          id,
          call_id: callId,
          method,
          params: {
            message: str(p.message, 'params.message'),
            ...(instanceId === undefined ? {} : { instance_id: instanceId }),
          },
        };
      }
      case 'workflow.instances':
        fields(f.params, 'params');
        return { type: 'rpc', id, call_id: callId, method, params: {} };
    }
  },
  done: (value) => {
    const f = fields(value, 'done');
    return { type: 'done', id: str(f.id, 'id'), outcome: doneOutcome(f.outcome, 'outcome') };
  },
};

const HOST_MESSAGES: Readonly<Record<HostMessage['type'], Check<HostMessage>>> = {
  welcome: (value) => {
    const f = fields(value, 'welcome');
    const maxConcurrent = optional(int)(f.max_concurrent, 'max_concurrent');
    if (maxConcurrent !== undefined && maxConcurrent < 1) {
      throw new ShapeError('max_concurrent', 'must be at least 1');
    }
    return {
      type: 'welcome',
      protocol: int(f.protocol, 'protocol'),
      entry: str(f.entry, 'entry'),
      rpc_timeout_ms: num(f.rpc_timeout_ms, 'rpc_timeout_ms'),
      ...(maxConcurrent === undefined ? {} : { max_concurrent: maxConcurrent }),
    };
  },
  refuse: (value) => {
    const f = fields(value, 'refuse');
    return {
      type: 'refuse',
      protocol: int(f.protocol, 'protocol'),
      reason: str(f.reason, 'reason'),
    };
  },
  run: (value) => {
    const f = fields(value, 'run');
    return { type: 'run', id: str(f.id, 'id'), request: runRequest(f.request, 'request') };
  },
  run_workflow: (value) => {
    const f = fields(value, 'run_workflow');
    return {
      type: 'run_workflow',
      id: str(f.id, 'id'),
      request: workflowRunRequest(f.request, 'request'),
    };
  },
  cancel: (value) => {
    const f = fields(value, 'cancel');
    return { type: 'cancel', id: str(f.id, 'id') };
  },
  rpc_result: (value) => {
    const f = fields(value, 'rpc_result');
    const id = str(f.id, 'id');
    const callId = int(f.call_id, 'call_id');
    const hasResult = f.result !== undefined;
    const hasError = f.error !== undefined;
    if (hasResult === hasError) {
      throw new ShapeError('rpc_result', 'needs exactly one of result and error');
    }
    return hasError
      ? { type: 'rpc_result', id, call_id: callId, error: rpcError(f.error, 'error') }
      : { type: 'rpc_result', id, call_id: callId, result: json(f.result, 'result') };
  },
  shutdown: () => ({ type: 'shutdown' }),
};

/** Parses one line a worker sent (without its newline). Never throws. */
export function parseWorkerMessage(line: string): ParseResult<WorkerMessage> {
  return parseLine(line, 'worker', WORKER_MESSAGES);
}

/** Parses one line the host sent (without its newline). Never throws. */
export function parseHostMessage(line: string): ParseResult<HostMessage> {
  return parseLine(line, 'host', HOST_MESSAGES);
}

/** Checks the `result` of an `instance.update` call; undefined when it has the wrong shape. */
export function parseInstanceUpdateResult(value: unknown): InstanceUpdateResult | undefined {
  try {
    const f = fields(value, 'result');
    return { version: int(f.version, 'result.version') };
  } catch {
    return undefined;
  }
}

/** Checks the `result` of a `workflow.run_graph` call; undefined when it has the wrong shape. */
export function parseWorkflowGraphResult(value: unknown): WorkflowGraphResultData | undefined {
  try {
    return graphResult(value, 'result');
  } catch {
    return undefined;
  }
}

/** Checks the `result` of a `workflow.instances` call; undefined when it has the wrong shape. */
export function parseWorkflowInstances(value: unknown): WorkflowInstanceData[] | undefined {
  try {
    return workflowInstances(value, 'result');
  } catch {
    return undefined;
  }
}
