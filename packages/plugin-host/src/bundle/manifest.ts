/**
 * The bundle manifest (`manifest.json`): what a bundle claims to be and the hash, size and
 * mode of every file it holds. Keys are snake_case, like Cloudify's wagon metadata.
 */
import semver from 'semver';
import { entryPathProblem } from './entry-path.js';
import { BundleError } from './errors.js';

/** The manifest format this code writes and reads. */
export const MANIFEST_FORMAT = 1;

/** Archive path of the manifest: always the first entry. */
export const MANIFEST_PATH = 'manifest.json';

/** Archive path of the signature: the second entry, when there is one. */
export const SIGNATURE_PATH = 'manifest.sig';

/** The archive folder the plugin package lives in. */
export const PACKAGE_DIR = 'package';

/** Native code built for one OS, CPU and Node ABI. */
export interface NativePlatform {
  readonly os: string;
  readonly arch: string;
  readonly node_abi: string;
}

/** `any` for pure JavaScript, else the one platform the native code was built for. */
export type SupportedPlatform = 'any' | NativePlatform;

/** File modes a bundle may give: `0o644` and `0o755`. */
export type BundleFileMode = 420 | 493;

/** One file of the package, as the manifest records it. */
export interface BundleFileRecord {
  /** Lowercase hex sha256 of the content. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
  /** `420` (0o644) or `493` (0o755, executable). */
  readonly mode: BundleFileMode;
}

/** Where and with what the bundle was packed; informational. */
export interface BundleBuildInfo {
  /** ISO timestamp (the packed files' newest mtime unless given: see the format doc). */
  readonly created_at: string;
  /** `process.version` of the packer. */
  readonly node: string;
  /** The packing Cairn's version string. */
  readonly cairn: string;
  /** OS and CPU of the packing machine. */
  readonly host: { readonly os: string; readonly arch: string };
}

/** The content of `manifest.json`. */
export interface BundleManifest {
  /** Always {@link MANIFEST_FORMAT}. */
  readonly format: 1;
  /** npm package name. */
  readonly name: string;
  /** npm package version (semver). */
  readonly version: string;
  /** package.json description, or empty. */
  readonly description: string;
  /** The key of the plugin's entry under `plugins:` in plugin.yaml. */
  readonly plugin_name: string;
  /** That entry's `package_name`, else the npm name. */
  readonly package_name: string;
  /** Where the bundle can run. */
  readonly supported_platform: SupportedPlatform;
  /** Semver range of Cairn plugin API versions the plugin works with. */
  readonly cairn_api: string;
  /** Archive path of the module the worker imports, e.g. `package/dist/index.js`. */
  readonly entry: string;
  /** How many operations one worker may run at once (package.json `cairn.concurrentOperations`). */
  readonly concurrent_operations?: number;
  /** Archive paths of the plugin YAML files (`plugin.yaml`, `plugin_1_4.yaml`…), sorted. */
  readonly plugin_yaml: readonly string[];
  /** Packing facts. */
  readonly build: BundleBuildInfo;
  /** Every file under `package/`, by archive path. */
  readonly files: Readonly<Record<string, BundleFileRecord>>;
}

/** `any`, or e.g. `linux-x64-abi115`: for file names and messages. */
export function platformLabel(platform: SupportedPlatform): string {
  return platform === 'any' ? 'any' : `${platform.os}-${platform.arch}-abi${platform.node_abi}`;
}

/**
 * The exact bytes of `manifest.json` for `manifest`: keys in a fixed order and files sorted,
 * so the same package always gives the same bytes (and the same signature).
 */
export function serializeManifest(manifest: BundleManifest): Buffer {
  const files: Record<string, BundleFileRecord> = {};
  for (const path of Object.keys(manifest.files).sort(compareCodeUnits)) {
    const record = manifest.files[path];
    if (record !== undefined) {
      files[path] = { sha256: record.sha256, size: record.size, mode: record.mode };
    }
  }
  const platform = manifest.supported_platform;
  const ordered = {
    format: manifest.format,
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    plugin_name: manifest.plugin_name,
    package_name: manifest.package_name,
    supported_platform:
      platform === 'any'
        ? 'any'
        : { os: platform.os, arch: platform.arch, node_abi: platform.node_abi },
    cairn_api: manifest.cairn_api,
    entry: manifest.entry,
    ...(manifest.concurrent_operations === undefined
      ? {}
      : { concurrent_operations: manifest.concurrent_operations }),
    plugin_yaml: [...manifest.plugin_yaml],
    build: {
      created_at: manifest.build.created_at,
      node: manifest.build.node,
      cairn: manifest.build.cairn,
      host: { os: manifest.build.host.os, arch: manifest.build.host.arch },
    },
    files,
  };
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
}

/** Orders strings by UTF-16 code units: stable across locales, unlike `localeCompare`. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks `manifest.json`'s bytes against the format and returns the manifest. Throws a
 * {@link BundleError} (`manifest-invalid`) naming `bundle` and the first bad field.
 */
export function parseManifest(bytes: Buffer, bundle: string): BundleManifest {
  const fail = (what: string): never => {
    throw new BundleError('manifest-invalid', `${bundle}: manifest.json ${what}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return fail(`is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(value)) return fail('is not a JSON object');
  if (value.format !== MANIFEST_FORMAT) {
    return fail(
      `has format ${JSON.stringify(value.format)}; this Cairn reads format ${MANIFEST_FORMAT}`,
    );
  }
  const text = (key: string, optional = false): string => {
    const field = value[key];
    if (optional && field === undefined) return '';
    if (typeof field !== 'string' || (!optional && field === '')) {
      return fail(`field "${key}" must be a non-empty string, not ${JSON.stringify(field)}`);
    }
    return field;
  };
  const name = text('name');
  const version = text('version');
  if (semver.valid(version) === null) fail(`field "version" is not semver: "${version}"`);
  const cairnApi = text('cairn_api');
  if (semver.validRange(cairnApi) === null) {
    fail(`field "cairn_api" is not a semver range: "${cairnApi}"`);
  }
  const files = parseFiles(value.files, fail);
  const entry = text('entry');
  if (files[entry] === undefined) fail(`names entry "${entry}", which is not a listed file`);
  const pluginYaml = value.plugin_yaml;
  if (!Array.isArray(pluginYaml) || pluginYaml.length === 0) {
    return fail('field "plugin_yaml" must be a non-empty array of listed files');
  }
  for (const path of pluginYaml) {
    if (typeof path !== 'string' || files[path] === undefined) {
      fail(`lists plugin YAML ${JSON.stringify(path)}, which is not a listed file`);
    }
  }
  const concurrent = value.concurrent_operations;
  if (
    concurrent !== undefined &&
    (typeof concurrent !== 'number' || !Number.isSafeInteger(concurrent) || concurrent < 1)
  ) {
    fail(
      `field "concurrent_operations" must be a positive integer, not ${JSON.stringify(concurrent)}`,
    );
  }
  return {
    format: MANIFEST_FORMAT,
    name,
    version,
    description: text('description', true),
    plugin_name: text('plugin_name'),
    package_name: text('package_name'),
    supported_platform: parsePlatform(value.supported_platform, fail),
    cairn_api: cairnApi,
    entry,
    ...(typeof concurrent === 'number' ? { concurrent_operations: concurrent } : {}),
    plugin_yaml: pluginYaml as string[],
    build: parseBuild(value.build, fail),
    files,
  };
}

function parsePlatform(value: unknown, fail: (what: string) => never): SupportedPlatform {
  if (value === 'any') return 'any';
  if (
    isObject(value) &&
    typeof value.os === 'string' &&
    typeof value.arch === 'string' &&
    typeof value.node_abi === 'string'
  ) {
    return { os: value.os, arch: value.arch, node_abi: value.node_abi };
  }
  return fail(
    `field "supported_platform" must be "any" or {"os","arch","node_abi"}, not ${JSON.stringify(value)}`,
  );
}

function parseBuild(value: unknown, fail: (what: string) => never): BundleBuildInfo {
  if (
    isObject(value) &&
    typeof value.created_at === 'string' &&
    typeof value.node === 'string' &&
    typeof value.cairn === 'string' &&
    isObject(value.host) &&
    typeof value.host.os === 'string' &&
    typeof value.host.arch === 'string'
  ) {
    return {
      created_at: value.created_at,
      node: value.node,
      cairn: value.cairn,
      host: { os: value.host.os, arch: value.host.arch },
    };
  }
  return fail('field "build" must be {"created_at","node","cairn","host":{"os","arch"}}');
}

function parseFiles(
  value: unknown,
  fail: (what: string) => never,
): Record<string, BundleFileRecord> {
  if (!isObject(value)) return fail('field "files" must be an object');
  const files: Record<string, BundleFileRecord> = Object.create(null) as Record<
    string,
    BundleFileRecord
  >;
  const prefix = `${PACKAGE_DIR}/`;
  for (const [path, record] of Object.entries(value)) {
    const problem = entryPathProblem(path);
    if (problem !== undefined) fail(`lists an unsafe path "${path}": ${problem}`);
    if (!path.startsWith(prefix) || path.endsWith('/')) {
      fail(`lists "${path}", which is not a file under ${prefix}`);
    }
    if (
      !isObject(record) ||
      typeof record.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(record.sha256) ||
      typeof record.size !== 'number' ||
      !Number.isSafeInteger(record.size) ||
      record.size < 0 ||
      (record.mode !== 420 && record.mode !== 493)
    ) {
      return fail(
        `entry "${path}" must be {"sha256": 64 lowercase hex, "size": bytes, "mode": 420 or 493}`,
      );
    }
    files[path] = { sha256: record.sha256, size: record.size, mode: record.mode };
  }
  // A path that is both a file and another file's folder could never be extracted.
  for (const path of Object.keys(files)) {
    let cut = path.lastIndexOf('/');
    while (cut > prefix.length - 1) {
      const folder = path.slice(0, cut);
      if (files[folder] !== undefined) fail(`lists "${folder}" both as a file and as a folder`);
      cut = folder.lastIndexOf('/');
    }
  }
  return files;
}
