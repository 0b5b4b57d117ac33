/**
 * Small structural checks for JSON that came from the other side of a pipe. Internal: a check
 * throws {@link ShapeError}, and the parser turns it into a returned issue, so nothing escapes.
 */
import type { JsonObject, JsonValue } from './messages.js';

/** A value did not have the expected shape at `path`. */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ShapeError';
  }
}

/** Checks `value` (found at `path`) and returns it typed, or throws a {@link ShapeError}. */
export type Check<T> = (value: unknown, path: string) => T;

/** A JSON object as a record of unknown fields. */
export type Fields = Readonly<Record<string, unknown>>;

/** Any non-array object. */
export function fields(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShapeError(path, 'expected an object');
  }
  return value as Fields;
}

/** A string. */
export const str: Check<string> = (value, path) => {
  if (typeof value !== 'string') throw new ShapeError(path, 'expected a string');
  return value;
};

/** A finite number. */
export const num: Check<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ShapeError(path, 'expected a finite number');
  }
  return value;
};

/** A safe integer. */
export const int: Check<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ShapeError(path, 'expected an integer');
  }
  return value;
};

/** A boolean. */
export const bool: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new ShapeError(path, 'expected a boolean');
  return value;
};

/** Any JSON value; parsed JSON is JSON by construction, only `undefined` (absent) is refused. */
export const json: Check<JsonValue> = (value, path) => {
  if (value === undefined) throw new ShapeError(path, 'is missing');
  return value as JsonValue;
};

/** A JSON object. */
export const jsonObject: Check<JsonObject> = (value, path) => fields(value, path) as JsonObject;

/** One of the given strings. */
export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (value, path) => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      throw new ShapeError(path, `expected one of ${values.join(', ')}`);
    }
    return value as T;
  };
}

/** `check`, or null. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return (value, path) => (value === null ? null : check(value, path));
}

/** `check`, or absent (undefined). */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, path) => (value === undefined ? undefined : check(value, path));
}

/** An array whose items pass `check`. */
export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new ShapeError(path, 'expected an array');
    return value.map((item, index) => check(item, `${path}[${index}]`));
  };
}

/** An object whose every value passes `check`. */
export function recordOf<T>(check: Check<T>): Check<Record<string, T>> {
  return (value, path) => {
    const source = fields(value, path);
    const out: Record<string, T> = {};
    for (const [key, item] of Object.entries(source)) {
      // defineProperty: a key named `__proto__` stays an ordinary own property.
      Object.defineProperty(out, key, {
        value: check(item, `${path}.${key}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
}
