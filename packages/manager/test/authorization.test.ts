/**
 * Authorization over HTTP, route by route: every route of the table × every kind of caller ×
 * the targets that matter (the tenant's own resource, another tenant's, another user's private
 * one, a global one, a missing one), each answer against the status the access policy gives.
 *
 * The expectations are written here from the policy (roles viewer < operations < user <
 * manager, sys_admin above all; tenants; private / tenant / global visibility), not taken from
 * the manager's own access rules or the route table's `access` field, so that this checks the
 * code rather than the code against itself. The route table is used only for each route's
 * method and path, and to make sure no route is left out.
 *
 * Besides statuses: every list answer is scanned for the fixed resources the caller must not
 * see (and for those it must), every answer for secret values and API tokens the caller must
 * not get, and a refusal for an invisible resource must read exactly as one for a missing id.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PREFIX, ROUTES, type RouteName } from '@cairn/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  blueprintArchive,
  blueprintForm,
  filePluginBundle,
  startTestManager,
  type TestManager,
} from './harness.js';

// ---------------------------------------------------------------------------------------------
// The policy
// ---------------------------------------------------------------------------------------------

type Role = 'viewer' | 'operations' | 'user' | 'manager';
type Visibility = 'private' | 'tenant' | 'global';
/** Who may call a route, as the policy says it. */
type Need = 'public' | 'signedIn' | 'admin' | Role;

const CALLERS = [
  'anonymous',
  'forged',
  'admin',
  'manager',
  'user',
  'peer',
  'operations',
  'viewer',
  'outsider',
] as const;
/**
 * A kind of caller: no credentials, a made-up token, the sys_admin, one member of tenant A per
 * role (and `peer`, a second `user` of A, for "another user's private resource"), and
 * `outsider`, a `user` of tenant B only.
 */
type Caller = (typeof CALLERS)[number];
type Member = Exclude<Caller, 'anonymous' | 'forged'>;

const A = 'acme';
const B = 'bravo';
/** A third tenant, holding a global plugin (a tenant has one record per plugin version). */
const G = 'gamma';
const NOWHERE = 'nowhere';

const NAME: Record<Member, string> = {
  admin: 'admin',
  manager: 'mia',
  user: 'ulla',
  peer: 'pete',
  operations: 'olga',
  viewer: 'vic',
  outsider: 'bert',
};
const PASSWORD = (member: Member): string =>
  member === 'admin' ? ADMIN_PASSWORD : `${NAME[member]}-password-1`;

/** Each tenant's members and their roles. */
const ROLES: Readonly<Record<string, Partial<Record<Caller, Role>>>> = {
  [A]: {
    manager: 'manager',
    user: 'user',
    peer: 'user',
    operations: 'operations',
    viewer: 'viewer',
  },
  [B]: { outsider: 'user' },
};
const RANK: Record<Role, number> = { viewer: 0, operations: 1, user: 2, manager: 3 };

function roleIn(caller: Caller, tenant: string): Role | undefined {
  return ROLES[tenant]?.[caller];
}

/**
 * The refusal a caller meets before any resource is looked at (401 without valid credentials,
 * 403 without the role in the Tenant header's tenant), or undefined when it may go on.
 */
function gate(need: Need, caller: Caller, tenant: string): number | undefined {
  if (need === 'public') return undefined;
  if (caller === 'anonymous' || caller === 'forged') return 401;
  if (need === 'signedIn' || caller === 'admin') return undefined;
  if (need === 'admin') return 403;
  const role = roleIn(caller, tenant);
  return role !== undefined && RANK[role] >= RANK[need] ? undefined : 403;
}

/** What visibility rules need to know of a resource. */
interface Owned {
  readonly tenant: string;
  readonly visibility: Visibility;
  readonly creator: Member;
}

/**
 * Whether the caller, working in `tenant`, may see the resource: a global one from anywhere,
 * another tenant's never, a private one only as its creator, the tenant's manager or sys_admin.
 */
function sees(caller: Caller, tenant: string, resource: Owned): boolean {
  if (resource.visibility === 'global') return true;
  if (resource.tenant !== tenant) return false;
  if (resource.visibility === 'tenant') return true;
  return caller === resource.creator || caller === 'admin' || roleIn(caller, tenant) === 'manager';
}

/**
 * Whether a list over every tenant (`_all_tenants`) may show the resource to the caller: the
 * sys_admin sees all; anyone else what they see in some tenant they belong to.
 */
function seesInSomeTenant(caller: Caller, resource: Owned): boolean {
  if (caller === 'admin') return true;
  return [A, B, G].some(
    (tenant) => roleIn(caller, tenant) !== undefined && sees(caller, tenant, resource),
  );
}

/** A read: the gate, then 404 for what the caller cannot see (as for a missing one). */
function readStatus(need: Need, ok: number, caller: Caller, tenant: string, target?: Owned) {
  return (
    gate(need, caller, tenant) ?? (target !== undefined && sees(caller, tenant, target) ? ok : 404)
  );
}

/** A change: as a read, then 403 for another tenant's global resource (but for sys_admin). */
function changeStatus(need: Need, ok: number, caller: Caller, tenant: string, target?: Owned) {
  const refused = gate(need, caller, tenant);
  if (refused !== undefined) return refused;
  if (target === undefined || !sees(caller, tenant, target)) return 404;
  if (target.tenant !== tenant && caller !== 'admin') return 403;
  return ok;
}

/** Whether the caller may read a hidden secret value (its creator, managers, sys_admin). */
function readsHidden(caller: Caller, tenant: string, creator: Member): boolean {
  return caller === creator || caller === 'admin' || roleIn(caller, tenant) === 'manager';
}

// The fixed resources, and who owns them.
const OWN: Owned = { tenant: A, visibility: 'tenant', creator: 'user' };
const PRIVATE: Owned = { tenant: A, visibility: 'private', creator: 'user' };
const HIDDEN: Owned = { tenant: A, visibility: 'tenant', creator: 'admin' };
const GLOBAL_A: Owned = { tenant: A, visibility: 'global', creator: 'admin' };
const TENANT_B: Owned = { tenant: B, visibility: 'tenant', creator: 'outsider' };
const GLOBAL_B: Owned = { tenant: B, visibility: 'global', creator: 'admin' };
const GLOBAL_G: Owned = { tenant: G, visibility: 'global', creator: 'admin' };

// ---------------------------------------------------------------------------------------------
// Talking to the manager
// ---------------------------------------------------------------------------------------------

/** One request's parts. */
interface Input {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
  /** An upload body: bytes, or a form made afresh for each request. */
  readonly upload?: Buffer | (() => FormData);
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function itemsOf(value: unknown): Json[] {
  const items = asObject(value).items;
  return Array.isArray(items) ? items.map(asObject) : [];
}

function text(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

let t: TestManager;
let work: string;
let bundle: Buffer;
let archive: Buffer;
const tokens = new Map<Member, string>();
/** Every secret value and API token made here: none may show where the caller may not see it. */
const sensitive = new Map<string, string>();
let counter = 0;
const fresh = (prefix: string): string => `${prefix}_${(counter += 1)}`;

async function send(
  caller: Caller,
  tenant: string,
  route: RouteName,
  input: Input,
): Promise<Answer> {
  const spec = ROUTES[route];
  const path = spec.url.replace(/:([A-Za-z_]+)/g, (_, name: string) =>
    encodeURIComponent(input.params?.[name] ?? `missing-param-${name}`),
  );
  const search = new URLSearchParams(
    Object.entries(input.query ?? {}).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
  const headers: Record<string, string> = { Tenant: tenant };
  if (caller === 'forged') headers['Authentication-Token'] = 'ctok-0123456789-forgedforgedforged';
  else if (caller !== 'anonymous') {
    const token = tokens.get(caller);
    if (token === undefined) throw new Error(`no token for ${caller}`);
    headers['Authentication-Token'] = token;
  }
  let body: FormData | Uint8Array | string | undefined;
  if (input.upload !== undefined) {
    if (typeof input.upload === 'function') body = input.upload();
    else {
      headers['Content-Type'] = 'application/octet-stream';
      body = new Uint8Array(input.upload);
    }
  } else if (input.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(input.body);
  }
  const url = `${t.url}${API_PREFIX}${path}${search === '' ? '' : `?${search}`}`;
  const response = await fetch(url, { method: spec.method, headers, body: body ?? null });
  const answer = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(answer) as unknown;
  } catch {
    json = undefined;
  }
  return { status: response.status, text: answer, json };
}

/** A setup call that must succeed; its JSON answer. */
async function must(member: Member, tenant: string, route: RouteName, input: Input): Promise<Json> {
  const answer = await send(member, tenant, route, input);
  if (answer.status >= 400) {
    throw new Error(`setup ${route} as ${member} in ${tenant}: ${answer.status} ${answer.text}`);
  }
  return asObject(answer.json);
}

const ALL = { _get_all_results: true } as const;

// Throwaway targets, made afresh for each request that may change or delete them.

const BLUEPRINT = `tosca_definitions_version: cloudify_dsl_1_5
imports: [cloudify/types/types.yaml]
node_templates:
  a: { type: cloudify.nodes.Root }
outputs:
  where: { value: here }
capabilities:
  what: { value: this }
`;

function blueprintUpload(visibility: Visibility): () => FormData {
  return () =>
    blueprintForm(archive, visibility === 'private' ? { private_resource: true } : { visibility });
}

async function newBlueprint(creator: Member, tenant: string, visibility: Visibility) {
  const id = fresh('tmp_bp');
  await must(creator, tenant, 'uploadBlueprint', {
    params: { id },
    upload: blueprintUpload(visibility),
  });
  return id;
}

async function newDeployment(
  creator: Member,
  tenant: string,
  visibility: Visibility,
  blueprint = tenant === A ? 'bp_tenant_a' : 'bp_tenant_b',
) {
  const id = fresh('tmp_dep');
  await must(creator, tenant, 'createDeployment', {
    params: { id },
    body: { blueprint_id: blueprint, visibility },
  });
  return id;
}

async function newSecret(
  creator: Member,
  tenant: string,
  visibility: Visibility,
  hidden = false,
): Promise<string> {
  const key = fresh('tmp_sec');
  await must(creator, tenant, 'createSecret', {
    params: { key },
    body: { value: newValue(key), visibility, is_hidden_value: hidden },
  });
  return key;
}

async function newToken(member: Member): Promise<string> {
  const token = await must(member, A, 'createToken', { body: { description: 'throwaway' } });
  sensitive.set(`token ${text(token.id)}`, text(token.value));
  return text(token.id);
}

async function newTenant(withSpare: boolean): Promise<string> {
  const name = fresh('tmp_tenant');
  await must('admin', A, 'createTenant', { params: { name } });
  if (withSpare) {
    await must('admin', A, 'addTenantUser', {
      body: { tenant_name: name, username: 'spare', role: 'viewer' },
    });
  }
  return name;
}

/** The plugin records uploaded to a tenant itself (not others' global ones). */
async function pluginsOf(tenant: string): Promise<Json[]> {
  const list = await must('admin', tenant, 'listPlugins', { query: ALL });
  return itemsOf(list).filter((p) => p.tenant_name === tenant);
}

/** The plugin each tenant holds now, as {@link ensurePlugin} left it. */
const pluginNow = new Map<string, { id: string; owned: Owned }>();

/**
 * Makes the tenant hold exactly one record of the file plugin, with that visibility and
 * creator (or none): uploads it again after a case deleted it.
 */
async function ensurePlugin(
  tenant: string,
  visibility: Visibility | 'none',
  creator: Member = 'user',
): Promise<string> {
  const present = await pluginsOf(tenant);
  const [only] = present;
  if (
    visibility !== 'none' &&
    present.length === 1 &&
    only?.visibility === visibility &&
    only.created_by === NAME[creator]
  ) {
    pluginNow.set(tenant, { id: text(only.id), owned: { tenant, visibility, creator } });
    return text(only.id);
  }
  for (const record of present) {
    await must('admin', tenant, 'deletePlugin', { params: { id: text(record.id) }, body: {} });
  }
  pluginNow.delete(tenant);
  if (visibility === 'none') return '';
  const uploaded = await must(creator, tenant, 'uploadPlugin', {
    query: visibility === 'private' ? { private_resource: true } : { visibility },
    upload: bundle,
  });
  pluginNow.set(tenant, { id: text(uploaded.id), owned: { tenant, visibility, creator } });
  return text(uploaded.id);
}

async function waitForExecution(member: Member, tenant: string, id: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    const execution = await must(member, tenant, 'getExecution', { params: { id } });
    if (execution.status === 'terminated') return;
    if (execution.status === 'failed' || execution.status === 'cancelled') {
      throw new Error(`execution ${id} ended ${text(execution.status)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`execution ${id} did not end`);
}

/** Installs a deployment; its execution and its node instance. */
async function install(member: Member, tenant: string, deployment: string) {
  const execution = await must(member, tenant, 'startExecution', {
    body: { deployment_id: deployment, workflow_id: 'install' },
  });
  await waitForExecution(member, tenant, text(execution.id));
  const [instance] = itemsOf(
    await must(member, tenant, 'listNodeInstances', { query: { deployment_id: deployment } }),
  );
  return { execution: text(execution.id), instance: text(instance?.id) };
}

/** The fixed deployments' executions and node instances. */
const installed = {
  tenantA: { execution: '', instance: '' },
  privateA: { execution: '', instance: '' },
  tenantB: { execution: '', instance: '' },
};

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

/** What one request targets: its id (for comparing refusals) and the request. */
interface Made {
  readonly id?: string;
  readonly input: Input;
}

/** The answer must be the one a missing id gets (same status, same words but for the id). */
interface LikeMissing {
  readonly missingId: string;
  readonly missing: Input;
}

/** One target of a route: one request per caller. */
interface Case {
  readonly target: string;
  /** The Tenant header (default tenant A). */
  readonly tenant?: string;
  /** The status the policy gives the caller; undefined: not asked here. */
  expected(caller: Caller): number | LikeMissing | undefined;
  /** Builds the request, making a throwaway target when the route changes or deletes it. */
  make(caller: Caller): Promise<Made> | Made;
  /** Problems with a success answer. */
  check?(caller: Caller, json: unknown): readonly string[];
  /** The secret value a success answer may carry. */
  reveals?(caller: Caller): string | undefined;
  /** For a list: the fixed resources it could show (by the id its items carry). */
  universe?(): readonly { readonly id: string; readonly owned: Owned }[];
  /** The list is filtered: what the caller may see need not all be there. */
  readonly partial?: boolean;
  /** Whether the list may show the caller a resource (default: as seen from the case's tenant). */
  seen?(caller: Caller, resource: Owned): boolean;
}

type Make = (caller: Caller) => Promise<Made> | Made;
type Target = 'own' | 'private' | 'hidden' | 'crossTenant' | 'globalOfA' | 'globalOfB' | 'missing';

/** Where each target is asked from and whose it is. */
const TARGETS: Record<Target, { readonly tenant: string; readonly owned: Owned | undefined }> = {
  /** Tenant A's own resource (tenant visibility), from A. */
  own: { tenant: A, owned: OWN },
  /** A private resource of `user` in A, from A. */
  private: { tenant: A, owned: PRIVATE },
  /** A secret of A with a hidden value, made by the sys_admin. */
  hidden: { tenant: A, owned: HIDDEN },
  /** Tenant A's resource, asked from tenant B. */
  crossTenant: { tenant: B, owned: OWN },
  /** A global resource of A, from B. */
  globalOfA: { tenant: B, owned: GLOBAL_A },
  /** A global resource of another tenant (B, or G for plugins), from A. */
  globalOfB: { tenant: A, owned: GLOBAL_B },
  /** An id nothing has. */
  missing: { tenant: A, owned: undefined },
};

/** Every tenant route is also asked with an unknown tenant (the sys_admin apart: see below). */
function unknownTenant(need: Need, make: Make): Case {
  return {
    target: 'unknownTenant',
    tenant: NOWHERE,
    expected: (caller) => (caller === 'admin' ? undefined : gate(need, caller, NOWHERE)),
    make,
  };
}

interface Extra {
  readonly check?: Case['check'];
  readonly reveals?: (target: Target) => Case['reveals'];
  /** A target's owner when it is not the usual one (e.g. another tenant's global plugin). */
  readonly owners?: Partial<Record<Target, Owned>>;
}

/** The cases of a route that reads one resource. */
function reads(
  need: Role,
  ok: number,
  makers: Partial<Record<Target, Make>>,
  extra: Extra = {},
): Case[] {
  const cases = (Object.entries(makers) as [Target, Make][]).map(([target, make]): Case => {
    const { tenant } = TARGETS[target];
    const owned = extra.owners?.[target] ?? TARGETS[target].owned;
    return {
      target,
      tenant,
      expected: (caller) => readStatus(need, ok, caller, tenant, owned),
      make,
      ...(extra.check === undefined ? {} : { check: extra.check }),
      ...(extra.reveals === undefined ? {} : { reveals: extra.reveals(target) }),
    };
  });
  return [...cases, unknownTenant(need, makers.missing ?? makers.own ?? (() => ({ input: {} })))];
}

/**
 * A caller the gate refuses is not worth a throwaway target: it gets the missing id instead. A
 * gate that let it through would still show, as a 404 where a 401 or 403 is expected.
 */
function gated(need: Role, tenant: string, make: Make, standIn: Make | undefined): Make {
  return (caller) =>
    standIn !== undefined && gate(need, caller, tenant) !== undefined
      ? standIn(caller)
      : make(caller);
}

/** The cases of a route that changes or deletes one resource. */
function changes(
  need: Role,
  ok: number,
  makers: Partial<Record<Target, Make>>,
  extra: Extra & {
    /** Extra cases with their own expectations. */
    readonly more?: readonly Case[];
  } = {},
): Case[] {
  const cases = (Object.entries(makers) as [Target, Make][]).map(([target, make]): Case => {
    const { tenant } = TARGETS[target];
    const owned = extra.owners?.[target] ?? TARGETS[target].owned;
    return {
      target,
      tenant,
      expected: (caller) => changeStatus(need, ok, caller, tenant, owned),
      make: gated(need, tenant, make, makers.missing),
      ...(extra.check === undefined ? {} : { check: extra.check }),
    };
  });
  return [
    ...cases,
    ...(extra.more ?? []),
    unknownTenant(need, makers.missing ?? makers.own ?? (() => ({ input: {} }))),
  ];
}

/** One case with an explicit expectation. */
function one(
  target: string,
  expected: (caller: Caller) => number | LikeMissing | undefined,
  make: Make,
  more: Partial<Pick<Case, 'tenant' | 'check' | 'reveals' | 'universe' | 'partial' | 'seen'>> = {},
): Case {
  return { target, expected, make, ...more };
}

/** The cases of a signed-in route with no target. */
function signedIn(ok: number, make: Make, check?: Case['check']): Case[] {
  return [
    one('-', (caller) => gate('signedIn', caller, A) ?? ok, make, check ? { check } : {}),
    // The Tenant header does not matter to these.
    one('unknownTenant', (caller) => gate('signedIn', caller, NOWHERE) ?? ok, make, {
      tenant: NOWHERE,
    }),
  ];
}

/** The cases of an admin-only route. */
function adminOnly(ok: number, make: Make): Case[] {
  return [one('-', (caller) => gate('admin', caller, A) ?? ok, make)];
}

type Listed = { readonly id: string; readonly owned: Owned };

/**
 * The cases of a list route: from A, from B and over every tenant, each answer checked against
 * the universe.
 */
function lists(
  universe: () => readonly Listed[],
  prepare: () => Promise<void> = () => Promise.resolve(),
  filtered: readonly Case[] = [],
): Case[] {
  const make: Make = async () => {
    await prepare();
    return { input: { query: ALL } };
  };
  return [
    one('own', (caller) => gate('viewer', caller, A) ?? 200, make, { universe }),
    one('crossTenant', (caller) => gate('viewer', caller, B) ?? 200, make, {
      tenant: B,
      universe,
    }),
    // Every tenant at once: what the caller sees in each tenant they belong to, no more.
    one(
      'allTenants',
      (caller) => gate('viewer', caller, A) ?? 200,
      async () => {
        await prepare();
        return { input: { query: { ...ALL, _all_tenants: true } } };
      },
      { universe, seen: seesInSomeTenant },
    ),
    ...filtered,
    unknownTenant('viewer', make),
  ];
}

/**
 * A list filtered on an id the caller may not see: the answer must not carry it, and must be
 * the one a missing id gets.
 */
function filteredOn(
  target: string,
  tenant: string,
  owned: Owned,
  field: string,
  id: () => string,
  missingId: string,
  universe: () => readonly Listed[],
): Case {
  return one(
    target,
    (caller) =>
      gate('viewer', caller, tenant) ??
      (sees(caller, tenant, owned)
        ? 200
        : { missingId, missing: { query: { ...ALL, [field]: missingId } } }),
    () => ({ id: id(), input: { query: { ...ALL, [field]: id() } } }),
    { tenant, universe, partial: true },
  );
}

const deploymentsUniverse = (): Listed[] => [
  { id: 'dep_tenant_a', owned: OWN },
  { id: 'dep_private_a', owned: PRIVATE },
  { id: 'dep_tenant_b', owned: TENANT_B },
];
const executionsUniverse = (): Listed[] => [
  { id: installed.tenantA.execution, owned: OWN },
  { id: installed.privateA.execution, owned: PRIVATE },
  { id: installed.tenantB.execution, owned: TENANT_B },
];
const instancesUniverse = (): Listed[] => [
  { id: installed.tenantA.instance, owned: OWN },
  { id: installed.privateA.instance, owned: PRIVATE },
  { id: installed.tenantB.instance, owned: TENANT_B },
];

/** The filtered lists of a deployment's children: the private deployment's, and A's from B. */
function deploymentFilters(
  field: 'deployment_id' | 'execution_id',
  universe: () => readonly Listed[],
): Case[] {
  const of = (which: 'privateA' | 'tenantA', deployment: string) => () =>
    field === 'deployment_id' ? deployment : installed[which].execution;
  const missingId =
    field === 'deployment_id' ? 'no_such_dep' : '00000000-0000-4000-8000-000000000000';
  return [
    filteredOn(
      `privateFiltered(${field})`,
      A,
      PRIVATE,
      field,
      of('privateA', 'dep_private_a'),
      missingId,
      universe,
    ),
    filteredOn(
      `crossTenantFiltered(${field})`,
      B,
      OWN,
      field,
      of('tenantA', 'dep_tenant_a'),
      missingId,
      universe,
    ),
  ];
}

const body = (value: unknown): Json => asObject(value);

/** A user name to put in a request for a caller (anonymous callers borrow the viewer's). */
const nameOf = (caller: Caller): string =>
  caller === 'anonymous' || caller === 'forged' ? NAME.viewer : NAME[caller];
/** Another user than the caller. */
const otherThan = (caller: Caller): Member => (caller === 'viewer' ? 'manager' : 'viewer');

/** A new secret value, remembered so that no answer may carry it. */
function newValue(key: string): string {
  const value = `value-of-${key}-${Math.random().toString(36).slice(2, 10)}`;
  sensitive.set(key, value);
  return value;
}

/**
 * The table: for each route, the cases (targets) each caller is asked, with what the policy
 * gives. The least role of each route, from the policy: reads (lists, gets, outputs,
 * capabilities, downloads, events) viewer; deployments made and deleted, executions started,
 * cancelled and resumed, node instances changed, deployment visibility and a secret's value
 * operations; blueprints, plugins and secrets made, changed and deleted, and their visibility,
 * user; tenants and users admin; the service, one's tokens and one's own user any signed-in
 * user; GET /ok anyone. Typed over every route name, and checked against the route table below.
 */
const ROWS: Record<RouteName, readonly Case[]> = {
  // Service
  ok: [
    one(
      '-',
      () => 200,
      () => ({ input: {} }),
    ),
  ],
  version: signedIn(200, () => ({ input: {} })),
  status: signedIn(200, () => ({ input: {} })),

  // Tokens: one's own only (any, for sys_admin); another's answers as a missing one.
  listTokens: signedIn(
    200,
    () => ({ input: {} }),
    (caller, json) =>
      itemsOf(json)
        .filter((token) => token.username !== nameOf(caller))
        .map((token) => `lists ${text(token.username)}'s token ${text(token.id)}`),
  ),
  createToken: signedIn(200, () => ({ input: { body: { description: 'matrix' } } })),
  getToken: [
    one(
      'missing',
      (caller) => gate('signedIn', caller, A) ?? 404,
      () => ({ id: 'ffffffffff', input: { params: { id: 'ffffffffff' } } }),
    ),
    one(
      'own',
      (caller) => gate('signedIn', caller, A) ?? 200,
      async (caller) => {
        const id = await newToken(
          caller === 'anonymous' || caller === 'forged' ? 'viewer' : caller,
        );
        return { id, input: { params: { id } } };
      },
    ),
    one(
      'otherUser',
      (caller) => gate('signedIn', caller, A) ?? (caller === 'admin' ? 200 : 404),
      async (caller) => {
        const id = await newToken(otherThan(caller));
        return { id, input: { params: { id } } };
      },
    ),
  ],
  deleteToken: [
    one(
      'missing',
      (caller) => gate('signedIn', caller, A) ?? 404,
      () => ({ id: 'ffffffffff', input: { params: { id: 'ffffffffff' } } }),
    ),
    one(
      'own',
      (caller) => gate('signedIn', caller, A) ?? 204,
      async (caller) => {
        const id = await newToken(
          caller === 'anonymous' || caller === 'forged' ? 'viewer' : caller,
        );
        return { id, input: { params: { id } } };
      },
    ),
    one(
      'otherUser',
      (caller) => gate('signedIn', caller, A) ?? (caller === 'admin' ? 204 : 404),
      async (caller) => {
        const id = await newToken(otherThan(caller));
        return { id, input: { params: { id } } };
      },
    ),
  ],

  // Tenants: lists and reads show one's own tenants (all, to sys_admin); the rest is admin's.
  listTenants: signedIn(
    200,
    () => ({ input: { query: ALL } }),
    (caller, json) => {
      const names = itemsOf(json).map((tenant) => text(tenant.name));
      const wanted =
        caller === 'admin' ? [A, B, G] : Object.keys(ROLES).filter((n) => roleIn(caller, n));
      const problems = wanted
        .filter((name) => !names.includes(name))
        .map((name) => `does not list ${name}`);
      if (caller !== 'admin') {
        problems.push(
          ...names.filter((name) => !wanted.includes(name)).map((name) => `lists ${name}`),
        );
      }
      return problems;
    },
  ),
  getTenant: [NOWHERE, A, B].map((name) =>
    one(
      name === NOWHERE ? 'missing' : name,
      (caller) =>
        gate('signedIn', caller, A) ??
        (name !== NOWHERE && (caller === 'admin' || roleIn(caller, name) !== undefined)
          ? 200
          : 404),
      () => ({ id: name, input: { params: { name } } }),
    ),
  ),
  createTenant: adminOnly(201, () => ({ input: { params: { name: fresh('new_tenant') } } })),
  deleteTenant: adminOnly(204, async () => ({
    input: { params: { name: await newTenant(false) } },
  })),
  addTenantUser: adminOnly(200, async (caller) => ({
    input: {
      body: { tenant_name: await newTenant(false), username: nameOf(caller), role: 'manager' },
    },
  })),
  updateTenantUser: adminOnly(200, async () => ({
    input: { body: { tenant_name: await newTenant(true), username: 'spare', role: 'manager' } },
  })),
  removeTenantUser: adminOnly(200, async () => ({
    input: { body: { tenant_name: await newTenant(true), username: 'spare' } },
  })),

  // Users: sys_admin's, but for one's own user.
  listUsers: adminOnly(200, () => ({ input: { query: ALL } })),
  createUser: adminOnly(201, (caller) => ({
    input: {
      body: {
        username: fresh('new_user'),
        password: 'new-user-password-1',
        ...(caller === 'admin' ? {} : { role: 'sys_admin' }),
      },
    },
  })),
  getSelf: signedIn(
    200,
    () => ({ input: {} }),
    (caller, json) =>
      body(json).username === nameOf(caller) ? [] : [`answers ${text(body(json).username)}`],
  ),
  getUser: [
    one(
      'self',
      (caller) => gate('signedIn', caller, A) ?? 200,
      (caller) => ({ input: { params: { username: nameOf(caller) } } }),
    ),
    one(
      'otherUser',
      (caller) => gate('signedIn', caller, A) ?? (caller === 'admin' ? 200 : 403),
      (caller) => ({ input: { params: { username: NAME[otherThan(caller)] } } }),
    ),
    one(
      'missing',
      (caller) => gate('signedIn', caller, A) ?? (caller === 'admin' ? 404 : 403),
      () => ({ input: { params: { username: 'nobody_at_all' } } }),
    ),
  ],
  updateUser: [
    one(
      'self',
      (caller) => gate('signedIn', caller, A) ?? 200,
      (caller) => ({ input: { params: { username: nameOf(caller) }, body: {} } }),
    ),
    one(
      'otherUser',
      (caller) => gate('signedIn', caller, A) ?? (caller === 'admin' ? 200 : 403),
      (caller) => ({
        input: {
          params: { username: 'victim' },
          body: caller === 'admin' ? {} : { password: 'taken-over-password' },
        },
      }),
    ),
    // Raising one's own role is the sys_admin's alone.
    one(
      'selfRole',
      (caller) => gate('signedIn', caller, A) ?? (caller === 'admin' ? 200 : 403),
      (caller) => ({
        input: { params: { username: nameOf(caller) }, body: { role: 'sys_admin' } },
      }),
    ),
  ],
  setUserActive: adminOnly(200, (caller) => ({
    input: {
      params: { username: 'victim' },
      body: { action: caller === 'admin' ? 'activate' : 'deactivate' },
    },
  })),
  deleteUser: adminOnly(204, async (caller) => {
    if (caller !== 'admin') return { input: { params: { username: 'victim' } } };
    const username = fresh('doomed');
    await must('admin', A, 'createUser', {
      body: { username, password: 'doomed-password-1' },
    });
    return { input: { params: { username } } };
  }),

  // Secrets
  listSecrets: lists(() => [
    { id: 'sec_tenant_a', owned: OWN },
    { id: 'sec_private_a', owned: PRIVATE },
    { id: 'sec_hidden_a', owned: HIDDEN },
    { id: 'sec_global_a', owned: GLOBAL_A },
    { id: 'sec_tenant_b', owned: TENANT_B },
    { id: 'sec_global_b', owned: GLOBAL_B },
  ]),
  createSecret: [
    one(
      'own',
      (caller) => gate('user', caller, A) ?? 200,
      () => {
        const key = fresh('new_sec');
        return { input: { params: { key }, body: { value: newValue(key) } } };
      },
    ),
    one(
      'privateCreate',
      (caller) => gate('user', caller, A) ?? 200,
      () => {
        const key = fresh('new_sec');
        return {
          input: { params: { key }, body: { value: newValue(key), private_resource: true } },
        };
      },
    ),
    one(
      'globalCreate',
      (caller) => gate('user', caller, A) ?? (caller === 'admin' ? 200 : 403),
      () => {
        const key = fresh('new_sec');
        return { input: { params: { key }, body: { value: newValue(key), visibility: 'global' } } };
      },
    ),
    // update_if_exists changes an existing secret: the same rules as PATCH.
    one(
      'privateOverwrite',
      (caller) => changeStatus('user', 200, caller, A, PRIVATE),
      async () => {
        const key = await newSecret('user', A, 'private');
        return {
          id: key,
          input: {
            params: { key },
            body: { value: newValue(`${key} over`), update_if_exists: true },
          },
        };
      },
    ),
    one(
      'hiddenOverwrite',
      (caller) =>
        changeStatus('user', 200, caller, A, HIDDEN) === 200 && !readsHidden(caller, A, 'admin')
          ? 403
          : changeStatus('user', 200, caller, A, HIDDEN),
      async () => {
        const key = await newSecret('admin', A, 'tenant', true);
        return {
          id: key,
          input: {
            params: { key },
            body: { value: newValue(`${key} over`), update_if_exists: true },
          },
        };
      },
    ),
    unknownTenant('user', () => {
      const key = fresh('new_sec');
      return { input: { params: { key }, body: { value: newValue(key) } } };
    }),
  ],
  getSecret: reads(
    'operations',
    200,
    {
      missing: () => ({ id: 'no_such_sec', input: { params: { key: 'no_such_sec' } } }),
      own: () => ({ id: 'sec_tenant_a', input: { params: { key: 'sec_tenant_a' } } }),
      private: () => ({ id: 'sec_private_a', input: { params: { key: 'sec_private_a' } } }),
      hidden: () => ({ id: 'sec_hidden_a', input: { params: { key: 'sec_hidden_a' } } }),
      crossTenant: () => ({ id: 'sec_tenant_a', input: { params: { key: 'sec_tenant_a' } } }),
      globalOfA: () => ({ id: 'sec_global_a', input: { params: { key: 'sec_global_a' } } }),
      globalOfB: () => ({ id: 'sec_global_b', input: { params: { key: 'sec_global_b' } } }),
    },
    {
      reveals: (target) => {
        const key = {
          missing: 'no_such_sec',
          own: 'sec_tenant_a',
          private: 'sec_private_a',
          hidden: 'sec_hidden_a',
          crossTenant: 'sec_tenant_a',
          globalOfA: 'sec_global_a',
          globalOfB: 'sec_global_b',
        }[target];
        return (caller) =>
          target === 'hidden' && !readsHidden(caller, A, 'admin') ? undefined : sensitive.get(key);
      },
    },
  ),
  updateSecret: changes(
    'user',
    200,
    {
      missing: () => ({ id: 'no_such_sec', input: { params: { key: 'no_such_sec' }, body: {} } }),
      own: async () => secretChange(await newSecret('user', A, 'tenant')),
      private: async () => secretChange(await newSecret('user', A, 'private')),
      crossTenant: async () => secretChange(await newSecret('user', A, 'tenant')),
      globalOfA: async () => secretChange(await newSecret('admin', A, 'global')),
      globalOfB: async () => secretChange(await newSecret('admin', B, 'global')),
    },
    {
      more: [
        // A hidden value is changed only by its creator, the managers and sys_admin.
        one(
          'hidden',
          (caller) => {
            const status = changeStatus('user', 200, caller, A, HIDDEN);
            return status === 200 && !readsHidden(caller, A, 'admin') ? 403 : status;
          },
          gated(
            'user',
            A,
            async () => secretChange(await newSecret('admin', A, 'tenant', true)),
            () => secretChange('no_such_sec'),
          ),
        ),
        // PATCH changes visibility too, by the same rules as set-visibility.
        ...visibilityRules('user', 'key', {
          tenant: async () => newSecret('user', A, 'tenant'),
          private: async () => newSecret('user', A, 'private'),
          globalAllowed: true,
          missing: 'no_such_sec',
        }),
      ],
    },
  ),
  deleteSecret: changes('user', 204, {
    missing: () => ({ id: 'no_such_sec', input: { params: { key: 'no_such_sec' } } }),
    own: async () => keyed(await newSecret('user', A, 'tenant')),
    private: async () => keyed(await newSecret('user', A, 'private')),
    crossTenant: async () => keyed(await newSecret('user', A, 'tenant')),
    globalOfA: async () => keyed(await newSecret('admin', A, 'global')),
    globalOfB: async () => keyed(await newSecret('admin', B, 'global')),
  }),
  setSecretVisibility: changes(
    'user',
    200,
    {
      missing: () => visibilityOf('no_such_sec', 'tenant', 'key'),
      own: () => visibilityOf('sec_tenant_a', 'tenant', 'key'),
      private: () => visibilityOf('sec_private_a', 'private', 'key'),
      crossTenant: () => visibilityOf('sec_tenant_a', 'tenant', 'key'),
      globalOfA: () => visibilityOf('sec_global_a', 'global', 'key'),
      globalOfB: () => visibilityOf('sec_global_b', 'global', 'key'),
    },
    {
      more: visibilityRules('user', 'key', {
        tenant: async () => newSecret('user', A, 'tenant'),
        private: async () => newSecret('user', A, 'private'),
        globalAllowed: true,
        missing: 'no_such_sec',
      }),
    },
  ),

  // Blueprints
  listBlueprints: lists(() => [
    { id: 'bp_tenant_a', owned: OWN },
    { id: 'bp_private_a', owned: PRIVATE },
    { id: 'bp_global_a', owned: GLOBAL_A },
    { id: 'bp_tenant_b', owned: TENANT_B },
    { id: 'bp_global_b', owned: GLOBAL_B },
  ]),
  getBlueprint: reads('viewer', 200, blueprintTargets()),
  downloadBlueprint: reads('viewer', 200, blueprintTargets()),
  uploadBlueprint: [
    one(
      'own',
      (caller) => gate('user', caller, A) ?? 201,
      () => ({ input: { params: { id: fresh('new_bp') }, upload: blueprintUpload('tenant') } }),
    ),
    one(
      'privateCreate',
      (caller) => gate('user', caller, A) ?? 201,
      () => ({ input: { params: { id: fresh('new_bp') }, upload: blueprintUpload('private') } }),
    ),
    one(
      'globalCreate',
      (caller) => gate('user', caller, A) ?? (caller === 'admin' ? 201 : 403),
      () => ({ input: { params: { id: fresh('new_bp') }, upload: blueprintUpload('global') } }),
    ),
    unknownTenant('user', () => ({
      input: { params: { id: fresh('new_bp') }, upload: blueprintUpload('tenant') },
    })),
  ],
  validateBlueprint: [
    one(
      'own',
      (caller) => gate('user', caller, A) ?? 200,
      () => ({ input: { params: { id: fresh('new_bp') }, upload: blueprintUpload('tenant') } }),
    ),
    unknownTenant('user', () => ({
      input: { params: { id: fresh('new_bp') }, upload: blueprintUpload('tenant') },
    })),
  ],
  deleteBlueprint: changes('user', 204, {
    missing: () => ({ id: 'no_such_bp', input: { params: { id: 'no_such_bp' } } }),
    own: async () => withId(await newBlueprint('user', A, 'tenant')),
    private: async () => withId(await newBlueprint('user', A, 'private')),
    crossTenant: async () => withId(await newBlueprint('user', A, 'tenant')),
    globalOfA: async () => withId(await newBlueprint('admin', A, 'global')),
    globalOfB: async () => withId(await newBlueprint('admin', B, 'global')),
  }),
  setBlueprintVisibility: changes(
    'user',
    200,
    {
      missing: () => visibilityOf('no_such_bp', 'tenant'),
      own: () => visibilityOf('bp_tenant_a', 'tenant'),
      private: () => visibilityOf('bp_private_a', 'private'),
      crossTenant: () => visibilityOf('bp_tenant_a', 'tenant'),
      globalOfA: () => visibilityOf('bp_global_a', 'global'),
      globalOfB: () => visibilityOf('bp_global_b', 'global'),
    },
    {
      more: visibilityRules('user', 'id', {
        tenant: async () => newBlueprint('user', A, 'tenant'),
        private: async () => newBlueprint('user', A, 'private'),
        globalAllowed: true,
        missing: 'no_such_bp',
      }),
    },
  ),

  // Deployments
  listDeployments: lists(deploymentsUniverse),
  getDeployment: reads('viewer', 200, deploymentTargets()),
  deploymentOutputs: reads('viewer', 200, deploymentTargets()),
  deploymentCapabilities: reads('viewer', 200, deploymentTargets()),
  createDeployment: [
    one(
      'missingBlueprint',
      (caller) => gate('operations', caller, A) ?? 404,
      () => deploymentOf('no_such_bp'),
    ),
    one(
      'own',
      (caller) => gate('operations', caller, A) ?? 201,
      () => deploymentOf('bp_tenant_a'),
    ),
    one(
      'fromPrivate',
      (caller) => readStatus('operations', 201, caller, A, PRIVATE),
      () => deploymentOf('bp_private_a'),
    ),
    one(
      'fromGlobalOfB',
      (caller) => readStatus('operations', 201, caller, A, GLOBAL_B),
      () => deploymentOf('bp_global_b'),
    ),
    one(
      'crossTenant',
      (caller) => readStatus('operations', 201, caller, B, OWN),
      () => deploymentOf('bp_tenant_a'),
      { tenant: B },
    ),
    one(
      'privateCreate',
      (caller) => gate('operations', caller, A) ?? 201,
      () => deploymentOf('bp_tenant_a', { private_resource: true }),
    ),
    // Global only by sys_admin; and a deployment cannot be global at all (the route's doc).
    one(
      'globalCreate',
      (caller) => gate('operations', caller, A) ?? (caller === 'admin' ? 400 : 403),
      () => deploymentOf('bp_tenant_a', { visibility: 'global' }),
    ),
    unknownTenant('operations', () => deploymentOf('bp_tenant_a')),
  ],
  deleteDeployment: changes('operations', 204, {
    missing: () => withId('no_such_dep'),
    own: async () => withId(await newDeployment('user', A, 'tenant')),
    private: async () => withId(await newDeployment('user', A, 'private')),
    crossTenant: async () => withId(await newDeployment('user', A, 'tenant')),
  }),
  setDeploymentVisibility: changes(
    'operations',
    200,
    {
      missing: () => visibilityOf('no_such_dep', 'tenant'),
      own: () => visibilityOf('dep_tenant_a', 'tenant'),
      private: () => visibilityOf('dep_private_a', 'private'),
      crossTenant: () => visibilityOf('dep_tenant_a', 'tenant'),
    },
    {
      more: visibilityRules('operations', 'id', {
        tenant: async () => newDeployment('user', A, 'tenant'),
        private: async () => newDeployment('user', A, 'private'),
        globalAllowed: false,
        missing: 'no_such_dep',
      }),
    },
  ),

  // Nodes and node instances
  listNodes: lists(
    deploymentsUniverse,
    undefined,
    deploymentFilters('deployment_id', deploymentsUniverse),
  ),
  listNodeInstances: lists(
    instancesUniverse,
    undefined,
    deploymentFilters('deployment_id', instancesUniverse),
  ),
  getNodeInstance: reads('viewer', 200, instanceTargets()),
  updateNodeInstance: changes('operations', 200, instanceTargets(true)),

  // Executions and events
  listExecutions: lists(
    executionsUniverse,
    undefined,
    deploymentFilters('deployment_id', executionsUniverse),
  ),
  getExecution: reads('viewer', 200, executionTargets()),
  streamExecutionEvents: reads('viewer', 200, executionTargets()),
  startExecution: changes('operations', 201, {
    missing: () => started('no_such_dep'),
    own: async () => started(await newDeployment('user', A, 'tenant')),
    private: async () => started(await newDeployment('user', A, 'private')),
    crossTenant: async () => started(await newDeployment('user', A, 'tenant')),
  }),
  // Cancelling a finished execution: once past authorization, the refusal is 409 (it ended).
  executionAction: changes('operations', 409, executionTargets({ action: 'cancel' })),
  listEvents: lists(executionsUniverse, undefined, [
    ...deploymentFilters('deployment_id', executionsUniverse),
    ...deploymentFilters('execution_id', executionsUniverse),
  ]),

  // Plugins
  listPlugins: [
    ...lists(pluginsUniverse, async () => {
      await ensurePlugin(A, 'tenant');
    }),
    one(
      'ownWithPrivate',
      (caller) => gate('viewer', caller, A) ?? 200,
      async () => {
        await ensurePlugin(A, 'private');
        return { input: { query: ALL } };
      },
      { universe: pluginsUniverse },
    ),
  ],
  getPlugin: reads('viewer', 200, pluginTargets(), { owners: { globalOfB: GLOBAL_G } }),
  downloadPlugin: reads('viewer', 200, pluginTargets(), { owners: { globalOfB: GLOBAL_G } }),
  pluginYaml: reads('viewer', 200, pluginTargets({ dsl_version: '1_5' }), {
    owners: { globalOfB: GLOBAL_G },
  }),
  uploadPlugin: [
    one(
      'own',
      (caller) => gate('user', caller, A) ?? 201,
      async () => {
        await ensurePlugin(A, 'none');
        return { input: { query: { visibility: 'tenant' }, upload: bundle } };
      },
    ),
    one(
      'privateCreate',
      (caller) => gate('user', caller, A) ?? 201,
      async () => {
        await ensurePlugin(A, 'none');
        return { input: { query: { private_resource: true }, upload: bundle } };
      },
    ),
    one(
      'globalCreate',
      (caller) => gate('user', caller, A) ?? (caller === 'admin' ? 201 : 403),
      async () => {
        await ensurePlugin(A, 'none');
        return { input: { query: { visibility: 'global' }, upload: bundle } };
      },
    ),
    unknownTenant('user', () => ({ input: { query: {}, upload: bundle } })),
  ],
  // DELETE /plugins/{id} wants a JSON body ({force}), as Cloudify's client sends one.
  deletePlugin: changes('user', 204, pluginTargets(undefined, {}), {
    owners: { globalOfB: GLOBAL_G },
  }),
  setPluginVisibility: changes(
    'user',
    200,
    {
      missing: () => visibilityOf('00000000-0000-4000-8000-00000000abcd', 'tenant'),
      own: async () => visibilityOf(await ensurePlugin(A, 'tenant'), 'tenant'),
      private: async () => visibilityOf(await ensurePlugin(A, 'private'), 'private'),
      crossTenant: async () => visibilityOf(await ensurePlugin(A, 'tenant'), 'tenant'),
      globalOfB: async () => visibilityOf(await ensurePlugin(G, 'global', 'admin'), 'global'),
    },
    {
      owners: { globalOfB: GLOBAL_G },
      more: visibilityRules('user', 'id', {
        tenant: async () => ensurePlugin(A, 'tenant'),
        private: async () => ensurePlugin(A, 'private'),
        globalAllowed: true,
        missing: '00000000-0000-4000-8000-00000000abcd',
      }),
    },
  ),
};

function withId(id: string): Made {
  return { id, input: { params: { id } } };
}

function keyed(key: string): Made {
  return { id: key, input: { params: { key } } };
}

function secretChange(key: string): Made {
  const value = `changed-${key}-${Math.random().toString(36).slice(2, 10)}`;
  sensitive.set(`${key} changed`, value);
  return { id: key, input: { params: { key }, body: { value } } };
}

function visibilityOf(id: string, visibility: Visibility, param: 'id' | 'key' = 'id'): Made {
  return { id, input: { params: { [param]: id }, body: { visibility } } };
}

/**
 * Visibility only widens (narrowing: 400), and only sys_admin makes a resource global (403);
 * widening another user's private resource needs seeing it (404).
 */
function visibilityRules(
  need: Role,
  param: 'id' | 'key',
  make: {
    readonly tenant: () => Promise<string>;
    readonly private: () => Promise<string>;
    /** Whether the kind may be global at all (a deployment may not: 400 even for sys_admin). */
    readonly globalAllowed: boolean;
    /** An id nothing has, for the callers the gate refuses. */
    readonly missing: string;
  },
): Case[] {
  const allowed = (caller: Caller, owned: Owned) => changeStatus(need, 200, caller, A, owned);
  const to = (visibility: Visibility, target: () => Promise<string>): Make =>
    gated(
      need,
      A,
      async () => visibilityOf(await target(), visibility, param),
      () => visibilityOf(make.missing, visibility, param),
    );
  return [
    one(
      'narrow',
      (caller) => (allowed(caller, OWN) === 200 ? 400 : allowed(caller, OWN)),
      to('private', make.tenant),
    ),
    one(
      'toGlobal',
      (caller) =>
        allowed(caller, OWN) !== 200
          ? allowed(caller, OWN)
          : caller !== 'admin'
            ? 403
            : make.globalAllowed
              ? 200
              : 400,
      to('global', make.tenant),
    ),
    one('widenPrivate', (caller) => allowed(caller, PRIVATE), to('tenant', make.private)),
  ];
}

function blueprintTargets(): Partial<Record<Target, Make>> {
  return {
    missing: () => withId('no_such_bp'),
    own: () => withId('bp_tenant_a'),
    private: () => withId('bp_private_a'),
    crossTenant: () => withId('bp_tenant_a'),
    globalOfA: () => withId('bp_global_a'),
    globalOfB: () => withId('bp_global_b'),
  };
}

function deploymentTargets(): Partial<Record<Target, Make>> {
  return {
    missing: () => withId('no_such_dep'),
    own: () => withId('dep_tenant_a'),
    private: () => withId('dep_private_a'),
    crossTenant: () => withId('dep_tenant_a'),
  };
}

function deploymentOf(blueprint: string, more: Json = {}): Made {
  return {
    id: blueprint,
    input: { params: { id: fresh('new_dep') }, body: { blueprint_id: blueprint, ...more } },
  };
}

function started(deployment: string): Made {
  return { id: deployment, input: { body: { deployment_id: deployment, workflow_id: 'install' } } };
}

function instanceTargets(change = false): Partial<Record<Target, Make>> {
  const made = (id: string): Made => ({
    id,
    input: {
      params: { id },
      ...(change
        ? { body: { version: 0, force: true, runtime_properties: { touched: true } } }
        : {}),
    },
  });
  return {
    missing: () => made('a_no_such_instance'),
    own: () => made(installed.tenantA.instance),
    private: () => made(installed.privateA.instance),
    crossTenant: () => made(installed.tenantA.instance),
  };
}

function executionTargets(action?: Json): Partial<Record<Target, Make>> {
  const made = (id: string): Made => ({
    id,
    input: { params: { id }, ...(action === undefined ? {} : { body: action }) },
  });
  return {
    missing: () => made('00000000-0000-4000-8000-000000000000'),
    own: () => made(installed.tenantA.execution),
    private: () => made(installed.privateA.execution),
    crossTenant: () => made(installed.tenantA.execution),
  };
}

function pluginTargets(query?: Input['query'], body?: Json): Partial<Record<Target, Make>> {
  const made = (id: string): Made => ({
    id,
    input: {
      params: { id },
      ...(query === undefined ? {} : { query }),
      ...(body === undefined ? {} : { body }),
    },
  });
  return {
    missing: () => made('00000000-0000-4000-8000-00000000abcd'),
    own: async () => made(await ensurePlugin(A, 'tenant')),
    crossTenant: async () => made(await ensurePlugin(A, 'tenant')),
    globalOfB: async () => made(await ensurePlugin(G, 'global', 'admin')),
    private: async () => made(await ensurePlugin(A, 'private')),
  };
}

function pluginsUniverse(): Listed[] {
  return [...pluginNow.values()].map(({ id, owned }) => ({ id, owned }));
}

// ---------------------------------------------------------------------------------------------
// Running the table
// ---------------------------------------------------------------------------------------------

const ERROR_CODES: Record<number, string> = {
  401: 'unauthorized_error',
  403: 'forbidden_error',
  404: 'not_found_error',
};

/** The words of a refusal with the id taken out, to compare with a missing id's. */
function shape(message: unknown, id: string | undefined): string {
  const words = text(message);
  return id === undefined || id === '' ? words : words.split(id).join('«id»');
}

/** Asks every caller every case of a route; the problems found. */
async function runRow(route: RouteName): Promise<string[]> {
  const problems: string[] = [];
  let missingShape: string | undefined;
  for (const c of ROWS[route]) {
    const tenant = c.tenant ?? A;
    for (const caller of CALLERS) {
      const expected = c.expected(caller);
      if (expected === undefined) continue;
      const where = `${route} [${c.target}, Tenant ${tenant}] as ${caller}`;
      const made = await c.make(caller);
      const answer = await send(caller, tenant, route, made.input);
      const body = asObject(answer.json);

      let wanted: number;
      if (typeof expected === 'number') wanted = expected;
      else {
        // As for a missing id: same status, same words.
        const reference = await send(caller, tenant, route, expected.missing);
        wanted = reference.status;
        if (
          answer.status === wanted &&
          shape(body.message, made.id) !==
            shape(asObject(reference.json).message, expected.missingId)
        ) {
          problems.push(`${where}: answers otherwise than for a missing id: ${answer.text}`);
        }
      }
      if (answer.status !== wanted) {
        problems.push(
          `${where}: expected ${wanted}, got ${answer.status} ${answer.text.slice(0, 300)}`,
        );
        continue;
      }
      const code = ERROR_CODES[answer.status];
      if (code !== undefined && body.error_code !== code) {
        problems.push(`${where}: error_code ${text(body.error_code)}, not ${code}`);
      }
      // A refusal for what the caller cannot see reads as one for a missing id.
      if (c.target === 'missing' && answer.status === 404) {
        missingShape = shape(body.message, made.id);
      } else if (answer.status === 404 && missingShape !== undefined && made.id !== undefined) {
        if (shape(body.message, made.id) !== missingShape) {
          problems.push(
            `${where}: 404 reads otherwise than for a missing id: ${text(body.message)}`,
          );
        }
      }
      // No secret value, no API token, where the caller may not have it.
      const allowed = answer.status < 300 ? c.reveals?.(caller) : undefined;
      for (const [name, value] of sensitive) {
        if (value !== allowed && answer.text.includes(value)) {
          problems.push(`${where}: the answer carries ${name}'s value`);
        }
      }
      if (answer.status >= 300) continue;
      if (c.reveals !== undefined && route === 'getSecret') {
        // A hidden value reads as '' to whoever may not see it, as Cloudify answers.
        const value = c.reveals(caller) ?? '';
        if (body.value !== value) {
          problems.push(`${where}: value ${text(body.value)}, expected ${text(value ?? 'none')}`);
        }
      }
      if (c.check !== undefined)
        problems.push(...c.check(caller, answer.json).map((p) => `${where}: ${p}`));
      if (c.universe !== undefined) {
        for (const listed of c.universe()) {
          const shown = answer.text.includes(`"${listed.id}"`);
          const visible =
            c.seen === undefined
              ? sees(caller, tenant, listed.owned)
              : c.seen(caller, listed.owned);
          if (shown && !visible)
            problems.push(`${where}: lists ${listed.id}, which it may not see`);
          if (!shown && visible && c.partial !== true) {
            problems.push(`${where}: does not list ${listed.id}`);
          }
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

describe('authorization: every route × every caller × every target', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-manager-authz-'));
    const packed = filePluginBundle(work);
    archive = await blueprintArchive({ 'blueprint.yaml': BLUEPRINT });
    t = await startTestManager();

    // The sys_admin signs in once; the others once each, after they are made.
    const adminToken = await t.admin(A).login();
    tokens.set('admin', adminToken);
    sensitive.set('admin token', adminToken);
    for (const tenant of [A, B, G])
      await must('admin', A, 'createTenant', { params: { name: tenant } });
    const members = (Object.keys(NAME) as Member[]).filter((m) => m !== 'admin');
    // Password hashing is slow: make the users at once.
    await Promise.all([
      ...members.map((member) =>
        must('admin', A, 'createUser', {
          body: { username: NAME[member], password: PASSWORD(member) },
        }),
      ),
      ...['victim', 'spare'].map((username) =>
        must('admin', A, 'createUser', { body: { username, password: `${username}-password-1` } }),
      ),
    ]);
    for (const [tenant, roles] of Object.entries(ROLES)) {
      for (const [caller, role] of Object.entries(roles)) {
        await must('admin', A, 'addTenantUser', {
          body: { tenant_name: tenant, username: NAME[caller as Member], role },
        });
      }
    }
    await Promise.all(
      members.map(async (member) => {
        const token = await t.client(NAME[member], PASSWORD(member), A).login();
        tokens.set(member, token);
        sensitive.set(`${member} token`, token);
      }),
    );

    // Tenant A: the user's blueprints, deployments and secrets (tenant and private), the
    // sys_admin's global ones and a hidden secret. Tenant B: the outsider's, and global ones.
    const upload = (member: Member, tenant: string, id: string, visibility: Visibility) =>
      must(member, tenant, 'uploadBlueprint', {
        params: { id },
        upload: blueprintUpload(visibility),
      });
    await upload('user', A, 'bp_tenant_a', 'tenant');
    await upload('user', A, 'bp_private_a', 'private');
    await upload('admin', A, 'bp_global_a', 'global');
    await upload('outsider', B, 'bp_tenant_b', 'tenant');
    await upload('admin', B, 'bp_global_b', 'global');
    const secret = async (
      member: Member,
      tenant: string,
      key: string,
      visibility: Visibility,
      hidden = false,
    ) => {
      await must(member, tenant, 'createSecret', {
        params: { key },
        body: { value: newValue(key), visibility, is_hidden_value: hidden },
      });
    };
    await secret('user', A, 'sec_tenant_a', 'tenant');
    await secret('user', A, 'sec_private_a', 'private');
    await secret('admin', A, 'sec_hidden_a', 'tenant', true);
    await secret('admin', A, 'sec_global_a', 'global');
    await secret('outsider', B, 'sec_tenant_b', 'tenant');
    await secret('admin', B, 'sec_global_b', 'global');
    const deploy = (member: Member, tenant: string, id: string, blueprint: string, v: Visibility) =>
      must(member, tenant, 'createDeployment', {
        params: { id },
        body: { blueprint_id: blueprint, visibility: v },
      });
    await deploy('user', A, 'dep_tenant_a', 'bp_tenant_a', 'tenant');
    await deploy('user', A, 'dep_private_a', 'bp_private_a', 'private');
    await deploy('outsider', B, 'dep_tenant_b', 'bp_tenant_b', 'tenant');
    [installed.tenantA, installed.privateA, installed.tenantB] = await Promise.all([
      install('user', A, 'dep_tenant_a'),
      install('user', A, 'dep_private_a'),
      install('outsider', B, 'dep_tenant_b'),
    ]);

    // The file plugin, packed once: A's (the user's), B's (the outsider's), G's (global).
    bundle = readFileSync(await packed);
    await ensurePlugin(A, 'tenant');
    await ensurePlugin(B, 'tenant', 'outsider');
    await ensurePlugin(G, 'global', 'admin');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('has a row for every route of the table, and only those', () => {
    expect(Object.keys(ROWS).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [route, cases] of Object.entries(ROWS)) {
      expect(cases.length, route).toBeGreaterThan(0);
    }
  });

  for (const route of Object.keys(ROUTES) as RouteName[]) {
    it(`${route}: ${ROUTES[route].method} ${ROUTES[route].url}`, async () => {
      expect(await runRow(route)).toEqual([]);
    }, 60_000);
  }

  // "Non-member of the Tenant header's tenant (or unknown tenant): 403 on every tenant route":
  // the sys_admin is in every tenant, but a tenant that does not exist is none of them. Nor may
  // a Tenant header name a place on disk: no store may be opened for it, in the tenants' folder
  // or (with `../`) outside it.
  it('refuses the sys_admin in a tenant that does not exist, on every tenant route (403)', async () => {
    const problems: string[] = [];
    for (const tenant of [NOWHERE, '../escaped']) {
      const answered: string[] = [];
      for (const route of Object.keys(ROUTES) as RouteName[]) {
        const unknown = ROWS[route].find((c) => c.target === 'unknownTenant');
        // Routes of any signed-in user do not look at the Tenant header.
        if (unknown === undefined || unknown.expected('viewer') === 200) continue;
        const made = await unknown.make('admin');
        const answer = await send('admin', tenant, route, made.input);
        if (answer.status !== 403) answered.push(`${route} ${answer.status}`);
      }
      if (answered.length > 0) {
        problems.push(`Tenant '${tenant}', not refused: ${answered.join(', ')}`);
      }
    }
    const opened = (dir: string) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
        /(^|[/\\])(nowhere|escaped)\.db/.test(f),
      );
    problems.push(...opened(t.dataDir).map((file) => `a store was opened at ${file}`));
    expect(problems).toEqual([]);
  }, 60_000);

  // "No credentials: 401 on every non-public route" — whatever else is wrong with the request.
  it('refuses a request without credentials before it looks at its body (401)', async () => {
    const problems: string[] = [];
    const malformed: [RouteName, Input][] = [
      ['createUser', { body: {} }],
      ['addTenantUser', { body: { tenant_name: A } }],
      ['createDeployment', { params: { id: 'x' }, body: { inputs: 'not an object' } }],
      ['startExecution', { body: {} }],
      ['deletePlugin', { params: { id: 'x' } }],
      ['updateNodeInstance', { params: { id: 'x' }, body: { version: -1 } }],
    ];
    for (const [route, input] of malformed) {
      const answer = await send('anonymous', A, route, input);
      if (answer.status !== 401) problems.push(`${route}: ${answer.status} ${answer.text}`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses a wrong password as it refuses no credentials (401)', async () => {
    const basic = Buffer.from(`${NAME.user}:not-the-password`).toString('base64');
    for (const path of ['/blueprints', '/user', '/users']) {
      const answer = await fetch(`${t.url}${API_PREFIX}${path}`, {
        headers: { Authorization: `Basic ${basic}`, Tenant: A },
      });
      expect(answer.status, path).toBe(401);
      expect(await answer.json(), path).toMatchObject({ error_code: 'unauthorized_error' });
    }
  });
});
