/**
 * The registry of diagnostic codes. A code is a contract: tools filter and suppress by it, so a
 * code is never renamed or reused for another meaning. `docs/diagnostics.md` is generated from
 * this table (`npm run gen:docs`), and a test checks that every code has an invalid fixture.
 */

/** How serious a diagnostic is. Only `error` makes a blueprint invalid. */
export type Severity = 'error' | 'warning';

/** What the registry records for each code. */
export interface DiagnosticCodeInfo {
  /** The default severity. */
  readonly severity: Severity;
  /** One line saying what is wrong, for the docs. */
  readonly summary: string;
}

/** Every diagnostic code the parser can report. */
export const DIAGNOSTIC_CODES = {
  // --- YAML and files -------------------------------------------------------------------------
  DSL_YAML_SYNTAX: { severity: 'error', summary: 'The file is not valid YAML.' },
  DSL_YAML_DUPLICATE_KEY: {
    severity: 'warning',
    summary: 'A mapping repeats a key; as in Cloudify, the last value wins.',
  },
  DSL_YAML_COMPLEX_KEY: {
    severity: 'error',
    summary: 'A mapping key is a list, a mapping or null; blueprint keys are scalars.',
  },
  DSL_YAML_UNKNOWN_TAG: {
    severity: 'error',
    summary: 'An explicit YAML tag (`!!python/...`, `!custom`) that a safe loader does not accept.',
  },
  DSL_YAML_ALIAS_LIMIT: {
    severity: 'error',
    summary: 'Anchors and aliases expand to too many nodes (an alias bomb).',
  },
  DSL_FILE_NOT_MAPPING: {
    severity: 'error',
    summary: 'A blueprint or imported file is not a YAML mapping at the top level.',
  },

  // --- Versions ---------------------------------------------------------------------------------
  DSL_VERSION_MISSING: {
    severity: 'error',
    summary: 'The main blueprint file has no `tosca_definitions_version`.',
  },
  DSL_VERSION_UNSUPPORTED: {
    severity: 'error',
    summary: '`tosca_definitions_version` is not one of cloudify_dsl_1_0 … cloudify_dsl_1_5.',
  },
  DSL_IMPORT_VERSION_NEWER: {
    severity: 'error',
    summary: 'An imported file declares a newer DSL version than the main blueprint.',
  },
  DSL_FEATURE_VERSION: {
    severity: 'error',
    summary: 'A feature is used that the declared DSL version does not have yet.',
  },

  // --- Structure --------------------------------------------------------------------------------
  DSL_UNKNOWN_KEY: { severity: 'error', summary: 'A key that is not allowed at this place.' },
  DSL_WRONG_TYPE: {
    severity: 'error',
    summary: 'A value has the wrong YAML shape (e.g. a list where a mapping is expected).',
  },
  DSL_MISSING_KEY: { severity: 'error', summary: 'A required key is missing.' },
  DSL_INVALID_VALUE: {
    severity: 'error',
    summary: 'A value is of the right shape but not allowed (unknown executor, negative count …).',
  },
  DSL_INVALID_NAME: {
    severity: 'error',
    summary: 'A name is empty or uses the namespace delimiter `--` where it may not.',
  },

  // --- Imports ----------------------------------------------------------------------------------
  DSL_IMPORT_NOT_FOUND: { severity: 'error', summary: 'An imported file does not exist.' },
  DSL_IMPORT_FETCH_FAILED: {
    severity: 'error',
    summary: 'A URL import could not be fetched (network error, HTTP error status, timeout).',
  },
  DSL_IMPORT_TOO_LARGE: {
    severity: 'error',
    summary: 'A URL import is larger than the size limit.',
  },
  DSL_IMPORT_OFFLINE: {
    severity: 'error',
    summary: 'A URL import was refused because the parse runs offline.',
  },
  DSL_IMPORT_DUPLICATE: {
    severity: 'error',
    summary: 'The same import appears twice in one `imports` list.',
  },
  DSL_IMPORT_CYCLE: {
    severity: 'warning',
    summary: 'Files import each other in a cycle; the repeated import is skipped.',
  },
  DSL_IMPORT_INVALID: {
    severity: 'error',
    summary: 'An import entry is malformed (not a string, a multi-key dict, a bad query).',
  },
  DSL_IMPORT_NAMESPACE: {
    severity: 'error',
    summary:
      'A namespace is invalid, reused, missing on a `blueprint:` import, or put on the built-in types.',
  },
  DSL_IMPORT_UNSUPPORTED: {
    severity: 'error',
    summary: 'An import kind has no resolver configured here (`plugin:` without a plugins dir …).',
  },
  DSL_PLUGIN_NOT_FOUND: {
    severity: 'error',
    summary: 'A `plugin:` import names a plugin that is not available.',
  },
  DSL_PLUGIN_VERSION_MISMATCH: {
    severity: 'error',
    summary: 'A `plugin:` import asks for a version or distribution that no available plugin has.',
  },
  DSL_BLUEPRINT_NOT_FOUND: {
    severity: 'error',
    summary: 'A `blueprint:` import names a blueprint id that is not known.',
  },
  DSL_IMPORT_PROPERTIES: {
    severity: 'error',
    summary: 'Properties given on a plugin import are unknown to the plugin or of the wrong type.',
  },

  // --- Merging imports ------------------------------------------------------------------------
  DSL_MERGE_CONFLICT: {
    severity: 'error',
    summary: 'Two files define the same element (type, plugin, node template …).',
  },
  DSL_NOT_MERGEABLE: {
    severity: 'error',
    summary: 'A section appears in two files but cannot be merged (at this DSL version).',
  },

  // --- Types ----------------------------------------------------------------------------------
  DSL_UNKNOWN_TYPE: { severity: 'error', summary: 'A node type name that is not defined.' },
  DSL_UNKNOWN_RELATIONSHIP_TYPE: {
    severity: 'error',
    summary: 'A relationship type name that is not defined.',
  },
  DSL_UNKNOWN_DATA_TYPE: {
    severity: 'error',
    summary: 'A property `type` that is neither a primitive type nor a defined data type.',
  },
  DSL_DERIVED_FROM_CYCLE: {
    severity: 'error',
    summary: 'Types derive from each other in a cycle.',
  },
  DSL_RESERVED_NAME: {
    severity: 'error',
    summary: 'A data type reuses the name of a primitive type.',
  },

  // --- Properties and values ------------------------------------------------------------------
  DSL_TYPE_MISMATCH: {
    severity: 'error',
    summary: 'A value does not match the declared type of its property, input or parameter.',
  },
  DSL_UNDEFINED_PROPERTY: {
    severity: 'error',
    summary: 'A property is set that the type (or data type) does not declare.',
  },
  DSL_MISSING_PROPERTY: {
    severity: 'error',
    summary: 'A required property has no value and no default.',
  },
  DSL_CONSTRAINT_INVALID: {
    severity: 'error',
    summary: 'A constraint is malformed (unknown operator, wrong argument, several operators).',
  },
  DSL_CONSTRAINT_VIOLATED: {
    severity: 'error',
    summary: 'A default or given value breaks a constraint of its input or parameter.',
  },
  DSL_INVALID_REGEX: {
    severity: 'error',
    summary: 'A `regex` value or a `pattern` constraint is not a valid regular expression.',
  },
  DSL_INPUT_HIDDEN_REQUIRED: {
    severity: 'error',
    summary: 'An input is hidden and required but has no default, so nobody could supply it.',
  },

  // --- Intrinsic functions --------------------------------------------------------------------
  DSL_UNKNOWN_FUNCTION: {
    severity: 'error',
    summary: 'A one-key mapping looks like an intrinsic function but names none (a typo?).',
  },
  DSL_FUNCTION_ARGUMENTS: {
    severity: 'error',
    summary: 'An intrinsic function has the wrong number or kind of arguments.',
  },
  DSL_FUNCTION_NOT_ALLOWED: {
    severity: 'error',
    summary: 'An intrinsic function is used where it is not allowed.',
  },
  DSL_FUNCTION_SCOPE: {
    severity: 'error',
    summary: 'SELF, SOURCE or TARGET is used outside the scope that defines it.',
  },
  DSL_UNKNOWN_INPUT: {
    severity: 'error',
    summary: '`get_input` names an input that is not declared.',
  },
  DSL_UNKNOWN_NODE: {
    severity: 'error',
    summary: 'A node template name that is not defined (function, relationship target, group).',
  },
  DSL_UNKNOWN_PROPERTY_PATH: {
    severity: 'error',
    summary: '`get_property` (or a nested `get_input`) follows a path that does not exist.',
  },
  DSL_FUNCTION_CYCLE: {
    severity: 'error',
    summary: 'Intrinsic functions refer to each other in a cycle.',
  },
  DSL_FUNCTION_EVALUATION: {
    severity: 'error',
    summary: 'An intrinsic function failed when evaluated for a deployment.',
  },

  // --- Operations, plugins and workflows ------------------------------------------------------
  DSL_UNKNOWN_PLUGIN: {
    severity: 'error',
    summary: 'An operation or workflow mapping names a plugin that is not defined.',
  },
  DSL_AMBIGUOUS_PLUGIN: {
    severity: 'error',
    summary: 'An operation mapping matches more than one plugin name.',
  },
  DSL_RESOURCE_NOT_FOUND: {
    severity: 'error',
    summary: 'A script implementation or workflow mapping names a file that does not exist.',
  },
  DSL_SCRIPT_INPUT_CONFLICT: {
    severity: 'error',
    summary: 'A script operation also sets `script_path` or `script_source` in its inputs.',
  },
  DSL_SCRIPT_PLUGIN_MISSING: {
    severity: 'error',
    summary: 'A script operation is used but no `script` plugin is defined.',
  },
  DSL_OPERATION_INPUT_MISSING: {
    severity: 'error',
    summary: 'An operation input declared without a default is given no value.',
  },
  DSL_UNKNOWN_OPERATION: {
    severity: 'error',
    summary: 'An operation name that the node or relationship does not have.',
  },
  DSL_HOST_AGENT_WITHOUT_HOST: {
    severity: 'error',
    summary: 'An operation runs on `host_agent` but its node is not contained in a Compute host.',
  },

  // --- Node templates, relationships, groups, policies ----------------------------------------
  DSL_SELF_RELATIONSHIP: {
    severity: 'error',
    summary: 'A node template has a relationship to itself.',
  },
  DSL_MULTIPLE_CONTAINED_IN: {
    severity: 'error',
    summary: 'A node template has more than one contained_in relationship.',
  },
  DSL_RELATIONSHIP_CYCLE: {
    severity: 'error',
    summary: 'Node templates depend on each other in a cycle, so no install order exists.',
  },
  DSL_INSTANCES_CONFLICT: {
    severity: 'error',
    summary: 'A node template sets both `instances` and `capabilities.scalable`.',
  },
  DSL_SCALING_BOUNDS: {
    severity: 'error',
    summary: 'Instance counts break min ≤ default ≤ max (or are negative).',
  },
  DSL_UNKNOWN_GROUP_MEMBER: {
    severity: 'error',
    summary: 'A group member names neither a node template nor a group.',
  },
  DSL_GROUP_MEMBERSHIP: {
    severity: 'error',
    summary: 'A node or group is a direct member of several scaling groups, or of its own group.',
  },
  DSL_GROUP_CYCLE: { severity: 'error', summary: 'Groups contain each other in a cycle.' },
  DSL_GROUP_NAME_CONFLICT: {
    severity: 'error',
    summary: 'A group has the same name as a node template.',
  },
  DSL_GROUP_CONTAINMENT: {
    severity: 'error',
    summary: 'Members of a scaling group are not consistent with their contained_in relationships.',
  },
  DSL_UNKNOWN_POLICY_TYPE: {
    severity: 'error',
    summary: 'A policy type that is not defined (only cloudify.policies.scaling drives scaling).',
  },
  DSL_UNKNOWN_POLICY_TARGET: {
    severity: 'error',
    summary: 'A policy targets a group that does not exist.',
  },
  DSL_ALL_TO_ONE_IN_GROUP: {
    severity: 'error',
    summary: 'An all_to_one relationship joins two nodes of the same scaling group.',
  },

  // --- Deployment inputs ----------------------------------------------------------------------
  DSL_INPUT_MISSING: {
    severity: 'error',
    summary: 'A required deployment input has no value and no default.',
  },
  DSL_INPUT_UNKNOWN: {
    severity: 'error',
    summary: 'A value is given for an input the blueprint does not declare.',
  },
} as const satisfies Record<string, DiagnosticCodeInfo>;

/** A registered diagnostic code. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** All registered codes, in registry order. */
export const ALL_DIAGNOSTIC_CODES = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];
