/**
 * Run-time intrinsic functions (spec §1.9) against the deployment's current node instances:
 * `get_attribute` (SELF / SOURCE / TARGET / a node name, with Cloudify's walk up to the host),
 * `get_attributes_list`, `get_attributes_dict`, `get_secret`, `get_capability`. The value
 * functions around them (`concat` …) are applied by `@cairn/dsl`'s `evaluateRuntimeValue`.
 */
import {
  evaluateRuntimeValue,
  RuntimeEvaluationError,
  type PlanNode,
  type PlanValue,
} from '@cairn/dsl';
import type { NodeInstanceRecord } from '@cairn/store';
import type { DeploymentModel } from '../model/deployment-model.js';

/** Where a value is evaluated: what SELF, SOURCE and TARGET mean. */
export interface FunctionScope {
  readonly self?: NodeInstanceRecord;
  readonly source?: NodeInstanceRecord;
  readonly target?: NodeInstanceRecord;
}

/** Reads secrets for `get_secret`. */
export interface SecretSource {
  /** The secret's value, or undefined when there is none by that name. */
  get(key: string): PlanValue | undefined;
}

/** What run-time evaluation needs besides the deployment. */
export interface RuntimeFunctionOptions {
  readonly secrets?: SecretSource;
}

type Step = string | number;

function walk(value: PlanValue | undefined, path: readonly PlanValue[]): PlanValue {
  let current: PlanValue | undefined = value;
  for (const step of path) {
    if (current === null || current === undefined) return null;
    if (Array.isArray(current) && typeof step === 'number') current = current[step];
    else if (typeof current === 'object' && !Array.isArray(current) && typeof step === 'string') {
      current = Object.hasOwn(current, step) ? current[step] : undefined;
    } else return null;
  }
  return current ?? null;
}

/**
 * An attribute of an instance: its runtime property, else its node's property, else the same
 * on its host (Cloudify's walk up the containment chain), else null.
 */
function attribute(model: DeploymentModel, instance: NodeInstanceRecord, name: string): PlanValue {
  let current: NodeInstanceRecord | undefined = instance;
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    const props = current.runtime_properties;
    if (Object.hasOwn(props, name)) return props[name] ?? null;
    const node: PlanNode = model.nodeOf(current);
    if (Object.hasOwn(node.properties, name)) return node.properties[name] ?? null;
    current =
      current.host_id !== null &&
      current.host_id !== current.id &&
      model.hasInstance(current.host_id)
        ? model.instance(current.host_id)
        : undefined;
  }
  return null;
}

/** The one instance of `nodeId` that `scope` means (Cloudify's rules for a node name). */
function instanceOfNode(
  model: DeploymentModel,
  nodeId: string,
  scope: FunctionScope,
  fn: string,
): NodeInstanceRecord {
  if (!model.nodes.has(nodeId)) {
    throw new RuntimeEvaluationError(
      `Unable to evaluate ${fn} function: Node specified in function does not exist: ${nodeId}`,
    );
  }
  const instances = model.instancesOf(nodeId);
  if (instances.length === 1) return instances[0] as NodeInstanceRecord;
  const context = scope.self ?? scope.source;
  if (context !== undefined) {
    const related = context.relationships
      .filter((r) => r.target_name === nodeId)
      .map((r) => r.target_id);
    if (related.length === 1 && model.hasInstance(related[0] as string)) {
      return model.instance(related[0] as string);
    }
    const sameHost = instances.filter(
      (i) => context.host_id !== null && i.host_id === context.host_id,
    );
    if (sameHost.length === 1) return sameHost[0] as NodeInstanceRecord;
  }
  if (instances.length === 0) {
    throw new RuntimeEvaluationError(
      `Unable to evaluate ${fn} function: Node "${nodeId}" has no instances.`,
    );
  }
  throw new RuntimeEvaluationError(
    `Unable to evaluate ${fn} function: More than one node instance found for node "${nodeId}". Cannot resolve a node instance unambiguously.`,
  );
}

function entity(
  model: DeploymentModel,
  name: PlanValue,
  scope: FunctionScope,
  fn: string,
): NodeInstanceRecord {
  const keyword = (value: NodeInstanceRecord | undefined, word: string): NodeInstanceRecord => {
    if (value === undefined) {
      throw new RuntimeEvaluationError(
        `Unable to evaluate ${fn} function: ${word} is not available here (it is only for ${word === 'SELF' ? 'node' : 'relationship'} operations).`,
      );
    }
    return value;
  };
  if (name === 'SELF') return keyword(scope.self, 'SELF');
  if (name === 'SOURCE') return keyword(scope.source, 'SOURCE');
  if (name === 'TARGET') return keyword(scope.target, 'TARGET');
  if (typeof name !== 'string') {
    throw new RuntimeEvaluationError(`Unable to evaluate ${fn} function: bad node reference.`);
  }
  return instanceOfNode(model, name, scope, fn);
}

/** Evaluates every function in `value` in `scope`. Throws a RuntimeEvaluationError when one fails. */
export function evaluateAtRuntime(
  model: DeploymentModel,
  value: PlanValue,
  scope: FunctionScope,
  options: RuntimeFunctionOptions = {},
): PlanValue {
  return evaluateRuntimeValue(value, (name, args) => {
    const list = Array.isArray(args) ? args : [args];
    switch (name) {
      case 'get_attribute': {
        const [who, attr, ...path] = list;
        if (typeof attr !== 'string') {
          throw new RuntimeEvaluationError('get_attribute needs an attribute name.');
        }
        const instance = entity(model, who ?? null, scope, name);
        return walk(attribute(model, instance, attr), path);
      }
      case 'get_attributes_list':
      case 'get_attributes_dict': {
        const [nodeId, attr, ...path] = list;
        if (typeof nodeId !== 'string' || typeof attr !== 'string') {
          throw new RuntimeEvaluationError(`${name} needs a node name and an attribute name.`);
        }
        const instances = model.instancesOf(nodeId);
        if (name === 'get_attributes_list') {
          return instances.map((i) => walk(attribute(model, i, attr), path as Step[]));
        }
        const out: { [key: string]: PlanValue } = {};
        for (const i of instances) out[i.id] = walk(attribute(model, i, attr), path);
        return out;
      }
      case 'get_secret': {
        const [key, ...path] = list;
        if (typeof key !== 'string')
          throw new RuntimeEvaluationError('get_secret needs a secret name.');
        const secret = options.secrets?.get(key);
        if (secret === undefined) {
          throw new RuntimeEvaluationError(
            `Unable to evaluate get_secret function: no secret named '${key}'.`,
          );
        }
        return walk(secret, path);
      }
      default:
        throw new RuntimeEvaluationError(
          `The function ${name} cannot be evaluated in local mode (it needs a manager).`,
        );
    }
  });
}
