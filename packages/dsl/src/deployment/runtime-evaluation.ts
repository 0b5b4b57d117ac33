/**
 * Evaluation of the functions left in a deployment's plan for run time (`get_attribute`,
 * `get_secret`, `get_capability` …), wherever they sit: operation inputs, outputs,
 * capabilities. The caller answers the run-time functions (it knows the node instances and the
 * secrets); the value functions around them (`concat`, `merge`, `string_*`) are applied here
 * with the same semantics as when the deployment was created.
 */
import { asFunctionCall } from '../functions/function-call.js';
import type { PlanValue } from '../plan/plan-types.js';
import { dict, isMap } from '../util/value.js';
import { applyValueFunction, DEFER } from './value-functions.js';

/** Answers one run-time function call whose arguments are already evaluated. */
export type RuntimeFunctionResolver = (name: string, args: PlanValue) => PlanValue;

/** A function that could not be evaluated at run time; the message says which and why. */
export class RuntimeEvaluationError extends Error {
  override readonly name = 'RuntimeEvaluationError';
}

/** Cloudify's limit on functions evaluating to functions. */
const DEPTH_LIMIT = 50;

/**
 * Evaluates every intrinsic function in `value`, innermost first. Throws a
 * {@link RuntimeEvaluationError} when one fails (the resolver may throw it too).
 */
export function evaluateRuntimeValue(
  value: PlanValue,
  resolve: RuntimeFunctionResolver,
): PlanValue {
  return evaluate(value, resolve, 0);
}

function evaluate(value: PlanValue, resolve: RuntimeFunctionResolver, depth: number): PlanValue {
  if (depth > DEPTH_LIMIT) {
    throw new RuntimeEvaluationError(
      `Functions nest or evaluate to functions more than ${DEPTH_LIMIT} levels deep.`,
    );
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, resolve, depth + 1));
  if (!isMap(value)) return value;
  const call = asFunctionCall(value);
  if (call === undefined) {
    const out = dict<PlanValue>();
    for (const key of Object.keys(value)) {
      out[key] = evaluate(value[key] as PlanValue, resolve, depth + 1);
    }
    return out;
  }
  const args = evaluate(call.args, resolve, depth + 1);
  const fail = (message: string): never => {
    throw new RuntimeEvaluationError(message);
  };
  const applied = applyValueFunction(call.name, args, fail);
  const result = applied === DEFER ? resolve(call.name, args) : applied;
  // A function may give a value holding functions (an attribute set to `{get_input: …}`).
  return asFunctionCall(result) !== undefined || isMap(result) || Array.isArray(result)
    ? evaluate(result, resolve, depth + 1)
    : result;
}
