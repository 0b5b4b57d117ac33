/**
 * Blueprints: an uploaded archive is extracted, its main file parsed as local mode parses a
 * blueprint (imports confined to the archive, `plugin:` imports resolved against the plugins
 * the tenant can see), and stored only when it is valid. A bad upload stores nothing.
 */
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Blueprint } from '@cairn/api';
import { type ImportHost, parseBlueprint, summarizeDiagnostics } from '@cairn/dsl';
import { createNodeHost, fileUrl } from '@cairn/dsl/node';
import { CairnError, ConflictError, InvalidInputError, NotFoundError } from '@cairn/errors';
import type { JsonObject, ResourceRecord, Visibility } from '@cairn/store';
import {
  canSee,
  checkVisibilityChange,
  newVisibility,
  requireChangeable,
  requireVisible,
} from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Handlers } from '../http/app.js';
import { listPage } from '../http/list.js';
import { refusal } from './refusal.js';
import { type ManagerContext, now } from './context.js';
import { blueprintView } from './views.js';

type BlueprintHandlers = Pick<
  Handlers,
  | 'listBlueprints'
  | 'getBlueprint'
  | 'uploadBlueprint'
  | 'validateBlueprint'
  | 'deleteBlueprint'
  | 'downloadBlueprint'
  | 'setBlueprintVisibility'
>;

/** Upload parameters: the multipart `params` JSON (Cloudify's client), else the query. */
interface UploadParams {
  readonly application_file_name?: string;
  readonly visibility?: Visibility;
  readonly private_resource?: boolean;
}

function uploadParams(fields: Readonly<Record<string, string>>, query: UploadParams): UploadParams {
  const text = fields.params;
  if (text === undefined) return query;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidInputError('The form field params is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new InvalidInputError('The form field params must be a JSON object');
  }
  const params = parsed as Record<string, unknown>;
  const visibility = params.visibility;
  if (
    visibility !== undefined &&
    visibility !== 'private' &&
    visibility !== 'tenant' &&
    visibility !== 'global'
  ) {
    throw new InvalidInputError(
      `visibility must be private, tenant or global, not ${JSON.stringify(visibility)}`,
    );
  }
  return {
    ...(typeof params.application_file_name === 'string'
      ? { application_file_name: params.application_file_name }
      : {}),
    ...(visibility === undefined ? {} : { visibility }),
    ...(params.private_resource === true ? { private_resource: true } : {}),
  };
}

/** The blueprint routes. */
export function blueprintHandlers(ctx: ManagerContext): BlueprintHandlers {
  const { directory, runtimes, blueprints: files } = ctx;

  /** The blueprint resource the caller may see: the tenant's own, else a global one. */
  async function visibleBlueprint(
    principal: Principal,
    tenant: string,
    id: string,
  ): Promise<ResourceRecord> {
    const own = await directory.getResource(tenant, 'blueprint', id);
    const found =
      own ??
      (await directory.listResources({ tenant, kind: 'blueprint', includeGlobal: true })).find(
        (r) => r.id === id && r.visibility === 'global',
      );
    requireVisible(principal, tenant, found, `Blueprint '${id}'`);
    return found;
  }

  async function view(owner: ResourceRecord): Promise<Blueprint> {
    const runtime = await runtimes.get(owner.tenant);
    const record = await runtime.store.getBlueprint(owner.id);
    if (record === undefined) throw new NotFoundError(`Blueprint '${owner.id}' not found`);
    return blueprintView(record, owner);
  }

  /**
   * Extracts and parses an upload. Returns the staged files and the plan, or throws the
   * diagnostics as a BLUEPRINT_INVALID error (400 invalid_blueprint_error).
   */
  async function parseUpload(
    principal: Principal,
    tenant: string,
    id: string,
    archive: string,
    fileName: string | undefined,
  ) {
    const staged = await files.extract(archive);
    try {
      const main = await files.mainFile(staged, fileName);
      const nodeHost = createNodeHost({ cwd: staged.root });
      const inside = (url: string): boolean => {
        if (!url.startsWith('file:')) return true;
        const path = fileURLToPath(url);
        const rel = relative(staged.root, path);
        return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
      };
      const host: ImportHost = {
        ...nodeHost,
        read: (url) =>
          inside(url)
            ? nodeHost.read(url)
            : Promise.resolve({
                ok: false,
                reason: 'unsupported',
                message: `On a manager, a blueprint may import only files inside its archive, not '${url}'.`,
              }),
        resolvePlugin: (request) => ctx.plugins.resolveImport(principal, tenant, request),
      };
      const result = await parseBlueprint(fileUrl(main), { host });
      if (!result.ok || result.plan === undefined) {
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        throw new CairnError(
          'BLUEPRINT_INVALID',
          `Blueprint '${id}' is invalid: ${summarizeDiagnostics(result.diagnostics)}: ${errors
            .slice(0, 3)
            .map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`)
            .join('; ')}`,
          {
            details: {
              diagnostics: result.diagnostics.map((d) => ({ ...d })),
            },
          },
        );
      }
      return { staged, main: relative(staged.root, main), plan: result.plan };
    } catch (error) {
      await files.discard(staged);
      throw error;
    }
  }

  return {
    listBlueprints: async ({ principal, tenant, query }) => {
      const owners = (
        await directory.listResources({ tenant, kind: 'blueprint', includeGlobal: true })
      ).filter((r) => canSee(principal, tenant, r));
      const views = (
        await Promise.all(owners.map((owner) => view(owner).catch(() => undefined)))
      ).filter((v): v is Blueprint => v !== undefined);
      return listPage(views, query, {
        filters: ['id', 'visibility', 'created_by'],
        searchField: 'id',
      });
    },
    getBlueprint: async ({ principal, tenant, params }) =>
      view(await visibleBlueprint(principal, tenant, params.id)),
    uploadBlueprint: async ({ principal, tenant, params, query, upload }) => {
      if (upload === undefined) throw new InvalidInputError('The blueprint archive is missing');
      const options = uploadParams(upload.fields, query);
      const visibility = newVisibility(principal, options);
      if (await directory.getResource(tenant, 'blueprint', params.id)) {
        throw new ConflictError(`Blueprint '${params.id}' already exists in tenant '${tenant}'`);
      }
      const { staged, main, plan } = await parseUpload(
        principal,
        tenant,
        params.id,
        upload.path,
        options.application_file_name,
      );
      const owner: ResourceRecord = {
        tenant,
        kind: 'blueprint',
        id: params.id,
        visibility,
        created_by: principal.username,
        created_at: now(),
      };
      // The id is claimed first: of two concurrent uploads, one gets a 409 and stores nothing.
      try {
        await directory.createResource(owner);
      } catch (error) {
        await files.discard(staged);
        throw error;
      }
      try {
        const runtime = await runtimes.get(tenant);
        const resources = await files.commit(tenant, params.id, staged);
        await runtime.engine.putBlueprint({
          id: params.id,
          plan: plan as unknown as JsonObject,
          main_file_name: main,
          resources_path: resources,
          description: plan.description,
        });
        await runtimes.blueprintsChanged(tenant);
      } catch (error) {
        await directory.deleteResource(tenant, 'blueprint', params.id);
        await files.remove(tenant, params.id);
        await files.discard(staged);
        throw error;
      }
      return view(owner);
    },
    validateBlueprint: async ({ principal, tenant, params, query, upload }) => {
      if (upload === undefined) throw new InvalidInputError('The blueprint archive is missing');
      const options = uploadParams(upload.fields, query);
      const { staged } = await parseUpload(
        principal,
        tenant,
        params.id,
        upload.path,
        options.application_file_name,
      );
      await files.discard(staged);
      return { id: params.id, valid: true };
    },
    deleteBlueprint: async ({ principal, tenant, params }) => {
      const owner = await visibleBlueprint(principal, tenant, params.id);
      requireChangeable(principal, tenant, owner, `Blueprint '${params.id}'`);
      const runtime = await runtimes.get(owner.tenant);
      try {
        await runtime.store.deleteBlueprint(params.id);
      } catch (error) {
        if ((error as CairnError).code === 'CONFLICT') {
          throw refusal(405, 'blueprint_in_use', (error as Error).message);
        }
        if ((error as CairnError).code !== 'NOT_FOUND') throw error;
      }
      await directory.deleteResource(owner.tenant, 'blueprint', params.id);
      await files.remove(owner.tenant, params.id);
      await runtimes.blueprintsChanged(owner.tenant);
    },
    downloadBlueprint: async ({ principal, tenant, params, reply }) => {
      const owner = await visibleBlueprint(principal, tenant, params.id);
      const bytes = await files.archiveBytes(owner.tenant, owner.id);
      void reply
        .header('Content-Type', 'application/gzip')
        .header('Content-Disposition', `attachment; filename=${owner.id}.tar.gz`)
        .header('Content-Length', bytes.length);
      return bytes;
    },
    setBlueprintVisibility: async ({ principal, tenant, params, body }) => {
      const owner = await visibleBlueprint(principal, tenant, params.id);
      requireChangeable(principal, tenant, owner, `Blueprint '${params.id}'`);
      checkVisibilityChange(
        principal,
        owner.visibility,
        body.visibility,
        `Blueprint '${params.id}'`,
      );
      if (body.visibility === 'global') {
        await ctx.requireGloballyUnique('blueprint', params.id, owner.tenant);
      }
      return view(
        await directory.setResourceVisibility(
          owner.tenant,
          'blueprint',
          params.id,
          body.visibility,
        ),
      );
    },
  };
}
