import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './framing.js';
import {
  PROTOCOL_VERSION,
  type HostMessage,
  type RunRequest,
  type WorkerMessage,
} from './messages.js';
import { parseHostMessage, parseInstanceUpdateResult, parseWorkerMessage } from './parse.js';

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

const workerMessages: WorkerMessage[] = [
  { type: 'hello', protocol: PROTOCOL_VERSION, sdk_version: '0.1.0', pid: 42, runtime: 'node' },
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
  { type: 'refuse', protocol: PROTOCOL_VERSION, reason: 'too old' },
  { type: 'run', id: 'op-1', request },
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
      const props = parsed.message.outcome.runtime_properties;
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
