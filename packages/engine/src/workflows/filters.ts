/**
 * The instance filters most built-in workflows take: `type_names`, `node_ids` and
 * `node_instance_ids`, combined with AND (spec §5.6).
 */
import type { PlanValue } from '@cairn/dsl';
import type { NodeInstanceRecord } from '@cairn/store';
import type { DeploymentModel } from '../model/deployment-model.js';
import { WorkflowError, type WorkflowParameters } from './builtin-types.js';

function strings(value: PlanValue | undefined, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new WorkflowError(`The parameter '${name}' must be a list of strings.`);
  }
  return value as string[];
}

/** The instances the filters select (type_names, node_ids, node_instance_ids combine with AND). */
export function filterInstances(
  model: DeploymentModel,
  params: WorkflowParameters,
): NodeInstanceRecord[] {
  const types = strings(params.type_names, 'type_names');
  const nodes = strings(params.node_ids, 'node_ids');
  const ids = strings(params.node_instance_ids, 'node_instance_ids');
  for (const id of nodes) {
    if (!model.nodes.has(id))
      throw new WorkflowError(`node_ids names '${id}', which is not a node of this deployment.`);
  }
  for (const id of ids) {
    if (!model.hasInstance(id))
      throw new WorkflowError(
        `node_instance_ids names '${id}', which is not a node instance of this deployment.`,
      );
  }
  return model.allInstances().filter((instance) => {
    const node = model.nodeOf(instance);
    if (types.length > 0 && !types.some((t) => node.type_hierarchy.includes(t))) return false;
    if (nodes.length > 0 && !nodes.includes(instance.node_id)) return false;
    if (ids.length > 0 && !ids.includes(instance.id)) return false;
    return true;
  });
}
