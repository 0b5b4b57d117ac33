/** Plain data as loaded from YAML: what every section of a blueprint is made of. */
export type Scalar = string | number | boolean | null;

/** A loaded YAML value. Loaded values are shared (YAML aliases) and must never be mutated. */
export type Value = Scalar | Value[] | ValueMap;

/** A loaded YAML mapping (keys are always strings). */
export interface ValueMap {
  [key: string]: Value;
}

/** True for a mapping (not a list, not null). */
export function isMap(value: unknown): value is ValueMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The class of every mapping Cairn builds from user data. Its prototype has no prototype, so
 * keys such as `__proto__`, `constructor` or `toString` are ordinary keys and never inherited;
 * unlike `Object.create(null)` objects (which V8 keeps as hash tables, four times larger and
 * slower), its instances are ordinary fast objects.
 */
function Dict(): void {
  // An empty constructor: instances start with no properties.
}
Dict.prototype = Object.create(null) as object;

/** A fresh mapping whose keys are only its own, so user keys such as `__proto__` are ordinary. */
export function dict<T>(): Record<string, T> {
  return new (Dict as unknown as new () => Record<string, T>)();
}

const entry: PropertyDescriptor = {
  value: undefined,
  writable: true,
  enumerable: true,
  configurable: true,
};

/**
 * Adds `key` to a mapping being built, as `map[key] = value` would. V8 turns an object that gets
 * more than about twenty keys through computed assignments into a hash table, several times
 * larger; keys defined one by one keep it an ordinary fast object. For tables built once per
 * node (operations), not for user mappings of any size.
 */
export function addEntry<T>(map: Record<string, T>, key: string, value: T): void {
  entry.value = value;
  Object.defineProperty(map, key, entry);
  entry.value = undefined;
}

/** Own-key lookup that is safe on any object. */
export function has(map: object, key: string): boolean {
  return Object.hasOwn(map, key);
}

/** A short, single-line rendering of a value for messages. */
export function show(value: unknown, max = 60): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The YAML kind of a value, as users know the words. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  return typeof value;
}

/** Deep structural equality of two loaded values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && deepEqual((a as ValueMap)[k], (b as ValueMap)[k]));
}

/** A deep copy into fresh, prototype-free containers (so the copy may be mutated). */
export function cloneValue<T extends Value>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneValue(v)) as T;
  if (isMap(value)) {
    const out = dict<Value>();
    for (const k of Object.keys(value)) out[k] = cloneValue(value[k] as Value);
    return out as T;
  }
  return value;
}
