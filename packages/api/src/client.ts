/**
 * A typed client of the manager's REST API, built on the route table: `client.call('getDeployment',
 * {params: {id}})` is checked against the route's schemas at compile time. It speaks to Cairn
 * and, for the routes they share, to Cloudify.
 */
import type { Static, TSchema } from 'typebox';
import { ApiError } from './errors.js';
import type { Event } from './schemas/resources.js';
import { API_PREFIX, ROUTES, type RouteName, type RouteSpec } from './routes.js';

type Routes = typeof ROUTES;
type SchemaOf<K extends RouteName> = Routes[K]['schema'];
type Part<K extends RouteName, P extends string> =
  SchemaOf<K> extends { readonly [key in P]: infer S extends TSchema } ? Static<S> : undefined;
type Responses<K extends RouteName> = SchemaOf<K>['response'];

/** What a route answers with on success. */
export type ResponseOf<K extends RouteName> =
  Responses<K> extends { readonly 200: infer S extends TSchema }
    ? Static<S>
    : Responses<K> extends { readonly 201: infer S extends TSchema }
      ? Static<S>
      : undefined;

/** The route's path parameters. */
export type ParamsOf<K extends RouteName> = Part<K, 'params'>;
/** The route's query parameters. */
export type QueryOf<K extends RouteName> = Part<K, 'querystring'>;
/** The route's JSON body. */
export type BodyOf<K extends RouteName> = Part<K, 'body'>;

/** Upload routes take bytes, or a multipart form (Cloudify's blueprint upload). */
type UploadBody = Uint8Array | Blob | FormData;

/** What one call sends. Only the parts the route has may be given. */
export type CallInput<K extends RouteName> = (ParamsOf<K> extends undefined
  ? { readonly params?: undefined }
  : { readonly params: ParamsOf<K> }) & {
  readonly query?: QueryOf<K>;
  readonly body?: Routes[K] extends { readonly upload: true } ? UploadBody : BodyOf<K>;
  /** Extra headers for this call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborts the call (and a stream being read). */
  readonly signal?: AbortSignal;
};

/** How the client signs in. */
export type Credentials =
  { readonly username: string; readonly password: string } | { readonly token: string };

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** The manager's base URL, e.g. `http://127.0.0.1:8100`. */
  readonly url: string;
  readonly credentials?: Credentials;
  /** The `Tenant` header. Default `default_tenant`. */
  readonly tenant?: string;
  /** The fetch to use (tests); default the global one. */
  readonly fetch?: typeof fetch;
}

/** Builds the query string: arrays repeat the key, booleans are `true`/`false`. */
function queryString(query: object | undefined): string {
  if (query === undefined) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(key, String(one));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Fills `:name` placeholders. */
function fillPath(url: string, params: object | undefined): string {
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
    const value = (params as Record<string, unknown> | undefined)?.[name];
    if (typeof value !== 'string') throw new TypeError(`Missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** The manager's REST API. */
export class ApiClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private credentials: Credentials | undefined;
  /** The tenant every call is made in. */
  tenant: string;

  constructor(options: ApiClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.credentials = options.credentials;
    this.tenant = options.tenant ?? 'default_tenant';
  }

  /** The headers every call sends: credentials and tenant. */
  authHeaders(): Record<string, string> {
    const headers: Record<string, string> = { Tenant: this.tenant };
    const credentials = this.credentials;
    if (credentials === undefined) return headers;
    if ('token' in credentials) headers['Authentication-Token'] = credentials.token;
    else {
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString(
        'base64',
      );
      headers.Authorization = `Basic ${basic}`;
    }
    return headers;
  }

  /** Calls a route and returns its parsed answer; rejects with an {@link ApiError}. */
  async call<K extends RouteName>(name: K, input: CallInput<K>): Promise<ResponseOf<K>> {
    const response = await this.send(name, input);
    const route: RouteSpec = ROUTES[name];
    if (response.status === 204) return undefined as ResponseOf<K>;
    if (route.download === true) {
      const type = response.headers.get('content-type') ?? '';
      const value = type.startsWith('text/')
        ? await response.text()
        : Buffer.from(await response.arrayBuffer());
      return value as ResponseOf<K>;
    }
    return (await response.json()) as ResponseOf<K>;
  }

  /** Calls a route and returns the raw response (for streams); rejects on an error status. */
  async send<K extends RouteName>(name: K, input: CallInput<K>): Promise<Response> {
    const route: RouteSpec = ROUTES[name];
    const params = input.params as object | undefined;
    const url = `${this.base}${API_PREFIX}${fillPath(route.url, params)}${queryString(input.query ?? undefined)}`;
    const headers: Record<string, string> = { ...this.authHeaders(), ...input.headers };
    let body: RequestInit['body'];
    if (input.body !== undefined) {
      if (route.upload === true) {
        // A form gets its multipart Content-Type, with the boundary, from fetch itself.
        if (!(input.body instanceof FormData)) headers['Content-Type'] = 'application/octet-stream';
        body = input.body as Uint8Array | FormData;
      } else {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(input.body);
      }
    }
    const response = await this.fetchFn(url, {
      method: route.method,
      headers,
      body,
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    if (response.status >= 400) {
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { message: text.slice(0, 500) || `HTTP ${response.status}` };
      }
      throw new ApiError(response.status, parsed);
    }
    return response;
  }

  /** Signs in with a password and switches this client to the token it gets. */
  async login(): Promise<string> {
    const token = await this.call('createToken', { body: { description: 'cairn' } });
    this.credentials = { token: token.value };
    return token.value;
  }

  /**
   * Follows an execution's events and logs live (server-sent events) until it ends, calling
   * `onEvent` for each; resolves when the stream closes.
   */
  async followExecution(
    executionId: string,
    onEvent: (event: Event) => void,
    options: { readonly includeLogs?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<void> {
    const response = await this.send('streamExecutionEvents', {
      params: { id: executionId },
      query: { include_logs: options.includeLogs ?? true },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (response.body === null) return;
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const lines = frame.split('\n');
        const kind = lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim();
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        // The stream's last frame says the execution ended; it is not an event.
        if (kind === 'end') return;
        if (data !== '') onEvent(JSON.parse(data) as Event);
      }
    }
  }
}
