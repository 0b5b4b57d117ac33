/**
 * Evaluates the hybrid functions everywhere a plan holds values (spec §1.9): node properties and
 * scalable capabilities, operation inputs of nodes and of both sides of relationships,
 * relationship properties, outputs, capabilities, policies, scaling groups, labels, resource tags,
 * deployment settings, workflow parameter defaults and plugin properties. `has_intrinsic_functions`
 * of each operation is set to whether its inputs still hold a (run-time) function.
 *
 * The result is a fresh plan: nothing in it is shared with the plan passed in.
 */
import { containsFunction } from '../functions/function-call.js';
import type {
  Plan,
  PlanNode,
  PlanOperation,
  PlanPlugin,
  PlanRelationship,
  PlanScalableProperties,
  PlanValue,
} from '../plan/plan-types.js';
import { deepEqual, dict, has, isMap } from '../util/value.js';
import type { EvaluationScope, Evaluator } from './evaluator.js';
import { NO_PLACE, type Placer } from './place.js';

type ValueMap = { readonly [key: string]: PlanValue };

/** A deep copy of JSON data into fresh containers (mappings without a prototype). */
export function copyJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => copyJson(v)) as T;
  if (isMap(value)) {
    const out = dict<unknown>();
    for (const k of Object.keys(value)) out[k] = copyJson(value[k]);
    return out as T;
  }
  return value;
}

class PlanWalker {
  constructor(
    private readonly evaluator: Evaluator,
    private readonly place: Placer,
  ) {}

  value(value: PlanValue, scope: EvaluationScope): PlanValue {
    const outcome = this.evaluator.evaluate(value, scope);
    return outcome.ok ? outcome.value : value;
  }

  map(values: ValueMap, scope: (key: string) => EvaluationScope): Record<string, PlanValue> {
    const out = dict<PlanValue>();
    for (const k of Object.keys(values)) out[k] = this.value(values[k] ?? null, scope(k));
    return out;
  }

  operations(
    table: { readonly [name: string]: PlanOperation },
    scope: (op: PlanOperation, input: string) => EvaluationScope,
  ): Record<string, PlanOperation> {
    const out = dict<PlanOperation>();
    for (const key of Object.keys(table)) {
      const op = table[key] as PlanOperation;
      const inputs = this.map(op.inputs, (input) => scope(op, input));
      out[key] = { ...op, inputs, has_intrinsic_functions: containsFunction(inputs) };
    }
    return out;
  }

  plugins(list: readonly PlanPlugin[]): PlanPlugin[] {
    return list.map((plugin) =>
      plugin.properties === undefined
        ? plugin
        : {
            ...plugin,
            properties: this.map(plugin.properties, (k) => ({
              kind: 'global',
              where: `property '${k}' of plugin '${plugin.name}'`,
            })),
          },
    );
  }

  /**
   * Scalable properties (of a node, a scaling group or a scaling policy). `current_instances` and
   * `planned_instances` start as copies of `default_instances`; such copies take its evaluated
   * value instead of being evaluated (and reported) again.
   */
  scalable(values: ValueMap, scope: (key: string) => EvaluationScope): Record<string, PlanValue> {
    const out = dict<PlanValue>();
    for (const k of Object.keys(values)) {
      const value = values[k] ?? null;
      const copy =
        k !== 'default_instances' &&
        has(out, 'default_instances') &&
        deepEqual(value, values.default_instances);
      out[k] = copy ? (out.default_instances ?? null) : this.value(value, scope(k));
    }
    return out;
  }

  node(node: PlanNode): PlanNode {
    const id = node.id;
    const properties = dict<PlanValue>();
    for (const k of Object.keys(node.properties)) {
      const outcome = this.evaluator.nodeProperty(id, k);
      properties[k] = outcome.ok ? outcome.value : (node.properties[k] ?? null);
    }
    const inNode = (where: string): EvaluationScope => ({ kind: 'node', self: id, where });
    const scalable = this.scalable(
      node.capabilities.scalable.properties as unknown as ValueMap,
      (k) => inNode(`'${k}' of the scalable capability of node '${id}'`),
    ) as unknown as PlanScalableProperties;
    const out: PlanNode = {
      ...node,
      properties,
      operations: this.operations(node.operations, (op, input) =>
        inNode(`input '${input}' of operation '${op.name}' of node '${id}'`),
      ),
      relationships: node.relationships.map((rel, i) => this.relationship(node, rel, i)),
      capabilities: { scalable: { properties: scalable } },
      instances: { deploy: scalable.default_instances },
      plugins: this.plugins(node.plugins),
      deployment_plugins_to_install: this.plugins(node.deployment_plugins_to_install),
    };
    if (node.plugins_to_install !== undefined) {
      return { ...out, plugins_to_install: this.plugins(node.plugins_to_install) };
    }
    return out;
  }

  relationship(node: PlanNode, rel: PlanRelationship, index: number): PlanRelationship {
    const what = `relationship ${index + 1} of node '${node.id}' (${rel.type} → ${rel.target_id})`;
    const inRel = (where: string): EvaluationScope => ({
      kind: 'relationship',
      self: node.id,
      target: rel.target_id,
      where,
    });
    return {
      ...rel,
      properties: this.map(rel.properties, (k) => inRel(`property '${k}' of ${what}`)),
      source_operations: this.operations(rel.source_operations, (op, input) =>
        inRel(`input '${input}' of the source operation '${op.name}' of ${what}`),
      ),
      target_operations: this.operations(rel.target_operations, (op, input) =>
        inRel(`input '${input}' of the target operation '${op.name}' of ${what}`),
      ),
    };
  }

  plan(plan: Plan): Plan {
    const global = (where: string): EvaluationScope => ({ kind: 'global', where });
    const outputs = (section: 'outputs' | 'capabilities', word: string): Plan['outputs'] => {
      const out = dict<Plan['outputs'][string]>();
      for (const [name, o] of Object.entries(plan[section])) {
        out[name] = this.place(section, name, () => ({
          ...o,
          value: this.value(o.value, global(`${word} '${name}'`)),
        }));
      }
      return out;
    };
    const labels = dict<Plan['labels'][string]>();
    for (const [key, label] of Object.entries(plan.labels)) {
      labels[key] = { values: label.values.map((v) => this.value(v, global(`label '${key}'`))) };
    }
    const workflows = dict<Plan['workflows'][string]>();
    for (const [name, wf] of Object.entries(plan.workflows)) {
      const parameters = dict<Plan['workflows'][string]['parameters'][string]>();
      for (const [p, schema] of Object.entries(wf.parameters)) {
        parameters[p] =
          schema.default === undefined
            ? schema
            : {
                ...schema,
                default: this.value(
                  schema.default,
                  global(`the default of parameter '${p}' of workflow '${name}'`),
                ),
              };
      }
      workflows[name] = { ...wf, parameters };
    }
    const policies = dict<Plan['policies'][string]>();
    for (const [name, policy] of Object.entries(plan.policies)) {
      policies[name] = {
        ...policy,
        properties: this.scalable(policy.properties, (k) =>
          global(`property '${k}' of policy '${name}'`),
        ),
      };
    }
    const scalingGroups = dict<Plan['scaling_groups'][string]>();
    for (const [name, group] of Object.entries(plan.scaling_groups)) {
      // A group's properties are those of the scaling policy targeting it: describe them the same
      // way, so a problem in them is reported once.
      const policy = Object.keys(plan.policies).find((p) =>
        plan.policies[p]?.targets.includes(name),
      );
      scalingGroups[name] = this.place('groups', name, () => ({
        ...group,
        properties: this.scalable(group.properties as unknown as ValueMap, (k) =>
          global(
            policy === undefined
              ? `'${k}' of scaling group '${name}'`
              : `property '${k}' of policy '${policy}'`,
          ),
        ) as unknown as PlanScalableProperties,
      }));
    }
    return {
      ...plan,
      nodes: plan.nodes.map((n) => this.place('nodes', n.id, () => this.node(n))),
      outputs: outputs('outputs', 'output'),
      capabilities: outputs('capabilities', 'capability'),
      labels,
      resource_tags: this.map(plan.resource_tags, (k) => global(`resource tag '${k}'`)),
      deployment_settings: this.map(plan.deployment_settings, (k) =>
        global(`deployment setting '${k}'`),
      ),
      workflows,
      policies,
      scaling_groups: scalingGroups,
      deployment_plugins_to_install: this.plugins(plan.deployment_plugins_to_install),
      workflow_plugins_to_install: this.plugins(plan.workflow_plugins_to_install),
      host_agent_plugins_to_install: this.plugins(plan.host_agent_plugins_to_install),
    };
  }
}

/**
 * Evaluates every value of `plan` with `evaluator`. Values whose evaluation failed (already
 * reported) are left as they were.
 */
export function evaluatePlan(plan: Plan, evaluator: Evaluator, place: Placer = NO_PLACE): Plan {
  return copyJson(new PlanWalker(evaluator, place).plan(plan));
}
