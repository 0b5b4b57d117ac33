/**
 * Shapes shared by every resource of the REST API: visibility, the list envelope, the list
 * query parameters and the error body, all as Cloudify's REST API v3.1 has them (spec §9, §10).
 */
import { Type, type Static, type TSchema } from 'typebox';

/** Who may see a resource (spec §9.4). */
export const Visibility = Type.Union(
  [Type.Literal('private'), Type.Literal('tenant'), Type.Literal('global')],
  {
    description:
      'private: the creator, tenant managers and admins; tenant: the tenant; global: every tenant',
  },
);
/** Who may see a resource. */
export type Visibility = Static<typeof Visibility>;

/** Any JSON value (properties, inputs, runtime properties …). */
export const Json = Type.Unknown();

/** A JSON object with any keys. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());
/** A JSON object with any keys. */
export type JsonObject = Static<typeof JsonObject>;

/** Where a page sits in the whole list. */
export const Pagination = Type.Object({
  total: Type.Integer({ description: 'How many items match, over all pages' }),
  size: Type.Integer({ description: 'The page size asked for' }),
  offset: Type.Integer({ description: 'The index of the first item of this page' }),
});

/** Cloudify's list envelope: `{items, metadata: {pagination}}`. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    metadata: Type.Object({ pagination: Pagination }),
  });
}

/** A page of a list. */
export interface ListResponse<T> {
  readonly items: T[];
  readonly metadata: { readonly pagination: { total: number; size: number; offset: number } };
}

/**
 * Query parameters every list takes. Field filters (`?blueprint_id=bp`) are the resource's own
 * fields and are declared per route.
 */
export const ListQuery = Type.Object({
  _include: Type.Optional(
    Type.String({ description: 'Comma-separated fields to return; the others are left out' }),
  ),
  _offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Skip this many items' })),
  _size: Type.Optional(
    Type.Integer({ minimum: 0, description: 'At most this many items (default 1000)' }),
  ),
  _sort: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: 'A field to sort by, `-field` for descending; repeatable',
    }),
  ),
  _search: Type.Optional(Type.String({ description: 'Only items whose id contains this' })),
  _all_tenants: Type.Optional(
    Type.Boolean({ description: 'Every tenant the caller can see, not only the Tenant header’s' }),
  ),
  _get_all_results: Type.Optional(Type.Boolean({ description: 'Ignore _size: every item' })),
});
/** Query parameters every list takes. */
export type ListQuery = Static<typeof ListQuery>;

/** The default and the largest page size (Cloudify's `default_page_size`/`max_results`). */
export const DEFAULT_PAGE_SIZE = 1000;

/** The body of every error answer. */
export const ErrorBody = Type.Object({
  message: Type.String(),
  error_code: Type.String({ description: 'Cloudify’s error code, e.g. not_found_error' }),
  server_traceback: Type.Null(),
  /** Cairn's stable error code (`NOT_FOUND` …), for clients that map codes themselves. */
  cairn_code: Type.Optional(Type.String()),
  /** Blueprint diagnostics: code, message, file, line and column of each. */
  diagnostics: Type.Optional(Type.Array(JsonObject)),
});
/** The body of every error answer. */
export type ErrorBody = Static<typeof ErrorBody>;

/** An id in a path: letters, digits, `_`, `-`, `.`, `@`; at most 256 characters. */
export const ResourceId = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[A-Za-z0-9_@][A-Za-z0-9_.@-]*$',
});

/** Fields every tenant resource carries. */
export const Owned = {
  tenant_name: Type.String(),
  created_by: Type.String(),
  visibility: Visibility,
  resource_availability: Visibility,
  private_resource: Type.Boolean(),
};
