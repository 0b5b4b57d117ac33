/**
 * How a blueprint's plugins are matched against installed bundles (spec §4.3, §9.5): by
 * `package_name` (or the npm name), the highest version that fits the wished version, the most
 * recently installed bundle when one version was installed twice; and how `plugin:NAME?version=…`
 * imports resolve to a bundle's plugin YAML.
 *
 * Everything here works on a list of candidates the caller chose (the CLI: its whole store; the
 * manager: the bundles a tenant may see). The version and YAML rules belong to the blueprint
 * language, which plugin-host may not depend on: callers pass `@cairn/dsl`'s as
 * {@link PluginSelectionRules}.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { listInstalled, type InstalledPlugin } from './store.js';

/**
 * The blueprint language's rules for choosing a plugin version and plugin YAML file.
 * `@cairn/dsl` exports both functions under these names: pass `{ highestSatisfying,
 * choosePluginYaml }`.
 */
export interface PluginSelectionRules {
  /**
   * The highest of `versions` that fits `spec` (a PEP 440 specifier set; a bare version means
   * exactly it; undefined means any), or undefined when none does.
   */
  highestSatisfying(versions: readonly string[], spec: string | undefined): string | undefined;
  /**
   * Which of a plugin's YAML files (by base name) a blueprint of DSL version `1_<dslMinor>`
   * gets, or undefined when none fits.
   */
  choosePluginYaml(fileNames: readonly string[], dslMinor: number): string | undefined;
}

/** What a blueprint asks of a plugin: its package, and the versions it accepts. */
export interface PluginWanted {
  readonly packageName: string;
  /** PEP 440 specifier set; a bare version means exactly it; undefined: any. */
  readonly version: string | undefined;
}

/** The installed plugins that carry `packageName` (as package_name, or as the npm name). */
function ofPackage(installed: readonly InstalledPlugin[], packageName: string): InstalledPlugin[] {
  return installed.filter(
    (p) => p.manifest.package_name === packageName || p.manifest.name === packageName,
  );
}

/**
 * The installed plugin a blueprint's wish resolves to, or undefined: among `installed`, those
 * of the package, the highest version `rules` accept, and of that version the most recently
 * installed bundle.
 */
export function selectInstalled(
  installed: readonly InstalledPlugin[],
  wanted: PluginWanted,
  rules: Pick<PluginSelectionRules, 'highestSatisfying'>,
): InstalledPlugin | undefined {
  const candidates = ofPackage(installed, wanted.packageName);
  const version = rules.highestSatisfying(
    [...new Set(candidates.map((p) => p.manifest.version))],
    wanted.version,
  );
  if (version === undefined) return undefined;
  return candidates
    .filter((p) => p.manifest.version === version)
    .sort((a, b) => b.installedAt.localeCompare(a.installedAt))[0];
}

/**
 * What of a package is among `installed`, for messages: `installed: 1.0.0, 1.1.0`, or
 * `none installed`.
 */
export function installedVersions(
  installed: readonly InstalledPlugin[],
  packageName: string,
): string {
  const versions = [...new Set(ofPackage(installed, packageName).map((p) => p.manifest.version))];
  return versions.length === 0 ? 'none installed' : `installed: ${versions.join(', ')}`;
}

/**
 * What a `plugin:` import asks for. `@cairn/dsl`'s `PluginImportRequest` is one (its
 * `distribution` does not matter: a bundle built for any platform fits any distribution).
 */
export interface PluginImportQuery {
  readonly name: string;
  /** PEP 440 specifier set, if the import gave one. */
  readonly version: string | undefined;
  /** The main blueprint's DSL minor version (`5` for `cloudify_dsl_1_5`): picks the YAML file. */
  readonly dslMinor: number;
}

/**
 * The plugin YAML a `plugin:` import resolves to, or why none does: the shape of `@cairn/dsl`'s
 * `PluginImportResult`, so an import host can return it as it is.
 */
export type PluginImportResolution =
  | {
      readonly ok: true;
      /** `file:` URL of the chosen plugin YAML. */
      readonly url: string;
      /** How to show it to users: `plugin:NAME@VERSION/FILE`. */
      readonly name: string;
      readonly text: string;
      /** The plugin package version that was chosen. */
      readonly packageVersion: string | undefined;
    }
  | {
      readonly ok: false;
      readonly reason: 'not-found' | 'version-mismatch' | 'unreadable';
      readonly message: string;
    };

/** How {@link resolvePluginImport} chooses, and what it tells a user who has nothing to choose. */
export interface ResolvePluginImportOptions {
  readonly rules: PluginSelectionRules;
  /**
   * How to get a plugin that is not there, appended in parentheses to the not-found message
   * (the CLI: how to install a bundle; the manager: how to upload one).
   */
  readonly notFoundHint?: string;
}

/**
 * Resolves a `plugin:NAME?version=…` import against `candidates`: the highest version of NAME
 * that fits, and its plugin YAML for the blueprint's DSL version. Problems are returned, not
 * thrown; only a YAML file that cannot be read throws.
 */
export async function resolvePluginImport(
  candidates: readonly InstalledPlugin[],
  request: PluginImportQuery,
  options: ResolvePluginImportOptions,
): Promise<PluginImportResolution> {
  if (ofPackage(candidates, request.name).length === 0) {
    const hint =
      options.notFoundHint === undefined || options.notFoundHint === ''
        ? ''
        : ` (${options.notFoundHint})`;
    return {
      ok: false,
      reason: 'not-found',
      message: `No plugin '${request.name}' is installed${hint}.`,
    };
  }
  const chosen = selectInstalled(
    candidates,
    { packageName: request.name, version: request.version },
    options.rules,
  );
  if (chosen === undefined) {
    return {
      ok: false,
      reason: 'version-mismatch',
      message: `No installed version of plugin '${request.name}' fits '${request.version ?? ''}' (${installedVersions(candidates, request.name)}).`,
    };
  }
  const names = chosen.pluginYamlFiles.map((file) => file.slice(file.lastIndexOf('/') + 1));
  const yaml = options.rules.choosePluginYaml(names, request.dslMinor);
  const file = chosen.pluginYamlFiles.find((f) => f.endsWith(`/${yaml ?? ''}`));
  if (yaml === undefined || file === undefined) {
    return {
      ok: false,
      reason: 'unreadable',
      message: `Plugin '${request.name}' ${chosen.manifest.version} has no plugin YAML for DSL 1_${request.dslMinor}.`,
    };
  }
  return {
    ok: true,
    url: pathToFileURL(file).href,
    name: `plugin:${request.name}@${chosen.manifest.version}/${yaml}`,
    text: await readFile(file, 'utf8'),
    packageVersion: chosen.manifest.version,
  };
}

/**
 * {@link resolvePluginImport} against every plugin installed in the store at `storeDir` (none
 * when the folder does not exist).
 */
export async function resolvePluginImportFromStore(
  storeDir: string,
  request: PluginImportQuery,
  options: ResolvePluginImportOptions,
): Promise<PluginImportResolution> {
  return resolvePluginImport(await listInstalled(storeDir), request, options);
}
