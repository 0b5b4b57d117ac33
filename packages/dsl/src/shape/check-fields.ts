/**
 * Structural checks of a definition mapping: which keys it may have, what shape each value has,
 * and from which DSL version a key exists. One generic checker, so every section reports
 * unknown keys, wrong shapes and version gates the same way.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import { keyLoc, locOf, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { versionAtLeast, type DslMinor, type DslVersion } from '../util/dsl-version.js';
import { didYouMean } from '../util/suggest.js';
import { isMap, kindOf, type Value, type ValueMap } from '../util/value.js';

/** The YAML shapes a field may be declared with. */
export type FieldShape =
  | 'any'
  | 'string'
  | 'map'
  | 'list'
  | 'boolean'
  | 'number'
  | 'integer'
  | 'string-or-map'
  | 'string-or-list'
  | 'map-or-list'
  | 'scalar';

/** How one key of a definition is checked. */
export interface FieldSpec {
  readonly shape: FieldShape;
  readonly required?: boolean;
  /** The first DSL version that has this key. */
  readonly since?: DslMinor;
}

/** Context for {@link checkFields}. */
export interface FieldContext {
  readonly reporter: Reporter;
  readonly version: DslVersion;
  /** What is being checked, for messages: `node template 'web'`. */
  readonly what: string;
  /** Where the definition is named (its key), for problems of the whole definition. */
  readonly at?: Loc | undefined;
}

/** True when `value` has the YAML shape `shape` (null passes every shape but required). */
export function hasShape(value: Value | undefined, shape: FieldShape): boolean {
  if (value === null || value === undefined) return true;
  switch (shape) {
    case 'any':
      return true;
    case 'string':
      return typeof value === 'string';
    case 'map':
      return isMap(value);
    case 'list':
      return Array.isArray(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string-or-map':
      return typeof value === 'string' || isMap(value);
    case 'string-or-list':
      return typeof value === 'string' || Array.isArray(value);
    case 'map-or-list':
      return isMap(value) || Array.isArray(value);
    case 'scalar':
      return typeof value !== 'object';
  }
}

const SHAPE_WORDS: Record<FieldShape, string> = {
  any: 'any value',
  string: 'a string',
  map: 'a mapping',
  list: 'a list',
  boolean: 'a boolean',
  number: 'a number',
  integer: 'an integer',
  'string-or-map': 'a string or a mapping',
  'string-or-list': 'a string or a list',
  'map-or-list': 'a mapping or a list',
  scalar: 'a string, number or boolean',
};

/** The words for a shape, for messages. */
export function shapeWords(shape: FieldShape): string {
  return SHAPE_WORDS[shape];
}

/**
 * Checks the keys of `map` against `fields`. Returns the set of keys that passed (unknown keys,
 * wrong shapes and too-new keys are reported and left out).
 */
export function checkFields(
  map: ValueMap,
  fields: Readonly<Record<string, FieldSpec>>,
  ctx: FieldContext,
): Set<string> {
  const ok = new Set<string>();
  for (const key of Object.keys(map)) {
    const spec = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (spec === undefined) {
      ctx.reporter.report(
        'DSL_UNKNOWN_KEY',
        `'${key}' is not allowed in ${ctx.what}; allowed keys are ${Object.keys(fields).join(', ')}.${didYouMean(key, Object.keys(fields))}`,
        keyLoc(map, key),
      );
      continue;
    }
    if (spec.since !== undefined && !versionAtLeast(ctx.version, spec.since)) {
      ctx.reporter.report(
        'DSL_FEATURE_VERSION',
        `'${key}' in ${ctx.what} needs cloudify_dsl_${spec.since} or newer; this blueprint declares ${ctx.version}.`,
        keyLoc(map, key),
      );
      continue;
    }
    const value = map[key];
    if (!hasShape(value, spec.shape)) {
      ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `'${key}' in ${ctx.what} must be ${SHAPE_WORDS[spec.shape]}, not ${kindOf(value)}.`,
        valueLoc(map, key),
      );
      continue;
    }
    ok.add(key);
  }
  for (const key of Object.keys(fields)) {
    if (fields[key]?.required === true && (map[key] === undefined || map[key] === null)) {
      ctx.reporter.report(
        'DSL_MISSING_KEY',
        `${capitalize(ctx.what)} has no '${key}'; it is required.`,
        map[key] === null ? keyLoc(map, key) : (ctx.at ?? locOf(map)),
      );
    }
  }
  return ok;
}

/** First letter upper-case. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
