/**
 * `@cairn/engine` — deployments, workflows with Cloudify's semantics, the task graph and its
 * scheduler. A library: it knows nothing of HTTP or the CLI, and talks to storage and to the
 * processes that run operations only through the `Store` and `Executor` ports.
 */
export type * from './executor/executor.js';
export {
  Engine,
  createEngine,
  DeploymentInputError,
  DEFAULT_SETTINGS,
  type EngineOptions,
  type CreateDeploymentOptions,
  type StartExecutionOptions,
  type ExecutionHandle,
  type DryRunStep,
} from './engine.js';
export type { ExecutionSettings, EventListener } from './run/run-state.js';
export type { SecretSource } from './functions/runtime-functions.js';
export { WorkflowError, type WorkflowParameters } from './workflows/builtin.js';
