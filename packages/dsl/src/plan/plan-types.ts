/**
 * The Plan: what a parsed blueprint becomes. Plain, JSON-serialisable data, with Cloudify's plan
 * key names wherever the concept is the same (`nodes[].type_hierarchy`, `operations`,
 * `deployment_plugins_to_install` …), so Cloudify's semantics and users' tooling carry over.
 * Values may still contain intrinsic functions (`{get_input: x}`); references inside them are
 * already namespaced.
 */
import type { DslVersion } from '../util/dsl-version.js';

/** A JSON value as it appears in a plan (property values, inputs, outputs …). */
export type PlanValue =
  null | boolean | number | string | PlanValue[] | { [key: string]: PlanValue };

/** The DSL version of the plan, in Cloudify's shape. */
export interface PlanVersion {
  readonly raw: DslVersion;
  readonly definitions_name: 'cloudify_dsl';
  readonly definitions_version: readonly [number, number];
}

/** A constraint on an input or workflow parameter: one operator and its argument. */
export interface PlanConstraint {
  /** `equal`, `greater_than`, `in_range`, `valid_values`, `pattern`, … */
  readonly operator: string;
  readonly argument: PlanValue;
  readonly error_message?: string;
}

/** A property, input or parameter schema. */
export interface PlanPropertySchema {
  readonly type?: string;
  readonly description?: string;
  readonly default?: PlanValue;
  /** Defaults to true, as in Cloudify. */
  readonly required: boolean;
  readonly constraints?: readonly PlanConstraint[];
  readonly item_type?: string;
  readonly display_label?: string;
  readonly hidden?: boolean;
  readonly display?: { readonly rows?: number };
}

/** How an operation is dispatched. `auto` = host_agent when the instance has a host. */
export type Executor = 'central_deployment_agent' | 'host_agent' | 'auto';

/** One operation a node or relationship can run (NO-OP operations are not listed). */
export interface PlanOperation {
  /** Full name, e.g. `cloudify.interfaces.lifecycle.create`. */
  readonly name: string;
  /** The plugin that runs it (`script` for script implementations). */
  readonly plugin: string;
  /** The function inside the plugin, e.g. `cloudify_aws.ec2.instance.create`. */
  readonly operation: string;
  readonly executor: Executor | null;
  /** Operation inputs as values (may hold intrinsic functions). */
  readonly inputs: { readonly [name: string]: PlanValue };
  /** True when some input still holds an intrinsic function to evaluate before running. */
  readonly has_intrinsic_functions: boolean;
  readonly max_retries: number | null;
  readonly retry_interval: number | null;
  readonly timeout: number | null;
  readonly timeout_recoverable: boolean | null;
  /** Declared input types from the type's input schema, for run-time checks. */
  readonly inputs_types?: { readonly [name: string]: string };
}

/** A plugin as declared in a `plugins:` section. */
export interface PlanPlugin {
  readonly name: string;
  readonly executor: 'central_deployment_agent' | 'host_agent';
  readonly install: boolean;
  readonly package_name: string | null;
  readonly package_version: string | null;
  readonly source: string | null;
  readonly install_arguments: string | null;
  readonly supported_platform: string | null;
  readonly distribution: string | null;
  readonly distribution_version: string | null;
  readonly distribution_release: string | null;
  /** 1_5 plugin properties, with the values given on the import. */
  readonly properties?: { readonly [name: string]: PlanValue };
}

/** The scaling bounds of a node or group. `max_instances` -1 means unbounded. */
export interface PlanScalableProperties {
  readonly default_instances: PlanValue;
  readonly min_instances: PlanValue;
  readonly max_instances: PlanValue;
  readonly current_instances: PlanValue;
  readonly planned_instances: PlanValue;
}

/** A relationship of a node template, resolved against its type. */
export interface PlanRelationship {
  readonly type: string;
  /** The target node template's id. */
  readonly target_id: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: { readonly [name: string]: PlanValue };
  /** Operations run in the source instance's context. */
  readonly source_operations: { readonly [name: string]: PlanOperation };
  /** Operations run in the target instance's context. */
  readonly target_operations: { readonly [name: string]: PlanOperation };
}

/** A node template, resolved against its type. */
export interface PlanNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** Ancestors from the root down, ending with the type itself. */
  readonly type_hierarchy: readonly string[];
  readonly properties: { readonly [name: string]: PlanValue };
  /** By full name and, where unique across interfaces, by short name. */
  readonly operations: { readonly [name: string]: PlanOperation };
  readonly relationships: readonly PlanRelationship[];
  readonly capabilities: { readonly scalable: { readonly properties: PlanScalableProperties } };
  /** Deprecated Cloudify form of the instance count; kept equal to default_instances. */
  readonly instances: { readonly deploy: PlanValue };
  /** The Compute node this node is (transitively) contained in, or itself if it is one. */
  readonly host_id?: string;
  /** Plugins its operations use. */
  readonly plugins: readonly PlanPlugin[];
  /** Central-deployment-agent plugins this node needs installed. */
  readonly deployment_plugins_to_install: readonly PlanPlugin[];
  /** On Compute nodes: host-agent plugins of everything the host contains. */
  readonly plugins_to_install?: readonly PlanPlugin[];
}

/** An input of the blueprint. */
export type PlanInput = PlanPropertySchema;

/** An output or capability: a value (often a function) and a description. */
export interface PlanOutput {
  readonly description?: string;
  readonly value: PlanValue;
}

/** A workflow mapping. */
export interface PlanWorkflow {
  readonly plugin: string;
  readonly operation: string;
  readonly parameters: { readonly [name: string]: PlanPropertySchema };
  readonly is_cascading: boolean;
  readonly availability_rules?: { readonly [rule: string]: PlanValue };
}

/** A group: nodes or other groups, with legacy monitoring policies. */
export interface PlanGroup {
  readonly members: readonly string[];
  readonly policies?: { readonly [name: string]: PlanValue };
}

/** A scaling group: a group that a `cloudify.policies.scaling` policy targets. */
export interface PlanScalingGroup {
  readonly members: readonly string[];
  readonly properties: PlanScalableProperties;
}

/** A policy. */
export interface PlanPolicy {
  readonly type: string;
  readonly properties: { readonly [name: string]: PlanValue };
  readonly targets: readonly string[];
}

/** A relationship type with its merged schema and interfaces. */
export interface PlanRelationshipType {
  readonly name: string;
  readonly derived_from?: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: { readonly [name: string]: PlanPropertySchema };
}

/** A data type with its merged schema. */
export interface PlanDataType {
  readonly derived_from?: string;
  readonly description?: string;
  readonly version?: string;
  readonly properties: { readonly [name: string]: PlanPropertySchema };
}

/** A label: a list of values (strings, or intrinsic functions for deployment labels). */
export interface PlanLabel {
  readonly values: readonly PlanValue[];
}

/** A parsed, validated blueprint. */
export interface Plan {
  readonly version: PlanVersion;
  readonly description: string | null;
  readonly metadata: { readonly [key: string]: PlanValue };
  readonly inputs: { readonly [name: string]: PlanInput };
  readonly outputs: { readonly [name: string]: PlanOutput };
  readonly capabilities: { readonly [name: string]: PlanOutput };
  /** Node templates in declaration order. */
  readonly nodes: readonly PlanNode[];
  readonly relationships: { readonly [name: string]: PlanRelationshipType };
  readonly data_types: { readonly [name: string]: PlanDataType };
  readonly workflows: { readonly [name: string]: PlanWorkflow };
  readonly groups: { readonly [name: string]: PlanGroup };
  readonly scaling_groups: { readonly [name: string]: PlanScalingGroup };
  readonly policies: { readonly [name: string]: PlanPolicy };
  readonly policy_types: { readonly [name: string]: PlanValue };
  readonly policy_triggers: { readonly [name: string]: PlanValue };
  readonly deployment_plugins_to_install: readonly PlanPlugin[];
  readonly workflow_plugins_to_install: readonly PlanPlugin[];
  readonly host_agent_plugins_to_install: readonly PlanPlugin[];
  readonly labels: { readonly [key: string]: PlanLabel };
  readonly blueprint_labels: { readonly [key: string]: PlanLabel };
  readonly resource_tags: { readonly [key: string]: PlanValue };
  readonly deployment_settings: { readonly [key: string]: PlanValue };
  /** Blueprint ids imported with `blueprint:` imports. */
  readonly imported_blueprints: readonly string[];
  /** namespace → blueprint id, for `blueprint:` imports. */
  readonly namespaces_mapping: { readonly [namespace: string]: string };
}
