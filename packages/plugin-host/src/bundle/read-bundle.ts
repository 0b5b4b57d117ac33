/** Inspecting a bundle without extracting it: for `cairn plugins show` and `validate`. */
import { MANIFEST_PATH, type BundleManifest } from './manifest.js';
import type { ReadBundleOptions } from './host.js';
import { scanBundle } from './scan.js';
import type { SignatureStatus } from './signing.js';

/** What a checked bundle holds. */
export interface BundleInfo {
  /** The bundle file, as given. */
  readonly file: string;
  readonly manifest: BundleManifest;
  readonly signature: SignatureStatus;
  /** The text of each plugin YAML file, by archive path (`package/plugin.yaml`…). */
  readonly pluginYaml: Readonly<Record<string, string>>;
  /** Hex sha256 of the whole bundle file: its id once installed. */
  readonly bundleSha256: string;
  /** Size of the bundle file. */
  readonly bytes: number;
  /** Total size of the package's files. */
  readonly unpackedBytes: number;
}

/**
 * Reads and checks the whole bundle at `file` in memory (structure, every hash and size, no
 * unlisted or missing file, limits, signature, platform, API range), writing nothing to disk.
 * Throws a {@link BundleError} at the first problem.
 */
export async function readBundle(
  file: string,
  options: ReadBundleOptions = {},
): Promise<BundleInfo> {
  let manifest: BundleManifest | undefined;
  let signature: SignatureStatus = 'unsigned';
  const pluginYaml: Record<string, string> = {};
  for await (const event of scanBundle(file, options)) {
    switch (event.kind) {
      case 'manifest':
        manifest = event.manifest;
        signature = event.signature;
        break;
      case 'file':
        if (manifest?.plugin_yaml.includes(event.path) === true) {
          const parts: Buffer[] = [];
          for await (const chunk of event.data()) parts.push(chunk);
          pluginYaml[event.path] = Buffer.concat(parts).toString('utf8');
        }
        break;
      case 'directory':
        break;
      case 'end': {
        if (manifest === undefined) throw new Error(`${file}: scan ended without ${MANIFEST_PATH}`);
        const unpackedBytes = Object.values(manifest.files).reduce((sum, f) => sum + f.size, 0);
        return {
          file,
          manifest,
          signature,
          pluginYaml,
          bundleSha256: event.bundleSha256,
          bytes: event.bytes,
          unpackedBytes,
        };
      }
    }
  }
  throw new Error(`${file}: scan ended without its end`);
}
