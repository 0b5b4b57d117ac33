/**
 * The hybrid functions whose result depends on their (already evaluated) arguments alone:
 * `concat`, `merge`, `string_find`, `string_replace`, `string_split`, `string_lower` and
 * `string_upper`, with Cloudify's semantics (Python's `str()`, `str.find`, `str.replace`,
 * `str.split`, negative indexes). When an argument still holds a run-time function, the call
 * waits for run time ({@link DEFER}).
 */
import { asFunctionCall, containsFunction } from '../functions/function-call.js';
import type { PlanValue } from '../plan/plan-types.js';
import { dict, isMap, kindOf, show } from '../util/value.js';
import { pythonStr } from './python-str.js';
import { pythonFind, pythonItem, pythonReplace } from './python-strings.js';

/** Returned for a call that cannot be evaluated before run time. */
export const DEFER = Symbol('defer');

/** A function's value, or {@link DEFER}. */
export type Result = PlanValue | typeof DEFER;

/** Reports a problem with the call (naming where it is written) and stops its evaluation. */
export type Fail = (message: string) => never;

class Call {
  constructor(
    private readonly name: string,
    readonly args: PlanValue,
    readonly fail: Fail,
  ) {}

  /** The arguments as a list of one of the allowed lengths. */
  list(sizes: readonly number[]): PlanValue[] {
    const args = this.args;
    if (!Array.isArray(args) || !sizes.includes(args.length)) {
      this.fail(
        `'${this.name}' takes a list of ${sizes.join(' or ')} arguments, not ${show(args)}`,
      );
    }
    return args;
  }

  text(args: readonly PlanValue[], i: number): string {
    const value = args[i] ?? null;
    if (typeof value !== 'string') {
      this.fail(
        `argument ${i + 1} of '${this.name}' must be a string, not ${kindOf(value)} (${show(value)})`,
      );
    }
    return value;
  }

  integer(value: PlanValue, what: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(
        `the ${what} of '${this.name}' must be an integer, not ${kindOf(value)} (${show(value)})`,
      );
    }
    return value;
  }
}

function concat(call: Call): Result {
  const args = call.args;
  if (!Array.isArray(args)) call.fail(`'concat' needs a list of values to join, not ${show(args)}`);
  // Stringifying a function would only give its Python repr: wait for run time instead.
  if (containsFunction(args)) return DEFER;
  return args.map((a) => pythonStr(a)).join('');
}

function merge(call: Call): Result {
  const args = call.args;
  if (!Array.isArray(args)) call.fail(`'merge' needs a list of mappings, not ${show(args)}`);
  // As in Cloudify, only an item that is itself a function defers the merge.
  if (args.some((a) => asFunctionCall(a) !== undefined)) return DEFER;
  const out = dict<PlanValue>();
  args.forEach((item, i) => {
    if (!isMap(item)) {
      call.fail(
        `'merge' can merge only mappings, but item ${i + 1} is ${kindOf(item)} (${show(item)})`,
      );
    }
    for (const k of Object.keys(item)) out[k] = item[k] ?? null;
  });
  return out;
}

function stringFind(call: Call): Result {
  const a = call.list([2]);
  if (containsFunction(a)) return DEFER;
  return pythonFind(call.text(a, 0), call.text(a, 1));
}

function stringReplace(call: Call): Result {
  const a = call.list([3, 4]);
  if (containsFunction(a)) return DEFER;
  const text = call.text(a, 0);
  const change = { old: call.text(a, 1), replacement: call.text(a, 2) };
  if (a.length === 3) return pythonReplace(text, change);
  return pythonReplace(text, { ...change, count: call.integer(a[3] ?? null, 'count') });
}

function stringSplit(call: Call): Result {
  const a = call.list([2, 3]);
  if (containsFunction(a)) return DEFER;
  const text = call.text(a, 0);
  const separator = call.text(a, 1);
  if (separator === '') call.fail(`'string_split' cannot split on an empty separator`);
  const parts = text.split(separator);
  if (a.length === 2) return parts;
  const index = call.integer(a[2] ?? null, 'index');
  const part = pythonItem(parts, index);
  if (part === undefined) {
    call.fail(
      `'string_split': index ${index} is out of range; ${show(text)} split on ${show(separator)} gives ${parts.length} part(s)`,
    );
  }
  return part;
}

function stringCase(call: Call, upper: boolean): Result {
  const arg = call.args;
  if (containsFunction(arg)) return DEFER;
  if (typeof arg !== 'string') {
    call.fail(
      `'${upper ? 'string_upper' : 'string_lower'}' needs a string, not ${kindOf(arg)} (${show(arg)})`,
    );
  }
  return upper ? arg.toUpperCase() : arg.toLowerCase();
}

/**
 * Evaluates `concat`, `merge` or a `string_*` function on its evaluated arguments. Any other
 * name gives {@link DEFER}.
 */
export function applyValueFunction(name: string, args: PlanValue, fail: Fail): Result {
  const call = new Call(name, args, fail);
  switch (name) {
    case 'concat':
      return concat(call);
    case 'merge':
      return merge(call);
    case 'string_find':
      return stringFind(call);
    case 'string_replace':
      return stringReplace(call);
    case 'string_split':
      return stringSplit(call);
    case 'string_lower':
    case 'string_upper':
      return stringCase(call, name === 'string_upper');
    default:
      return DEFER;
  }
}
