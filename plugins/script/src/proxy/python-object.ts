/**
 * How the ctx proxy sees the operation's `ctx`: as Cloudify's Python objects are seen by its
 * proxy (`cloudify/proxy/server.py: process_ctx_request`). Three kinds of value besides plain
 * JSON data: objects with attributes ({@link PyObject}), callables ({@link PyCallable}) and
 * read-only mappings ({@link ReadOnlyDict}). Plain JSON objects are mutable mappings.
 */
import type { Json, JsonObject } from '../context.js';

/** An error raised the way Python would, with its exception type's name. */
export class PyError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * What `abort_operation` and `retry_operation` give back: the proxy answers `stop_operation`,
 * and the script's `ctx` call exits with the message.
 */
export class StopOperation {
  constructor(readonly message: string) {}
}

/** What a walk can reach. */
export type PyValue = Json | PyObject | PyCallable | ReadOnlyDict | StopOperation | undefined;

/** An attribute: a value, or a getter (which may raise, as Cloudify's properties do). */
type Attribute = PyValue | (() => PyValue);

/** An object with named attributes (`ctx`, `ctx.node`, `ctx.instance`, …). */
export class PyObject {
  constructor(
    /** Its Python class name, for messages. */
    readonly className: string,
    private readonly attributes: Readonly<Record<string, Attribute>>,
    /** What Python's `str()` of it gives, when it is meaningful (`ctx.plugin` is its name). */
    readonly text?: string,
  ) {}

  /** The attribute's name as found: as given, or with `-` read as `_` (`runtime-properties`). */
  find(name: string): string | undefined {
    if (Object.hasOwn(this.attributes, name)) return name;
    const desugared = name.replace(/-/g, '_');
    return Object.hasOwn(this.attributes, desugared) ? desugared : undefined;
  }

  get(name: string): PyValue {
    const attribute = this.attributes[name];
    return typeof attribute === 'function' ? attribute() : attribute;
  }
}

/** A callable with Python-style parameters: positional, or by name from a trailing dict. */
export class PyCallable {
  constructor(
    readonly name: string,
    /** Parameter names, in order; the first `required` must be given. */
    readonly params: readonly string[],
    readonly required: number,
    private readonly fn: (...args: Json[]) => PyValue | Promise<PyValue>,
  ) {}

  /** Calls it as Python would with `args` positional and `kwargs` by name. */
  call(args: readonly Json[], kwargs: Readonly<JsonObject>): PyValue | Promise<PyValue> {
    if (args.length > this.params.length) {
      throw new PyError(
        'TypeError',
        `${this.name}() takes ${this.params.length} positional argument(s) but ${args.length} were given`,
      );
    }
    const values: (Json | undefined)[] = [...args];
    for (const [key, value] of Object.entries(kwargs)) {
      const at = this.params.indexOf(key);
      if (at === -1) {
        throw new PyError(
          'TypeError',
          `${this.name}() got an unexpected keyword argument '${key}'`,
        );
      }
      if (at < args.length) {
        throw new PyError('TypeError', `${this.name}() got multiple values for argument '${key}'`);
      }
      values[at] = value;
    }
    for (let i = 0; i < this.required; i++) {
      if (values[i] === undefined) {
        throw new PyError(
          'TypeError',
          `${this.name}() missing required argument: '${this.params[i] ?? '?'}'`,
        );
      }
    }
    // Trailing parameters not given are passed as undefined (Python's None defaults).
    return this.fn(...(values as Json[]));
  }
}

/** A mapping that cannot be written (`ctx.node.properties`, a related instance's properties). */
export class ReadOnlyDict {
  constructor(
    readonly value: Readonly<JsonObject>,
    /** Why it cannot be written, as the error message. */
    readonly refusal: string,
  ) {}
}

/** Whether a value is a mapping the proxy walks by path. */
export function isMapping(value: PyValue): value is JsonObject | ReadOnlyDict {
  return (
    value instanceof ReadOnlyDict ||
    (typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      !(value instanceof PyObject) &&
      !(value instanceof PyCallable) &&
      !(value instanceof StopOperation))
  );
}
