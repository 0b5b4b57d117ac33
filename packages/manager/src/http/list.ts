/**
 * Cloudify's list parameters applied to a list of resources: field filters, `_search`,
 * `_sort`, `_offset`/`_size`/`_get_all_results` and `_include`, and the `{items, metadata}`
 * envelope.
 */
import { DEFAULT_PAGE_SIZE, type ListResponse } from '@cairn/api';
import { InvalidInputError } from '@cairn/errors';

/** The parameters every list takes, as Fastify parsed them. */
export interface ListParams {
  readonly _include?: string;
  readonly _offset?: number;
  readonly _size?: number;
  readonly _sort?: string | readonly string[];
  readonly _search?: string;
  readonly _get_all_results?: boolean;
  readonly [filter: string]: unknown;
}

/** How one resource kind is listed. */
export interface ListSpec {
  /** The fields `?field=value` may filter on. */
  readonly filters: readonly string[];
  /** The field `_search` looks in. */
  readonly searchField: string;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** A field's value as text, for sorting, filtering and searching (objects as JSON). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return text(a) < text(b) ? -1 : 1;
}

/** Filters, searches, sorts and pages `items`. */
export function listPage<T extends object>(
  items: readonly T[],
  params: ListParams,
  spec: ListSpec,
): ListResponse<T> {
  let selected = items.filter((item) => {
    const fields = item as Record<string, unknown>;
    for (const name of spec.filters) {
      const wanted = params[name];
      if (wanted === undefined) continue;
      if (!asList(wanted).some((value) => text(value) === text(fields[name]))) return false;
    }
    return true;
  });
  if (params._search !== undefined && params._search !== '') {
    const needle = params._search;
    selected = selected.filter((item) =>
      text((item as Record<string, unknown>)[spec.searchField]).includes(needle),
    );
  }
  const sorts = params._sort === undefined ? [] : asList(params._sort).map(String);
  if (sorts.length > 0) {
    const keys = sorts.map((sort) =>
      sort.startsWith('-')
        ? { field: sort.slice(1), sign: -1 }
        : { field: sort.replace(/^\+/, ''), sign: 1 },
    );
    selected = [...selected].sort((a, b) => {
      for (const { field, sign } of keys) {
        const order = compare(
          (a as Record<string, unknown>)[field],
          (b as Record<string, unknown>)[field],
        );
        if (order !== 0) return order * sign;
      }
      return 0;
    });
  }
  const offset = params._offset ?? 0;
  const size =
    params._get_all_results === true ? selected.length : (params._size ?? DEFAULT_PAGE_SIZE);
  const page = selected.slice(offset, offset + size);
  return {
    items: includeFields(page, params._include),
    metadata: { pagination: { total: selected.length, size, offset } },
  };
}

/** Keeps only the `_include` fields (comma-separated) of each item. */
export function includeFields<T extends object>(items: T[], include: string | undefined): T[] {
  if (include === undefined || include === '') return items;
  const fields = include
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (fields.length === 0) throw new InvalidInputError('_include names no field');
  return items.map((item) => {
    const picked: Record<string, unknown> = {};
    for (const field of fields) {
      if (field in item) picked[field] = (item as Record<string, unknown>)[field];
    }
    return picked as T;
  });
}
