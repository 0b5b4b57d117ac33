/**
 * The facts about this host a bundle is checked against, the check itself, and the options
 * every bundle reader takes (trust, limits, host).
 */
import semver from 'semver';
import { BundleError } from './errors.js';
import { platformLabel, type BundleManifest } from './manifest.js';

/** The plugin API this build of Cairn provides; bundles declare a semver range over it. */
export const CAIRN_PLUGIN_API_VERSION = '0.1.0';

/** The default cap on the bytes of a bundle's decompressed tar stream: 2 GiB. */
export const DEFAULT_MAX_UNPACKED_BYTES = 2 * 1024 ** 3;

/** The default cap on the number of entries in a bundle. */
export const DEFAULT_MAX_ENTRIES = 200_000;

/** What a bundle's platform and API requirements are checked against. */
export interface HostFacts {
  /** `process.platform` of the host that will run the plugin, e.g. `linux`. */
  readonly os: string;
  /** `process.arch`, e.g. `x64`. */
  readonly arch: string;
  /** `process.versions.modules`: the ABI native addons are built for, e.g. `115`. */
  readonly nodeAbi: string;
  /** The plugin API version the host provides, e.g. {@link CAIRN_PLUGIN_API_VERSION}. */
  readonly cairnApi: string;
}

/** How a bundle is checked when it is read, validated or installed. */
export interface ReadBundleOptions {
  /** Public keys (PEM, Ed25519) whose signatures are trusted. */
  readonly trustedKeys?: readonly string[];
  /** Refuse a bundle that is not signed by one of {@link trustedKeys}. Default false. */
  readonly requireSignature?: boolean;
  /** Cap on the decompressed tar stream, in bytes. Default {@link DEFAULT_MAX_UNPACKED_BYTES}. */
  readonly maxUnpackedBytes?: number;
  /** Cap on the number of archive entries. Default {@link DEFAULT_MAX_ENTRIES}. */
  readonly maxEntries?: number;
  /**
   * The host to check platform and API range against; missing fields default to this process
   * and {@link CAIRN_PLUGIN_API_VERSION}. `false` skips both checks (to inspect a bundle made
   * for another machine).
   */
  readonly host?: Partial<HostFacts> | false;
}

/** This process as a {@link HostFacts}. */
export function currentHost(): HostFacts {
  return {
    os: process.platform,
    arch: process.arch,
    nodeAbi: process.versions.modules,
    cairnApi: CAIRN_PLUGIN_API_VERSION,
  };
}

/** The host facts to check against, or undefined when the caller turned host checks off. */
export function resolveHost(host: ReadBundleOptions['host']): HostFacts | undefined {
  if (host === false) return undefined;
  return { ...currentHost(), ...host };
}

/**
 * Throws `platform` when the bundle's native code is for another OS, CPU or Node ABI, and
 * `api-range` when the host's plugin API is outside the bundle's `cairn_api` range. Both
 * messages give the bundle's value and the host's.
 */
export function checkHost(manifest: BundleManifest, host: HostFacts, bundle: string): void {
  const platform = manifest.supported_platform;
  if (
    platform !== 'any' &&
    (platform.os !== host.os || platform.arch !== host.arch || platform.node_abi !== host.nodeAbi)
  ) {
    const hostLabel = platformLabel({ os: host.os, arch: host.arch, node_abi: host.nodeAbi });
    throw new BundleError(
      'platform',
      `${bundle} holds native code built for ${platformLabel(platform)} (os-arch-Node ABI); this host is ${hostLabel}`,
    );
  }
  if (!semver.satisfies(host.cairnApi, manifest.cairn_api, { includePrerelease: true })) {
    throw new BundleError(
      'api-range',
      `${bundle} needs Cairn plugin API ${manifest.cairn_api}; this host provides ${host.cairnApi}`,
    );
  }
}
