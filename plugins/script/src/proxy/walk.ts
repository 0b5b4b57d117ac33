/**
 * Walks a ctx request's arguments over the ctx, as Cloudify's proxy does
 * (`process_ctx_request`): each argument names an attribute to step into (`-` read as `_`);
 * at a mapping the rest is a path `a.b[2].c`, read with one argument left and written with two;
 * at a callable the rest are its arguments (a trailing dict is passed by name); a callable
 * reached with nothing left is called with no arguments.
 */
import type { Json, JsonObject } from '../context.js';
import {
  isMapping,
  PyCallable,
  PyError,
  PyObject,
  ReadOnlyDict,
  type PyValue,
} from './python-object.js';

/** `name[3]`: a list element. */
const INDEXED = /^(.+)\[(\d+)\]$/;

function illegal(path: string): PyError {
  return new PyError('RuntimeError', `illegal path: ${path}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value at `path` in `root`. With `create`, missing segments become empty mappings (what
 * a write does on the way to its parent); otherwise a missing one is an illegal path.
 */
function lookup(root: JsonObject, path: string, create: boolean): Json {
  let current: Json = root;
  for (const segment of path.split('.')) {
    if (!isObject(current)) throw illegal(path);
    const indexed = INDEXED.exec(segment);
    if (indexed !== null) {
      const [, name = '', index = '0'] = indexed;
      const list: Json | undefined = Object.hasOwn(current, name) ? current[name] : undefined;
      if (!Array.isArray(list)) throw illegal(path);
      const item: Json | undefined = list[Number(index)];
      if (item === undefined) throw new PyError('IndexError', 'list index out of range');
      current = item;
      continue;
    }
    if (!Object.hasOwn(current, segment)) {
      if (!create) throw illegal(path);
      current[segment] = {};
    }
    current = current[segment] ?? null;
  }
  return current;
}

/** Reads `path` of a mapping. */
export function readPath(mapping: JsonObject | ReadOnlyDict, path: string): Json {
  const root = mapping instanceof ReadOnlyDict ? mapping.value : mapping;
  return lookup(root, path, false);
}

/**
 * Writes `value` at `path`: the parent path is created as needed; the last segment is a key
 * taken as written (Cloudify does not read `[i]` there).
 */
export function writePath(mapping: JsonObject | ReadOnlyDict, path: string, value: Json): void {
  if (mapping instanceof ReadOnlyDict) throw new PyError('NonRecoverableError', mapping.refusal);
  const dot = path.lastIndexOf('.');
  const parent = dot === -1 ? mapping : lookup(mapping, path.slice(0, dot), true);
  if (!isObject(parent)) throw illegal(path);
  parent[dot === -1 ? path : path.slice(dot + 1)] = value;
}

function show(args: readonly Json[]): string {
  return JSON.stringify(args);
}

/** Runs one request: `args` as the `ctx` command line gave them (JSON arguments decoded). */
export async function walk(root: PyObject, args: readonly Json[]): Promise<PyValue> {
  let current: PyValue = root;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as Json;
    const attribute =
      current instanceof PyObject && typeof arg === 'string' ? current.find(arg) : undefined;
    if (current instanceof PyObject && attribute !== undefined) {
      current = current.get(attribute);
      continue;
    }
    if (isMapping(current)) {
      const left = args.length - i;
      if (typeof arg !== 'string') {
        throw new PyError('RuntimeError', `${JSON.stringify(arg)} is not a path`);
      }
      if (left === 1) return readPath(current, arg);
      if (left === 2) {
        writePath(current, arg, args[i + 1] as Json);
        return null;
      }
      throw new PyError('RuntimeError', 'Illegal argument while accessing dict');
    }
    if (current instanceof PyCallable) {
      const rest = args.slice(i);
      const last = rest[rest.length - 1];
      const kwargs = isObject(last) ? (rest.pop() as JsonObject) : {};
      return await current.call(rest, kwargs);
    }
    throw new PyError(
      'RuntimeError',
      `${typeof arg === 'string' ? arg : JSON.stringify(arg)} cannot be processed in ${show(args)}`,
    );
  }
  if (current instanceof PyCallable) return await current.call([], {});
  return current;
}
