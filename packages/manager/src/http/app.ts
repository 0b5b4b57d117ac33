/**
 * The HTTP server: Fastify with every route of `@cairn/api`'s table registered from the table
 * itself (schemas validate requests and serialise answers), authentication and authorization
 * in one hook, Cloudify-shaped errors, the OpenAPI document, Swagger UI and `/metrics`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { once } from 'node:events';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  API_PREFIX,
  ERROR_RESPONSES,
  HTTP_ERRORS,
  ROUTES,
  type BodyOf,
  type ListResponse,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
  type RouteName,
  type RouteSpec,
} from '@cairn/api';
import { CairnError, ForbiddenError, TooLargeError, isCairnError } from '@cairn/errors';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { authorizeRoute } from '../auth/access.js';
import { listAcrossTenants } from './all-tenants.js';
import type { ListParams } from './list.js';
import type { Authenticator, Principal } from '../auth/principal.js';
import type { HttpRefusal } from '../routes/refusal.js';
import type { Metrics } from './metrics.js';

/** A file uploaded as a route's body (raw, or a multipart file part), spooled to disk. */
export interface Upload {
  readonly path: string;
  readonly size: number;
  /** The multipart form's text fields (empty for a raw body). */
  readonly fields: Readonly<Record<string, string>>;
}

/** What a handler gets: the parsed request, the caller and the tenant it works in. */
export interface Call<K extends RouteName> {
  readonly params: ParamsOf<K>;
  readonly query: QueryOf<K>;
  readonly body: BodyOf<K>;
  readonly principal: Principal;
  /** The `Tenant` header (default `default_tenant`). */
  readonly tenant: string;
  /** The body of an upload route, on disk (removed after the handler). */
  readonly upload: Upload | undefined;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** A download route's answer: bytes, text or a stream, sent as is. */
export type Download = Buffer | string | Readable;

/** What a handler returns. */
export type Result<K extends RouteName> = (typeof ROUTES)[K] extends { readonly download: true }
  ? Download | undefined
  : ResponseOf<K>;

/** The handler of one route. */
export type Handler<K extends RouteName> = (call: Call<K>) => Promise<Result<K>>;

/** A handler for every route. */
export type Handlers = { readonly [K in RouteName]: Handler<K> };

/** Options of {@link buildApp}. */
export interface AppOptions {
  readonly handlers: Handlers;
  readonly authenticator: Authenticator;
  readonly metrics: Metrics;
  /** Where uploads are spooled. */
  readonly uploadDir: string;
  /** Largest upload accepted, in bytes. */
  readonly maxUploadBytes: number;
  /** Largest JSON body, in bytes. */
  readonly maxJsonBytes: number;
  readonly logger: FastifyBaseLogger | boolean;
  readonly version: string;
  /** Whether a tenant of that name exists. */
  tenantExists(name: string): Promise<boolean>;
  /** Every tenant's name (for `_all_tenants`). */
  listTenants(): Promise<readonly string[]>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const DEFAULT_TENANT = 'default_tenant';

/**
 * The schema a list answer is serialised with: the route's own, except that its items need no
 * field (`_include` keeps only some). The route table keeps full items for the client's types.
 */
function serialisedAs(schema: unknown): unknown {
  const list = schema as { properties?: { items?: { items?: Record<string, unknown> } } };
  const item = list.properties?.items?.items;
  if (item === undefined || !('required' in item)) return schema;
  const relaxed = { ...item };
  delete relaxed.required;
  return {
    ...list,
    properties: { ...list.properties, items: { ...list.properties?.items, items: relaxed } },
  };
}

/** The `Tenant` header (default `default_tenant`). */
function tenantOf(request: FastifyRequest): string {
  const header = request.headers.tenant;
  return (Array.isArray(header) ? header[0] : header)?.trim() || DEFAULT_TENANT;
}

/** The success status of a route: the first status its response schema lists. */
function successStatus(route: RouteSpec): number {
  return Number(Object.keys(route.schema.response)[0] ?? 200);
}

/** The Cloudify-shaped error body of any error. */
export function errorAnswer(error: unknown): { status: number; body: Record<string, unknown> } {
  if (isCairnError(error)) {
    const exact = error as Partial<HttpRefusal>;
    const mapped =
      typeof exact.status === 'number' && typeof exact.errorCode === 'string'
        ? { status: exact.status, errorCode: exact.errorCode }
        : HTTP_ERRORS[error.code];
    const body: Record<string, unknown> = {
      message: error.message,
      error_code: mapped.errorCode,
      server_traceback: null,
      cairn_code: error.code,
    };
    const diagnostics = error.details?.diagnostics;
    if (Array.isArray(diagnostics)) body.diagnostics = diagnostics;
    return { status: mapped.status, body };
  }
  const fastifyError = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    validation?: unknown;
  };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return errorAnswer(new TooLargeError('The request body is larger than the manager accepts'));
  }
  if (fastifyError.validation !== undefined || (fastifyError.statusCode ?? 500) < 500) {
    const status = fastifyError.statusCode ?? 400;
    return {
      status,
      body: {
        message: fastifyError.message ?? 'Bad request',
        error_code: status === 404 ? 'not_found_error' : 'bad_parameters_error',
        server_traceback: null,
        cairn_code: status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT',
      },
    };
  }
  return {
    status: 500,
    body: {
      message: 'Internal error in the manager; its log has the details',
      error_code: 'internal_server_error',
      server_traceback: null,
      cairn_code: 'INTERNAL',
    },
  };
}

/**
 * Spools a stream to a file, refusing it past `limit` bytes; returns the file and its size. A
 * refused body is still read to its end (and dropped), so that the client, which sends the
 * whole body before it reads the answer, gets the 413 rather than a stalled connection.
 */
async function spool(
  stream: Readable,
  dir: string,
  limit: number,
): Promise<{ path: string; size: number }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `upload-${randomUUID()}`);
  const file = createWriteStream(path, { mode: 0o600 });
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        if (!tooLarge) {
          tooLarge = true;
          file.destroy();
          await rm(path, { force: true });
        }
        continue;
      }
      if (!file.write(chunk)) await once(file, 'drain');
    }
    if (tooLarge) {
      throw new TooLargeError(
        `The upload is larger than the manager accepts (${Math.round(limit / 1048576)} MiB)`,
      );
    }
    file.end();
    await finished(file);
  } catch (error) {
    file.destroy();
    await rm(path, { force: true });
    throw error;
  }
  return { path, size };
}

/**
 * The body of an upload route: a multipart form (Cloudify's blueprint upload: a `params` JSON
 * field and one file part) or the raw bytes (plugin upload, legacy blueprint upload).
 */
async function receiveUpload(request: FastifyRequest, options: AppOptions): Promise<Upload> {
  if (request.isMultipart()) {
    const fields: Record<string, string> = {};
    let file: { path: string; size: number } | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
      } else if (file === undefined) {
        file = await spool(part.file, options.uploadDir, options.maxUploadBytes);
      } else {
        part.file.resume();
        throw new CairnError('INVALID_INPUT', 'The form must carry one archive, not several');
      }
    }
    if (file === undefined) {
      throw new CairnError('INVALID_INPUT', 'The form carries no archive (a file part)');
    }
    return { ...file, fields };
  }
  const body = request.body as Readable | undefined;
  if (body === undefined || body === null || typeof body.pipe !== 'function') {
    throw new CairnError('INVALID_INPUT', 'The request body must be the archive’s bytes');
  }
  return { ...(await spool(body, options.uploadDir, options.maxUploadBytes)), fields: {} };
}

/** Builds the server (not yet listening). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(typeof options.logger === 'boolean'
      ? { logger: options.logger }
      : { loggerInstance: options.logger }),
    bodyLimit: options.maxJsonBytes,
    // Cloudify clients send ids and filters in the query; keep the raw strings for arrays.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  });

  // Cloudify's client sends `Content-type: application/json` on every request, bodiless GETs
  // and DELETEs included: an empty JSON body is no body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: options.maxJsonBytes },
    (_request, text, done) => {
      const body = typeof text === 'string' ? text : text.toString('utf8');
      // No body is null: routes whose body is optional accept it, the others refuse it (400).
      if (body.trim() === '') {
        done(null, null);
        return;
      }
      try {
        done(null, JSON.parse(body) as unknown);
      } catch {
        const error = new Error('The request body is not valid JSON') as Error & {
          statusCode: number;
        };
        error.statusCode = 400;
        done(error, undefined);
      }
    },
  );

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorAnswer(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    options.metrics.errors.inc({ code: String(body.error_code) });
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      message: `Requested URL ${request.method} ${request.url.split('?')[0] ?? ''} was not found on the server`,
      error_code: 'not_found_error',
      server_traceback: null,
      cairn_code: 'NOT_FOUND',
    });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cairn manager REST API',
        description:
          'Cloudify REST API v3.1 compatible. Authenticate with HTTP basic auth or the Authentication-Token header (from GET /tokens); choose the tenant with the Tenant header.',
        version: options.version,
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          token: { type: 'apiKey', in: 'header', name: 'Authentication-Token' },
        },
      },
      security: [{ basic: [] }, { token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, (_request, reply) => {
    void reply.header('Content-Type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    options.metrics.requests.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // Cloudify's client sends booleans in the query as `True`/`False`.
  app.addHook('preValidation', (request, _reply, done) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query === undefined || query === null) {
      done();
      return;
    }
    for (const [key, value] of Object.entries(query)) {
      if (value === 'True' || value === 'False') query[key] = value.toLowerCase();
    }
    done();
  });

  const routes = Object.entries(ROUTES) as [RouteName, RouteSpec][];
  for (const [name, spec] of routes) {
    if (spec.upload !== true) registerRoute(app, name, spec, options);
  }
  // Upload routes live in a scope of their own where no body is parsed as JSON, whatever its
  // Content-Type says (Cloudify sends plugin archives as application/json): the raw stream, or
  // the multipart form, is spooled to disk and counted against the limit as it arrives.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => {
      done(null, payload);
    });
    await scope.register(multipart, {
      limits: { fileSize: options.maxUploadBytes, files: 2, fields: 20, fieldSize: 1_000_000 },
    });
    for (const [name, spec] of routes) {
      if (spec.upload === true) registerRoute(scope, name, spec, options);
    }
  });
  return app;
}

function registerRoute(
  app: FastifyInstance,
  name: RouteName,
  spec: RouteSpec,
  options: AppOptions,
): void {
  const handler = options.handlers[name] as unknown as (call: Call<RouteName>) => Promise<unknown>;
  const status = successStatus(spec);
  // A tenant's list takes `_all_tenants` (the route table gives every list its parameters).
  const querystring: { properties?: unknown } | undefined = spec.schema.querystring;
  const queryFields = querystring?.properties;
  const acrossTenants =
    typeof queryFields === 'object' && queryFields !== null && '_all_tenants' in queryFields;
  const response: Record<number, unknown> = { ...ERROR_RESPONSES };
  if (spec.download !== true) {
    for (const [code, schema] of Object.entries(spec.schema.response)) {
      response[Number(code)] = serialisedAs(schema);
    }
  }
  for (const url of [`${API_PREFIX}${spec.url}`, ...(spec.aliases ?? [])])
    app.route({
      method: spec.method,
      url,
      // The schema still documents the answer; JSON.stringify writes it (see nativeItems).
      ...(spec.nativeItems === true
        ? { serializerCompiler: () => (data: unknown) => JSON.stringify(data) }
        : {}),
      schema: {
        operationId: name,
        summary: spec.summary,
        tags: [spec.tag],
        ...(spec.schema.params === undefined ? {} : { params: spec.schema.params }),
        ...(spec.schema.querystring === undefined ? {} : { querystring: spec.schema.querystring }),
        ...(spec.schema.body === undefined || spec.upload === true
          ? {}
          : { body: spec.schema.body }),
        response,
        ...(spec.access.kind === 'public' ? { security: [] } : {}),
        ...(url === `${API_PREFIX}${spec.url}` ? {} : { hide: true }),
      },
      // Who is calling and whether they may, before anything else is read: an anonymous or
      // unauthorised request gets its 401/403 whatever its body, and no upload is received.
      onRequest: async (request) => {
        if (spec.access.kind === 'public') return;
        const principal = await options.authenticator.authenticate(request.headers);
        const tenant = tenantOf(request);
        authorizeRoute(spec.access, principal, tenant);
        // A sys_admin may work in any tenant that exists; one that does not is refused in the
        // words a non-member gets, before any tenant store is opened for the name.
        if (spec.access.kind === 'tenant' && !(await options.tenantExists(tenant))) {
          throw new ForbiddenError(
            `User '${principal.username}' is not permitted to access tenant '${tenant}'`,
          );
        }
        request.principal = principal;
      },
      handler: async (request, reply) => {
        const tenant = tenantOf(request);
        const principal = request.principal;
        const upload = spec.upload === true ? await receiveUpload(request, options) : undefined;
        try {
          const call = (inTenant: string, query: unknown): Promise<unknown> =>
            handler({
              params: request.params as never,
              query: query as never,
              body: (spec.upload === true ? undefined : request.body) as never,
              principal: principal as Principal,
              tenant: inTenant,
              upload,
              request,
              reply,
            });
          const query = request.query as ListParams;
          const result =
            spec.access.kind === 'tenant' && acrossTenants && query._all_tenants === true
              ? await listAcrossTenants({
                  principal: principal as Principal,
                  role: spec.access.role,
                  query,
                  listTenants: () => options.listTenants(),
                  listIn: (inTenant, part) => call(inTenant, part) as Promise<ListResponse<object>>,
                })
              : await call(tenant, request.query);
          if (reply.sent) return await reply;
          void reply.status(status);
          return await (status === 204 ? reply.send() : reply.send(result));
        } finally {
          if (upload !== undefined) await rm(upload.path, { force: true });
        }
      },
    });
}
