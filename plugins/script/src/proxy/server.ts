/**
 * The ctx proxy of script runs: an HTTP endpoint on 127.0.0.1 that takes Cloudify's ctx
 * requests (`POST {"args": [...]}`) and answers as Cloudify's proxy does, always 200 with
 * `{"type": "result" | "error" | "stop_operation", "payload": …}`. A run's URL (the script's
 * `CTX_SOCKET_URL`) carries a random token: only that run's script knows it, and a call that
 * outlives its run gets an error (404). The endpoints (see `idle`) outlive the runs they serve,
 * for the next ones, and do not keep the process alive.
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
import {
  listen,
  type Endpoint,
  type EndpointRequest,
  type EndpointResponse,
} from './http-endpoint.js';
import { walk } from './walk.js';

/** The largest request body taken (a runtime property written through `ctx` can be large). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A run's proxy. */
export interface CtxProxy {
  /** What the script gets as `CTX_SOCKET_URL`. */
  readonly url: string;
  /** Stops taking the run's calls and closes those still open. */
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

/** A run being served: its ctx, and its calls being answered. */
interface Run {
  readonly root: PyObject;
  /** How to drop each call still open (see `EndpointRequest.drop`). */
  readonly open: Set<() => void>;
}

/** The runs, by the path of their URL. */
const runs = new Map<string, Run>();

/**
 * Endpoints no run holds. Each running run holds an endpoint of its own, not one shared by all:
 * libuv takes one connection per listening socket per event-loop turn, and a turn takes
 * milliseconds while the loop starts scripts (each `spawn` waits for its child's `exec`). One
 * listener for 50 runs kept calls waiting ~300 ms to be accepted (measured), so scripts lived
 * longer and everything cost more CPU than with a listener per run. A run's endpoint goes back
 * here when the run ends, for the next one: no listening socket is made and closed per run.
 */
const idle: Endpoint[] = [];

/** How many idle endpoints are kept (beyond, an ended run's endpoint is closed). */
const MAX_IDLE = 64;

/** The answer to a call to no run: the run has ended, or the URL is not a run's. */
function noRun(request: EndpointRequest): EndpointResponse {
  let client: CairnClient | undefined;
  try {
    client = parseClient(
      (JSON.parse(request.body.toString('utf8')) as { cairn_client?: unknown }).cairn_client,
    );
  } catch {
    client = undefined;
  }
  const result = errorAnswer(
    'RuntimeError',
    'no running operation has this ctx proxy URL (its operation has ended, or the URL is wrong)',
  );
  return { ...respond(result, client), status: 404 };
}

async function handle(request: EndpointRequest): Promise<EndpointResponse> {
  const run = runs.get(request.path);
  if (run === undefined) return noRun(request);
  if (request.method !== 'POST') {
    return { status: 405, headers: { 'content-type': 'text/plain' }, body: 'POST only\n' };
  }
  run.open.add(request.drop);
  try {
    const { answer: result, client } = await answer(run.root, request.body.toString('utf8'));
    return respond(result, client);
  } finally {
    run.open.delete(request.drop);
  }
}

/** An idle endpoint, or a new one. */
async function takeEndpoint(): Promise<Endpoint> {
  const reused = idle.pop();
  if (reused !== undefined) return reused;
  const started = await listen(handle, {
    maxHeaderBytes: 16 * 1024,
    maxBodyBytes: MAX_BODY_BYTES,
    idleTimeoutMs: 60_000,
  });
  // A run's script process keeps the process alive while the run needs the endpoint.
  started.unref();
  return started;
}

/** Opens the proxy for one script run over `root` (see `ctxView`). */
export async function startCtxProxy(root: PyObject): Promise<CtxProxy> {
  const endpoint = await takeEndpoint();
  let path: string;
  do path = `/ctx/${randomBytes(16).toString('hex')}`;
  while (runs.has(path));
  const run: Run = { root, open: new Set() };
  runs.set(path, run);
  let closed = false;
  return {
    url: `http://127.0.0.1:${endpoint.port}${path}`,
    close: async () => {
      if (closed) return;
      closed = true;
      runs.delete(path);
      // A call still open (a script's background job) ends now: the run is over.
      for (const drop of run.open) drop();
      run.open.clear();
      if (idle.length < MAX_IDLE) idle.push(endpoint);
      else await endpoint.close();
    },
  };
}
