/**
 * Local mode's installed plugins: where `$CAIRN_HOME` keeps the plugin store (plugin-host's
 * bundle format) and the trust settings, `CAIRN_REQUIRE_SIGNED_PLUGINS`, and the rules a
 * blueprint's plugins are matched by (`@cairn/dsl`'s, spec §4.3, §9.5). The matching itself is
 * plugin-host's.
 */
import { join } from 'node:path';
import {
  choosePluginYaml,
  highestSatisfying,
  type PluginImportRequest,
  type PluginImportResult,
} from '@cairn/dsl';
import {
  resolvePluginImportFromStore,
  trustOptions as trustOptionsAt,
  type PluginSelectionRules,
  type ReadBundleOptions,
  type TrustLocation,
} from '@cairn/plugin-host';

/** The blueprint language's version and plugin YAML rules, for plugin-host's matching. */
export const PLUGIN_SELECTION: PluginSelectionRules = { highestSatisfying, choosePluginYaml };

/** The plugin store of a Cairn home. */
export function pluginStoreDir(home: string): string {
  return join(home, 'plugin-store');
}

/**
 * The trust settings of a Cairn home: trusted public keys in `trusted-keys/` (one PEM file per
 * key, named after its key id), the signature policy in `trusted-keys/policy.json`.
 */
export function trustLocation(home: string): TrustLocation {
  const keysDir = join(home, 'trusted-keys');
  return { keysDir, policyFile: join(keysDir, 'policy.json') };
}

/**
 * The trusted keys and whether a signature is required, as bundle reading options: required
 * by the home's policy, or by `CAIRN_REQUIRE_SIGNED_PLUGINS` set to anything but empty or `0`.
 */
export function trustOptions(home: string, env: NodeJS.ProcessEnv): ReadBundleOptions {
  const options = trustOptionsAt(trustLocation(home));
  const required =
    options.requireSignature === true ||
    (env.CAIRN_REQUIRE_SIGNED_PLUGINS !== undefined &&
      env.CAIRN_REQUIRE_SIGNED_PLUGINS !== '' &&
      env.CAIRN_REQUIRE_SIGNED_PLUGINS !== '0');
  return { ...options, requireSignature: required };
}

/**
 * Resolves `plugin:NAME?version=…` imports against the plugin store: the highest installed
 * version of NAME that fits, and its plugin YAML for the blueprint's DSL version. A bundle
 * built for any platform fits any `distribution`.
 */
export function resolvePluginImport(
  storeDir: string,
  request: PluginImportRequest,
): Promise<PluginImportResult> {
  return resolvePluginImportFromStore(storeDir, request, {
    rules: PLUGIN_SELECTION,
    notFoundHint: 'cairn plugins install BUNDLE; cairn plugins list shows what is',
  });
}
