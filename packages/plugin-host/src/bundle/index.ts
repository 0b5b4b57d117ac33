/**
 * Plugin bundles ("our wagon"): one self-contained, verifiable `.cairn.tgz` per plugin, packed
 * from a plugin folder with its production dependencies, inspected without extracting, and
 * installed into a content-addressed store, matched against what blueprints ask for, and trusted
 * by signature. The format is described in docs/plugins/bundle-format.md.
 */
export {
  checkBundleContents,
  readInstalledPluginYaml,
  type BundleContentChecks,
  type BundleContents,
  type BundleContentsCheck,
  type BundleDiagnostic,
} from './check-contents.js';
export { BundleError, type BundleErrorReason } from './errors.js';
export {
  CAIRN_PLUGIN_API_VERSION,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_UNPACKED_BYTES,
  currentHost,
  type HostFacts,
  type ReadBundleOptions,
} from './host.js';
export {
  MANIFEST_FORMAT,
  type BundleBuildInfo,
  type BundleFileMode,
  type BundleFileRecord,
  type BundleManifest,
  type NativePlatform,
  type SupportedPlatform,
} from './manifest.js';
export {
  installedVersions,
  resolvePluginImport,
  resolvePluginImportFromStore,
  selectInstalled,
  type PluginImportQuery,
  type PluginImportResolution,
  type PluginSelectionRules,
  type PluginWanted,
  type ResolvePluginImportOptions,
} from './match.js';
export { DEFAULT_CAIRN_API_RANGE } from './package-json.js';
export { packPlugin, type PackOptions, type PackResult } from './pack.js';
export { readBundle, type BundleInfo } from './read-bundle.js';
export { signBundle } from './sign-bundle.js';
export {
  generateSigningKey,
  keyIdOf,
  type ManifestSignature,
  type SignatureStatus,
  type SigningKey,
} from './signing.js';
export {
  getInstalled,
  installBundle,
  installedEntry,
  listInstalled,
  removeInstalled,
  type InstalledPlugin,
} from './store.js';
export {
  setSignaturePolicy,
  trustKey,
  trustOptions,
  trustedKeyIds,
  type TrustLocation,
} from './trust.js';
