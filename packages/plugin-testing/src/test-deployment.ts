/**
 * A real local deployment for a plugin's tests: the blueprint parsed as the CLI parses it, a
 * SQLite store in a temporary folder, the engine, and the plugin's operations run in real worker
 * processes by the plugin host — the same path `cairn install` takes, minus the CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import {
  choosePluginYaml,
  formatDiagnostic,
  parseBlueprint,
  type PluginImportRequest,
  type PluginImportResult,
} from '@cairn/dsl';
import { createNodeHost, fileUrl } from '@cairn/dsl/node';
import { createEngine, type Engine, type ExecutionSettings } from '@cairn/engine';
import { createLocalExecutor, pluginAt, type LocalExecutor } from '@cairn/plugin-host';
import type { JsonValue } from '@cairn/errors';
import { createSqliteStore, type JsonObject, type Store } from '@cairn/store';
import { readPluginUnderTest, type PluginUnderTest } from './plugin-under-test.js';

/** Options of {@link deployForTest}. */
export interface TestDeploymentOptions {
  /** The blueprint file to deploy. */
  readonly blueprint: string;
  /** The plugin under test: its folder (default: the current folder). */
  readonly plugin?: string;
  /** Other plugins the blueprint uses: plugin name (the `plugins:` key) → plugin folder. */
  readonly plugins?: Readonly<Record<string, string>>;
  /** Deployment inputs. */
  readonly inputs?: Readonly<Record<string, JsonValue>>;
  /** What `get_secret` returns, by key. */
  readonly secrets?: Readonly<Record<string, JsonValue>>;
  /** The deployment id (default `test`). */
  readonly deploymentId?: string;
  /** Engine settings for every workflow run (default: no retries, so a failure shows at once). */
  readonly settings?: Partial<ExecutionSettings>;
}

/** A log line or an event of a run, as a test reads it. */
export interface TestEvent {
  readonly type: 'log' | 'event';
  /** The log level (`info`, `error` …) or the event type (`task_failed` …). */
  readonly kind: string;
  readonly message: string;
  readonly nodeInstanceId: string | null;
  readonly operation: string | null;
}

/** How a workflow run ended, with everything it logged. */
export interface TestRun {
  readonly status: 'terminated' | 'failed' | 'cancelled';
  /** Why it failed or was cancelled; `''` when it succeeded. */
  readonly error: string;
  readonly events: readonly TestEvent[];
  /** The messages logged at `level` (all levels when omitted). */
  logs(level?: string): string[];
}

/** A node instance as a test reads it. */
export interface TestInstance {
  readonly id: string;
  readonly nodeId: string;
  readonly state: string | null;
  readonly runtimeProperties: JsonObject;
}

/** Options of {@link TestDeployment.executeOperation}. */
export interface ExecuteOperationOptions {
  /** Only instances of these nodes. */
  readonly nodeIds?: readonly string[];
  /** Only these instances. */
  readonly nodeInstanceIds?: readonly string[];
  /** Inputs passed to the operation, over those the blueprint maps. */
  readonly kwargs?: JsonObject;
  /** Whether `kwargs` may replace inputs the blueprint sets (default false, as Cloudify). */
  readonly allowKwargsOverride?: boolean;
}

/** A deployment made for a test. Close it when done: it stops the workers and removes its files. */
export interface TestDeployment {
  /** The deployment id. */
  readonly id: string;
  /** The temporary folder that holds its store and plugin workdirs. */
  readonly home: string;
  /** The engine, for what the kit does not wrap. */
  readonly engine: Engine;
  /** Runs `install`. */
  install(): Promise<TestRun>;
  /** Runs `uninstall`. */
  uninstall(): Promise<TestRun>;
  /** Runs any workflow with parameters. */
  runWorkflow(workflowId: string, parameters?: JsonObject): Promise<TestRun>;
  /** Runs one operation (`execute_operation`) on the instances chosen. */
  executeOperation(operation: string, options?: ExecuteOperationOptions): Promise<TestRun>;
  /** The node instances, optionally of one node. */
  instances(nodeId?: string): Promise<TestInstance[]>;
  /** The one instance of `nodeId`; throws when it has none or several. */
  instance(nodeId: string): Promise<TestInstance>;
  /** The deployment's outputs, evaluated now. */
  outputs(): Promise<Record<string, JsonValue>>;
  close(): Promise<void>;
}

/** The SDK's worker runtime, for plugins (like a blueprint's plain script folder) with none. */
function fallbackRuntime(): string {
  return fileURLToPath(import.meta.resolve('@cairn/plugin-sdk/worker'));
}

/** The script plugin, when it is installed beside the kit (blueprints with scripts need it). */
function scriptPluginDir(): string | undefined {
  try {
    return dirname(dirname(fileURLToPath(import.meta.resolve('@cairn/plugin-script'))));
  } catch {
    return undefined;
  }
}

function packageVersion(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** `plugin:NAME` imports of the plugin under test resolve to its own plugin YAML. */
function importPluginUnderTest(
  plugin: PluginUnderTest,
  request: PluginImportRequest,
): PluginImportResult {
  if (!plugin.packageNames.includes(request.name) && !plugin.names.includes(request.name)) {
    return {
      ok: false,
      reason: 'not-found',
      message: `The test kit resolves only the plugin under test (${[...plugin.packageNames, ...plugin.names].join(', ')}), not '${request.name}'.`,
    };
  }
  const chosen = choosePluginYaml(plugin.yamlFiles, request.dslMinor);
  if (chosen === undefined) {
    return { ok: false, reason: 'not-found', message: `${plugin.dir} has no plugin YAML.` };
  }
  const path = join(plugin.dir, chosen);
  return {
    ok: true,
    url: pathToFileURL(path).href,
    name: path,
    text: readFileSync(path, 'utf8'),
    packageVersion: packageVersion(plugin.dir),
  };
}

function toTestEvent(record: {
  type: string;
  event_type: string | null;
  level: string | null;
  message: string;
  context: JsonObject;
}): TestEvent {
  const text = (value: JsonValue | undefined): string | null =>
    typeof value === 'string' ? value : null;
  return {
    type: record.type === 'cloudify_log' ? 'log' : 'event',
    kind: (record.type === 'cloudify_log' ? record.level : record.event_type) ?? '',
    message: record.message,
    nodeInstanceId: text(record.context.node_id),
    operation: text(record.context.operation),
  };
}

/**
 * Parses `options.blueprint`, creates a deployment of it in a temporary local store, and returns
 * handles to run workflows and read what they did. The plugin under test runs in real worker
 * processes, from its folder (build it first). A blueprint may import it with
 * `plugin:PACKAGE_NAME`, as it will once the plugin is installed.
 *
 * Throws, with the diagnostics, when the blueprint does not parse.
 */
export async function deployForTest(options: TestDeploymentOptions): Promise<TestDeployment> {
  const plugin = readPluginUnderTest(options.plugin);
  const blueprint = resolve(options.blueprint);
  const nodeHost = createNodeHost({ offline: true, cwd: dirname(blueprint) });
  const host = {
    ...nodeHost,
    resolvePlugin: (request: PluginImportRequest) =>
      Promise.resolve(importPluginUnderTest(plugin, request)),
  };
  const parsed = await parseBlueprint(fileUrl(blueprint), { host });
  if (parsed.plan === undefined) {
    throw new Error(
      `${blueprint} does not parse:\n${parsed.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`,
    );
  }

  const home = mkdtempSync(join(tmpdir(), 'cairn-plugin-test-'));
  const others = new Map(Object.entries(options.plugins ?? {}));
  const script = scriptPluginDir();
  const executor: LocalExecutor = createLocalExecutor({
    fallbackRuntime: fallbackRuntime(),
    resolvePlugin: (wanted) => {
      if (
        plugin.names.includes(wanted.name) ||
        (wanted.package_name !== null && plugin.packageNames.includes(wanted.package_name))
      ) {
        return pluginAt(plugin.dir);
      }
      const dir = others.get(wanted.name) ?? (wanted.name === 'script' ? script : undefined);
      return dir === undefined ? undefined : pluginAt(resolve(dir));
    },
  });
  const store: Store = createSqliteStore({ path: join(home, 'cairn.db') });
  const secrets = options.secrets ?? {};
  const engine = createEngine({
    store,
    executor,
    workdir: join(home, 'work'),
    secrets: { get: (key) => secrets[key] },
  });
  const id = options.deploymentId ?? 'test';
  const settings: Partial<ExecutionSettings> = { task_retries: 0, ...options.settings };
  try {
    await engine.putBlueprint({
      id,
      plan: parsed.plan as unknown as JsonObject,
      main_file_name: blueprint,
      resources_path: dirname(blueprint),
      description: null,
    });
    await engine.createDeployment({
      id,
      blueprintId: id,
      ...(options.inputs === undefined ? {} : { inputs: options.inputs }),
    });
  } catch (error) {
    await executor.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }

  const run = async (workflowId: string, parameters: JsonObject = {}): Promise<TestRun> => {
    const execution = await engine.execute({
      deploymentId: id,
      workflowId,
      parameters,
      settings,
    });
    const events = (await store.listEvents({ execution_id: execution.id, include_logs: true })).map(
      toTestEvent,
    );
    return {
      status: execution.status as TestRun['status'],
      error: execution.error,
      events,
      logs: (level) =>
        events
          .filter((e) => e.type === 'log' && (level === undefined || e.kind === level))
          .map((e) => e.message),
    };
  };
  const instances = async (nodeId?: string): Promise<TestInstance[]> =>
    (
      await store.listNodeInstances({
        deployment_id: id,
        ...(nodeId === undefined ? {} : { node_id: nodeId }),
      })
    ).map((record) => ({
      id: record.id,
      nodeId: record.node_id,
      state: record.state,
      runtimeProperties: record.runtime_properties,
    }));

  return {
    id,
    home,
    engine,
    install: () => run('install'),
    uninstall: () => run('uninstall'),
    runWorkflow: run,
    executeOperation: (operation, opts = {}) =>
      run('execute_operation', {
        operation,
        ...(opts.kwargs === undefined ? {} : { operation_kwargs: opts.kwargs }),
        ...(opts.nodeIds === undefined ? {} : { node_ids: [...opts.nodeIds] }),
        ...(opts.nodeInstanceIds === undefined
          ? {}
          : { node_instance_ids: [...opts.nodeInstanceIds] }),
        ...(opts.allowKwargsOverride === undefined
          ? {}
          : { allow_kwargs_override: opts.allowKwargsOverride }),
      }),
    instances,
    async instance(nodeId) {
      const found = await instances(nodeId);
      if (found.length !== 1) {
        throw new Error(`node '${nodeId}' has ${found.length} instances, not one`);
      }
      return found[0] as TestInstance;
    },
    outputs: () => engine.outputs(id),
    async close() {
      await executor.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
