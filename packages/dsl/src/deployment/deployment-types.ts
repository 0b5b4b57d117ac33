/**
 * What preparing a deployment produces: plain, JSON-serialisable records with Cloudify's key
 * names (spec §6), so they can be stored and compared with what Cloudify stores.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Plan, PlanValue } from '../plan/plan-types.js';
import type { PlanSourceMap } from '../plan/source-map.js';

/** Options of {@link prepareDeployment}. */
export interface PrepareOptions {
  /** Input values given for the deployment. */
  readonly inputs?: { readonly [name: string]: PlanValue };
  /**
   * Makes instance-id suffixes deterministic (tests, reproducible plans). Without it, ids are
   * random (`crypto.getRandomValues`).
   */
  readonly seed?: number | string;
  /** Casts string inputs to integer/float/boolean where the input's type asks (Cloudify's `auto_correct_types`). */
  readonly autoCorrectTypes?: boolean;
  /**
   * Where the plan's inputs and nodes are declared (`ParseResult.sourceMap`). With it, problems
   * point at the input or node template in the blueprint; without it they have no position.
   */
  readonly sourceMap?: PlanSourceMap;
}

/** One relationship of a node instance to one instance of the target node. */
export interface RelationshipInstance {
  /** The relationship type, e.g. `cloudify.relationships.connected_to`. */
  readonly type: string;
  /** The target node template's id. */
  readonly target_name: string;
  /** The target node instance's id. */
  readonly target_id: string;
}

/** The instance of a scaling group that a node instance belongs to. */
export interface ScalingGroupInstance {
  /** The scaling group's name. */
  readonly name: string;
  /** The group instance's id, `<group>_<6 chars>`. */
  readonly id: string;
}

/** A node instance as a new deployment starts with it. */
export interface NodeInstance {
  /** `<node_id>_<6 chars from [0-9a-z]>`, unique in the deployment. */
  readonly id: string;
  readonly node_id: string;
  /** The node template's id again (Cloudify keeps both). */
  readonly name: string;
  /** The id of the Compute instance at the top of this instance's containment chain. */
  readonly host_id?: string;
  /** In the order the node template declares its relationships. */
  readonly relationships: readonly RelationshipInstance[];
  /** The scaling-group instances this instance is a direct member of, innermost first. */
  readonly scaling_groups: readonly ScalingGroupInstance[];
  /** Counts from 1 per node, in creation order. */
  readonly index: number;
  /** Cloudify 7.1 starts instances with no state (not `uninitialized`; see the traces). */
  readonly state: null;
  readonly runtime_properties: { readonly [key: string]: PlanValue };
  /** For optimistic locking; 1 when created. */
  readonly version: number;
}

/** A deployment ready to be stored: the evaluated plan, its inputs and its node instances. */
export interface PreparedDeployment {
  /** The plan with every hybrid intrinsic function evaluated; run-time functions remain. */
  readonly plan: Plan;
  /** The resolved input values (run-time functions in them remain). */
  readonly inputs: { readonly [name: string]: PlanValue };
  /** Every node instance, in creation order. */
  readonly node_instances: readonly NodeInstance[];
}

/** What {@link prepareDeployment} returns. Plain JSON data. */
export interface PrepareResult {
  /** True when there is no error-level diagnostic. */
  readonly ok: boolean;
  /** The prepared deployment; present only when `ok`. */
  readonly deployment: PreparedDeployment | undefined;
  /** Every problem found (inputs, functions, instance counts, relationships). */
  readonly diagnostics: Diagnostic[];
}
