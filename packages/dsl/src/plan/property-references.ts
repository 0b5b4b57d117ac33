/**
 * Checks every `get_property` once all node properties are known: the property exists, each
 * nested key or index exists where the value is literal, and chains of `get_property` do not
 * loop back on themselves.
 */
import { asFunctionCall } from '../functions/function-call.js';
import { referenceLoc, referenceWhere } from '../functions/scan.js';
import { didYouMean } from '../util/suggest.js';
import { isMap } from '../util/value.js';
import type { PlanContext } from './plan-context.js';
import type { PlanNode, PlanValue } from './plan-types.js';

/** How many get_property hops are followed (Cloudify's evaluation gives up after 50). */
const MAX_CHAIN = 50;

type Outcome =
  | { ok: true }
  | {
      ok: false;
      message: string;
      code: 'DSL_UNKNOWN_PROPERTY_PATH' | 'DSL_FUNCTION_CYCLE';
      /** The index of the path item that does not exist, when it is one the reference wrote. */
      step?: number;
    };

/** Checks the collected `get_property` references against the built nodes. */
export function checkPropertyReferences(
  nodes: ReadonlyMap<string, PlanNode>,
  ctx: PlanContext,
): void {
  for (const ref of ctx.scan.propertyRefs) {
    const outcome = follow(
      { node: ref.node, path: ref.path, own: true },
      { nodes, seen: undefined },
    );
    if (!outcome.ok)
      ctx.reporter.report(
        outcome.code,
        `'get_property' in ${referenceWhere(ref)}: ${outcome.message}`,
        referenceLoc(ref, outcome.step),
      );
  }
}

function follow(
  ref: {
    readonly node: string;
    readonly path: readonly (string | number)[];
    /** True while `path` is the one the reference wrote (no get_property followed yet). */
    readonly own: boolean;
  },
  state: {
    readonly nodes: ReadonlyMap<string, PlanNode>;
    /** The (node, path) pairs met so far on a chain; made when a first get_property is followed. */
    readonly seen: Set<string> | undefined;
  },
): Outcome {
  const { node: nodeName, path, own } = ref;
  const { nodes, seen } = state;
  const node = nodes.get(nodeName);
  if (node === undefined) return { ok: true }; // reported where the node is named
  const key = seen === undefined ? undefined : chainKey(nodeName, path);
  if (seen !== undefined && key !== undefined) {
    if (seen.has(key)) {
      return {
        ok: false,
        code: 'DSL_FUNCTION_CYCLE',
        message: `the property '${path.join('.')}' of node template '${nodeName}' is defined through get_property chains that lead back to itself.`,
      };
    }
    seen.add(key);
    // Chains longer than Cloudify's evaluation limit fail when evaluated; stop checking there.
    if (seen.size > MAX_CHAIN) return { ok: true };
  }
  const first = path[0];
  if (typeof first !== 'string' || !(first in node.properties)) {
    return {
      ok: false,
      code: 'DSL_UNKNOWN_PROPERTY_PATH',
      step: own ? 0 : undefined,
      message: `node template '${nodeName}' has no property '${String(first)}'.${didYouMean(String(first), Object.keys(node.properties))}`,
    };
  }
  let value: PlanValue | undefined = node.properties[first];
  // Path item i + 1 is looked up in `value`; the items up to i are walked.
  for (let i = 0; i < path.length; i++) {
    const call = asFunctionCall(value);
    if (call !== undefined) {
      if (call.name !== 'get_property' || !Array.isArray(call.args)) return { ok: true };
      const [target, ...targetPath] = call.args;
      const resolved = target === 'SELF' ? nodeName : target;
      if (
        typeof resolved !== 'string' ||
        !targetPath.every((p) => typeof p === 'string' || typeof p === 'number')
      )
        return { ok: true };
      return follow(
        { node: resolved, path: [...targetPath, ...path.slice(i + 1)], own: false },
        { nodes, seen: seen ?? new Set([chainKey(nodeName, path)]) },
      );
    }
    if (i + 1 === path.length) return { ok: true };
    const step = path[i + 1] as string | number;
    if (Array.isArray(value)) {
      // A list is indexed by an integer, negative from the end as in Python.
      const index = typeof step === 'number' && step < 0 ? value.length + step : step;
      if (
        typeof index !== 'number' ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= value.length
      ) {
        return {
          ok: false,
          code: 'DSL_UNKNOWN_PROPERTY_PATH',
          step: own ? i + 1 : undefined,
          message: `'${path.slice(0, i + 1).join('.')}' of node template '${nodeName}' is a list of ${value.length} item(s); it has no item ${String(step)}.`,
        };
      }
      value = value[index];
    } else if (isMap(value)) {
      const k = String(step);
      if (!(k in value)) {
        return {
          ok: false,
          code: 'DSL_UNKNOWN_PROPERTY_PATH',
          step: own ? i + 1 : undefined,
          message: `'${path.slice(0, i + 1).join('.')}' of node template '${nodeName}' has no key '${k}'.${didYouMean(k, Object.keys(value))}`,
        };
      }
      value = value[k];
    } else if (value === null || value === undefined) {
      return { ok: true }; // not set yet: nothing to check
    } else {
      return {
        ok: false,
        code: 'DSL_UNKNOWN_PROPERTY_PATH',
        step: own ? i + 1 : undefined,
        message: `'${path.slice(0, i + 1).join('.')}' of node template '${nodeName}' is a plain value; it has no key '${String(step)}'.`,
      };
    }
  }
  return { ok: true };
}

function chainKey(node: string, path: readonly (string | number)[]): string {
  return `${node}\u0000${path.join('\u0000')}`;
}
