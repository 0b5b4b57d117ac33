/**
 * Reading node properties with checks. The blueprint parser checks the types plugin.yaml
 * declares, but values from intrinsic functions (`get_input`, `get_secret`) arrive unchecked and
 * some properties are untyped on purpose, so each value is checked again here, before anything
 * is written, and a bad one fails the operation for good with the property named.
 */
import { isAbsolute, normalize } from 'node:path';
import { NonRecoverableError } from '@cairn/plugin-sdk';
import { parseMode, parseOwner, resolveOwner, type Mode, type Owner } from './mode-owner.js';

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Reads the properties of one node; its methods throw a NonRecoverableError naming the property. */
export class PropertyReader {
  private readonly values: Readonly<Record<string, unknown>>;

  constructor(values: object) {
    this.values = values as Readonly<Record<string, unknown>>;
  }

  /** A NonRecoverableError about property `name`. */
  fail(name: string, problem: string): NonRecoverableError {
    return new NonRecoverableError(`property '${name}' ${problem}`);
  }

  /** Whether `name` has a value. Null counts as none: an optional input left unset gives null. */
  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== null;
  }

  /** A required string. */
  string(name: string): string {
    const value = this.values[name];
    if (!this.has(name)) throw this.fail(name, 'is missing');
    if (typeof value !== 'string') throw this.fail(name, `is ${show(value)}, not a string`);
    return value;
  }

  /** A string that may be absent. */
  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  /**
   * A required absolute path, normalised. Relative paths are refused: they would be relative to
   * wherever the worker happens to run.
   */
  absolutePath(name: string): string {
    const value = this.string(name);
    if (value.includes('\0')) throw this.fail(name, `is ${show(value)}: a path has no NUL bytes`);
    if (!isAbsolute(value)) {
      throw this.fail(name, `must be an absolute path, not ${show(value)}`);
    }
    const path = normalize(value);
    if (path.endsWith('/') || path.endsWith('\\')) {
      throw this.fail(name, `is ${show(value)}: a file path, not a folder`);
    }
    return path;
  }

  /** A boolean, `fallback` when absent. */
  boolean(name: string, fallback: boolean): boolean {
    if (!this.has(name)) return fallback;
    const value = this.values[name];
    if (typeof value !== 'boolean') throw this.fail(name, `is ${show(value)}, not true or false`);
    return value;
  }

  /** A number above zero, `fallback` when absent. */
  positiveNumber(name: string, fallback: number): number {
    if (!this.has(name)) return fallback;
    const value = this.values[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw this.fail(name, `is ${show(value)}, not a number above 0`);
    }
    return value;
  }

  /** An integer above zero, `fallback` when absent. */
  positiveInteger(name: string, fallback: number): number {
    const value = this.positiveNumber(name, fallback);
    if (!Number.isSafeInteger(value)) throw this.fail(name, `is ${value}, not a whole number`);
    return value;
  }

  /** A dict (`{}` when absent). */
  dict(name: string): Readonly<Record<string, unknown>> {
    if (!this.has(name)) return {};
    const value = this.values[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(name, `is ${show(value)}, not a dict`);
    }
    return value as Readonly<Record<string, unknown>>;
  }

  /** A file mode (see {@link parseMode}), `undefined` when absent. */
  mode(name: string): Mode | undefined {
    if (!this.has(name)) return undefined;
    const parsed = parseMode(this.values[name]);
    if (!parsed.ok) throw this.fail(name, parsed.problem);
    return parsed.value;
  }

  /** An owner (see {@link parseOwner}), looked up; `undefined` when absent. */
  async owner(name: string, signal: AbortSignal): Promise<Owner | undefined> {
    if (!this.has(name)) return undefined;
    const parsed = parseOwner(this.values[name]);
    if (!parsed.ok) throw this.fail(name, parsed.problem);
    const resolved = await resolveOwner(parsed.value, signal);
    if (!resolved.ok) throw this.fail(name, resolved.problem);
    return resolved.value;
  }

  /** Which one of `names` has a value; it must be exactly one. */
  exactlyOne<const N extends string>(names: readonly N[]): N {
    const given = names.filter((name) => this.has(name));
    const list = names.map((name) => `'${name}'`);
    const choices = (word: string): string =>
      `${list.slice(0, -1).join(', ')} ${word} ${list.at(-1) ?? ''}`;
    const [first, second] = given;
    if (first === undefined) {
      throw new NonRecoverableError(`needs one of the properties ${choices('or')}; none is set`);
    }
    if (second !== undefined) {
      throw new NonRecoverableError(
        `takes only one of the properties ${choices('and')}, not ${given.map((name) => `'${name}'`).join(' and ')} together`,
      );
    }
    return first;
  }
}
