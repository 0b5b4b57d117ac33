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
