/**
 * Test helper: a deployment model straight from blueprint text (parsed in memory, instances
 * prepared with a fixed seed), for unit tests of workflows and functions that need no store.
 */
import { createMemoryHost, parseBlueprint, prepareDeployment } from '@cairn/dsl';
import type { JsonObject, NodeInstanceRecord } from '@cairn/store';
import { DeploymentModel } from '../model/deployment-model.js';

/** Parses `yaml` and prepares a deployment with `inputs`; throws on any error diagnostic. */
export async function modelFromYaml(
  yaml: string,
  inputs: JsonObject = {},
): Promise<DeploymentModel> {
  const url = 'file:///test/blueprint.yaml';
  const parsed = await parseBlueprint(url, { host: createMemoryHost({ [url]: yaml }) });
  if (parsed.plan === undefined) {
    throw new Error(parsed.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  }
  const prepared = prepareDeployment(parsed.plan, { inputs, seed: 7 });
  if (prepared.deployment === undefined) {
    throw new Error(prepared.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  }
  const now = new Date(0).toISOString();
  const instances: NodeInstanceRecord[] = prepared.deployment.node_instances.map((i) => ({
    id: i.id,
    deployment_id: 'dep',
    node_id: i.node_id,
    host_id: i.host_id ?? null,
    state: null,
    runtime_properties: {},
    system_properties: {},
    relationships: i.relationships.map((r) => ({ ...r })),
    scaling_groups: i.scaling_groups.map((g) => ({ ...g })),
    index: i.index,
    version: 1,
  }));
  return new DeploymentModel(
    {
      id: 'dep',
      blueprint_id: 'bp',
      inputs: prepared.deployment.inputs,
      plan: prepared.deployment.plan as unknown as JsonObject,
      plugins: [],
      created_at: now,
      updated_at: now,
    },
    instances,
  );
}
