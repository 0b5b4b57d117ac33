/**
 * Deployment inputs (spec §1.6, Cloudify's `_set_plan_inputs`): each input takes the given
 * value, else a non-null default, else what its data type's defaults make, else it is missing
 * (when required) or null. Values may hold intrinsic functions (a default that concatenates other
 * inputs, a given `{get_secret: …}`); hybrid ones are evaluated, then the value is checked against
 * the input's type, item type and constraints. Given names the blueprint does not declare are
 * reported.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import { NO_PLACE, type Placer } from './place.js';
import { asFunctionCall, containsFunction } from '../functions/function-call.js';
import type { Plan, PlanPropertySchema, PlanValue } from '../plan/plan-types.js';
import { violation } from '../types/constraints.js';
import { didYouMean } from '../util/suggest.js';
import { has, isMap } from '../util/value.js';
import type { EvaluationScope, Outcome } from './evaluator.js';
import { checkInputValue, isPrimitiveType } from './value-check.js';

/** What the input resolver needs. */
export interface InputResolverOptions {
  readonly plan: Plan;
  readonly given: { readonly [name: string]: PlanValue };
  readonly autoCorrectTypes: boolean;
  readonly reporter: Reporter;
  /** Evaluates the hybrid functions in a value (the plan's evaluator). */
  readonly evaluate: (value: PlanValue, scope: EvaluationScope) => Outcome;
  /** Points problems at the input's declaration. */
  readonly place?: Placer;
}

/** Resolves inputs one at a time (the evaluator calls it when `get_input` first needs one). */
export interface InputResolver {
  /** The final value of a declared input; problems are reported, then `ok` is false. */
  resolve(name: string): Outcome;
}

/**
 * How deeply a given value may nest. Blueprint YAML stops at 100 levels; a value given through an
 * API could go on until evaluating it overflows the stack.
 */
export const MAX_INPUT_DEPTH = 500;

/** True when `value` nests deeper than `limit` lists and mappings (checked without recursion). */
export function nestsDeeperThan(value: PlanValue, limit: number): boolean {
  const stack: [PlanValue, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (depth > limit) return true;
    if (Array.isArray(v)) for (const item of v) stack.push([item, depth + 1]);
    else if (isMap(v)) for (const k of Object.keys(v)) stack.push([v[k] ?? null, depth + 1]);
  }
  return false;
}

const INTEGER = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const FLOAT =
  /^\s*[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?\s*$/;

/**
 * Cloudify's `cast_to_type`: a string becomes an integer, float or boolean when the input's type
 * asks for one and the text reads as one (Python's `int()`/`float()` rules, `true`/`false`).
 */
export function castToType(value: PlanValue, type: string | undefined): PlanValue {
  if (typeof value !== 'string') return value;
  const number = (pattern: RegExp): PlanValue =>
    pattern.test(value) ? Number(value.trim().replaceAll('_', '')) : value;
  if (type === 'integer') return number(INTEGER);
  if (type === 'float') return number(FLOAT);
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** Reports given inputs the blueprint does not declare. */
export function reportUnknownInputs(
  plan: Plan,
  given: { readonly [name: string]: PlanValue },
  reporter: Reporter,
): void {
  const declared = Object.keys(plan.inputs);
  for (const name of Object.keys(given)) {
    if (has(plan.inputs, name) || given[name] === undefined) continue;
    reporter.report(
      'DSL_INPUT_UNKNOWN',
      `Input '${name}' is given, but the blueprint does not declare it; ${
        declared.length === 0 ? 'it declares no inputs' : `it declares ${declared.join(', ')}`
      }.${didYouMean(name, declared)}`,
      undefined,
    );
  }
}

class Resolver implements InputResolver {
  constructor(private readonly options: InputResolverOptions) {}

  resolve(name: string): Outcome {
    return (this.options.place ?? NO_PLACE)('inputs', name, () => this.resolveHere(name));
  }

  private resolveHere(name: string): Outcome {
    const { plan, reporter } = this.options;
    const def = plan.inputs[name];
    if (def === undefined) return { ok: false };
    const raw = this.rawValue(name, def);
    if (raw !== undefined && nestsDeeperThan(raw, MAX_INPUT_DEPTH)) {
      reporter.report(
        'DSL_INVALID_VALUE',
        `The value of input '${name}' nests lists and mappings more than ${MAX_INPUT_DEPTH} levels deep.`,
        undefined,
      );
      return { ok: false };
    }
    if (raw === undefined) {
      if (!def.required) return { ok: true, value: null };
      reporter.report(
        'DSL_INPUT_MISSING',
        `Input '${name}' is required, but no value was given and it has no default.`,
        undefined,
      );
      return { ok: false };
    }
    const cast = this.options.autoCorrectTypes ? castToType(raw, def.type) : raw;
    const evaluated = this.options.evaluate(cast, { kind: 'global', where: `input '${name}'` });
    if (!evaluated.ok) return evaluated;
    const checked = checkInputValue(evaluated.value, def, {
      dataTypes: plan.data_types,
      owner: `input '${name}'`,
    });
    for (const problem of checked.problems)
      reporter.report(problem.code, problem.message, undefined);
    // A value of the wrong type has been reported; its constraints would only add noise.
    if (checked.problems.length === 0) this.checkConstraints(name, def, checked.value);
    return { ok: true, value: checked.value };
  }

  /** The given value, the default, or a value made of the data type's defaults. */
  private rawValue(name: string, def: PlanPropertySchema): PlanValue | undefined {
    const given = this.options.given;
    if (has(given, name) && given[name] !== undefined) return given[name];
    if (def.default !== undefined && def.default !== null) return def.default;
    if (def.type === undefined || isPrimitiveType(def.type)) return undefined;
    // Cloudify tries to build the value from the data type alone; an empty result counts as none.
    const built = checkInputValue({}, def, {
      dataTypes: this.options.plan.data_types,
      owner: `input '${name}'`,
    });
    const empty = isMap(built.value) && Object.keys(built.value).length === 0;
    return built.problems.length === 0 && !empty ? built.value : undefined;
  }

  private checkConstraints(name: string, def: PlanPropertySchema, value: PlanValue): void {
    const constraints = def.constraints ?? [];
    if (constraints.length === 0) return;
    const call = asFunctionCall(value);
    if (call !== undefined) {
      this.options.reporter.report(
        'DSL_CONSTRAINT_VIOLATED',
        `Input '${name}' has constraints, so its value cannot be the run-time function '${call.name}', which is known only when a workflow runs.`,
        undefined,
      );
      return;
    }
    // A value that still holds a run-time function somewhere inside cannot be judged yet.
    if (containsFunction(value)) return;
    for (const c of constraints) {
      const why = violation(
        {
          operator: c.operator,
          argument: c.argument,
          errorMessage: c.error_message,
          loc: undefined,
        },
        value,
      );
      if (why !== undefined) {
        this.options.reporter.report(
          'DSL_CONSTRAINT_VIOLATED',
          `The value of input '${name}' breaks a constraint: ${why}${/[.?!]$/.test(why) ? '' : '.'}`,
          undefined,
        );
      }
    }
  }
}

/** Creates the resolver of one deployment's inputs. */
export function createInputResolver(options: InputResolverOptions): InputResolver {
  return new Resolver(options);
}
