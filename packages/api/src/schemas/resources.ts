/**
 * The resources of the REST API, with Cloudify's field names (spec §9.2, §10): what a `GET`
 * returns. Fields a client may not see (password hashes, secret values in lists) are not in
 * these schemas, and the server serialises through them, so they cannot leak by accident.
 */
import { Type, type Static } from 'typebox';
import { Json, JsonObject, Owned } from './common.js';

const Timestamp = Type.String({ description: 'ISO-8601 UTC' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** Cloudify's tenant roles. */
export const TenantRole = Type.Union([
  Type.Literal('manager'),
  Type.Literal('user'),
  Type.Literal('operations'),
  Type.Literal('viewer'),
]);
/** Cloudify's tenant roles. */
export type TenantRole = Static<typeof TenantRole>;

/** A role on the whole manager. */
export const SystemRole = Type.Union([Type.Literal('sys_admin'), Type.Literal('default')]);
/** A role on the whole manager. */
export type SystemRole = Static<typeof SystemRole>;

/** `GET /version`. */
export const Version = Type.Object({
  version: Type.String(),
  edition: Type.String(),
  distribution: Type.String(),
  api_version: Type.String(),
  build: Type.Union([Type.String(), Type.Null()]),
  date: Type.Union([Type.String(), Type.Null()]),
  commit: Type.Union([Type.String(), Type.Null()]),
});
/** `GET /version`. */
export type Version = Static<typeof Version>;

/** An API token. `value` is whole only when it is created; afterwards it is masked. */
export const Token = Type.Object({
  id: Type.String(),
  /** Cloudify's server names the id so too. */
  token_id: Type.String(),
  username: Type.String(),
  value: Type.String(),
  role: SystemRole,
  expiration_date: Timestamp,
  last_used: NullableTimestamp,
  description: Type.String(),
});
/** An API token. */
export type Token = Static<typeof Token>;

/**
 * `GET /tokens`: the caller's tokens; with basic auth, also a new token's fields at the top
 * level, as Cloudify clients before 6.x read them.
 */
export const TokenList = Type.Object({
  items: Type.Array(Token),
  metadata: Type.Object({
    pagination: Type.Object({
      total: Type.Integer(),
      size: Type.Integer(),
      offset: Type.Integer(),
    }),
  }),
  id: Type.Optional(Type.String()),
  value: Type.Optional(Type.String()),
  role: Type.Optional(SystemRole),
  username: Type.Optional(Type.String()),
  expiration_date: Type.Optional(Timestamp),
});
/** `GET /tokens`. */
export type TokenList = Static<typeof TokenList>;

/** A tenant. */
export const Tenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  users: Type.Integer({ description: 'How many users are members' }),
  user_roles: Type.Optional(
    Type.Object({
      direct: Type.Record(Type.String(), TenantRole),
    }),
  ),
  created_at: Timestamp,
});
/** A tenant. */
export type Tenant = Static<typeof Tenant>;

/** A user, never with a password or its hash. */
export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: SystemRole,
  active: Type.Boolean(),
  /** The tenants the user belongs to, with the role in each. */
  tenants: Type.Record(Type.String(), Type.Object({ 'tenant-role': TenantRole })),
  tenant_roles: Type.Object({ direct: Type.Record(Type.String(), TenantRole) }),
  created_at: Timestamp,
  last_login_at: NullableTimestamp,
});
/** A user. */
export type User = Static<typeof User>;

/** A secret. `value` is present only in `GET /secrets/{key}` to callers allowed to see it. */
export const Secret = Type.Object({
  key: Type.String(),
  value: Type.Optional(Type.String()),
  is_hidden_value: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  ...Owned,
});
/** A secret. */
export type Secret = Static<typeof Secret>;

/** A blueprint. */
export const Blueprint = Type.Object({
  id: Type.String(),
  main_file_name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  plan: JsonObject,
  state: Type.String({ description: 'uploaded (Cairn parses during the upload request)' }),
  error: Type.Union([Type.String(), Type.Null()]),
  labels: Type.Array(JsonObject),
  created_at: Timestamp,
  updated_at: Timestamp,
  ...Owned,
});
/** A blueprint. */
export type Blueprint = Static<typeof Blueprint>;

/** A workflow a deployment offers. */
export const DeploymentWorkflow = Type.Object({
  name: Type.String(),
  plugin: Type.String(),
  operation: Type.String(),
  parameters: JsonObject,
  is_cascading: Type.Boolean(),
});

/** A deployment. */
export const Deployment = Type.Object({
  id: Type.String(),
  display_name: Type.String(),
  blueprint_id: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  inputs: JsonObject,
  outputs: JsonObject,
  capabilities: JsonObject,
  workflows: Type.Array(DeploymentWorkflow),
  groups: JsonObject,
  scaling_groups: JsonObject,
  policy_types: JsonObject,
  policy_triggers: JsonObject,
  labels: Type.Array(JsonObject),
  installation_status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  latest_execution_status: Type.Union([Type.String(), Type.Null()]),
  deployment_status: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
  ...Owned,
});
/** A deployment. */
export type Deployment = Static<typeof Deployment>;

/** `GET /deployments/{id}/outputs` and `/capabilities`. */
export const DeploymentOutputs = Type.Object({
  deployment_id: Type.String(),
  outputs: Type.Optional(JsonObject),
  capabilities: Type.Optional(JsonObject),
});

/** A node of a deployment. */
export const Node = Type.Object({
  id: Type.String(),
  deployment_id: Type.String(),
  blueprint_id: Type.String(),
  type: Type.String(),
  type_hierarchy: Type.Array(Type.String()),
  properties: JsonObject,
  operations: JsonObject,
  relationships: Type.Array(JsonObject),
  plugins: Type.Array(JsonObject),
  host_id: Type.Union([Type.String(), Type.Null()]),
  number_of_instances: Type.Integer(),
  planned_number_of_instances: Type.Integer(),
  deploy_number_of_instances: Type.Integer(),
  ...Owned,
});
/** A node. */
export type Node = Static<typeof Node>;

/** A node instance. */
export const NodeInstance = Type.Object({
  id: Type.String(),
  node_id: Type.String(),
  deployment_id: Type.String(),
  host_id: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  runtime_properties: JsonObject,
  system_properties: JsonObject,
  relationships: Type.Array(JsonObject),
  scaling_groups: Type.Array(JsonObject),
  index: Type.Integer(),
  version: Type.Integer(),
  ...Owned,
});
/** A node instance. */
export type NodeInstance = Static<typeof NodeInstance>;

/** Execution statuses (spec §10.2). */
export const ExecutionStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('queued'),
  Type.Literal('started'),
  Type.Literal('cancelling'),
  Type.Literal('force_cancelling'),
  Type.Literal('kill_cancelling'),
  Type.Literal('cancelled'),
  Type.Literal('terminated'),
  Type.Literal('failed'),
  Type.Literal('scheduled'),
]);
/** An execution status. */
export type ExecutionStatus = Static<typeof ExecutionStatus>;

/** An execution of a workflow. */
export const Execution = Type.Object({
  id: Type.String(),
  deployment_id: Type.String(),
  blueprint_id: Type.String(),
  workflow_id: Type.String(),
  status: ExecutionStatus,
  status_display: Type.String(),
  parameters: JsonObject,
  is_dry_run: Type.Boolean(),
  is_system_workflow: Type.Boolean(),
  error: Type.String(),
  created_at: Timestamp,
  started_at: NullableTimestamp,
  ended_at: NullableTimestamp,
  ...Owned,
});
/** An execution. */
export type Execution = Static<typeof Execution>;

/** An event or a log, flattened as Cloudify's `GET /events` returns them (spec §10.4). */
export const Event = Type.Object({
  timestamp: Timestamp,
  reported_timestamp: Timestamp,
  type: Type.Union([Type.Literal('cloudify_event'), Type.Literal('cloudify_log')]),
  event_type: Type.Union([Type.String(), Type.Null()]),
  level: Type.Union([Type.String(), Type.Null()]),
  logger: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
  message_code: Type.Null(),
  blueprint_id: Type.Union([Type.String(), Type.Null()]),
  deployment_id: Type.String(),
  deployment_display_name: Type.String(),
  execution_id: Type.String(),
  workflow_id: Type.Union([Type.String(), Type.Null()]),
  operation: Type.Union([Type.String(), Type.Null()]),
  node_name: Type.Union([Type.String(), Type.Null()]),
  node_instance_id: Type.Union([Type.String(), Type.Null()]),
  source_id: Type.Union([Type.String(), Type.Null()]),
  target_id: Type.Union([Type.String(), Type.Null()]),
  error_causes: Json,
  tenant_name: Type.String(),
  /** Cairn: the event's place in the store's order (for tailing with `_after`). */
  seq: Type.Integer(),
});
/** An event or a log. */
export type Event = Static<typeof Event>;

/** An uploaded plugin (spec §9.2). */
export const Plugin = Type.Object({
  id: Type.String(),
  package_name: Type.String(),
  package_version: Type.String(),
  archive_name: Type.String(),
  package_source: Type.Union([Type.String(), Type.Null()]),
  supported_platform: Type.String(),
  distribution: Type.Union([Type.String(), Type.Null()]),
  distribution_version: Type.Union([Type.String(), Type.Null()]),
  distribution_release: Type.Union([Type.String(), Type.Null()]),
  wheels: Type.Array(Type.String()),
  excluded_wheels: Type.Array(Type.String()),
  supported_py_versions: Type.Array(Type.String()),
  uploaded_at: Timestamp,
  title: Type.Union([Type.String(), Type.Null()]),
  yaml_url_path: Type.String(),
  yaml_files_paths: Type.Array(Type.String()),
  blueprint_labels: JsonObject,
  labels: JsonObject,
  resource_tags: JsonObject,
  installation_state: Type.Array(JsonObject),
  /** Cairn: the bundle's sha256 and its manifest's plugin name. */
  bundle_id: Type.String(),
  plugin_name: Type.String(),
  ...Owned,
});
/** An uploaded plugin. */
export type Plugin = Static<typeof Plugin>;
