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
  DEFAULT_CAIRN_API_RANGE,
  generateSigningKey,
  getInstalled,
  installBundle,
  keyIdOf,
  listInstalled,
  packPlugin,
  readBundle,
  removeInstalled,
  signBundle,
  type BundleErrorReason,
  type BundleInfo,
  type BundleManifest,
  type InstalledPlugin,
  type PackOptions,
  type PackResult,
  type ReadBundleOptions,
  type SignatureStatus,
  type SigningKey,
  type SupportedPlatform,
} from './bundle/index.js';
