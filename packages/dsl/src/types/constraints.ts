/**
 * Input and parameter constraints (spec §1.6): parsing a `constraints:` list and checking a
 * value against it with Python's semantics (comparisons between unlike types fail, `pattern`
 * matches at the start like `re.match`).
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { versionAtLeast, type DslVersion } from '../util/dsl-version.js';
import { didYouMean } from '../util/suggest.js';
import { deepEqual, isMap, kindOf, show, type Value } from '../util/value.js';
import { compilePythonRegex } from './python-regex.js';

type ArgumentKind = 'scalar' | 'dual-scalar' | 'sequence' | 'regex' | 'data';

const OPERATORS: Record<string, ArgumentKind> = {
  equal: 'scalar',
  greater_than: 'scalar',
  greater_or_equal: 'scalar',
  less_than: 'scalar',
  less_or_equal: 'scalar',
  in_range: 'dual-scalar',
  valid_values: 'sequence',
  length: 'scalar',
  min_length: 'scalar',
  max_length: 'scalar',
  pattern: 'regex',
  // Checked against manager data when a deployment is created, not here.
  filter_id: 'data',
  labels: 'data',
  tenants: 'data',
  name_pattern: 'data',
  deployment_id: 'data',
};

/** A parsed constraint. */
export interface Constraint {
  readonly operator: string;
  readonly argument: Value;
  readonly errorMessage: string | undefined;
  readonly loc: Loc | undefined;
}

function isScalarNumber(v: Value): boolean {
  return typeof v === 'number';
}

/** Parses a `constraints:` list; reports malformed items. */
export function parseConstraints(
  list: Value,
  at: { readonly container: object; readonly key: string },
  ctx: { reporter: Reporter; version: DslVersion; owner: string },
): Constraint[] {
  const { container, key } = at;
  const out: Constraint[] = [];
  if (list === null || list === undefined) return out;
  if (!Array.isArray(list)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `'constraints' of ${ctx.owner} must be a list, not ${kindOf(list)}.`,
      valueLoc(container, key),
    );
    return out;
  }
  list.forEach((item, i) => {
    const at = valueLoc(list, i);
    if (!isMap(item)) {
      ctx.reporter.report(
        'DSL_CONSTRAINT_INVALID',
        `A constraint of ${ctx.owner} must be a one-key mapping such as '{max_length: 8}', not ${kindOf(item)}.`,
        at,
      );
      return;
    }
    let errorMessage: string | undefined;
    const operators = Object.keys(item).filter((k) => {
      if (k !== 'error_message') return true;
      if (!versionAtLeast(ctx.version, '1_5')) {
        ctx.reporter.report(
          'DSL_FEATURE_VERSION',
          `'error_message' in a constraint needs cloudify_dsl_1_5; this blueprint declares ${ctx.version}.`,
          keyLoc(item, k),
        );
      } else if (typeof item[k] !== 'string') {
        ctx.reporter.report(
          'DSL_WRONG_TYPE',
          `'error_message' must be a string.`,
          valueLoc(item, k),
        );
      } else {
        errorMessage = item[k];
      }
      return false;
    });
    if (operators.length !== 1) {
      ctx.reporter.report(
        'DSL_CONSTRAINT_INVALID',
        operators.length === 0
          ? `A constraint of ${ctx.owner} names no operator; operators are ${Object.keys(OPERATORS).join(', ')}.`
          : `A constraint of ${ctx.owner} has ${operators.length} operators (${operators.join(', ')}); write each in its own list item.`,
        at,
      );
      return;
    }
    const operator = operators[0] as string;
    const kind = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined;
    if (kind === undefined) {
      ctx.reporter.report(
        'DSL_CONSTRAINT_INVALID',
        `'${operator}' is not a constraint operator; operators are ${Object.keys(OPERATORS).join(', ')}.${didYouMean(operator, Object.keys(OPERATORS))}`,
        keyLoc(item, operator),
      );
      return;
    }
    const argument = item[operator] as Value;
    const argLoc = valueLoc(item, operator);
    const bad = (expected: string): void => {
      ctx.reporter.report(
        'DSL_CONSTRAINT_INVALID',
        `The argument of '${operator}' in ${ctx.owner} must be ${expected}, not ${show(argument)}.`,
        argLoc,
      );
    };
    switch (kind) {
      case 'scalar':
        if (!isScalarNumber(argument)) {
          bad('a number');
          return;
        }
        break;
      case 'dual-scalar':
        if (
          !Array.isArray(argument) ||
          argument.length !== 2 ||
          !argument.every((a) => isScalarNumber(a))
        ) {
          bad('a list of two numbers');
          return;
        }
        break;
      case 'sequence':
        if (!Array.isArray(argument)) {
          bad('a list');
          return;
        }
        break;
      case 'regex': {
        if (typeof argument !== 'string') {
          bad('a regular expression string');
          return;
        }
        const compiled = compilePythonRegex(argument);
        if (typeof compiled === 'string') {
          ctx.reporter.report(
            'DSL_INVALID_REGEX',
            `The pattern of ${ctx.owner} is not a valid regular expression: ${compiled}.`,
            argLoc,
          );
          return;
        }
        break;
      }
      case 'data':
        break;
    }
    out.push({ operator, argument, errorMessage, loc: at });
  });
  return out;
}

function compare(value: Value, argument: Value): number | undefined {
  if (typeof value === 'number' && typeof argument === 'number') return value - argument;
  if (typeof value === 'string' && typeof argument === 'string') {
    return value < argument ? -1 : value > argument ? 1 : 0;
  }
  return undefined;
}

function lengthOf(value: Value): number | undefined {
  // Python counts code points, not UTF-16 units.
  if (typeof value === 'string') return Array.from(value).length;
  if (Array.isArray(value)) return value.length;
  if (isMap(value)) return Object.keys(value).length;
  return undefined;
}

/**
 * Checks `value` against one constraint. Returns undefined when it holds, else the reason.
 * Data-backed operators (labels, tenants …) hold here; the manager checks them.
 */
export function violation(constraint: Constraint, value: Value): string | undefined {
  const { operator, argument } = constraint;
  // Long lists of valid values are cut short in messages.
  const shown = Array.isArray(argument)
    ? [
        ...argument.slice(0, 8).map((a) => show(a)),
        ...(argument.length > 8 ? [`… ${argument.length} values in all`] : []),
      ].join(', ')
    : show(argument);
  const describe = `${operator}(${shown})`;
  const fail = (why?: string): string =>
    constraint.errorMessage ??
    `${show(value)} violates ${describe}${why === undefined ? '' : `: ${why}`}`;
  switch (operator) {
    case 'equal':
      return deepEqual(value, argument) ? undefined : fail();
    case 'greater_than':
    case 'greater_or_equal':
    case 'less_than':
    case 'less_or_equal': {
      const c = compare(value, argument);
      if (c === undefined) return fail(`${kindOf(value)} cannot be compared with a number`);
      const ok =
        operator === 'greater_than'
          ? c > 0
          : operator === 'greater_or_equal'
            ? c >= 0
            : operator === 'less_than'
              ? c < 0
              : c <= 0;
      return ok ? undefined : fail();
    }
    case 'in_range': {
      const [lo, hi] = argument as [Value, Value];
      const a = compare(value, lo);
      const b = compare(value, hi);
      if (a === undefined || b === undefined)
        return fail(`${kindOf(value)} cannot be compared with a number`);
      return a >= 0 && b <= 0 ? undefined : fail();
    }
    case 'valid_values': {
      const values = argument as Value[];
      if (values.some((v) => deepEqual(v, value))) return undefined;
      // A common slip: valid values written with stray punctuation or spaces ('eastus,').
      const near =
        typeof value === 'string'
          ? values.find((v) => typeof v === 'string' && v.replace(/[\s,;]+$|^\s+/g, '') === value)
          : undefined;
      return fail(
        near === undefined ? undefined : `the valid value ${show(near)} has stray characters`,
      );
    }
    case 'length':
    case 'min_length':
    case 'max_length': {
      const n = lengthOf(value);
      if (n === undefined) return fail(`${kindOf(value)} has no length`);
      const limit = argument as number;
      const ok =
        operator === 'length' ? n === limit : operator === 'min_length' ? n >= limit : n <= limit;
      return ok ? undefined : fail();
    }
    case 'pattern': {
      if (typeof value !== 'string')
        return fail(`only strings can match a pattern, not ${kindOf(value)}`);
      const re = compilePythonRegex(argument as string, true);
      if (typeof re === 'string') return fail(re);
      return re.test(value) ? undefined : fail();
    }
    default:
      return undefined;
  }
}
