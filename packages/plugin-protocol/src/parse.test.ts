import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './framing.js';
import {
  PROTOCOL_VERSION,
  type HostMessage,
  type RunRequest,
  type WorkerMessage,
  type WorkflowRunRequest,
  type WorkflowTaskData,
} from './messages.js';
import {
  parseHostMessage,
  parseInstanceUpdateResult,
  parseWorkerMessage,
  parseWorkflowGraphResult,
  parseWorkflowInstances,
} from './parse.js';

const request: RunRequest = {
  task_id: 't#0',
  execution_id: 'e',
  deployment_id: 'd',
  blueprint_id: 'b',
  workflow_id: 'install',
  tenant: 'default_tenant',
  plugin: { name: 'p', package_name: null, package_version: null, source: null, properties: {} },
  operation: { name: 'op', function: 'tasks.create', retry_number: 0, max_retries: -1 },
  inputs: { a: [1, { b: null }] },
  timeout: null,
  timeout_recoverable: false,
  node: {
    id: 'n',
    name: 'n',
    type: 'T',
    type_hierarchy: ['Root', 'T'],
    properties: { port: 80 },
    number_of_instances: 1,
  },
  instance: {
    id: 'n_1',
    runtime_properties: {},
    version: 3,
    host_id: null,
    host_ip: '10.0.0.1',
    index: 1,
    scaling_groups: [{ name: 'g', id: 'g_1' }],
    relationships: [],
  },
  resources_path: '/bp',
  workdir: '/work',
};

const workflowRequest: WorkflowRunRequest = {
  task_id: 'wf-1',
  execution_id: 'e',
  deployment_id: 'd',
  blueprint_id: 'b',
  workflow_id: 'my_wf',
  tenant: 'default_tenant',
  plugin: { name: 'p', package_name: 'p', package_version: '1', source: null, properties: {} },
  function: 'workflows.run',
  parameters: { count: 2, names: ['a'] },
  nodes: [
    {
      id: 'server',
      type: 'cloudify.nodes.Compute',
      type_hierarchy: ['cloudify.nodes.Root', 'cloudify.nodes.Compute'],
      properties: { ip: '10.0.0.1' },
      operations: ['cloudify.interfaces.lifecycle.create', 'create'],
      number_of_instances: 1,
    },
  ],
  instances: [
    {
      id: 'server_abc123',
      node_id: 'server',
      state: 'started',
      runtime_properties: { a: 1 },
      host_id: 'server_abc123',
      index: 1,
      relationships: [
        { type: 'cloudify.relationships.connected_to', target_id: 'db_1', target_name: 'db' },
      ],
    },
  ],
  resume: false,
  resources_path: '/bp',
  workdir: '/work',
};

const tasks: WorkflowTaskData[] = [
  {
    id: 't1',
    instance_id: 'server_abc123',
    depends_on: [],
    kind: 'operation',
    operation: 'create',
    kwargs: { size: 2 },
    allow_kwargs_override: true,
  },
  {
    id: 't2',
    instance_id: 'server_abc123',
    depends_on: ['t1'],
    kind: 'operation',
    operation: 'establish',
    relationship: { index: 0, side: 'target' },
  },
  { id: 't3', instance_id: 'server_abc123', depends_on: ['t1', 't2'], kind: 'state', state: 'x' },
  { id: 't4', instance_id: 'server_abc123', depends_on: [], kind: 'event', message: 'hi' },
];

const workerMessages: WorkerMessage[] = [
  { type: 'hello', protocol: PROTOCOL_VERSION, sdk_version: '0.1.0', pid: 42, runtime: 'node' },
  {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    sdk_version: '0.2.0',
    pid: 42,
    runtime: 'node',
    features: ['workflows', 'from-the-future'],
  },
  { type: 'rpc', id: 'wf-1', call_id: 1, method: 'workflow.run_graph', params: { tasks } },
  { type: 'rpc', id: 'wf-1', call_id: 2, method: 'workflow.run_graph', params: { tasks: [] } },
  { type: 'rpc', id: 'wf-1', call_id: 3, method: 'workflow.send_event', params: { message: 'm' } },
  {
    type: 'rpc',
    id: 'wf-1',
    call_id: 4,
    method: 'workflow.send_event',
    params: { message: 'm', instance_id: 'server_abc123' },
  },
  { type: 'rpc', id: 'wf-1', call_id: 5, method: 'workflow.instances', params: {} },
  { type: 'done', id: 'wf-1', outcome: { status: 'succeeded', result: null } },
  {
    type: 'done',
    id: 'wf-2',
    outcome: {
      status: 'failed',
      error: { type: 'NonRecoverableError', recoverable: false, message: 'no' },
    },
  },
  { type: 'log', id: 'op-1', level: 'warning', message: 'multi\nline' },
  {
    type: 'rpc',
    id: 'op-1',
    call_id: 7,
    method: 'instance.update',
    params: { instance_id: 'n_1', runtime_properties: { a: 1 }, version: 3 },
  },
  {
    type: 'done',
    id: 'op-1',
    outcome: { status: 'succeeded', result: { ok: true }, runtime_properties: { n_1: { a: 1 } } },
  },
  {
    type: 'done',
    id: 'op-2',
    outcome: {
      status: 'failed',
      error: {
        type: 'RecoverableError',
        recoverable: true,
        message: 'later',
        retry_after: 5,
        causes: [{ type: 'E', message: 'm', traceback: 'tb' }],
        traceback: 'stack',
      },
      runtime_properties: {},
    },
  },
];

const hostMessages: HostMessage[] = [
  { type: 'welcome', protocol: PROTOCOL_VERSION, entry: '/p/index.js', rpc_timeout_ms: 1000 },
  {
    type: 'welcome',
    protocol: PROTOCOL_VERSION,
    entry: '/p/index.js',
    rpc_timeout_ms: 1000,
    max_concurrent: 16,
  },
  { type: 'refuse', protocol: PROTOCOL_VERSION, reason: 'too old' },
  { type: 'run', id: 'op-1', request },
  { type: 'run_workflow', id: 'wf-1', request: workflowRequest },
  { type: 'cancel', id: 'op-1' },
  { type: 'rpc_result', id: 'op-1', call_id: 7, result: { version: 4 } },
  {
    type: 'rpc_result',
    id: 'op-1',
    call_id: 8,
    error: { type: 'ConflictError', message: 'stale', code: 'CONFLICT' },
  },
  { type: 'shutdown' },
];

describe('parseWorkerMessage / parseHostMessage', () => {
  it.each(workerMessages)('round-trips worker message $type', (message) => {
    expect(parseWorkerMessage(encodeMessage(message).trimEnd())).toEqual({ ok: true, message });
  });

  it.each(hostMessages)('round-trips host message $type', (message) => {
    expect(parseHostMessage(encodeMessage(message).trimEnd())).toEqual({ ok: true, message });
  });

  it.each([
    ['garbage', 'PROTOCOL_INVALID_JSON'],
    ['', 'PROTOCOL_INVALID_JSON'],
    ['{"type":"hello"', 'PROTOCOL_INVALID_JSON'],
    ['null', 'PROTOCOL_NOT_A_MESSAGE'],
    ['[1,2]', 'PROTOCOL_NOT_A_MESSAGE'],
    ['"hello"', 'PROTOCOL_NOT_A_MESSAGE'],
    ['{"type":5}', 'PROTOCOL_NOT_A_MESSAGE'],
    ['{"type":"nope"}', 'PROTOCOL_UNKNOWN_TYPE'],
    ['{"type":"toString"}', 'PROTOCOL_UNKNOWN_TYPE'],
    ['{"type":"__proto__"}', 'PROTOCOL_UNKNOWN_TYPE'],
    ['{"type":"welcome"}', 'PROTOCOL_UNKNOWN_TYPE'],
    ['{"type":"done","id":"x"}', 'PROTOCOL_INVALID_FIELD'],
    [
      '{"type":"done","id":"x","outcome":{"status":"maybe","runtime_properties":{}}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"done","id":"x","outcome":{"status":"succeeded","runtime_properties":{}}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    ['{"type":"log","id":"x","level":"loud","message":"m"}', 'PROTOCOL_INVALID_FIELD'],
    [
      '{"type":"hello","protocol":1.5,"sdk_version":"1","pid":1,"runtime":"x"}',
      'PROTOCOL_INVALID_FIELD',
    ],
    ['{"type":"rpc","id":"x","call_id":1,"method":"rm -rf","params":{}}', 'PROTOCOL_INVALID_FIELD'],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"instance.update","params":{"instance_id":"i","runtime_properties":[],"version":1}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"hello","protocol":1,"sdk_version":"1","pid":1,"runtime":"x","features":"workflows"}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{"tasks":{}}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{"tasks":[{"id":"a","instance_id":"i","depends_on":[],"kind":"teleport"}]}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{"tasks":[{"id":"a","instance_id":"i","depends_on":[1],"kind":"state","state":"s"}]}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{"tasks":[{"id":"a","instance_id":"i","depends_on":[],"kind":"operation"}]}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{"tasks":[{"id":"a","instance_id":"i","depends_on":[],"kind":"operation","operation":"o","relationship":{"index":-1,"side":"source"}}]}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.run_graph","params":{"tasks":[{"id":"a","instance_id":"i","depends_on":[],"kind":"operation","operation":"o","kwargs":[1]}]}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.send_event","params":{}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    [
      '{"type":"rpc","id":"x","call_id":1,"method":"workflow.send_event","params":{"message":"m","instance_id":7}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    ['{"type":"rpc","id":"x","call_id":1,"method":"workflow.instances"}', 'PROTOCOL_INVALID_FIELD'],
    ['{"type":"done","id":"x","outcome":{"status":"succeeded"}}', 'PROTOCOL_INVALID_FIELD'],
    [
      '{"type":"done","id":"x","outcome":{"status":"failed","error":"boom"}}',
      'PROTOCOL_INVALID_FIELD',
    ],
    ['{"type":"run_workflow","id":"x","request":{}}', 'PROTOCOL_UNKNOWN_TYPE'],
  ])('refuses %j from a worker with %s', (line, code) => {
    const parsed = parseWorkerMessage(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issue.code).toBe(code);
  });

  it('names the offending field', () => {
    const parsed = parseWorkerMessage(
      '{"type":"done","id":"x","outcome":{"status":"failed","error":{"type":"E","recoverable":"yes","message":"m"},"runtime_properties":{}}}',
    );
    expect(parsed).toEqual({
      ok: false,
      issue: {
        code: 'PROTOCOL_INVALID_FIELD',
        message: 'outcome.error.recoverable: expected a boolean',
        path: 'outcome.error.recoverable',
      },
    });
  });

  it('refuses a welcome that allows fewer than one run at a time', () => {
    for (const value of [0, -2, 1.5, '4']) {
      const parsed = parseHostMessage(
        JSON.stringify({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          entry: '/p/index.js',
          rpc_timeout_ms: 1000,
          max_concurrent: value,
        }),
      );
      expect(parsed.ok ? undefined : parsed.issue.path).toBe('max_concurrent');
    }
  });

  it('refuses a run_workflow whose request is garbage, naming the field', () => {
    const line = (request: unknown) => JSON.stringify({ type: 'run_workflow', id: 'w', request });
    const cases: [unknown, string][] = [
      [{ ...workflowRequest, resume: 'no' }, 'request.resume'],
      [{ ...workflowRequest, function: undefined }, 'request.function'],
      [{ ...workflowRequest, parameters: [] }, 'request.parameters'],
      [
        { ...workflowRequest, nodes: [{ ...workflowRequest.nodes[0], operations: 'create' }] },
        'request.nodes[0].operations',
      ],
      [
        { ...workflowRequest, instances: [{ ...workflowRequest.instances[0], state: 3 }] },
        'request.instances[0].state',
      ],
      [
        {
          ...workflowRequest,
          instances: [{ ...workflowRequest.instances[0], relationships: [{ type: 't' }] }],
        },
        'request.instances[0].relationships[0].target_id',
      ],
    ];
    for (const [request, path] of cases) {
      const parsed = parseHostMessage(line(request));
      expect(parsed.ok ? 'ok' : parsed.issue).toMatchObject({
        code: 'PROTOCOL_INVALID_FIELD',
        path,
      });
    }
  });

  it('tells a workflow outcome from an operation outcome by runtime_properties', () => {
    const operation = parseWorkerMessage(
      '{"type":"done","id":"x","outcome":{"status":"succeeded","result":1,"runtime_properties":{}}}',
    );
    const workflow = parseWorkerMessage(
      '{"type":"done","id":"x","outcome":{"status":"succeeded","result":1}}',
    );
    expect(operation.ok && operation.message.type === 'done' && operation.message.outcome).toEqual({
      status: 'succeeded',
      result: 1,
      runtime_properties: {},
    });
    expect(workflow.ok && workflow.message.type === 'done' && workflow.message.outcome).toEqual({
      status: 'succeeded',
      result: 1,
    });
  });

  it('refuses an rpc_result with both or neither of result and error', () => {
    for (const line of [
      '{"type":"rpc_result","id":"x","call_id":1}',
      '{"type":"rpc_result","id":"x","call_id":1,"result":1,"error":{"type":"E","message":"m"}}',
    ]) {
      const parsed = parseHostMessage(line);
      expect(parsed.ok ? 'ok' : parsed.issue.code).toBe('PROTOCOL_INVALID_FIELD');
    }
  });

  it('keeps a __proto__ runtime property as plain data', () => {
    const parsed = parseWorkerMessage(
      '{"type":"done","id":"x","outcome":{"status":"succeeded","result":null,"runtime_properties":{"__proto__":{"polluted":true}}}}',
    );
    expect(parsed.ok).toBe(true);
    if (parsed.ok && parsed.message.type === 'done') {
      const { outcome } = parsed.message;
      expect('runtime_properties' in outcome).toBe(true);
      const props = 'runtime_properties' in outcome ? outcome.runtime_properties : {};
      expect(Object.hasOwn(props, '__proto__')).toBe(true);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    }
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (line) => {
          parseWorkerMessage(line);
          parseHostMessage(line);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated valid messages', () => {
    const lines = [...workerMessages, ...hostMessages].map((message) =>
      encodeMessage(message).trimEnd(),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...lines),
        fc.nat(),
        fc.string({ maxLength: 3 }),
        (line, at, insert) => {
          const index = at % (line.length + 1);
          const mutated = line.slice(0, index) + insert + line.slice(index + insert.length);
          parseWorkerMessage(mutated);
          parseHostMessage(mutated);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseInstanceUpdateResult', () => {
  it('accepts {version} and nothing else', () => {
    expect(parseInstanceUpdateResult({ version: 4 })).toEqual({ version: 4 });
    expect(parseInstanceUpdateResult({ version: '4' })).toBeUndefined();
    expect(parseInstanceUpdateResult(null)).toBeUndefined();
  });
});

describe('parseWorkflowGraphResult / parseWorkflowInstances', () => {
  it('accepts a graph result and nothing else', () => {
    expect(parseWorkflowGraphResult({ status: 'terminated', error: '' })).toEqual({
      status: 'terminated',
      error: '',
    });
    expect(parseWorkflowGraphResult({ status: 'failed', error: 'boom' })).toEqual({
      status: 'failed',
      error: 'boom',
    });
    expect(parseWorkflowGraphResult({ status: 'done', error: '' })).toBeUndefined();
    expect(parseWorkflowGraphResult({ status: 'failed' })).toBeUndefined();
    expect(parseWorkflowGraphResult(null)).toBeUndefined();
  });

  it('accepts a list of instances and nothing else', () => {
    expect(parseWorkflowInstances(workflowRequest.instances)).toEqual(workflowRequest.instances);
    expect(parseWorkflowInstances([])).toEqual([]);
    expect(parseWorkflowInstances({})).toBeUndefined();
    expect(parseWorkflowInstances([{ id: 'x' }])).toBeUndefined();
  });

  it('never throws, whatever the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseWorkflowGraphResult(value);
        parseWorkflowInstances(value);
      }),
      { numRuns: 1000 },
    );
  });
});
