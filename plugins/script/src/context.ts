/**
 * The parts of Cairn's operation `ctx` this plugin uses (Cairn's JavaScript names). The plugin
 * depends on no Cairn package at run time: the worker passes the real object.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

export interface CtxNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly properties: Readonly<JsonObject>;
  readonly number_of_instances: number;
}

export interface CtxInstanceView {
  readonly id: string;
  readonly runtime_properties: Readonly<JsonObject>;
  readonly host_id: string | null;
  readonly host_ip: string | null;
  readonly index: number;
  readonly scaling_groups: readonly { readonly name: string; readonly id: string }[];
}

export interface CtxRelationship {
  readonly type: string;
  readonly type_hierarchy: readonly string[];
  readonly target: { readonly node: CtxNode; readonly instance: CtxInstanceView };
}

export interface CtxInstance extends CtxInstanceView {
  readonly runtime_properties: JsonObject;
  readonly version: number;
  readonly relationships: readonly CtxRelationship[];
  update(): Promise<void>;
}

export interface CtxEndpoint {
  readonly node: CtxNode;
  readonly instance: CtxInstance;
}

export interface CtxLogger {
  debug(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  warning(message: unknown, ...args: unknown[]): void;
  error(message: unknown, ...args: unknown[]): void;
}

/** What an operation function receives as its first argument. */
export interface OperationContext {
  readonly type: 'node-instance' | 'relationship-instance' | 'deployment';
  /** Throws outside node operations. */
  readonly node: CtxNode;
  /** Throws outside node operations. */
  readonly instance: CtxInstance;
  /** Throws outside relationship operations. */
  readonly source: CtxEndpoint;
  /** Throws outside relationship operations. */
  readonly target: CtxEndpoint;
  readonly deployment: { readonly id: string };
  readonly blueprint: { readonly id: string };
  readonly execution_id: string;
  readonly workflow_id: string;
  readonly tenant_name: string;
  readonly task_id: string;
  readonly timeout: number | null;
  readonly plugin: {
    readonly name: string;
    readonly package_name: string | null;
    readonly package_version: string | null;
    readonly source: string | null;
    readonly properties: Readonly<JsonObject>;
    readonly workdir: string;
  };
  readonly operation: {
    readonly name: string;
    readonly retry_number: number;
    readonly max_retries: number;
    readonly relationship: 'source' | 'target' | undefined;
    retry(message?: string, retryAfter?: number): void;
  };
  readonly logger: CtxLogger;
  readonly signal: AbortSignal;
  getResource(path: string): Promise<string>;
  downloadResource(path: string, targetPath?: string): Promise<string>;
  getResourceAndRender(
    path: string,
    variables?: Readonly<Record<string, unknown>>,
  ): Promise<string>;
  downloadResourceAndRender(
    path: string,
    targetPath?: string,
    variables?: Readonly<Record<string, unknown>>,
  ): Promise<string>;
}
