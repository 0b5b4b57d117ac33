/**
 * Helpers to declare a plugin's operations and workflow functions with types. They return what
 * they are given: the worker finds functions by their path in the entry module's exports
 * (`PLUGIN.a.b.fn` → `exports.a.b.fn`), so a plain exported function works just as well. What
 * the helpers add is checking: `ctx.node.properties` and `inputs` get the types the plugin
 * author (or `cairn plugins typegen`) wrote for them.
 */
import type { JsonObject, JsonValue } from '@cairn/plugin-protocol';
import type { OperationContext } from './worker/context.js';
import type { WorkflowContext } from './worker/workflow-context.js';

/**
 * What an operation may resolve to: its result, recorded as JSON (a value that is not JSON is
 * reported, not stored). Nothing at all is the usual result.
 */
export type OperationResult = JsonValue | undefined;

/**
 * An operation function: called as `fn(ctx, inputs)` and awaited. `Inputs` types the operation's
 * inputs, `Properties` the node's properties (`ctx.node.properties`).
 */
export type Operation<
  Inputs extends object = JsonObject,
  Properties extends object = JsonObject,
> = (ctx: OperationContext<Properties>, inputs: Inputs) => unknown;

/** A workflow function: called as `fn(ctx, parameters)` and awaited. */
export type Workflow<Parameters extends object = JsonObject> = (
  ctx: WorkflowContext,
  parameters: Parameters,
) => unknown;

/**
 * Declares one operation with typed inputs and node properties.
 *
 * ```ts
 * export const create = operation<CreateInputs, FileProperties>(async (ctx, inputs) => {
 *   ctx.instance.runtime_properties.path = ctx.node.properties.path;
 * });
 * ```
 */
export function operation<
  Inputs extends object = JsonObject,
  Properties extends object = JsonObject,
>(fn: Operation<Inputs, Properties>): Operation<Inputs, Properties> {
  return fn;
}

/** Declares one workflow function with typed parameters. */
export function workflow<Parameters extends object = JsonObject>(
  fn: Workflow<Parameters>,
): Workflow<Parameters> {
  return fn;
}

/** A tree of operations and workflow functions, as a plugin's entry module exports them. */
export interface PluginFunctions {
  readonly [name: string]: Operation<never, never> | Workflow<never> | PluginFunctions;
}

/**
 * Declares a group of operations (a module of the plugin, as Cloudify's `plugin.tasks`). The
 * mapping `PLUGIN.tasks.create` finds `create` in `export const tasks = definePlugin({...})`.
 */
export function definePlugin<T extends PluginFunctions>(functions: T): T {
  return functions;
}
