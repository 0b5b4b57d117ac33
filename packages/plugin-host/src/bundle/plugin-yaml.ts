/**
 * The plugin YAML files of a plugin folder (`plugin.yaml`, `plugin_1_4.yaml`…) and the plugin
 * they declare: the key of its `plugins:` entry and that entry's `package_name`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { YAMLException, load } from 'js-yaml';
import { BundleError } from './errors.js';
import { compareCodeUnits } from './manifest.js';

/** A root file name that is plugin YAML: `plugin.yaml`, `plugin_1_5.yaml`, `plugin.yml`… */
export const PLUGIN_YAML_NAME = /^plugin[^/\\]*\.ya?ml$/;

/** What the plugin YAML says about the plugin. */
export interface PluginDeclaration {
  /** Root file names of the plugin YAML files, sorted. */
  readonly files: readonly string[];
  /** The first key under `plugins:`. */
  readonly pluginName: string;
  /** Its `package_name`, when it has one. */
  readonly packageName: string | undefined;
}

/**
 * Finds and parses the plugin YAML in `dir`. The declaration comes from `plugin.yaml` when it
 * exists, else from the first file in name order; every file must at least be valid YAML.
 * Throws `no-plugin-yaml` when there is none, `package-invalid` for a YAML error (with
 * file:line:col) or a file with no `plugins:` entry.
 */
export async function readPluginDeclaration(dir: string): Promise<PluginDeclaration> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => !entry.isDirectory() && PLUGIN_YAML_NAME.test(entry.name))
    .map((entry) => entry.name)
    .sort(compareCodeUnits);
  if (names.length === 0) {
    throw new BundleError(
      'no-plugin-yaml',
      `${dir} has no plugin.yaml (or plugin_<dsl>.yaml) at its root; a plugin declares itself there`,
    );
  }
  const main = names.includes('plugin.yaml') ? 'plugin.yaml' : (names[0] as string);
  let declaration: PluginDeclaration | undefined;
  for (const name of names) {
    const file = join(dir, name);
    const value = parseYaml(await readFile(file, 'utf8'), file);
    if (name === main) declaration = { files: names, ...declaredPlugin(value, file) };
  }
  return declaration as PluginDeclaration;
}

function parseYaml(text: string, file: string): unknown {
  try {
    return load(text, { filename: file });
  } catch (error) {
    if (error instanceof YAMLException) {
      const { line, column } = error.mark;
      throw new BundleError(
        'package-invalid',
        `${file}:${line + 1}:${column + 1}: YAML error: ${error.reason}`,
        { cause: error },
      );
    }
    throw error;
  }
}

function declaredPlugin(
  value: unknown,
  file: string,
): { pluginName: string; packageName: string | undefined } {
  const plugins =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>).plugins
      : undefined;
  const first =
    typeof plugins === 'object' && plugins !== null && !Array.isArray(plugins)
      ? Object.entries(plugins as Record<string, unknown>)[0]
      : undefined;
  if (first === undefined) {
    throw new BundleError(
      'package-invalid',
      `${file} declares no plugin: it needs a "plugins:" mapping with the plugin's entry`,
    );
  }
  const [pluginName, entry] = first;
  const packageName =
    typeof entry === 'object' && entry !== null
      ? (entry as Record<string, unknown>).package_name
      : undefined;
  return { pluginName, packageName: typeof packageName === 'string' ? packageName : undefined };
}
