/**
 * `@cairn/plugin-host` — runs plugin operations and custom workflow functions in isolated,
 * long-lived worker processes and serves their `ctx` calls. {@link createLocalExecutor}
 * implements the engine's `Executor` and `WorkflowExecutor` ports.
 *
 * A worker is the plugin's own copy of `@cairn/plugin-sdk`'s worker runtime: the host starts it,
 * speaks the protocol (`@cairn/plugin-protocol`) with it, serves its `ctx` calls, and enforces
 * time and memory limits. What a plugin looks like to its author is the SDK's business.
 */
export {
  createLocalExecutor,
  type LocalExecutor,
  type LocalExecutorOptions,
  type ResolvedPlugin,
} from './local-executor.js';
export { pluginAt, PluginPackageError } from './plugin-folder.js';
export { HOST_FAILURE_RECOVERABLE, HOST_FAILURE_TYPES, type HostFailureType } from './failures.js';
export { sdkRuntimeNear } from './plugin-runtime.js';
export { probeFunctions, type ProbeResult } from './bundle/probe.js';
export {
  BundleError,
  CAIRN_PLUGIN_API_VERSION,
  checkBundleContents,
  DEFAULT_CAIRN_API_RANGE,
  generateSigningKey,
  getInstalled,
  installBundle,
  installedEntry,
  installedVersions,
  keyIdOf,
  listInstalled,
  packPlugin,
  readBundle,
  readInstalledPluginYaml,
  removeInstalled,
  resolvePluginImport,
  resolvePluginImportFromStore,
  selectInstalled,
  setSignaturePolicy,
  signBundle,
  trustKey,
  trustOptions,
  trustedKeyIds,
  type BundleContentChecks,
  type BundleContents,
  type BundleContentsCheck,
  type BundleDiagnostic,
  type BundleErrorReason,
  type BundleInfo,
  type BundleManifest,
  type InstalledPlugin,
  type PackOptions,
  type PackResult,
  type PluginImportQuery,
  type PluginImportResolution,
  type PluginSelectionRules,
  type PluginWanted,
  type ReadBundleOptions,
  type ResolvePluginImportOptions,
  type SignatureStatus,
  type SigningKey,
  type SupportedPlatform,
  type TrustLocation,
} from './bundle/index.js';
