/**
 * What the test kit reads from the plugin under test: its folder, the names its plugin.yaml
 * gives it (`plugins:` keys and their `package_name`s), and its YAML files, so that a test
 * blueprint can import it with `plugin:PACKAGE_NAME` exactly as it will once installed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';

/** The plugin a test runs, as read from its folder. */
export interface PluginUnderTest {
  /** Absolute path of the plugin folder. */
  readonly dir: string;
  /** The keys of its plugin.yaml's `plugins:` section (what operation mappings start with). */
  readonly names: readonly string[];
  /** The `package_name`s those entries declare (what `plugin:` imports name). */
  readonly packageNames: readonly string[];
  /** Its plugin YAML files (`plugin.yaml`, `plugin_1_5.yaml` …), by file name. */
  readonly yamlFiles: readonly string[];
}

/** Reads the plugin in `dir` (default: the current folder). Throws when it has no plugin.yaml. */
export function readPluginUnderTest(dir: string = process.cwd()): PluginUnderTest {
  const root = resolve(dir);
  const yamlFiles = existsSync(root)
    ? readdirSync(root).filter((name) => /^plugin(_1_\d+)?\.ya?ml$/.test(name))
    : [];
  const main = yamlFiles.find((name) => /^plugin\.ya?ml$/.test(name)) ?? yamlFiles[0];
  if (main === undefined) {
    throw new Error(`${root} has no plugin.yaml: is it a Cairn plugin folder?`);
  }
  const doc = load(readFileSync(join(root, main), 'utf8')) as {
    plugins?: Record<string, { package_name?: unknown } | null>;
  } | null;
  const plugins = doc?.plugins ?? {};
  const names = Object.keys(plugins);
  if (names.length === 0) {
    throw new Error(`${join(root, main)} declares no plugin: it needs a plugins: section.`);
  }
  const packageNames = names
    .map((name) => plugins[name]?.package_name)
    .filter((value): value is string => typeof value === 'string');
  return { dir: root, names, packageNames, yamlFiles };
}
