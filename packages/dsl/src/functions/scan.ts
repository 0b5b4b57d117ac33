/**
 * Finds and checks intrinsic functions in a value (spec §1.9): arity and argument kinds, the
 * names they reference (inputs, node templates), SELF/SOURCE/TARGET scope, the DSL version that
 * introduced them, and where they are forbidden. Returns the value with references inside
 * namespaced imports rewritten to their namespaced names, ready for the plan.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import { qualify, type ComposedBlueprint } from '../compose/compose.js';
import { keyLoc, valueLoc, copyLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { versionAtLeast, type DslVersion } from '../util/dsl-version.js';
import { closest, didYouMean } from '../util/suggest.js';
import { dict, isMap, show, type Value, type ValueMap } from '../util/value.js';
import { asFunctionCall, FUNCTION_NAMES, type FunctionCall } from './function-call.js';

/** Functions evaluated only while a workflow runs. */
export const RUNTIME_FUNCTIONS: ReadonlySet<string> = new Set([
  'get_attribute',
  'get_attributes_list',
  'get_attributes_dict',
  'get_secret',
  'get_capability',
  'get_environment_capability',
  'get_group_capability',
  'get_label',
  'get_sys',
  'get_consumers',
]);

/** Where a value sits, which decides what its functions may do. */
export interface FunctionScope {
  /** `node`: SELF means this node. `relationship`: SOURCE/TARGET are defined. */
  readonly kind: 'node' | 'relationship' | 'global';
  /** The namespace its references are resolved in. */
  readonly namespace: string | undefined;
  /** For messages: `the properties of node template 'web'`. */
  readonly where: string;
  /** The node SELF (or SOURCE) refers to, qualified. */
  readonly self?: string;
  /** The relationship's target node, qualified. */
  readonly target?: string;
  /** True in input defaults (evaluated only when the input is not given). */
  readonly inputDefault?: boolean;
  /** Functions not allowed here, with the reason; `all` forbids every function. */
  readonly forbid?: { readonly names: ReadonlySet<string> | 'all'; readonly reason: string };
}

/** A `get_property` found while scanning, checked once every node's properties are known. */
export interface PropertyReference {
  /** The node the reference reads (qualified), after SELF/SOURCE/TARGET are resolved. */
  readonly node: string;
  /** The property path: a property name, then nested keys or indexes. */
  readonly path: readonly (string | number)[];
  /**
   * The arguments as written (`[node, property, key…]`): path item i is item i + 1 there. Only
   * asked for positions when a problem is reported (references are many on a large blueprint).
   */
  readonly args: readonly Value[];
  readonly where: string;
  /** What {@link REFERENCE_OWNER} in `where` stands for (references shared by a type's operations). */
  readonly owner?: string;
}

/** A placeholder for the owner in the `where` of a reference made by a type's shared operation. */
export const REFERENCE_OWNER = '\u0000owner';

/** Where the `get_property` is, or where its path item `step` is. */
export function referenceLoc(ref: PropertyReference, step?: number): Loc | undefined {
  return valueLoc(ref.args, step === undefined ? 1 : step + 1);
}

/** The `where` of a reference, for messages. */
export function referenceWhere(ref: PropertyReference): string {
  return ref.owner === undefined ? ref.where : ref.where.replace(REFERENCE_OWNER, ref.owner);
}

/** An input referenced by `get_input` (for the input dependency graph). */
export interface InputReference {
  readonly input: string;
  readonly loc: Loc | undefined;
}

/** Shared state of scanning one blueprint. */
export interface ScanContext {
  readonly reporter: Reporter;
  readonly version: DslVersion;
  readonly composed: ComposedBlueprint;
  /** `get_property` references to check later. */
  readonly propertyRefs: PropertyReference[];
  /** Collects `get_input` references when set (input defaults). */
  inputRefs?: InputReference[] | undefined;
}

/** The outcome of scanning one value. */
export interface ScanResult {
  readonly value: Value;
  readonly hasFunctions: boolean;
}

/**
 * Where a problem would be reported, worked out only when one is: nearly every function call
 * checks out, and looking its positions up ahead of time was most of the location lookups of a
 * parse.
 */
type Where = () => Loc | undefined;

const SYS_KEYS: Record<string, readonly string[]> = {
  tenant: ['name'],
  deployment: ['id', 'name', 'blueprint', 'owner'],
};

class Scanner {
  hasFunctions = false;

  constructor(
    private readonly ctx: ScanContext,
    private readonly scope: FunctionScope,
  ) {}

  walk(value: Value): Value {
    // Most values hold nothing to rewrite: a copy is made only from the first item that changes.
    if (Array.isArray(value)) {
      let out: Value[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i] as Value;
        const v = this.walk(item);
        if (out === undefined && v !== item) out = value.slice(0, i);
        if (out !== undefined) out.push(v);
      }
      if (out === undefined) return value;
      copyLoc(value, out);
      return out;
    }
    if (!isMap(value)) return value;
    const call = asFunctionCall(value);
    if (call !== undefined) return this.call(call);
    this.checkUnknownFunction(value);
    let out: ValueMap | undefined;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const item = value[k] as Value;
      const v = this.walk(item);
      if (out === undefined && v !== item) {
        out = dict<Value>();
        for (let j = 0; j < i; j++) {
          const earlier = keys[j] as string;
          out[earlier] = value[earlier] as Value;
        }
      }
      if (out !== undefined) out[k] = v;
    }
    if (out === undefined) return value;
    copyLoc(value, out);
    return out;
  }

  private checkUnknownFunction(map: ValueMap): void {
    // Only a mapping of one key (besides `type`) can be a misspelt function: count before
    // listing, as nearly every mapping is larger or a function already.
    let count = 0;
    let other = 0;
    for (const k in map) {
      if (++count > 2) return;
      if (k !== 'type') other++;
    }
    if (other !== 1) return;
    const keys = Object.keys(map).filter((k) => k !== 'type');
    const key = keys[0] as string;
    const lower = key.toLowerCase();
    const suspicious = /^(?:get_|string_)/.test(lower) || FUNCTION_NAMES.has(lower);
    if (!suspicious) return;
    const best = closest(key, FUNCTION_NAMES.keys());
    this.ctx.reporter.report(
      'DSL_UNKNOWN_FUNCTION',
      best !== undefined
        ? `'${key}' is not an intrinsic function; did you mean '${best}'?`
        : `'${key}' is not an intrinsic function; functions are ${[...FUNCTION_NAMES.keys()].join(', ')}.`,
      keyLoc(map, key),
    );
  }

  private call(call: FunctionCall): Value {
    this.hasFunctions = true;
    const map = call.map;
    const at: Where = () => keyLoc(map, call.name);
    const argsAt: Where = () => valueLoc(map, call.name);
    const since = FUNCTION_NAMES.get(call.name);
    if (since !== undefined && since !== '1_0' && !versionAtLeast(this.ctx.version, since)) {
      this.ctx.reporter.report(
        'DSL_FEATURE_VERSION',
        `The '${call.name}' function needs cloudify_dsl_${since} or newer; this blueprint declares ${this.ctx.version}.`,
        at(),
      );
    }
    const forbid = this.scope.forbid;
    if (forbid !== undefined && (forbid.names === 'all' || forbid.names.has(call.name))) {
      this.ctx.reporter.report(
        'DSL_FUNCTION_NOT_ALLOWED',
        `'${call.name}' cannot be used in ${this.scope.where}: ${forbid.reason}`,
        at(),
      );
      return map;
    }
    const args = this.checkArgs(call, map, argsAt);
    if (args === call.args) return map;
    const out = dict<Value>();
    out[call.name] = args;
    if (call.resultType !== undefined) out.type = call.resultType;
    copyLoc(map, out);
    return out;
  }

  private arityError(call: FunctionCall, expected: string, loc: Where): void {
    this.ctx.reporter.report(
      'DSL_FUNCTION_ARGUMENTS',
      `'${call.name}' takes ${expected}; got ${show(call.args)}.`,
      loc(),
    );
  }

  /** Checks nested arguments: walks them (they may hold functions) and returns them rewritten. */
  private nested(args: Value): Value {
    return this.walk(args);
  }

  private noRuntimeInside(call: FunctionCall, args: Value, loc: Where): boolean {
    const found = findFunction(args, (n) => RUNTIME_FUNCTIONS.has(n));
    if (found === undefined) return true;
    this.ctx.reporter.report(
      'DSL_FUNCTION_NOT_ALLOWED',
      `'${call.name}' is evaluated when the deployment is created, so it cannot contain the run-time function '${found}'.`,
      loc(),
    );
    return false;
  }

  private checkArgs(call: FunctionCall, map: ValueMap, at: Where): Value {
    const args = call.args;
    switch (call.name) {
      case 'get_input':
        return this.getInput(call, map, at);
      case 'get_property':
      case 'get_attribute':
        return this.nodeReference(call, map, at);
      case 'get_attributes_list':
      case 'get_attributes_dict': {
        if (!Array.isArray(args) || args.length < 2 || typeof args[0] !== 'string') {
          this.arityError(call, 'a list: [node_name, attribute, …]', at);
          return args;
        }
        const node = this.resolveNode(args[0], call, () => valueLoc(args, 0), false);
        const rest = this.nested(args.slice(1)) as Value[];
        return node === args[0] && rest.every((v, i) => v === args[i + 1])
          ? args
          : withLoc(args, [node, ...rest]);
      }
      case 'get_secret':
      case 'get_environment_capability':
        if (typeof args === 'string' || asFunctionCall(args) !== undefined)
          return this.nested(args);
        if (!Array.isArray(args) || args.length < 1) {
          this.arityError(call, 'a name, or a list [name, key, …]', at);
          return args;
        }
        return this.nested(args);
      case 'get_capability':
      case 'get_group_capability':
        if (!Array.isArray(args) || args.length < 2) {
          this.arityError(call, 'a list: [deployment_id, capability_name, …]', at);
          return args;
        }
        return this.nested(args);
      case 'get_label':
        if (typeof args === 'string' || asFunctionCall(args) !== undefined)
          return this.nested(args);
        if (
          !Array.isArray(args) ||
          args.length !== 2 ||
          (typeof args[1] !== 'number' && asFunctionCall(args[1]) === undefined)
        ) {
          this.arityError(call, 'a label key, or a list [key, index]', at);
          return args;
        }
        return this.nested(args);
      case 'get_sys': {
        if (
          !Array.isArray(args) ||
          args.length !== 2 ||
          typeof args[0] !== 'string' ||
          typeof args[1] !== 'string'
        ) {
          this.arityError(call, 'a list of two names, e.g. [deployment, id] or [tenant, name]', at);
          return args;
        }
        const allowed = Object.hasOwn(SYS_KEYS, args[0]) ? SYS_KEYS[args[0]] : undefined;
        if (allowed === undefined || !allowed.includes(args[1])) {
          this.ctx.reporter.report(
            'DSL_FUNCTION_ARGUMENTS',
            `'get_sys' does not know [${args[0]}, ${args[1]}]; it knows [tenant, name] and [deployment, id|name|blueprint|owner].`,
            at(),
          );
        }
        return args;
      }
      case 'get_consumers':
        if (args !== 'ids' && args !== 'names' && args !== 'count') {
          this.arityError(call, "one of 'ids', 'names' or 'count'", at);
        }
        return args;
      case 'concat':
        if (!Array.isArray(args)) {
          this.arityError(call, 'a list of values to join', at);
          return args;
        }
        return this.nested(args);
      case 'merge':
        if (!Array.isArray(args) || !args.every((a) => isMap(a))) {
          this.arityError(call, 'a list of mappings (or functions that give mappings)', at);
          return args;
        }
        return this.nested(args);
      case 'string_find':
        return this.listOf(call, map, at, [2], '[string, substring]');
      case 'string_replace':
        return this.listOf(
          call,
          map,
          at,
          [3, 4],
          '[string, old, new] or [string, old, new, count]',
        );
      case 'string_split':
        return this.listOf(
          call,
          map,
          at,
          [2, 3],
          '[string, separator] or [string, separator, index]',
        );
      case 'string_lower':
      case 'string_upper':
        if (typeof args === 'string' || asFunctionCall(args) !== undefined)
          return this.nested(args);
        this.arityError(call, 'a string or a function that gives one', at);
        return args;
      default:
        return this.nested(args);
    }
  }

  private listOf(
    call: FunctionCall,
    map: ValueMap,
    at: Where,
    sizes: number[],
    words: string,
  ): Value {
    const args = call.args;
    if (!Array.isArray(args) || !sizes.includes(args.length)) {
      this.arityError(call, `a list ${words}`, at);
      return args;
    }
    return this.nested(args);
  }

  private getInput(call: FunctionCall, map: ValueMap, at: Where): Value {
    const args = call.args;
    let name: Value;
    let rest: Value[] = [];
    if (typeof args === 'string') name = args;
    else if (Array.isArray(args) && args.length >= 1) {
      name = args[0] as Value;
      rest = args.slice(1);
    } else if (asFunctionCall(args) !== undefined) {
      if (!this.noRuntimeInside(call, args, at)) return args;
      return this.nested(args);
    } else {
      this.arityError(call, 'an input name, or a list [input_name, key or index, …]', at);
      return args;
    }
    if (!this.noRuntimeInside(call, args, at)) return args;
    let qualified: Value = name;
    const nameLoc: Where = Array.isArray(args) ? () => valueLoc(args, 0) : at;
    if (typeof name === 'string') {
      qualified = qualify(name, this.scope.namespace);
      const inputs = this.ctx.composed.sections.inputs;
      if (!inputs.has(qualified)) {
        if (inputs.has(name)) qualified = name;
        else if (this.scope.inputDefault === true) {
          // Cloudify accepts this: the default is evaluated only when no value is given.
          this.ctx.reporter.add(
            'DSL_UNKNOWN_INPUT',
            'warning',
            `'get_input' in ${this.scope.where} refers to the input '${name}', which is not declared; deploying without a value for this input will fail.${didYouMean(name, [...inputs.keys()])}`,
            nameLoc(),
          );
        } else {
          this.ctx.reporter.report(
            'DSL_UNKNOWN_INPUT',
            `'get_input' in ${this.scope.where} refers to the input '${name}', which is not declared.${didYouMean(name, [...inputs.keys()])}`,
            nameLoc(),
          );
        }
      }
      this.ctx.inputRefs?.push({ input: qualified, loc: nameLoc() });
    } else if (asFunctionCall(name) !== undefined) {
      qualified = this.walk(name);
    } else {
      this.arityError(call, 'an input name (a string) first', nameLoc);
      return args;
    }
    for (const [i, p] of rest.entries()) {
      if (typeof p !== 'string' && typeof p !== 'number' && asFunctionCall(p) === undefined) {
        this.arityError(call, 'keys (strings) or indexes (integers) after the input name', () =>
          valueLoc(args, i + 1),
        );
        return args;
      }
    }
    if (typeof args === 'string') return qualified;
    const walkedRest = this.nested(rest) as Value[];
    if (qualified === name && walkedRest.every((v, i) => v === rest[i])) return args;
    return withLoc(args, [qualified, ...walkedRest]);
  }

  private nodeReference(call: FunctionCall, map: ValueMap, at: Where): Value {
    const args = call.args;
    if (!Array.isArray(args) || args.length < 2) {
      this.arityError(call, 'a list: [SELF|SOURCE|TARGET|node_name, name, nested keys…]', at);
      return args;
    }
    const first = args[0] as Value;
    if (typeof first !== 'string') {
      this.arityError(call, 'a node name (or SELF, SOURCE, TARGET) first', () => valueLoc(args, 0));
      return args;
    }
    if (call.name === 'get_property' && !this.noRuntimeInside(call, args, at)) return args;
    for (let i = 1; i < args.length; i++) {
      const p = args[i] as Value;
      if (typeof p !== 'string' && typeof p !== 'number' && asFunctionCall(p) === undefined) {
        this.arityError(
          call,
          'property or attribute names and nested keys (strings or integers)',
          () => valueLoc(args, i),
        );
        return args;
      }
    }
    const node = this.resolveNode(first, call, () => valueLoc(args, 0), true);
    const rest = this.nested(args.slice(1)) as Value[];
    if (call.name === 'get_property' && typeof node === 'string') {
      const target =
        node === 'SELF'
          ? this.scope.self
          : node === 'SOURCE'
            ? this.scope.self
            : node === 'TARGET'
              ? this.scope.target
              : node;
      const path = rest.filter(
        (p): p is string | number => typeof p === 'string' || typeof p === 'number',
      );
      const known =
        target !== undefined &&
        (target === this.scope.self ||
          target === this.scope.target ||
          this.ctx.composed.sections.node_templates.has(target));
      if (target !== undefined && known && path.length === rest.length) {
        this.ctx.propertyRefs.push({ node: target, path, args, where: this.scope.where });
      }
    }
    if (node === first && rest.every((v, i) => v === args[i + 1])) return args;
    return withLoc(args, [node, ...rest]);
  }

  /** Checks a node reference (or SELF/SOURCE/TARGET) and returns it qualified. */
  private resolveNode(name: string, call: FunctionCall, loc: Where, keywords: boolean): string {
    if (keywords && (name === 'SELF' || name === 'SOURCE' || name === 'TARGET')) {
      const ok = name === 'SELF' ? this.scope.kind === 'node' : this.scope.kind === 'relationship';
      if (!ok) {
        const where =
          name === 'SELF'
            ? 'SELF can be used only in node template properties and operations'
            : `${name} can be used only in relationship properties and operations`;
        this.ctx.reporter.report(
          'DSL_FUNCTION_SCOPE',
          `'${call.name}' in ${this.scope.where} uses ${name}, but ${where}.`,
          loc(),
        );
      }
      return name;
    }
    const templates = this.ctx.composed.sections.node_templates;
    const qualified = qualify(name, this.scope.namespace);
    if (templates.has(qualified)) return qualified;
    if (templates.has(name)) return name;
    this.ctx.reporter.report(
      'DSL_UNKNOWN_NODE',
      `'${call.name}' in ${this.scope.where} refers to the node template '${name}', which does not exist.${didYouMean(name, [...templates.keys()])}`,
      loc(),
    );
    return name;
  }
}

function withLoc(from: Value[], to: Value[]): Value[] {
  copyLoc(from, to);
  return to;
}

/** The first function name in `value` that `test` accepts. */
export function findFunction(value: Value, test: (name: string) => boolean): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findFunction(v, test);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isMap(value)) return undefined;
  const call = asFunctionCall(value);
  if (call !== undefined && test(call.name)) return call.name;
  for (const k of Object.keys(value)) {
    const found = findFunction(value[k] as Value, test);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Scans `value` for functions, reports problems, and returns the
 * value with namespaced references rewritten.
 */
export function scanFunctions(value: Value, scope: FunctionScope, ctx: ScanContext): ScanResult {
  const scanner = new Scanner(ctx, scope);
  const out = scanner.walk(value);
  return { value: out, hasFunctions: scanner.hasFunctions };
}
