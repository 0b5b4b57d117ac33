/**
 * What counts as an intrinsic function call (Cloudify's `get_function`): a mapping with one key
 * that names a function, or two keys where the other is `type`.
 */
import { isMap, type Value, type ValueMap } from '../util/value.js';

/** Every intrinsic function name, with the DSL version that introduced it. */
export const FUNCTION_NAMES: ReadonlyMap<string, '1_0' | '1_1' | '1_3'> = new Map([
  ['get_input', '1_0'],
  ['get_property', '1_0'],
  ['get_attribute', '1_0'],
  ['get_attributes_list', '1_0'],
  ['get_attributes_dict', '1_0'],
  ['get_secret', '1_0'],
  ['get_capability', '1_0'],
  ['get_environment_capability', '1_0'],
  ['get_group_capability', '1_0'],
  ['get_label', '1_0'],
  ['get_sys', '1_0'],
  ['get_consumers', '1_0'],
  ['concat', '1_1'],
  ['merge', '1_3'],
  ['string_find', '1_0'],
  ['string_replace', '1_0'],
  ['string_split', '1_0'],
  ['string_lower', '1_0'],
  ['string_upper', '1_0'],
]);

/** A recognised function call. */
export interface FunctionCall {
  readonly name: string;
  readonly args: Value;
  /** The optional sibling `type` key (checks the result's type). */
  readonly resultType: Value | undefined;
  readonly map: ValueMap;
}

/** The function call `value` is, or undefined. */
export function asFunctionCall(value: unknown): FunctionCall | undefined {
  if (!isMap(value)) return undefined;
  // The keys are looked at in place (no list of them): this is asked of nearly every mapping.
  let count = 0;
  let first = '';
  let second = '';
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (count === 0) first = key;
    else if (count === 1) second = key;
    else return undefined;
    count++;
  }
  let name: string | undefined;
  if (count === 1) {
    if (!FUNCTION_NAMES.has(first)) return undefined;
    name = first;
  } else if (count === 2) {
    // Beside a function name, `type` gives the result's type.
    for (const key of [first, second]) {
      if (key === 'type') continue;
      if (!FUNCTION_NAMES.has(key)) return undefined;
      name = key;
    }
  }
  if (name === undefined) return undefined;
  return { name, args: value[name] as Value, resultType: value.type, map: value };
}

/** True when `value` is an intrinsic function call (without building a {@link FunctionCall}). */
export function isFunctionCall(value: unknown): boolean {
  if (!isMap(value)) return false;
  let functions = 0;
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    keys++;
    if (keys > 2) return false;
    if (FUNCTION_NAMES.has(key)) functions++;
    else if (key !== 'type') return false;
  }
  return functions === 1 && (keys === 1 || Object.hasOwn(value, 'type'));
}

/** True when `value` contains a function call anywhere. */
export function containsFunction(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => containsFunction(v));
  if (!isMap(value)) return false;
  if (isFunctionCall(value)) return true;
  for (const k of Object.keys(value)) if (containsFunction(value[k])) return true;
  return false;
}
