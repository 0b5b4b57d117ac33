/**
 * `@cairn/plugin-sdk` — the one package a Cairn plugin depends on.
 *
 * - The `ctx` API an operation receives ({@link OperationContext}) and the one a workflow
 *   function receives ({@link WorkflowContext}), as types.
 * - The error classes plugin code throws ({@link NonRecoverableError}, {@link RecoverableError}
 *   with `retryAfter`, {@link OperationRetry}), Cloudify's `cloudify.exceptions`.
 * - {@link operation}, {@link workflow} and {@link definePlugin}, to declare functions with types.
 * - The worker runtime (`@cairn/plugin-sdk/worker`): the process the plugin host starts to run a
 *   plugin's functions. A plugin's bundle carries its own copy, so what runs is what was packed.
 *
 * Calling convention: an operation mapping `PLUGIN.a.b.fn` names the function at path `a.b.fn`
 * of the plugin's entry module exports; it is called as `fn(ctx, inputs)` and awaited.
 */
export {
  NonRecoverableError,
  OperationRetry,
  RecoverableError,
  WorkflowFailed,
  type PluginErrorCause,
  type PluginErrorOptions,
  type RecoverableErrorOptions,
} from './errors.js';
export {
  definePlugin,
  operation,
  workflow,
  type Operation,
  type OperationResult,
  type PluginFunctions,
  type Workflow,
} from './define.js';
export { WORKER_RUNTIME_VERSION as SDK_VERSION } from './worker/runtime.js';
export type {
  ContextEndpoint,
  ContextInstance,
  ContextInstanceView,
  ContextLogger,
  ContextNode,
  ContextRelationship,
  OperationContext,
} from './worker/context.js';
export type { TemplateVariables } from './worker/resources.js';
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
export type { JsonObject, JsonValue } from '@cairn/plugin-protocol';
