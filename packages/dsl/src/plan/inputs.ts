/**
 * The `inputs:` section (spec §1.6): schemas, type names (object types from 1_4), defaults
 * checked against their types and constraints, hidden-and-required inputs, and functions in
 * defaults (which may refer to other inputs, but not in a cycle).
 */
import { isFunctionCall, containsFunction } from '../functions/function-call.js';
import { scanFunctions, type InputReference } from '../functions/scan.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import { checkValue } from '../types/check-value.js';
import { violation } from '../types/constraints.js';
import { parsePropertyDef, type PropertyDef } from '../types/schema.js';
import { OBJECT_TYPES } from '../types/type-registry.js';
import { versionAtLeast } from '../util/dsl-version.js';
import { dict, type Value } from '../util/value.js';
import type { PlanContext } from './plan-context.js';
import type { PlanConstraint, PlanInput, PlanPropertySchema } from './plan-types.js';

/** Functions that make no sense before nodes exist. */
const NODE_FUNCTIONS = new Set([
  'get_property',
  'get_attribute',
  'get_attributes_list',
  'get_attributes_dict',
]);

/** Converts a parsed definition to the plan's schema record. */
export function toPlanSchema(def: PropertyDef, defaultValue?: Value): PlanPropertySchema {
  const out: { -readonly [K in keyof PlanPropertySchema]: PlanPropertySchema[K] } = {
    required: def.required,
  };
  if (def.type !== undefined) out.type = def.type;
  if (def.description !== undefined) out.description = def.description;
  if (def.hasDefault) out.default = defaultValue ?? def.default;
  if (def.constraints.length > 0) {
    out.constraints = def.constraints.map((c) => {
      const pc: { -readonly [K in keyof PlanConstraint]: PlanConstraint[K] } = {
        operator: c.operator,
        argument: c.argument,
      };
      if (c.errorMessage !== undefined) pc.error_message = c.errorMessage;
      return pc;
    });
  }
  if (def.itemType !== undefined) out.item_type = def.itemType;
  if (def.displayLabel !== undefined) out.display_label = def.displayLabel;
  if (def.hidden !== undefined) out.hidden = def.hidden;
  if (def.display !== undefined) out.display = def.display;
  return out;
}

/**
 * Checks a schema used for inputs or workflow parameters: type names (object types only from
 * 1_4, `operation_name` from 1_5), `item_type`, and each default against type and constraints.
 */
export function checkInputLikeDef(def: PropertyDef, owner: string, ctx: PlanContext): void {
  const typeLoc = def.def !== undefined ? valueLoc(def.def, 'type') : def.at;
  if (def.type !== undefined) {
    const since = OBJECT_TYPES.get(def.type);
    if (since !== undefined && !versionAtLeast(ctx.version, since)) {
      ctx.reporter.report(
        'DSL_FEATURE_VERSION',
        `The input type '${def.type}' needs cloudify_dsl_${since} or newer; this blueprint declares ${ctx.version}.`,
        typeLoc,
      );
    } else if (!ctx.registry.isKnownType(def.type, def.namespace)) {
      ctx.registry.reportUnknown('data', def.type, typeLoc, `${capitalize(owner)} has type`);
    }
  }
  if (def.itemType !== undefined && !ctx.registry.isKnownType(def.itemType, def.namespace)) {
    ctx.registry.reportUnknown(
      'data',
      def.itemType,
      def.def !== undefined ? valueLoc(def.def, 'item_type') : def.at,
      `${capitalize(owner)} has item_type`,
    );
  }
  if (!def.hasDefault || def.default === null || def.def === undefined) return;
  checkGivenValue(
    def,
    { value: def.default, container: def.def, key: 'default', owner: owner },
    ctx,
  );
}

/** Checks a value given for an input-like schema: its type, item type and constraints. */
export function checkGivenValue(
  def: PropertyDef,
  given: {
    readonly value: Value;
    /** Where the value is written, for locations. */
    readonly container: object;
    readonly key: string;
    /** For messages: `input 'port'`. */
    readonly owner: string;
  },
  ctx: PlanContext,
): void {
  const { value, container, key, owner } = given;
  if (isFunctionCall(value)) return;
  const before = ctx.reporter.errors;
  checkValue(
    value,
    { type: def.type, container: container, key: key, path: [] },
    {
      ctx,
      registry: ctx.registry,
      namespace: def.namespace,
      owner,
      requireAll: true,
    },
  );
  if (ctx.reporter.errors !== before) return;
  if (def.itemType !== undefined && Array.isArray(value)) {
    value.forEach((item, i) =>
      checkValue(
        item,
        { type: def.itemType, container: value, key: i, path: [`[${i}]`] },
        {
          ctx,
          registry: ctx.registry,
          namespace: def.namespace,
          owner,
          requireAll: true,
        },
      ),
    );
  }
  if (containsFunction(value)) return;
  for (const constraint of def.constraints) {
    const why = violation(constraint, value);
    if (why !== undefined) {
      ctx.reporter.report(
        'DSL_CONSTRAINT_VIOLATED',
        `The ${key === 'default' ? 'default' : 'value'} of ${owner} breaks a constraint: ${why}.`,
        valueLoc(container, key),
      );
    }
  }
}

/** Builds the plan's inputs, reporting every problem in their declarations. */
export function buildInputs(ctx: PlanContext): Record<string, PlanInput> {
  const out = dict<PlanInput>();
  const refs = new Map<string, InputReference[]>();
  for (const element of ctx.composed.sections.inputs.values()) {
    const owner = `input '${element.name}'`;
    const def = parsePropertyDef(
      { schema: element.section, name: element.localName },
      { kind: 'input', owner: owner, namespace: element.namespace },
      ctx,
    );
    if (def === undefined) continue;
    if (def.hidden === true && def.required && !def.hasDefault) {
      ctx.reporter.report(
        'DSL_INPUT_HIDDEN_REQUIRED',
        `Input '${element.name}' is hidden and required but has no default, so it could never be given a value.`,
        keyLoc(element.section, element.localName),
      );
    }
    checkInputLikeDef(def, owner, ctx);
    let defaultValue: Value | undefined;
    if (def.hasDefault && def.def !== undefined) {
      const collected: InputReference[] = [];
      ctx.scan.inputRefs = collected;
      defaultValue = scanFunctions(
        def.default,
        {
          kind: 'global',
          namespace: element.namespace,
          where: `the default of ${owner}`,
          inputDefault: true,
          forbid: {
            names: NODE_FUNCTIONS,
            reason: 'input defaults are resolved before any node exists.',
          },
        },
        ctx.scan,
      ).value;
      ctx.scan.inputRefs = undefined;
      refs.set(element.name, collected);
    }
    out[element.name] = toPlanSchema(def, defaultValue);
  }
  reportInputCycles(refs, ctx);
  return out;
}

function reportInputCycles(refs: Map<string, InputReference[]>, ctx: PlanContext): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, stack: string[]): void => {
    state.set(name, 'visiting');
    for (const ref of refs.get(name) ?? []) {
      const s = state.get(ref.input);
      if (s === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(ref.input)), ref.input];
        ctx.reporter.report(
          'DSL_FUNCTION_CYCLE',
          `Input defaults refer to each other in a cycle: ${cycle.join(' → ')}.`,
          ref.loc,
        );
      } else if (s === undefined && refs.has(ref.input)) {
        visit(ref.input, [...stack, ref.input]);
      }
    }
    state.set(name, 'done');
  };
  for (const name of refs.keys()) if (!state.has(name)) visit(name, [name]);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
