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
import { UsageError } from '@cairn/errors';
import { createLocalExecutor, pluginAt } from '@cairn/plugin-host';
import type { Executor } from '@cairn/engine';
import { createSqliteStore, type Store } from '@cairn/store';

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

/** Options of {@link openLocal}. */
export interface LocalOptions {
  /** `NAME=DIR` pairs: where to find the code of plugins the blueprint uses. */
  readonly plugins?: readonly string[];
  /**
   * Most worker processes per plugin: an execution's `--parallelism`, so that its operations
   * can all run at once (a worker runs one at a time). Default: the engine's default parallelism.
   */
  readonly maxWorkersPerPlugin?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** An open local profile. Close it when done. */
export interface LocalProfile {
  readonly home: string;
  readonly store: Store;
  readonly engine: Engine;
  readonly executor: Executor;
  /** Makes plugins shipped in a blueprint's `plugins/` folder findable. */
  addBlueprintDir(id: string, dir: string): void;
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
  const executor = createLocalExecutor({
    fallbackRuntime: fallbackRuntime(),
    ...(options.maxWorkersPerPlugin === undefined
      ? {}
      : { maxWorkersPerPlugin: options.maxWorkersPerPlugin }),
    resolvePlugin: (plugin) => {
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
    addBlueprintDir(id, dir) {
      blueprintDirs.set(id, dir);
    },
    async close() {
      await executor.close();
      await store.close();
    },
  };
}
