/**
 * Local mode: everything under `$CAIRN_HOME` (default `~/.cairn`) — one SQLite file with all
 * state, the blueprints' files copied under `blueprints/<id>/`, plugin workdirs under `work/` —
 * and an engine whose operations run in worker processes on this machine.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type SecretSource } from '@cairn/engine';
import type { Plan, PlanOperation, PlanPlugin } from '@cairn/dsl';
import { InvalidInputError, NotFoundError, UsageError } from '@cairn/errors';
import {
  createLocalExecutor,
  installedEntry,
  installedVersions,
  listInstalled,
  pluginAt,
  probeFunctions,
  selectInstalled,
  type ResolvedPlugin,
} from '@cairn/plugin-host';
import type { Executor, OperationPlugin } from '@cairn/engine';
import { createSqliteStore, type DeploymentPlugin, type Store } from '@cairn/store';
import { PLUGIN_SELECTION, pluginStoreDir } from './installed-plugins.js';

/** The folder local mode keeps its state in. */
export function cairnHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CAIRN_HOME;
  if (configured !== undefined && configured !== '') return resolve(configured);
  return join(homedir(), '.cairn');
}

/** Cairn's own first-party plugins (`<repo>/plugins/<name>`), found from this file. */
function bundledPluginsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'plugins');
}

/**
 * The worker runtime of the SDK the CLI ships with, for plugins that carry none of their own (a
 * plain JavaScript folder shipped with a blueprint). A plugin with `@cairn/plugin-sdk` among its
 * dependencies runs its own copy.
 */
function fallbackRuntime(): string {
  return fileURLToPath(import.meta.resolve('@cairn/plugin-sdk/worker'));
}

/**
 * Secrets for `get_secret` in local mode: a JSON object in `$CAIRN_HOME/secrets.json`, and
 * environment variables `CAIRN_SECRET_<KEY>` (which win).
 */
function localSecrets(home: string, env: NodeJS.ProcessEnv): SecretSource {
  const file = join(home, 'secrets.json');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new UsageError(`${file} is not valid JSON (it should map secret names to values).`);
    }
  }
  return {
    get(key) {
      const fromEnv = env[`CAIRN_SECRET_${key}`];
      if (fromEnv !== undefined) return fromEnv;
      const value = fromFile[key];
      return value === undefined ? undefined : (value as string);
    },
  };
}

/** The function paths `plan` maps to `plugin`: node and relationship operations, workflows. */
function mappedFunctionsOf(plan: Plan, plugin: string): string[] {
  const found = new Set<string>();
  const add = (operations: Readonly<Record<string, PlanOperation>>): void => {
    for (const op of Object.values(operations)) if (op.plugin === plugin) found.add(op.operation);
  };
  for (const node of plan.nodes) {
    add(node.operations);
    for (const rel of node.relationships) {
      add(rel.source_operations);
      add(rel.target_operations);
    }
  }
  for (const workflow of Object.values(plan.workflows)) {
    if (workflow.plugin === plugin) found.add(workflow.operation);
  }
  return [...found].sort();
}

/** Options of {@link openLocal}. */
export interface LocalOptions {
  /** `NAME=DIR` pairs: where to find the code of plugins the blueprint uses. */
  readonly plugins?: readonly string[];
  /**
   * Most worker processes per plugin: an execution's `--parallelism`, so that its operations
   * can all run at once (a worker runs one at a time). Default: the engine's default parallelism.
   */
  readonly maxWorkersPerPlugin?: number;
  /**
   * Node processes to boot ahead of need for workers (ADR 0013; default 0): 1 for commands that
   * run workflows, so that the first operation does not wait for Node to boot.
   */
  readonly spareWorkers?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** An open local profile. Close it when done. */
export interface LocalProfile {
  readonly home: string;
  readonly store: Store;
  readonly engine: Engine;
  readonly executor: Executor;
  /** The installed plugins' store (`$CAIRN_HOME/plugin-store`). */
  readonly pluginStore: string;
  /** Makes plugins shipped in a blueprint's `plugins/` folder findable. */
  addBlueprintDir(id: string, dir: string): void;
  /**
   * The installed bundles a new deployment of `plan` runs: for each plugin it must have
   * installed (`install: true` with a `package_name`), the highest installed version that fits
   * its `package_version`. A plugin found as a folder instead (shipped with the blueprint, one
   * of Cairn's own, `--plugin`) is not pinned. Throws NotFoundError for a plugin found nowhere.
   */
  pinPlugins(plan: Plan): Promise<DeploymentPlugin[]>;
  /**
   * Where each pin would move: the highest installed version of its package with the same
   * major version (any version with `toLatest`), or where it is when nothing newer fits.
   */
  planPluginUpdate(
    pins: readonly DeploymentPlugin[],
    options: { readonly toLatest: boolean; readonly only?: ReadonlySet<string> },
  ): Promise<{ from: DeploymentPlugin; to: DeploymentPlugin }[]>;
  close(): Promise<void>;
}

/** Parses `NAME=DIR` plugin locations. */
function pluginDirs(pairs: readonly string[], cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) {
      throw new UsageError(`--plugin takes NAME=DIR, not '${pair}'.`);
    }
    const dir = resolve(cwd, pair.slice(eq + 1));
    if (!existsSync(dir)) throw new UsageError(`--plugin ${pair}: no such folder.`);
    out.set(pair.slice(0, eq), dir);
  }
  return out;
}

/** Opens the local profile: its store, an executor and an engine. */
export async function openLocal(options: LocalOptions = {}): Promise<LocalProfile> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = cairnHome(env);
  mkdirSync(home, { recursive: true });
  const store = createSqliteStore({ path: join(home, 'cairn.db') });
  const explicit = pluginDirs(options.plugins ?? [], cwd);
  const blueprintDirs = new Map<string, string>();
  for (const bp of await store.listBlueprints()) blueprintDirs.set(bp.id, bp.resources_path);
  const pluginStore = pluginStoreDir(home);
  /** A plugin as a folder: `--plugin`, the blueprint's `plugins/<name>/`, Cairn's own, `$CAIRN_HOME/plugins/`. */
  const pluginFolder = (
    plugin: Pick<OperationPlugin, 'name' | 'package_name'>,
  ): ResolvedPlugin | undefined => {
    const candidates: string[] = [];
    const given = explicit.get(plugin.name);
    if (given !== undefined) candidates.push(given);
    // A plugin shipped with the blueprint (`plugins/<name>/` beside blueprint.yaml) …
    for (const dir of blueprintDirs.values()) candidates.push(join(dir, 'plugins', plugin.name));
    // … or one of Cairn's own.
    candidates.push(join(bundledPluginsDir(), plugin.name));
    if (plugin.package_name !== null && !isAbsolute(plugin.package_name)) {
      candidates.push(join(home, 'plugins', plugin.package_name));
    }
    candidates.push(join(home, 'plugins', plugin.name));
    for (const dir of candidates) {
      const found = existsSync(dir) ? pluginAt(dir) : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const executor = createLocalExecutor({
    fallbackRuntime: fallbackRuntime(),
    spareWorkers: options.spareWorkers ?? 0,
    ...(options.maxWorkersPerPlugin === undefined
      ? {}
      : { maxWorkersPerPlugin: options.maxWorkersPerPlugin }),
    resolvePlugin: (plugin) => {
      // A deployment pinned to an installed bundle runs exactly that bundle, or nothing.
      if (plugin.bundle_id !== null) {
        const pinned = installedEntry(pluginStore, plugin.bundle_id);
        if (pinned === undefined) {
          throw new Error(
            `the bundle ${plugin.bundle_id.slice(0, 12)} this deployment is pinned to was removed; install it again, or move the deployment with cairn deployments update-plugins`,
          );
        }
        return pinned;
      }
      return pluginFolder(plugin);
    },
  });
  const engine = createEngine({
    store,
    executor,
    workdir: join(home, 'work'),
    secrets: localSecrets(home, env),
  });
  return {
    home,
    store,
    engine,
    executor,
    pluginStore,
    addBlueprintDir(id, dir) {
      blueprintDirs.set(id, dir);
    },
    async pinPlugins(plan) {
      const wanted = new Map<string, PlanPlugin>();
      for (const plugin of [
        ...plan.nodes.flatMap((node) => node.plugins),
        ...Object.values(plan.workflow_plugins_to_install),
      ]) {
        if (plugin.install && plugin.package_name !== null) wanted.set(plugin.name, plugin);
      }
      if (wanted.size === 0) return [];
      const installed = existsSync(pluginStore) ? await listInstalled(pluginStore) : [];
      const pins: DeploymentPlugin[] = [];
      for (const plugin of wanted.values()) {
        const packageName = plugin.package_name ?? plugin.name;
        const chosen = selectInstalled(
          installed,
          { packageName, version: plugin.package_version ?? undefined },
          PLUGIN_SELECTION,
        );
        if (chosen !== undefined) {
          pins.push({
            name: plugin.name,
            package_name: packageName,
            package_version: chosen.manifest.version,
            bundle_id: chosen.id,
          });
        } else if (pluginFolder(plugin) === undefined) {
          throw new NotFoundError(
            `The blueprint's plugin '${plugin.name}' (package ${packageName}${plugin.package_version === null ? '' : ` ${plugin.package_version}`}) is not installed (${installedVersions(installed, packageName)}). Install its bundle with: cairn plugins install FILE`,
          );
        }
      }
      // Every function the plan maps to a pinned plugin must exist in its bundle: fail now,
      // not in the middle of a workflow.
      for (const pin of pins) {
        const wantedFunctions = mappedFunctionsOf(plan, pin.name);
        const entry = installedEntry(pluginStore, pin.bundle_id);
        if (entry === undefined || wantedFunctions.length === 0) continue;
        const probe = await probeFunctions(entry.entry, wantedFunctions);
        const problem = !probe.ok
          ? `its entry module does not load: ${probe.error}`
          : probe.missing.length > 0
            ? `it exports no ${probe.missing.map((fn) => `'${fn}'`).join(', ')}`
            : undefined;
        if (problem !== undefined) {
          throw new InvalidInputError(
            `The blueprint maps operations to plugin '${pin.name}' (${pin.package_name} ${pin.package_version}), but ${problem}.`,
          );
        }
      }
      return pins;
    },
    async planPluginUpdate(pins, options) {
      const installed = existsSync(pluginStore) ? await listInstalled(pluginStore) : [];
      return pins.map((from) => {
        if (options.only !== undefined && !options.only.has(from.name)) return { from, to: from };
        const major = from.package_version.split('.')[0] ?? '';
        const chosen = selectInstalled(
          installed,
          {
            packageName: from.package_name,
            // Not older than the pin, and the same major version (PEP 440 specifiers).
            version: options.toLatest ? undefined : `>=${from.package_version},==${major}.*`,
          },
          PLUGIN_SELECTION,
        );
        if (chosen === undefined || chosen.id === from.bundle_id) return { from, to: from };
        return {
          from,
          to: { ...from, package_version: chosen.manifest.version, bundle_id: chosen.id },
        };
      });
    },
    async close() {
      await executor.close();
      await store.close();
    },
  };
}
