/**
 * `@cairn/plugin-host` — runs plugin operations and custom workflow functions in isolated,
 * long-lived worker processes and serves their `ctx` calls. {@link createLocalExecutor}
 * implements the engine's `Executor` and `WorkflowExecutor` ports.
 *
 * Plugin calling convention: a plugin is an ESM module; `operation.function` (e.g.
 * `tasks.create`) is a property path into its exports; the function is called as
 * `fn(ctx, inputs)` and awaited. Throw `NonRecoverableError`, `RecoverableError` (with
 * `retryAfter` seconds) or call `ctx.operation.retry()`; any other error is recoverable.
 * A workflow function is found the same way and called as `fn(ctx, parameters)` with a
 * {@link WorkflowContext}: it builds task graphs and has the engine run them.
 */
export {
  createLocalExecutor,
  type LocalExecutor,
  type LocalExecutorOptions,
  type ResolvedPlugin,
} from './local-executor.js';
export { pluginAt, PluginPackageError } from './plugin-folder.js';
export { HOST_FAILURE_RECOVERABLE, HOST_FAILURE_TYPES, type HostFailureType } from './failures.js';
export {
  NonRecoverableError,
  OperationRetry,
  RecoverableError,
  WorkflowFailed,
  type PluginErrorCause,
  type PluginErrorOptions,
  type RecoverableErrorOptions,
} from './plugin-errors.js';
export { defaultWorkerScript } from './worker-script.js';
export { WORKER_RUNTIME_VERSION } from './worker/runtime.js';
export type {
  ContextEndpoint,
  ContextInstance,
  ContextInstanceView,
  ContextLogger,
  ContextNode,
  ContextRelationship,
  OperationContext,
} from './worker/context.js';
export type {
  ExecuteOperationOptions,
  WorkflowContext,
  WorkflowGraph,
  WorkflowNode,
  WorkflowNodeInstance,
  WorkflowRelationship,
  WorkflowSequence,
  WorkflowStep,
  WorkflowTask,
  WorkflowTaskKind,
} from './worker/workflow-context.js';
