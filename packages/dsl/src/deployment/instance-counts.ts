/**
 * Instance counts of nodes and scaling groups, read after functions are evaluated (a count is
 * often `{get_input: …}`). Each must end up a whole number ≥ 0 and, where the bounds are whole
 * numbers too, fit min_instances ≤ default_instances ≤ max_instances (-1 or `UNBOUNDED`: no
 * maximum), as the parser checks for literal counts.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import { NO_PLACE, type Placer } from './place.js';
import { asFunctionCall } from '../functions/function-call.js';
import { RUNTIME_FUNCTIONS } from '../functions/scan.js';
import type { Plan, PlanScalableProperties, PlanValue } from '../plan/plan-types.js';
import { kindOf, show } from '../util/value.js';

/** Instance counts by node id and by scaling group name. */
export interface InstanceCounts {
  readonly nodes: ReadonlyMap<string, number>;
  readonly groups: ReadonlyMap<string, number>;
}

function isCount(value: PlanValue, unbounded: boolean): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= (unbounded ? -1 : 0);
}

function describe(value: PlanValue): string {
  const call = asFunctionCall(value);
  return call !== undefined
    ? `the run-time function '${call.name}', which is known only when a workflow runs`
    : `${kindOf(value)} (${show(value)})`;
}

/** A hybrid function left in place: its evaluation failed, which is already reported. */
function failedFunction(value: PlanValue): boolean {
  const call = asFunctionCall(value);
  return call !== undefined && !RUNTIME_FUNCTIONS.has(call.name);
}

function readCount(
  props: PlanScalableProperties,
  owner: string,
  reporter: Reporter,
): number | undefined {
  const count = props.default_instances;
  if (failedFunction(count)) return undefined;
  if (!isCount(count, false)) {
    reporter.report(
      'DSL_SCALING_BOUNDS',
      `The default_instances of ${owner} must be a whole number ≥ 0 when the deployment is created, but it is ${describe(count)}.`,
      undefined,
    );
    return undefined;
  }
  const min = props.min_instances;
  const max = props.max_instances === 'UNBOUNDED' ? -1 : props.max_instances;
  let ok = true;
  for (const [key, value, unbounded] of [
    ['min_instances', min, false],
    ['max_instances', max, true],
  ] as const) {
    if (value === undefined || isCount(value, unbounded)) continue;
    ok = false;
    if (failedFunction(value)) continue;
    reporter.report(
      'DSL_SCALING_BOUNDS',
      `The ${key} of ${owner} must be a whole number ≥ ${unbounded ? "-1 (or 'UNBOUNDED')" : '0'}, but it is ${describe(value)}.`,
      undefined,
    );
  }
  if (!ok || !isCount(min, false) || !isCount(max, true)) return ok ? count : undefined;
  const problem =
    count < min
      ? `default_instances (${count}) is below min_instances (${min})`
      : max !== -1 && count > max
        ? `default_instances (${count}) is above max_instances (${max})`
        : undefined;
  if (problem !== undefined) {
    reporter.report(
      'DSL_SCALING_BOUNDS',
      `The instance counts of ${owner} do not fit: ${problem}.`,
      undefined,
    );
    return undefined;
  }
  return count;
}

/** Reads every count of an evaluated plan; undefined when one is unusable (reported). */
export function readInstanceCounts(
  plan: Plan,
  reporter: Reporter,
  place: Placer = NO_PLACE,
): InstanceCounts | undefined {
  const nodes = new Map<string, number>();
  const groups = new Map<string, number>();
  let ok = true;
  for (const node of plan.nodes) {
    const count = place('nodes', node.id, () =>
      readCount(node.capabilities.scalable.properties, `node '${node.id}'`, reporter),
    );
    if (count === undefined) ok = false;
    else nodes.set(node.id, count);
  }
  for (const [name, group] of Object.entries(plan.scaling_groups)) {
    const count = place('groups', name, () =>
      readCount(group.properties, `scaling group '${name}'`, reporter),
    );
    if (count === undefined) ok = false;
    else groups.set(name, count);
  }
  return ok ? { nodes, groups } : undefined;
}
