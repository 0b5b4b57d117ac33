/**
 * The checks a bundle gets beyond its integrity (manifest, hashes, signature, platform) before it
 * is accepted: its plugin YAML files parse as a blueprint importing them would read them, and its
 * entry module loads and exports every function they map. `cairn plugins validate`/`install` and
 * the manager's upload run the same checks, so a bundle one accepts the other accepts too.
 *
 * What plugin YAML means belongs to the blueprint language, which plugin-host may not depend on:
 * callers pass `@cairn/dsl`'s functions as {@link BundleContentChecks}, as they pass its
 * selection rules to `resolvePluginImport`.
 */
import { readFile } from 'node:fs/promises';
import type { BundleManifest } from './manifest.js';
import { probeFunctions } from './probe.js';
import type { InstalledPlugin } from './store.js';

/**
 * What plugin-host needs of a diagnostic about plugin YAML: whether it is an error. `@cairn/dsl`'s
 * `Diagnostic` is one, and {@link checkBundleContents} hands back the caller's own type.
 */
export interface BundleDiagnostic {
  readonly severity: string;
}

/**
 * The blueprint language's knowledge of plugin YAML. `@cairn/dsl` exports both functions under
 * these names: pass `{ checkPluginYaml, mappedFunctions }`.
 */
export interface BundleContentChecks<D extends BundleDiagnostic> {
  /**
   * The diagnostics of the plugin YAML `text` read as a blueprint importing
   * `plugin:<packageName>` reads it; `name` is how they show the file.
   */
  checkPluginYaml(text: string, name: string, packageName: string): Promise<readonly D[]>;
  /** The function paths (`tasks.create`) the plugin YAML `text` maps to its own plugin. */
  mappedFunctions(text: string): readonly string[];
}

/** The bundle whose contents {@link checkBundleContents} checks. */
export interface BundleContents {
  /** How to name the bundle in diagnostics (its file name): they show `<label>!<yaml path>`. */
  readonly label: string;
  readonly manifest: BundleManifest;
  /** The text of each plugin YAML file, by its path in the bundle (`package/plugin.yaml`). */
  readonly yamlByPath: Readonly<Record<string, string>>;
  /** Absolute path of the extracted entry module (it is loaded, so it must be on disk). */
  readonly entry: string;
}

/** What checking a bundle's contents found: diagnostics of its YAML, other problems as sentences. */
export interface BundleContentsCheck<D extends BundleDiagnostic> {
  readonly diagnostics: readonly D[];
  /** Problems with the entry module, each a sentence without a final period. */
  readonly problems: readonly string[];
  /** How many distinct functions the YAML files map. */
  readonly functions: number;
  /** True when there is no problem and no diagnostic of severity `error`: the bundle passes. */
  readonly ok: boolean;
}

/**
 * Checks that each plugin YAML file of a bundle parses (diagnostics name `<label>!<path>` and the
 * line), and that the entry module loads and exports every function the files map. Problems are
 * returned, never thrown.
 */
export async function checkBundleContents<D extends BundleDiagnostic>(
  bundle: BundleContents,
  checks: BundleContentChecks<D>,
): Promise<BundleContentsCheck<D>> {
  const { label, manifest, yamlByPath, entry } = bundle;
  const wanted = new Set<string>();
  for (const text of Object.values(yamlByPath)) {
    for (const fn of checks.mappedFunctions(text)) wanted.add(fn);
  }
  // The probe is a process of its own: it loads the entry while this one parses the YAML.
  const probing = probeFunctions(entry, [...wanted]);
  const diagnostics: D[] = [];
  for (const [path, text] of Object.entries(yamlByPath)) {
    diagnostics.push(
      ...(await checks.checkPluginYaml(text, `${label}!${path}`, manifest.package_name)),
    );
  }
  const problems: string[] = [];
  const probe = await probing;
  if (!probe.ok) {
    problems.push(`the entry module ${manifest.entry} does not load: ${probe.error}`);
  } else {
    for (const fn of probe.missing) {
      problems.push(
        `plugin.yaml maps ${manifest.plugin_name}.${fn}, but ${manifest.entry} exports no function '${fn}'`,
      );
    }
  }
  const ok = problems.length === 0 && diagnostics.every((d) => d.severity !== 'error');
  return { diagnostics, problems, functions: wanted.size, ok };
}

/**
 * The text of an installed plugin's YAML files, by their paths in the bundle
 * (`package/plugin.yaml`): the `yamlByPath` of {@link checkBundleContents}.
 */
export async function readInstalledPluginYaml(
  plugin: InstalledPlugin,
): Promise<Record<string, string>> {
  const yaml: Record<string, string> = {};
  for (const [index, file] of plugin.pluginYamlFiles.entries()) {
    yaml[plugin.manifest.plugin_yaml[index] ?? file] = await readFile(file, 'utf8');
  }
  return yaml;
}
