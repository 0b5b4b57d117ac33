/**
 * The ctx proxy of one script run: an HTTP endpoint on 127.0.0.1 that takes Cloudify's ctx
 * requests (`POST {"args": [...]}`) and answers as Cloudify's proxy does, always 200 with
 * `{"type": "result" | "error" | "stop_operation", "payload": …}`. Its URL (the script's
 * `CTX_SOCKET_URL`) carries a random token: only this run's script knows it, and calls that
 * outlive the run reach nothing.
 *
 * Cairn's own `ctx` command adds `"cairn_client": {"json_arg_prefix", "output"}` to a request:
 * its arguments arrive as typed, the proxy decodes the JSON ones, and the answer is the text to
 * print (Python's `str()` of the result, or its JSON), its kind in an `X-Ctx-Result` header. So
 * the command needs no JSON parser: it is a bash script that costs a few milliseconds per call.
 */
import { randomBytes } from 'node:crypto';
import type { Json } from '../context.js';
import { pythonJsonDumps, pythonStr } from '../python-str.js';
import {
  PyCallable,
  PyError,
  PyObject,
  ReadOnlyDict,
  StopOperation,
  type PyValue,
} from './python-object.js';
import { listen, type EndpointResponse } from './http-endpoint.js';
import { walk } from './walk.js';

/** The largest request body taken (a runtime property written through `ctx` can be large). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A running proxy. */
export interface CtxProxy {
  /** What the script gets as `CTX_SOCKET_URL`. */
  readonly url: string;
  /** Stops taking calls and closes open connections. */
  close(): Promise<void>;
}

type Answer =
  | { readonly type: 'result'; readonly payload: Json }
  | {
      readonly type: 'error';
      readonly payload: { type: string; message: string; traceback: string };
    }
  | { readonly type: 'stop_operation'; readonly payload: { message: string } };

/** How Cairn's `ctx` command wants its answer. */
interface CairnClient {
  readonly jsonArgPrefix: string;
  readonly output: 'text' | 'json';
}

function errorAnswer(type: string, message: string, traceback = ''): Answer {
  return { type: 'error', payload: { type, message, traceback } };
}

/** The result as JSON data, or the error Python's `json.dumps` would raise. */
function plain(value: PyValue): Json {
  if (value === undefined) return null;
  if (value instanceof ReadOnlyDict) return value.value;
  if (value instanceof PyObject || value instanceof PyCallable) {
    const name = value instanceof PyObject ? value.className : 'function';
    if (value instanceof PyObject && value.text !== undefined) return value.text;
    throw new PyError('TypeError', `Object of type ${name} is not JSON serializable`);
  }
  if (value instanceof StopOperation) return null;
  return value;
}

function parseClient(value: unknown): CairnClient | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { json_arg_prefix: prefix, output } = value as Record<string, unknown>;
  return {
    jsonArgPrefix: typeof prefix === 'string' ? prefix : '@',
    output: output === 'json' ? 'json' : 'text',
  };
}

/** The request's arguments, JSON ones decoded for Cairn's command. */
function argumentsOf(body: unknown, client: CairnClient | undefined): Json[] {
  const args = (body as { args?: unknown }).args;
  if (!Array.isArray(args)) throw new PyError('ValueError', "a ctx request needs 'args', a list");
  if (client === undefined) return args as Json[];
  return args.map((arg: unknown) => {
    if (typeof arg !== 'string' || client.jsonArgPrefix === '') return arg as Json;
    if (!arg.startsWith(client.jsonArgPrefix)) return arg;
    const text = arg.slice(client.jsonArgPrefix.length);
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new PyError(
        'ValueError',
        `the argument ${arg} is not valid JSON after '${client.jsonArgPrefix}'`,
      );
    }
  });
}

async function answer(
  root: PyObject,
  text: string,
): Promise<{ answer: Answer; client: CairnClient | undefined }> {
  let client: CairnClient | undefined;
  try {
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw new PyError('ValueError', 'the ctx request is not JSON');
    }
    if (typeof body !== 'object' || body === null) {
      throw new PyError('ValueError', 'the ctx request must be a JSON object');
    }
    client = parseClient((body as { cairn_client?: unknown }).cairn_client);
    const result = await walk(root, argumentsOf(body, client));
    if (result instanceof StopOperation) {
      return { answer: { type: 'stop_operation', payload: { message: result.message } }, client };
    }
    return { answer: { type: 'result', payload: plain(result) }, client };
  } catch (error) {
    const type = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    const traceback =
      error instanceof PyError || !(error instanceof Error) ? '' : (error.stack ?? '');
    return { answer: errorAnswer(type, message, traceback), client };
  }
}

function respond(result: Answer, client: CairnClient | undefined): EndpointResponse {
  if (client === undefined) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(result),
    };
  }
  const body =
    result.type === 'result'
      ? client.output === 'json'
        ? pythonJsonDumps(result.payload)
        : result.payload === null
          ? ''
          : pythonStr(result.payload)
      : result.type === 'error'
        ? `${result.payload.type}: ${result.payload.message}`
        : result.payload.message;
  return {
    status: 200,
    // Only what the bash client reads: it reads byte by byte (bash cannot buffer a socket).
    headers: { 'x-ctx-result': result.type },
    body,
  };
}

/** Starts the proxy for one script run over `root` (see `ctxView`). */
export async function startCtxProxy(root: PyObject): Promise<CtxProxy> {
  const path = `/ctx/${randomBytes(16).toString('hex')}`;
  const endpoint = await listen(
    async (request) => {
      if (request.path !== path) {
        return {
          status: 404,
          headers: { 'content-type': 'text/plain' },
          body: 'not a ctx endpoint of a running operation\n',
        };
      }
      if (request.method !== 'POST') {
        return { status: 405, headers: { 'content-type': 'text/plain' }, body: 'POST only\n' };
      }
      const { answer: result, client } = await answer(root, request.body.toString('utf8'));
      return respond(result, client);
    },
    { maxHeaderBytes: 16 * 1024, maxBodyBytes: MAX_BODY_BYTES, idleTimeoutMs: 60_000 },
  );
  return {
    url: `http://127.0.0.1:${endpoint.port}${path}`,
    close: () => endpoint.close(),
  };
}
