/**
 * `@cairn/dsl` — Cloudify's blueprint language for Cairn: parse and validate a blueprint into a
 * {@link Plan}, with coded diagnostics; prepare a deployment (inputs, functions, node instances).
 * Runs in the browser too; Node-only parts are in `@cairn/dsl/node`.
 */
export {
  parseBlueprint,
  createParseCache,
  type ParseOptions,
  type ParseResult,
  type ParseCache,
} from './parse.js';
export type { Diagnostic, SourcePosition } from './diagnostics/diagnostic.js';
export type { PlanSourceMap } from './plan/source-map.js';
export {
  DIAGNOSTIC_CODES,
  ALL_DIAGNOSTIC_CODES,
  type DiagnosticCode,
  type DiagnosticCodeInfo,
  type Severity,
} from './diagnostics/codes.js';
export {
  formatDiagnostic,
  summarizeDiagnostics,
  PLAIN_STYLE,
  type FormatOptions,
  type FormatStyle,
} from './diagnostics/format.js';
export type {
  ImportHost,
  ReadResult,
  ReadFailure,
  PluginImportRequest,
  PluginImportResult,
  BlueprintImportResult,
} from './imports/import-host.js';
export { createMemoryHost } from './imports/memory-host.js';
export type { ImportRule } from './imports/import-string.js';
export { isBuiltinTypesImport } from './imports/import-string.js';
export {
  choosePluginYaml,
  highestSatisfying,
  versionSatisfies,
  isValidVersionSpec,
} from './imports/plugin-selection.js';
export { checkPluginYaml, mappedFunctions } from './plugin-yaml-check.js';
export { DSL_VERSIONS, type DslVersion } from './util/dsl-version.js';
export type * from './plan/plan-types.js';
export { pluginFunctionsOfPlan } from './plan/plugin-functions.js';
export { readYaml, type YamlReadResult } from './source/read-yaml.js';
export { BUILTIN_TYPES_YAML } from './builtin/types-yaml.generated.js';
export { prepareDeployment } from './deployment/prepare.js';
export type {
  PrepareOptions,
  PrepareResult,
  PreparedDeployment,
  NodeInstance,
  RelationshipInstance,
  ScalingGroupInstance,
} from './deployment/deployment-types.js';
export {
  evaluateRuntimeValue,
  RuntimeEvaluationError,
  type RuntimeFunctionResolver,
} from './deployment/runtime-evaluation.js';
export { pythonStr } from './deployment/python-str.js';
