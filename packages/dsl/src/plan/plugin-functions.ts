/**
 * Which functions a plan asks of one plugin: the `operation` of every node and relationship
 * operation and every workflow mapped to it. A service pinning a deployment to a plugin bundle
 * checks that the bundle exports all of them before any workflow runs.
 */
import type { Plan, PlanOperation } from './plan-types.js';

/** The function paths `plan` maps to `plugin`, sorted and without repeats. */
export function pluginFunctionsOfPlan(plan: Plan, plugin: string): string[] {
  const found = new Set<string>();
  const add = (operations: Readonly<Record<string, PlanOperation>>): void => {
    for (const op of Object.values(operations)) if (op.plugin === plugin) found.add(op.operation);
  };
  for (const node of plan.nodes) {
    add(node.operations);
    for (const rel of node.relationships) {
      add(rel.source_operations);
      add(rel.target_operations);
    }
  }
  for (const workflow of Object.values(plan.workflows)) {
    if (workflow.plugin === plugin) found.add(workflow.operation);
  }
  return [...found].sort();
}
