/**
 * The route table: every endpoint of the manager under `/api/v3.1`, with its request and
 * response schemas and who may call it. The manager registers exactly these routes, the client
 * calls them by name, and the OpenAPI document is generated from them, so the three cannot
 * drift apart. Paths, methods, query parameters and bodies follow Cloudify's REST API v3.1.
 */
import { Type, type TOptional, type TSchema } from 'typebox';
import {
  ErrorBody,
  JsonObject,
  ListOf,
  ListQuery,
  ResourceId,
  Visibility,
} from './schemas/common.js';
import {
  Blueprint,
  TokenList,
  Deployment,
  DeploymentOutputs,
  Event,
  Execution,
  Node,
  NodeInstance,
  Plugin,
  Secret,
  SystemRole,
  Tenant,
  TenantRole,
  Token,
  User,
  Version,
} from './schemas/resources.js';

/** The prefix of every route. */
export const API_PREFIX = '/api/v3.1';

/**
 * Who may call a route. Tenant roles are ordered viewer < operations < user < manager: each may
 * do what the ones before it may. `sys_admin` may call every route in every tenant.
 */
export type Access =
  /** Anyone, without credentials (health). */
  | { readonly kind: 'public' }
  /** Any signed-in user, whatever the tenant. */
  | { readonly kind: 'user' }
  /** Only `sys_admin`. */
  | { readonly kind: 'admin' }
  /** A member of the `Tenant` header's tenant with at least this role. */
  | { readonly kind: 'tenant'; readonly role: TenantRole };

/** An HTTP method the API uses. */
export type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** One endpoint. */
export interface RouteSpec {
  readonly method: Method;
  /** The path after {@link API_PREFIX}, with `:param` placeholders. */
  readonly url: string;
  readonly summary: string;
  /** The OpenAPI tag (the resource). */
  readonly tag: string;
  readonly access: Access;
  /** The body is raw bytes (an archive), not JSON. */
  readonly upload?: boolean;
  /** The answer is a file (bytes or text), not JSON. */
  readonly download?: boolean;
  /**
   * Serialise the list's items with `JSON.stringify` rather than the item schema: for large
   * items built only from the resource's own fields, where the schema serialiser is the
   * bottleneck (a deployment is ~14 KB, most of it its workflows' parameters).
   */
  readonly nativeItems?: boolean;
  /** Other full paths (outside the prefix) that serve the same route. */
  readonly aliases?: readonly string[];
  readonly schema: {
    readonly params?: TSchema;
    readonly querystring?: TSchema;
    readonly body?: TSchema;
    readonly response: { readonly [status: number]: TSchema };
  };
}

const viewer = { kind: 'tenant', role: 'viewer' } as const;
const operations = { kind: 'tenant', role: 'operations' } as const;
const tenantUser = { kind: 'tenant', role: 'user' } as const;
const admin = { kind: 'admin' } as const;
const signedIn = { kind: 'user' } as const;

const id = Type.Object({ id: ResourceId });
const NoContent = Type.Null();
const Bytes = Type.String({ contentEncoding: 'binary' });

/** List query parameters plus the resource's own filterable fields. */
function listQuery<F extends Record<string, TSchema>>(filters: F) {
  const optional = Object.fromEntries(
    Object.entries(filters).map(([name, schema]) => [name, Type.Optional(schema)]),
  ) as { [K in keyof F]: TOptional<F[K]> };
  return Type.Object({ ...ListQuery.properties, ...optional });
}

/** A flag as Cloudify's client sends it in bodies: a boolean, `"true"`/`"false"`, or null. */
const Flag = Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false'), Type.Null()]);

const VisibilityChange = Type.Object({ visibility: Visibility });
const UploadQuery = Type.Object({
  visibility: Type.Optional(Visibility),
  private_resource: Type.Optional(Type.Boolean()),
});

/** Every route of the API, by name. */
export const ROUTES = {
  // Service
  ok: {
    method: 'GET',
    url: '/ok',
    summary: 'Liveness: 200 while the manager serves requests',
    tag: 'service',
    access: { kind: 'public' },
    schema: { response: { 200: Type.Object({ status: Type.String() }) } },
  },
  version: {
    method: 'GET',
    url: '/version',
    summary: 'The manager’s version (also at /api/version, where Cloudify clients ask)',
    tag: 'service',
    aliases: ['/api/version'],
    access: signedIn,
    schema: { response: { 200: Version } },
  },
  status: {
    method: 'GET',
    url: '/status',
    summary: 'The manager’s services and their state',
    tag: 'service',
    access: signedIn,
    schema: {
      response: {
        200: Type.Object({
          status: Type.String(),
          services: Type.Record(Type.String(), JsonObject),
        }),
      },
    },
  },

  // Tokens
  listTokens: {
    method: 'GET',
    url: '/tokens',
    summary:
      'The caller’s tokens. With basic auth it also carries a new token (value, role, id): what Cloudify clients before 6.x expect of GET /tokens',
    tag: 'tokens',
    access: signedIn,
    schema: { querystring: ListQuery, response: { 200: TokenList } },
  },
  createToken: {
    method: 'POST',
    url: '/tokens',
    summary: 'A new API token with a description and an expiry; its value is shown only here',
    tag: 'tokens',
    access: signedIn,
    schema: {
      body: Type.Union([
        Type.Object({
          description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
          expiration_date: Type.Optional(
            Type.Union([Type.String({ description: 'ISO-8601, or +Nh / +Nd' }), Type.Null()]),
          ),
        }),
        Type.Null(),
      ]),
      response: { 200: Token },
    },
  },
  getToken: {
    method: 'GET',
    url: '/tokens/:id',
    summary: 'One of the caller’s tokens (its value masked)',
    tag: 'tokens',
    access: signedIn,
    schema: { params: Type.Object({ id: ResourceId }), response: { 200: Token } },
  },
  deleteToken: {
    method: 'DELETE',
    url: '/tokens/:id',
    summary: 'Revokes one of the caller’s tokens (any token, for sys_admin)',
    tag: 'tokens',
    access: signedIn,
    schema: { params: Type.Object({ id: ResourceId }), response: { 204: NoContent } },
  },

  // Tenants
  listTenants: {
    method: 'GET',
    url: '/tenants',
    summary: 'The tenants the caller belongs to (every tenant for sys_admin)',
    tag: 'tenants',
    access: signedIn,
    schema: { querystring: listQuery({ name: Type.String() }), response: { 200: ListOf(Tenant) } },
  },
  getTenant: {
    method: 'GET',
    url: '/tenants/:name',
    summary: 'A tenant',
    tag: 'tenants',
    access: signedIn,
    schema: { params: Type.Object({ name: ResourceId }), response: { 200: Tenant } },
  },
  createTenant: {
    method: 'POST',
    url: '/tenants/:name',
    summary: 'Creates a tenant',
    tag: 'tenants',
    access: admin,
    schema: { params: Type.Object({ name: ResourceId }), response: { 201: Tenant } },
  },
  deleteTenant: {
    method: 'DELETE',
    url: '/tenants/:name',
    summary: 'Deletes an empty tenant',
    tag: 'tenants',
    access: admin,
    schema: { params: Type.Object({ name: ResourceId }), response: { 204: NoContent } },
  },
  addTenantUser: {
    method: 'PUT',
    url: '/tenants/users',
    summary: 'Adds a user to a tenant with a role',
    tag: 'tenants',
    access: admin,
    schema: {
      body: Type.Object({
        tenant_name: ResourceId,
        username: ResourceId,
        role: Type.Optional(TenantRole),
      }),
      response: { 200: Tenant },
    },
  },
  updateTenantUser: {
    method: 'PATCH',
    url: '/tenants/users',
    summary: 'Changes a member’s role in a tenant',
    tag: 'tenants',
    access: admin,
    schema: {
      body: Type.Object({ tenant_name: ResourceId, username: ResourceId, role: TenantRole }),
      response: { 200: Tenant },
    },
  },
  removeTenantUser: {
    method: 'DELETE',
    url: '/tenants/users',
    summary: 'Removes a user from a tenant',
    tag: 'tenants',
    access: admin,
    schema: {
      body: Type.Object({ tenant_name: ResourceId, username: ResourceId }),
      response: { 200: Tenant },
    },
  },

  // Users
  listUsers: {
    method: 'GET',
    url: '/users',
    summary: 'Every user',
    tag: 'users',
    access: admin,
    schema: {
      querystring: listQuery({ username: Type.String() }),
      response: { 200: ListOf(User) },
    },
  },
  createUser: {
    method: 'PUT',
    url: '/users',
    summary: 'Creates a user',
    tag: 'users',
    access: admin,
    schema: {
      body: Type.Object({
        username: ResourceId,
        password: Type.String({ minLength: 8, maxLength: 1000 }),
        role: Type.Optional(SystemRole),
      }),
      response: { 201: User },
    },
  },
  getSelf: {
    method: 'GET',
    url: '/user',
    summary: 'The caller’s own user',
    tag: 'users',
    access: signedIn,
    schema: { response: { 200: User } },
  },
  getUser: {
    method: 'GET',
    url: '/users/:username',
    summary: 'A user (sys_admin, or the user themself)',
    tag: 'users',
    access: signedIn,
    schema: { params: Type.Object({ username: ResourceId }), response: { 200: User } },
  },
  updateUser: {
    method: 'POST',
    url: '/users/:username',
    summary: 'Changes a user’s password (sys_admin, or the user themself) or role (sys_admin)',
    tag: 'users',
    access: signedIn,
    schema: {
      params: Type.Object({ username: ResourceId }),
      body: Type.Object({
        password: Type.Optional(Type.String({ minLength: 8, maxLength: 1000 })),
        role: Type.Optional(SystemRole),
      }),
      response: { 200: User },
    },
  },
  setUserActive: {
    method: 'POST',
    url: '/users/active/:username',
    summary: 'Activates or deactivates a user',
    tag: 'users',
    access: admin,
    schema: {
      params: Type.Object({ username: ResourceId }),
      body: Type.Object({
        action: Type.Union([Type.Literal('activate'), Type.Literal('deactivate')]),
      }),
      response: { 200: User },
    },
  },
  deleteUser: {
    method: 'DELETE',
    url: '/users/:username',
    summary: 'Deletes a user',
    tag: 'users',
    access: admin,
    schema: { params: Type.Object({ username: ResourceId }), response: { 204: NoContent } },
  },

  // Secrets
  listSecrets: {
    method: 'GET',
    url: '/secrets',
    summary: 'The secrets the caller can see, without values',
    tag: 'secrets',
    access: viewer,
    schema: {
      querystring: listQuery({ key: Type.String(), visibility: Visibility }),
      response: { 200: ListOf(Secret) },
    },
  },
  createSecret: {
    method: 'PUT',
    url: '/secrets/:key',
    summary: 'Creates a secret (or updates it with update_if_exists)',
    tag: 'secrets',
    access: tenantUser,
    schema: {
      params: Type.Object({ key: ResourceId }),
      body: Type.Object({
        value: Type.String({ maxLength: 1_000_000 }),
        visibility: Type.Optional(Visibility),
        is_hidden_value: Type.Optional(Type.Boolean()),
        update_if_exists: Type.Optional(Type.Boolean()),
        private_resource: Type.Optional(Type.Boolean()),
        schema: Type.Optional(Type.Union([JsonObject, Type.Null()])),
      }),
      response: { 200: Secret },
    },
  },
  getSecret: {
    method: 'GET',
    url: '/secrets/:key',
    summary: 'A secret with its value (hidden values only to their creator, managers and admins)',
    tag: 'secrets',
    access: operations,
    schema: { params: Type.Object({ key: ResourceId }), response: { 200: Secret } },
  },
  updateSecret: {
    method: 'PATCH',
    url: '/secrets/:key',
    summary: 'Changes a secret’s value, visibility or hiding',
    tag: 'secrets',
    access: tenantUser,
    schema: {
      params: Type.Object({ key: ResourceId }),
      body: Type.Object({
        value: Type.Optional(Type.String({ maxLength: 1_000_000 })),
        visibility: Type.Optional(Visibility),
        is_hidden_value: Type.Optional(Type.Boolean()),
      }),
      response: { 200: Secret },
    },
  },
  deleteSecret: {
    method: 'DELETE',
    url: '/secrets/:key',
    summary: 'Deletes a secret',
    tag: 'secrets',
    access: tenantUser,
    schema: { params: Type.Object({ key: ResourceId }), response: { 204: NoContent } },
  },
  setSecretVisibility: {
    method: 'PATCH',
    url: '/secrets/:key/set-visibility',
    summary: 'Widens a secret’s visibility',
    tag: 'secrets',
    access: tenantUser,
    schema: {
      params: Type.Object({ key: ResourceId }),
      body: VisibilityChange,
      response: { 200: Secret },
    },
  },

  // Blueprints
  listBlueprints: {
    method: 'GET',
    url: '/blueprints',
    summary: 'Blueprints',
    tag: 'blueprints',
    access: viewer,
    schema: {
      querystring: listQuery({
        id: Type.String(),
        visibility: Visibility,
        created_by: Type.String(),
      }),
      response: { 200: ListOf(Blueprint) },
    },
  },
  getBlueprint: {
    method: 'GET',
    url: '/blueprints/:id',
    summary: 'A blueprint with its plan',
    tag: 'blueprints',
    access: viewer,
    schema: { params: id, response: { 200: Blueprint } },
  },
  uploadBlueprint: {
    method: 'PUT',
    url: '/blueprints/:id',
    summary:
      'Uploads a blueprint: the body is a tar, tar.gz or zip of its folder; the main file is application_file_name',
    tag: 'blueprints',
    access: tenantUser,
    upload: true,
    schema: {
      params: id,
      querystring: Type.Object({
        ...UploadQuery.properties,
        application_file_name: Type.Optional(Type.String()),
        async_upload: Type.Optional(Type.Boolean()),
        skip_execution: Type.Optional(Type.Boolean()),
        labels: Type.Optional(Type.String()),
      }),
      response: { 201: Blueprint },
    },
  },
  validateBlueprint: {
    method: 'PUT',
    url: '/blueprints/:id/validate',
    summary: 'Validates a blueprint archive without storing it',
    tag: 'blueprints',
    access: tenantUser,
    upload: true,
    schema: {
      params: id,
      querystring: Type.Object({ application_file_name: Type.Optional(Type.String()) }),
      response: { 200: Type.Object({ id: Type.String(), valid: Type.Boolean() }) },
    },
  },
  deleteBlueprint: {
    method: 'DELETE',
    url: '/blueprints/:id',
    summary: 'Deletes a blueprint no deployment uses',
    tag: 'blueprints',
    access: tenantUser,
    schema: {
      params: id,
      querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
      response: { 204: NoContent },
    },
  },
  downloadBlueprint: {
    method: 'GET',
    url: '/blueprints/:id/archive',
    summary: 'The blueprint’s files as a tar.gz',
    tag: 'blueprints',
    access: viewer,
    download: true,
    schema: { params: id, response: { 200: Bytes } },
  },
  setBlueprintVisibility: {
    method: 'PATCH',
    url: '/blueprints/:id/set-visibility',
    summary: 'Widens a blueprint’s visibility',
    tag: 'blueprints',
    access: tenantUser,
    schema: { params: id, body: VisibilityChange, response: { 200: Blueprint } },
  },

  // Deployments
  listDeployments: {
    method: 'GET',
    url: '/deployments',
    summary: 'Deployments',
    tag: 'deployments',
    access: viewer,
    nativeItems: true,
    schema: {
      querystring: listQuery({
        id: Type.String(),
        blueprint_id: Type.String(),
        visibility: Visibility,
        created_by: Type.String(),
      }),
      response: { 200: ListOf(Type.Partial(Deployment)) },
    },
  },
  getDeployment: {
    method: 'GET',
    url: '/deployments/:id',
    summary: 'A deployment',
    tag: 'deployments',
    access: viewer,
    schema: {
      params: id,
      querystring: Type.Object({ _include: Type.Optional(Type.String()) }),
      response: { 200: Type.Partial(Deployment) },
    },
  },
  createDeployment: {
    method: 'PUT',
    url: '/deployments/:id',
    summary: 'Creates a deployment of a blueprint with inputs',
    tag: 'deployments',
    access: operations,
    schema: {
      params: id,
      body: Type.Object({
        blueprint_id: ResourceId,
        inputs: Type.Optional(JsonObject),
        visibility: Type.Optional(Visibility),
        private_resource: Type.Optional(Type.Boolean()),
        skip_plugins_validation: Type.Optional(Type.Boolean()),
        display_name: Type.Optional(Type.String()),
        labels: Type.Optional(Type.Array(JsonObject)),
        site_name: Type.Optional(Type.String()),
        runtime_only_evaluation: Type.Optional(Type.Boolean()),
      }),
      response: { 201: Deployment },
    },
  },
  deleteDeployment: {
    method: 'DELETE',
    url: '/deployments/:id',
    summary: 'Deletes a deployment with its instances, executions and events',
    tag: 'deployments',
    access: operations,
    schema: {
      params: id,
      querystring: Type.Object({
        force: Type.Optional(Type.Boolean()),
        delete_logs: Type.Optional(Type.Boolean()),
        recursive: Type.Optional(Type.Boolean()),
      }),
      response: { 204: NoContent },
    },
  },
  deploymentOutputs: {
    method: 'GET',
    url: '/deployments/:id/outputs',
    summary: 'A deployment’s outputs, evaluated now',
    tag: 'deployments',
    access: viewer,
    schema: { params: id, response: { 200: DeploymentOutputs } },
  },
  deploymentCapabilities: {
    method: 'GET',
    url: '/deployments/:id/capabilities',
    summary: 'A deployment’s capabilities, evaluated now',
    tag: 'deployments',
    access: viewer,
    schema: { params: id, response: { 200: DeploymentOutputs } },
  },
  setDeploymentVisibility: {
    method: 'PATCH',
    url: '/deployments/:id/set-visibility',
    summary: 'Widens a deployment’s visibility (not to global)',
    tag: 'deployments',
    access: operations,
    schema: { params: id, body: VisibilityChange, response: { 200: Deployment } },
  },

  // Nodes and node instances
  listNodes: {
    method: 'GET',
    url: '/nodes',
    summary: 'Nodes of deployments',
    tag: 'nodes',
    access: viewer,
    schema: {
      querystring: listQuery({ deployment_id: Type.String(), id: Type.String() }),
      response: { 200: ListOf(Node) },
    },
  },
  listNodeInstances: {
    method: 'GET',
    url: '/node-instances',
    summary: 'Node instances of deployments',
    tag: 'node-instances',
    access: viewer,
    schema: {
      querystring: listQuery({
        deployment_id: Type.String(),
        node_id: Type.String(),
        id: Type.String(),
        state: Type.String(),
      }),
      response: { 200: ListOf(NodeInstance) },
    },
  },
  getNodeInstance: {
    method: 'GET',
    url: '/node-instances/:id',
    summary: 'A node instance',
    tag: 'node-instances',
    access: viewer,
    schema: { params: id, response: { 200: NodeInstance } },
  },
  updateNodeInstance: {
    method: 'PATCH',
    url: '/node-instances/:id',
    summary:
      'Changes a node instance’s runtime properties or state; version must be the stored one (409 otherwise)',
    tag: 'node-instances',
    access: operations,
    schema: {
      params: id,
      body: Type.Object({
        version: Type.Integer({ minimum: 0 }),
        runtime_properties: Type.Optional(JsonObject),
        state: Type.Optional(Type.String()),
        force: Type.Optional(Type.Boolean()),
      }),
      response: { 200: NodeInstance },
    },
  },

  // Executions
  listExecutions: {
    method: 'GET',
    url: '/executions',
    summary: 'Executions',
    tag: 'executions',
    access: viewer,
    schema: {
      querystring: listQuery({
        id: Type.String(),
        deployment_id: Type.String(),
        workflow_id: Type.String(),
        status: Type.Union([Type.String(), Type.Array(Type.String())], {
          description: 'One status, or several (repeat the parameter)',
        }),
        include_system_workflows: Type.Boolean(),
      }),
      response: { 200: ListOf(Execution) },
    },
  },
  getExecution: {
    method: 'GET',
    url: '/executions/:id',
    summary: 'An execution',
    tag: 'executions',
    access: viewer,
    schema: { params: id, response: { 200: Execution } },
  },
  startExecution: {
    method: 'POST',
    url: '/executions',
    summary: 'Queues a workflow of a deployment',
    tag: 'executions',
    access: operations,
    schema: {
      body: Type.Object({
        deployment_id: ResourceId,
        workflow_id: Type.String({ minLength: 1 }),
        parameters: Type.Optional(Type.Union([JsonObject, Type.Null()])),
        allow_custom_parameters: Type.Optional(Flag),
        force: Type.Optional(Flag),
        dry_run: Type.Optional(Flag),
        queue: Type.Optional(Flag),
        wait_after_fail: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        scheduled_time: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      }),
      response: { 201: Execution },
    },
  },
  executionAction: {
    method: 'POST',
    url: '/executions/:id',
    summary: 'Cancels or resumes an execution',
    tag: 'executions',
    access: operations,
    schema: {
      params: id,
      body: Type.Object({
        action: Type.Union([
          Type.Literal('cancel'),
          Type.Literal('force-cancel'),
          Type.Literal('kill'),
          Type.Literal('resume'),
          Type.Literal('force-resume'),
          Type.Literal('requeue'),
        ]),
      }),
      response: { 200: Execution },
    },
  },
  streamExecutionEvents: {
    method: 'GET',
    url: '/executions/:id/events/stream',
    summary:
      'Cairn: the execution’s events and logs as server-sent events, from the start (or after Last-Event-ID), until it ends',
    tag: 'events',
    access: viewer,
    download: true,
    schema: {
      params: id,
      querystring: Type.Object({ include_logs: Type.Optional(Type.Boolean()) }),
      response: { 200: Type.String() },
    },
  },

  // Events
  listEvents: {
    method: 'GET',
    url: '/events',
    summary: 'Events, and logs with include_logs',
    tag: 'events',
    access: viewer,
    schema: {
      querystring: listQuery({
        execution_id: Type.String(),
        deployment_id: Type.String(),
        include_logs: Type.Boolean(),
        type: Type.Array(Type.String(), {
          description: 'cloudify_event, cloudify_log (repeatable)',
        }),
        event_type: Type.String(),
        level: Type.String(),
        _after: Type.Integer({ description: 'Cairn: only events after this seq' }),
      }),
      response: { 200: ListOf(Event) },
    },
  },

  // Plugins
  listPlugins: {
    method: 'GET',
    url: '/plugins',
    summary: 'Uploaded plugins',
    tag: 'plugins',
    access: viewer,
    schema: {
      querystring: listQuery({
        id: Type.String(),
        package_name: Type.String(),
        package_version: Type.String(),
        visibility: Visibility,
      }),
      response: { 200: ListOf(Plugin) },
    },
  },
  getPlugin: {
    method: 'GET',
    url: '/plugins/:id',
    summary: 'An uploaded plugin',
    tag: 'plugins',
    access: viewer,
    schema: { params: id, response: { 200: Plugin } },
  },
  uploadPlugin: {
    method: 'POST',
    url: '/plugins',
    summary: 'Uploads a plugin bundle (.cairn.tgz); it is verified and installed',
    tag: 'plugins',
    access: tenantUser,
    upload: true,
    schema: {
      querystring: Type.Object({
        ...UploadQuery.properties,
        title: Type.Optional(Type.String()),
        archive_name: Type.Optional(Type.String()),
      }),
      response: { 201: Plugin },
    },
  },
  deletePlugin: {
    method: 'DELETE',
    url: '/plugins/:id',
    summary: 'Deletes a plugin no deployment is pinned to (force: even so)',
    tag: 'plugins',
    access: tenantUser,
    schema: {
      params: id,
      body: Type.Union([Type.Object({ force: Type.Optional(Type.Boolean()) }), Type.Null()]),
      response: { 204: NoContent },
    },
  },
  downloadPlugin: {
    method: 'GET',
    url: '/plugins/:id/archive',
    summary: 'The plugin’s bundle',
    tag: 'plugins',
    access: viewer,
    download: true,
    schema: { params: id, response: { 200: Bytes } },
  },
  pluginYaml: {
    method: 'GET',
    url: '/plugins/:id/yaml',
    summary: 'The plugin YAML that fits dsl_version (e.g. 1_4)',
    tag: 'plugins',
    access: viewer,
    download: true,
    schema: {
      params: id,
      querystring: Type.Object({ dsl_version: Type.Optional(Type.String()) }),
      response: { 200: Type.String() },
    },
  },
  setPluginVisibility: {
    method: 'PATCH',
    url: '/plugins/:id/set-visibility',
    summary: 'Widens a plugin’s visibility',
    tag: 'plugins',
    access: tenantUser,
    schema: { params: id, body: VisibilityChange, response: { 200: Plugin } },
  },
} as const satisfies Record<string, RouteSpec>;

/** The name of a route. */
export type RouteName = keyof typeof ROUTES;

/** The error answers every route may give, for the OpenAPI document. */
export const ERROR_RESPONSES = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  405: ErrorBody,
  413: ErrorBody,
} as const;
