/**
 * Checks a deployment input's value against its declared type, as Cloudify's `parse_value` does
 * when a deployment is created (spec §1.5, §1.6): primitives by kind, `item_type` for list items,
 * data types from the plan recursively (unknown keys, missing required keys), with the data
 * type's defaults and an enclosing property's default filled in. Intrinsic functions are let
 * through unchecked. Problems are returned, not reported, so callers can also ask quietly
 * ("would the data type's defaults alone make a valid value?").
 */
import type { DiagnosticCode } from '../diagnostics/codes.js';
import type { PlanDataType, PlanPropertySchema, PlanValue } from '../plan/plan-types.js';
import { fitsPrimitive } from '../types/check-value.js';
import { OBJECT_TYPES, PRIMITIVE_TYPES } from '../types/primitive-types.js';
import { isFunctionCall } from '../functions/function-call.js';
import { didYouMean } from '../util/suggest.js';
import { dict, has, isMap, kindOf, show } from '../util/value.js';

/** One thing wrong with a value. */
export interface ValueProblem {
  readonly code: DiagnosticCode;
  readonly message: string;
}

/** A checked value: completed with defaults, and what is wrong with it. */
export interface CheckedValue {
  readonly value: PlanValue;
  readonly problems: readonly ValueProblem[];
}

type DataTypes = { readonly [name: string]: PlanDataType };

interface Walk {
  readonly dataTypes: DataTypes;
  /** `input 'x'`, for messages. */
  readonly owner: string;
  readonly problems: ValueProblem[];
}

/** True when `type` names a primitive or an object type (checked as a plain kind). */
export function isPrimitiveType(type: string): boolean {
  return PRIMITIVE_TYPES.has(type) || OBJECT_TYPES.has(type);
}

/**
 * Finds a data type by name. Names inside a namespaced data type may be written without the
 * namespace, so the referring type's namespace is tried as well.
 */
function findDataType(
  name: string,
  dataTypes: DataTypes,
  referrer: string | undefined,
): { name: string; type: PlanDataType } | undefined {
  if (has(dataTypes, name)) {
    const type = dataTypes[name];
    if (type !== undefined) return { name, type };
  }
  const cut = referrer?.lastIndexOf('--') ?? -1;
  if (referrer !== undefined && cut > 0) {
    const qualified = `${referrer.slice(0, cut)}--${name}`;
    const type = has(dataTypes, qualified) ? dataTypes[qualified] : undefined;
    if (type !== undefined) return { name: qualified, type };
  }
  return undefined;
}

function where(path: readonly string[]): string {
  return path.length === 0 ? 'The value' : `'${path.join('.')}'`;
}

/** Where a value is checked: its declared type, its path, and what lies under it. */
interface At {
  readonly type: string | undefined;
  readonly path: readonly string[];
  /** The data type whose property this is (names inside it may omit its namespace). */
  readonly referrer?: string | undefined;
  /** The enclosing default laid under a given mapping (Cloudify's derived value). */
  readonly derived?: PlanValue | undefined;
}

function checkAt(value: PlanValue, at: At, walk: Walk): PlanValue {
  const { type, path, referrer, derived } = at;
  if (type === undefined || isFunctionCall(value)) return value;
  if (isPrimitiveType(type)) {
    if (!fitsPrimitive(value, type)) {
      walk.problems.push({
        code: 'DSL_TYPE_MISMATCH',
        message: `${where(path)} of ${walk.owner} must be of type '${type}', but it is ${kindOf(value)} (${show(value)}).`,
      });
    }
    return value;
  }
  const found = findDataType(type, walk.dataTypes, referrer);
  if (found === undefined) {
    walk.problems.push({
      code: 'DSL_UNKNOWN_DATA_TYPE',
      message: `${where(path)} of ${walk.owner} has type '${type}', which is neither a primitive type nor a data type of this blueprint.`,
    });
    return value;
  }
  if (!isMap(value)) {
    walk.problems.push({
      code: 'DSL_TYPE_MISMATCH',
      message: `${where(path)} of ${walk.owner} must be a mapping of data type '${found.name}', but it is ${kindOf(value)} (${show(value)}).`,
    });
    return value;
  }
  const schema = found.type.properties;
  for (const key of Object.keys(value)) {
    if (!has(schema, key)) {
      walk.problems.push({
        code: 'DSL_UNDEFINED_PROPERTY',
        message: `'${[...path, key].join('.')}' of ${walk.owner} is not a property of data type '${found.name}'.${didYouMean(key, Object.keys(schema))}`,
      });
    }
  }
  const laid = isMap(derived) ? derived : undefined;
  const out = dict<PlanValue>();
  for (const name of Object.keys(schema)) {
    const def = schema[name] as PlanPropertySchema;
    // What lies under a given value one level down (Cloudify's derived value): the enclosing
    // default's entry if it has one, else the property's own default.
    const below = laid !== undefined && has(laid, name) ? (laid[name] ?? null) : def.default;
    let item: PlanValue;
    if (has(value, name)) item = value[name] ?? null;
    else if (below !== undefined) item = below;
    else {
      if (def.required) {
        walk.problems.push({
          code: 'DSL_MISSING_PROPERTY',
          message: `${where(path)} of ${walk.owner} gives no value for '${[...path, name].join('.')}', which data type '${found.name}' requires.`,
        });
      }
      continue;
    }
    out[name] = checkAt(
      item,
      { type: def.type, path: [...path, name], referrer: found.name, derived: below },
      walk,
    );
  }
  return out;
}

/**
 * Checks `value` against `schema.type` and `schema.item_type`. Returns the value with data type
 * defaults filled in, and every problem found.
 */
export function checkInputValue(
  value: PlanValue,
  schema: PlanPropertySchema,
  context: { readonly dataTypes: DataTypes; readonly owner: string },
): CheckedValue {
  const walk: Walk = { ...context, problems: [] };
  const checked = checkAt(value, { type: schema.type, path: [] }, walk);
  const itemType = schema.item_type;
  if (itemType === undefined || !Array.isArray(checked) || walk.problems.length > 0) {
    return { value: checked, problems: walk.problems };
  }
  const items = checked.map((item, i) => checkAt(item, { type: itemType, path: [`[${i}]`] }, walk));
  return { value: items, problems: walk.problems };
}
