/**
 * Local mode's installed plugins: the content-addressed store under `$CAIRN_HOME/plugin-store`
 * (plugin-host's bundle format), the keys trusted to sign bundles, and how a blueprint's
 * plugins are matched against what is installed (spec §4.3, §9.5): by `package_name`, the
 * highest version that fits `package_version` (a PEP 440 specifier; a bare version is exact),
 * the most recently installed bundle when one version was installed twice.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  choosePluginYaml,
  highestSatisfying,
  type PluginImportRequest,
  type PluginImportResult,
} from '@cairn/dsl';
import { UsageError } from '@cairn/errors';
import {
  keyIdOf,
  listInstalled,
  type BundleManifest,
  type InstalledPlugin,
  type ReadBundleOptions,
} from '@cairn/plugin-host';
import { pathToFileURL } from 'node:url';

/** The plugin store of a Cairn home. */
export function pluginStoreDir(home: string): string {
  return join(home, 'plugin-store');
}

/** Where trusted public keys live: one PEM file per key, named after its key id. */
function trustDir(home: string): string {
  return join(home, 'trusted-keys');
}

/** The signature policy: `$CAIRN_HOME/trusted-keys/policy.json`. */
interface TrustPolicy {
  readonly require_signature: boolean;
}

function readPolicy(home: string): TrustPolicy {
  const file = join(trustDir(home), 'policy.json');
  if (!existsSync(file)) return { require_signature: false };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<TrustPolicy>;
    return { require_signature: parsed.require_signature === true };
  } catch {
    throw new UsageError(`${file} is not valid JSON: fix or delete it.`);
  }
}

/** The trusted keys and whether a signature is required, as bundle reading options. */
export function trustOptions(home: string, env: NodeJS.ProcessEnv): ReadBundleOptions {
  const dir = trustDir(home);
  const keys = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.pub'))
        .sort()
        .map((name) => readFileSync(join(dir, name), 'utf8'))
    : [];
  const required =
    readPolicy(home).require_signature ||
    (env.CAIRN_REQUIRE_SIGNED_PLUGINS !== undefined &&
      env.CAIRN_REQUIRE_SIGNED_PLUGINS !== '' &&
      env.CAIRN_REQUIRE_SIGNED_PLUGINS !== '0');
  return { trustedKeys: keys, requireSignature: required };
}

/** Trusts a public key (PEM); returns its key id. */
export function trustKey(home: string, publicKeyPem: string): string {
  let id: string;
  try {
    id = keyIdOf(publicKeyPem);
  } catch (error) {
    throw new UsageError(
      `Not an Ed25519 public key in PEM form: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  mkdirSync(trustDir(home), { recursive: true });
  writeFileSync(join(trustDir(home), `${id}.pub`), publicKeyPem);
  return id;
}

/** Makes signatures required (or not) for every install. */
export function setSignaturePolicy(home: string, required: boolean): void {
  mkdirSync(trustDir(home), { recursive: true });
  const policy: TrustPolicy = { require_signature: required };
  writeFileSync(join(trustDir(home), 'policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
}

/** The key ids trusted now. */
export function trustedKeyIds(home: string): string[] {
  const dir = trustDir(home);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.pub'))
        .map((name) => name.slice(0, -'.pub'.length))
        .sort()
    : [];
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

/** The installed plugin a blueprint's wish resolves to, or undefined. */
export function selectInstalled(
  installed: readonly InstalledPlugin[],
  wanted: PluginWanted,
): InstalledPlugin | undefined {
  const candidates = ofPackage(installed, wanted.packageName);
  const version = highestSatisfying(
    [...new Set(candidates.map((p) => p.manifest.version))],
    wanted.version,
  );
  if (version === undefined) return undefined;
  return candidates
    .filter((p) => p.manifest.version === version)
    .sort((a, b) => b.installedAt.localeCompare(a.installedAt))[0];
}

/** `cairn-file-plugin 1.0.0, 1.1.0`: what is installed of a package, for messages. */
export function installedVersions(
  installed: readonly InstalledPlugin[],
  packageName: string,
): string {
  const versions = [...new Set(ofPackage(installed, packageName).map((p) => p.manifest.version))];
  return versions.length === 0 ? 'none installed' : `installed: ${versions.join(', ')}`;
}

/**
 * Resolves `plugin:NAME?version=…` imports against the plugin store: the highest installed
 * version of NAME that fits, and its plugin YAML for the blueprint's DSL version. A bundle
 * built for any platform fits any `distribution`.
 */
export async function resolvePluginImport(
  storeDir: string,
  request: PluginImportRequest,
): Promise<PluginImportResult> {
  const installed = existsSync(storeDir) ? await listInstalled(storeDir) : [];
  const candidates = ofPackage(installed, request.name);
  if (candidates.length === 0) {
    return {
      ok: false,
      reason: 'not-found',
      message: `No plugin '${request.name}' is installed (cairn plugins install BUNDLE; cairn plugins list shows what is).`,
    };
  }
  const chosen = selectInstalled(installed, {
    packageName: request.name,
    version: request.version,
  });
  if (chosen === undefined) {
    return {
      ok: false,
      reason: 'version-mismatch',
      message: `No installed version of plugin '${request.name}' fits '${request.version ?? ''}' (${installedVersions(installed, request.name)}).`,
    };
  }
  const names = chosen.pluginYamlFiles.map((file) => file.slice(file.lastIndexOf('/') + 1));
  const yaml = choosePluginYaml(names, request.dslMinor);
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
    text: readFileSync(file, 'utf8'),
    packageVersion: chosen.manifest.version,
  };
}

/**
 * The run-time view of an installed bundle by id, read synchronously (the executor resolves
 * plugins synchronously): its entry module and what it declares. Undefined when it is gone.
 */
export function installedEntry(
  storeDir: string,
  bundleId: string,
): { entry: string; concurrentOperations?: number } | undefined {
  if (!/^[0-9a-f]{64}$/.test(bundleId)) return undefined;
  const dir = join(storeDir, bundleId);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
  const entry = join(dir, manifest.entry);
  return manifest.concurrent_operations === undefined
    ? { entry }
    : { entry, concurrentOperations: manifest.concurrent_operations };
}
