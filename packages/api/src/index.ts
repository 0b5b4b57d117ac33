/**
 * `@cairn/api` — the REST contract shared by the manager, the CLI and the console: the route
 * table with its schemas (Cloudify's REST API v3.1 shapes), the mapping of errors to HTTP, and
 * a typed client.
 */
export * from './schemas/common.js';
export * from './schemas/resources.js';
export {
  API_PREFIX,
  ERROR_RESPONSES,
  ROUTES,
  type Access,
  type Method,
  type RouteName,
  type RouteSpec,
} from './routes.js';
export { ApiError, HTTP_ERRORS, codeOfAnswer } from './errors.js';
export {
  ApiClient,
  type ApiClientOptions,
  type BodyOf,
  type CallInput,
  type Credentials,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
} from './client.js';
