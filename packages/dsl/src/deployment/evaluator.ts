/**
 * Evaluates the hybrid intrinsic functions of a plan when a deployment is created (spec §1.9):
 * `get_input`, `get_property`, `concat`, `merge` and the `string_*` functions. Run-time
 * functions (`get_attribute`, `get_secret`, `get_capability` …) are kept as they are, with their
 * arguments evaluated as far as possible; a hybrid function whose arguments still hold one is
 * kept too.
 *
 * Node properties and inputs are evaluated lazily and remembered, so `get_property` and
 * `get_input` can follow chains in any declaration order; a chain that comes back to where it
 * started is a cycle, and chains (or nesting) deeper than Cloudify's recursion limit of 50 are
 * refused. Every problem is reported once, where the failing function is written; whatever
 * depends on a failed value fails quietly.
 */
import type { DiagnosticCode } from '../diagnostics/codes.js';
import type { Reporter } from '../diagnostics/diagnostic.js';
import { asFunctionCall, containsFunction, type FunctionCall } from '../functions/function-call.js';
import { RUNTIME_FUNCTIONS } from '../functions/scan.js';
import type { Plan, PlanNode, PlanValue } from '../plan/plan-types.js';
import { didYouMean } from '../util/suggest.js';
import { dict, has, isMap, kindOf, show } from '../util/value.js';
import { pythonItem } from './python-strings.js';
import { checkInputValue } from './value-check.js';
import { applyValueFunction, DEFER, type Result } from './value-functions.js';

/** Cloudify's limit on functions evaluating to functions. */
export const RECURSION_LIMIT = 50;

/** Where a value sits, which decides what SELF, SOURCE and TARGET mean. */
export interface EvaluationScope {
  /** `node`: SELF is `self`. `relationship`: SOURCE is `self`, TARGET is `target`. */
  readonly kind: 'node' | 'relationship' | 'global';
  readonly self?: string;
  readonly target?: string;
  /** For messages: `property 'port' of node 'web'`. */
  readonly where: string;
}

/** The result of evaluating one value. */
export type Outcome = { readonly ok: true; readonly value: PlanValue } | { readonly ok: false };

/** Evaluates values of one plan. */
export interface Evaluator {
  /** Evaluates the hybrid functions in `value`. Problems are reported; then `ok` is false. */
  evaluate(value: PlanValue, scope: EvaluationScope): Outcome;
  /** The value of an input (resolved once, then remembered). */
  input(name: string): Outcome;
  /** One evaluated property of a node template (evaluated once, then remembered). */
  nodeProperty(node: string, property: string): Outcome;
}

/** What the evaluator needs. */
export interface EvaluatorOptions {
  readonly plan: Plan;
  readonly reporter: Reporter;
  /**
   * Resolves an input's value (given value or default, functions evaluated, type checked). It
   * may call back into the evaluator; a failure must already be reported.
   */
  readonly resolveInput: (name: string) => Outcome;
}

/** Thrown inside the evaluator after a problem was reported; caught at each entry point. */
class Failed extends Error {
  static readonly instance = new Failed('intrinsic function evaluation failed (already reported)');
}

type MemoEntry =
  | { readonly state: 'running'; readonly label: string }
  | { readonly state: 'done'; readonly value: PlanValue; readonly height: number }
  | { readonly state: 'failed' };

type PathStep = string | number;

/** A place in a node's properties. */
interface Place {
  readonly node: string;
  readonly path: readonly PathStep[];
}

/** Where a function is walking a path, for stepping and for messages. */
interface Cursor {
  readonly fname: 'get_input' | 'get_property';
  readonly scope: EvaluationScope;
  /** The steps taken so far (for get_input, starting with the input name). */
  readonly walked: readonly PathStep[];
  /** Reports that the next step is not there. */
  readonly missing: () => never;
}

/** A cursor over one node's raw properties. */
interface NodeCursor extends Cursor {
  readonly node: string;
}

function formatPath(path: readonly PathStep[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

function isPathStep(value: PlanValue): value is PathStep {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

class PlanEvaluator implements Evaluator {
  private readonly nodes: Map<string, PlanNode>;
  private readonly memo = new Map<string, MemoEntry>();
  /** Labels of the memoised values being computed, outermost first (for cycle messages). */
  private readonly running: string[] = [];
  private depth = 0;
  /** The deepest nesting reached while computing the current memoised value. */
  private peak = 0;
  private limitReported = false;

  constructor(private readonly options: EvaluatorOptions) {
    this.nodes = new Map(options.plan.nodes.map((n) => [n.id, n]));
  }

  evaluate(value: PlanValue, scope: EvaluationScope): Outcome {
    return this.guard(() => this.walk(value, scope));
  }

  input(name: string): Outcome {
    return this.guard(() => this.readInput(name, { kind: 'global', where: `input '${name}'` }));
  }

  nodeProperty(node: string, property: string): Outcome {
    const plan = this.nodes.get(node);
    if (plan === undefined || !has(plan.properties, property)) return { ok: false };
    const raw = plan.properties[property] ?? null;
    return this.guard(() => this.walkNode({ node, path: [property] }, raw));
  }

  private guard(run: () => PlanValue): Outcome {
    try {
      return { ok: true, value: run() };
    } catch (error) {
      if (error instanceof Failed) return { ok: false };
      throw error;
    }
  }

  private fail(
    scope: EvaluationScope,
    message: string,
    code: DiagnosticCode = 'DSL_FUNCTION_EVALUATION',
  ): never {
    const end = /[.?!]$/.test(message) ? '' : '.';
    this.options.reporter.report(code, `In ${scope.where}: ${message}${end}`, undefined);
    throw Failed.instance;
  }

  // --- Walking values --------------------------------------------------------------------------

  private walk(value: PlanValue, scope: EvaluationScope): PlanValue {
    if (Array.isArray(value)) return value.map((v) => this.walk(v, scope));
    if (!isMap(value)) return value;
    const call = asFunctionCall(value);
    if (call !== undefined) return this.call(call, scope);
    const out = dict<PlanValue>();
    for (const k of Object.keys(value)) out[k] = this.walk(value[k] ?? null, scope);
    return out;
  }

  /**
   * Walks a node property value. Each function in it is remembered by its place, so that
   * `get_property` reads of the same place reuse it and a read of a place still being computed
   * is recognised as a cycle. `caller` is the scope asking (a `get_property`), if any.
   */
  private walkNode(place: Place, value: PlanValue, caller?: EvaluationScope): PlanValue {
    const { node, path } = place;
    if (Array.isArray(value)) {
      return value.map((v, i) => this.walkNode({ node, path: [...path, i] }, v, caller));
    }
    if (!isMap(value)) return value;
    const call = asFunctionCall(value);
    if (call !== undefined) {
      const scope: EvaluationScope = {
        kind: 'node',
        self: node,
        where: `property '${formatPath(path)}' of node '${node}'`,
      };
      const memo = {
        key: JSON.stringify(['node', node, ...path]),
        label: `${node}.${formatPath(path)}`,
      };
      return this.remember(memo, caller ?? scope, () => this.call(call, scope));
    }
    const out = dict<PlanValue>();
    for (const k of Object.keys(value)) {
      out[k] = this.walkNode({ node, path: [...path, k] }, value[k] ?? null, caller);
    }
    return out;
  }

  // --- Memory, cycles and the recursion limit --------------------------------------------------

  /**
   * Computes a value once and remembers it. `caller` is where the value is asked for: a cycle or
   * the recursion limit is reported there.
   */
  private remember(
    { key, label }: { readonly key: string; readonly label: string },
    caller: EvaluationScope,
    compute: () => PlanValue,
  ): PlanValue {
    const entry = this.memo.get(key);
    if (entry?.state === 'done') {
      this.reach(this.depth + entry.height, caller);
      return entry.value;
    }
    if (entry?.state === 'failed') throw Failed.instance;
    if (entry?.state === 'running') {
      const from = this.running.indexOf(entry.label);
      const cycle = [...this.running.slice(Math.max(from, 0)), entry.label];
      this.fail(
        caller,
        `values refer to each other in a cycle: ${cycle.join(' → ')}`,
        'DSL_FUNCTION_CYCLE',
      );
    }
    this.memo.set(key, { state: 'running', label });
    this.running.push(label);
    const start = this.depth;
    const outerPeak = this.peak;
    this.peak = this.depth;
    try {
      const value = compute();
      this.memo.set(key, { state: 'done', value, height: this.peak - start });
      return value;
    } catch (error) {
      this.memo.set(key, { state: 'failed' });
      throw error;
    } finally {
      this.running.pop();
      this.peak = Math.max(outerPeak, this.peak);
    }
  }

  private reach(level: number, scope: EvaluationScope): void {
    if (level > RECURSION_LIMIT) {
      if (this.limitReported) throw Failed.instance;
      this.limitReported = true;
      this.fail(
        scope,
        `the recursion limit (${RECURSION_LIMIT}) was reached: functions evaluate to functions more than ${RECURSION_LIMIT} levels deep`,
      );
    }
    if (level > this.peak) this.peak = level;
  }

  // --- Function calls --------------------------------------------------------------------------

  private call(call: FunctionCall, scope: EvaluationScope): PlanValue {
    this.depth++;
    try {
      this.reach(this.depth, scope);
      const args = this.walk(call.args, scope);
      const result = RUNTIME_FUNCTIONS.has(call.name) ? DEFER : this.apply(call, args, scope);
      if (result !== DEFER) return result;
      const kept = dict<PlanValue>();
      kept[call.name] = args;
      if (call.resultType !== undefined) kept.type = call.resultType;
      return kept;
    } finally {
      this.depth--;
    }
  }

  private apply(call: FunctionCall, args: PlanValue, scope: EvaluationScope): Result {
    switch (call.name) {
      case 'get_input':
        return this.getInput(args, call, scope);
      case 'get_property':
        return this.getProperty(args, scope);
      default:
        return applyValueFunction(call.name, args, (message) => this.fail(scope, message));
    }
  }

  // --- get_input -------------------------------------------------------------------------------

  private readInput(name: string, caller: EvaluationScope): PlanValue {
    const memo = { key: JSON.stringify(['input', name]), label: `input '${name}'` };
    return this.remember(memo, caller, () => {
      const outcome = this.options.resolveInput(name);
      if (!outcome.ok) throw Failed.instance;
      return outcome.value;
    });
  }

  private getInput(args: PlanValue, call: FunctionCall, scope: EvaluationScope): Result {
    if (containsFunction(args)) return DEFER;
    const list = Array.isArray(args) ? args : [args];
    const [name, ...path] = list;
    if (typeof name !== 'string') {
      this.fail(
        scope,
        `'get_input' needs an input name or a list [input_name, key or index, …], not ${show(args)}`,
      );
    }
    if (!has(this.options.plan.inputs, name)) {
      this.fail(
        scope,
        `'get_input' refers to the input '${name}', which the blueprint does not declare.${didYouMean(name, Object.keys(this.options.plan.inputs))}`,
        'DSL_UNKNOWN_INPUT',
      );
    }
    let value = this.readInput(name, scope);
    const walked: PathStep[] = [name];
    const written = `[${list.map((p) => show(p)).join(', ')}]`;
    for (const step of path) {
      const missing = (): never =>
        this.fail(
          scope,
          `'get_input' cannot follow ${written}: input '${formatPath(walked)}' has no ${typeof step === 'number' ? `item ${step}` : `key ${show(step)}`}`,
        );
      value = this.step(value, step, { fname: 'get_input', scope, walked, missing });
      walked.push(step as PathStep);
    }
    const type = call.resultType;
    if (typeof type === 'string') {
      const checked = checkInputValue(
        value,
        { type, required: true },
        { dataTypes: this.options.plan.data_types, owner: `input '${formatPath(walked)}'` },
      );
      if (checked.problems.length > 0) {
        this.fail(
          scope,
          `the value ${show(value)} of input '${formatPath(walked)}' is not of the type '${type}' that 'get_input' asks for`,
          'DSL_TYPE_MISMATCH',
        );
      }
    }
    return value;
  }

  /**
   * One step down an evaluated value, Python style: a key of a mapping, or an integer index
   * (negative counts from the end) of a list.
   */
  private step(value: PlanValue, step: PlanValue, at: Cursor): PlanValue {
    const { fname, scope, walked } = at;
    const code: DiagnosticCode =
      fname === 'get_property' ? 'DSL_UNKNOWN_PROPERTY_PATH' : 'DSL_FUNCTION_EVALUATION';
    const runtime = asFunctionCall(value);
    if (runtime !== undefined) {
      this.fail(
        scope,
        `'${fname}' cannot look inside '${formatPath(walked)}': it holds the run-time function '${runtime.name}', whose value is known only when a workflow runs`,
      );
    }
    if (Array.isArray(value)) {
      if (typeof step !== 'number' || !Number.isInteger(step)) {
        this.fail(
          scope,
          `'${fname}': '${formatPath(walked)}' is a list, so the next step must be an integer index, not ${show(step)}`,
          code,
        );
      }
      const item = pythonItem(value, step);
      if (item === undefined) at.missing();
      return item;
    }
    if (isMap(value)) {
      const key = typeof step === 'number' ? String(step) : step;
      if (typeof key !== 'string' || !has(value, key)) at.missing();
      return value[key] ?? null;
    }
    this.fail(
      scope,
      `'${fname}': '${formatPath(walked)}' is ${kindOf(value)} (${show(value)}), so it has no ${show(step)}`,
      code,
    );
  }

  // --- get_property ----------------------------------------------------------------------------

  private getProperty(args: PlanValue, scope: EvaluationScope): Result {
    if (containsFunction(args)) return DEFER;
    if (!Array.isArray(args) || args.length < 2 || !args.every((a) => isPathStep(a))) {
      this.fail(
        scope,
        `'get_property' needs a list [node_name or SELF/SOURCE/TARGET, property, key or index, …], not ${show(args)}`,
      );
    }
    const [ref, ...path] = args;
    const node = this.resolveNodeRef(String(ref), scope);
    return this.readProperty({ node, path }, scope);
  }

  private resolveNodeRef(ref: string, scope: EvaluationScope): string {
    let node: string | undefined = ref;
    if (ref === 'SELF') node = scope.kind === 'node' ? scope.self : undefined;
    else if (ref === 'SOURCE') node = scope.kind === 'relationship' ? scope.self : undefined;
    else if (ref === 'TARGET') node = scope.kind === 'relationship' ? scope.target : undefined;
    if (node === undefined) {
      this.fail(
        scope,
        `'get_property' uses ${ref}, which ${ref === 'SELF' ? 'means something only in node properties and node operations' : 'means something only in relationship properties and relationship operations'}`,
      );
    }
    if (!this.nodes.has(node)) {
      this.fail(
        scope,
        `'get_property' refers to the node template '${node}', which does not exist.${didYouMean(node, this.nodes.keys())}`,
        'DSL_UNKNOWN_NODE',
      );
    }
    return node;
  }

  /**
   * Reads a place in a node's properties. The raw value is walked first, so a function further
   * along the path is evaluated only when the path passes through it; the value at the end is
   * then evaluated (each of its functions remembered by place).
   */
  private readProperty({ node, path }: Place, scope: EvaluationScope): Result {
    const plan = this.nodes.get(node) as PlanNode;
    const walked: PathStep[] = [];
    const at: NodeCursor = {
      node,
      fname: 'get_property',
      scope,
      walked,
      missing: () =>
        this.fail(
          scope,
          `'get_property' refers to '${formatPath(path)}' of node '${node}', which does not exist${
            walked.length === 0
              ? `.${didYouMean(String(path[0]), Object.keys(plan.properties))}`
              : ` ('${formatPath(walked)}' has no ${show(path[walked.length] ?? null)})`
          }`,
          'DSL_UNKNOWN_PROPERTY_PATH',
        ),
    };
    let raw: PlanValue = plan.properties;
    for (let i = 0; i < path.length; i++) {
      const step = path[i] as PathStep;
      raw = this.lookupRaw(raw, step, at);
      walked.push(step);
      if (asFunctionCall(raw) === undefined) continue;
      // A function on the way: evaluate it where it is, then walk its value.
      let value = this.walkNode({ node, path: walked }, raw, scope);
      for (const rest of path.slice(i + 1)) {
        if (asFunctionCall(value) !== undefined) return DEFER;
        value = this.step(value, rest, at);
        walked.push(rest);
      }
      return value;
    }
    return this.walkNode({ node, path: walked }, raw, scope);
  }

  /** One step down a node's raw (not yet evaluated) properties. */
  private lookupRaw(raw: PlanValue, step: PathStep, at: NodeCursor): PlanValue {
    if (Array.isArray(raw)) {
      if (typeof step !== 'number') {
        this.fail(
          at.scope,
          `'get_property': '${formatPath(at.walked)}' of node '${at.node}' is a list, so the next step must be an integer index, not ${show(step)}`,
          'DSL_UNKNOWN_PROPERTY_PATH',
        );
      }
      const item = pythonItem(raw, step);
      if (item === undefined) at.missing();
      return item;
    }
    if (isMap(raw)) {
      const key = String(step);
      if (!has(raw, key)) at.missing();
      return raw[key] ?? null;
    }
    return at.missing();
  }
}

/** Creates an evaluator for one plan. */
export function createEvaluator(options: EvaluatorOptions): Evaluator {
  return new PlanEvaluator(options);
}
