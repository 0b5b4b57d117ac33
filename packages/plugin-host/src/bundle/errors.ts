/**
 * The one error a bundle problem becomes. Callers branch on {@link BundleError.reason}; the
 * message is for the operator and names the bundle file and the offending entry or value.
 */
import { CairnError, type CairnErrorOptions } from '@cairn/errors';

/** Every reason a bundle can be refused, at pack, validate or install time. */
export type BundleErrorReason =
  /** The file is not a gzip'd tar archive, or the archive is damaged or truncated. */
  | 'not-an-archive'
  /** There is no `manifest.json` as the first entry. */
  | 'manifest-missing'
  /** `manifest.json` is not JSON, has another format number, or breaks the schema. */
  | 'manifest-invalid'
  /** An entry path is absolute, climbs with `..`, holds NUL, a backslash or control characters. */
  | 'path-unsafe'
  /** An entry is a symbolic or hard link, or any type other than a file or a directory. */
  | 'link'
  /** The archive holds a file the manifest does not list. */
  | 'unlisted-file'
  /** The manifest lists a file the archive does not hold. */
  | 'missing-file'
  /** A file's content does not have the sha256 the manifest gives. */
  | 'hash-mismatch'
  /** A file's size differs from the manifest's. */
  | 'size-mismatch'
  /** The bundle passes a size or entry-count limit (a decompression bomb, say). */
  | 'too-large'
  /** A signature is required and the bundle has none. */
  | 'signature-missing'
  /** `manifest.sig` is malformed, or does not verify against the manifest. */
  | 'signature-invalid'
  /** A signature is required and the signing key is not a trusted one. */
  | 'untrusted-key'
  /** The bundle holds native code built for another OS, CPU or Node ABI. */
  | 'platform'
  /** The bundle needs a Cairn plugin API this host does not provide. */
  | 'api-range'
  /** The plugin folder has no `plugin*.yaml` at its root. */
  | 'no-plugin-yaml'
  /** The plugin folder cannot be packed: package.json, a dependency or plugin YAML is wrong. */
  | 'package-invalid';

/** A plugin bundle is malformed, tampered with, untrusted, or made for another host. */
export class BundleError extends CairnError {
  /** Why the bundle was refused; stable, for callers to branch on. */
  readonly reason: BundleErrorReason;

  /**
   * @param reason - why the bundle was refused
   * @param message - an operator-facing sentence naming the bundle and the offending entry
   */
  constructor(reason: BundleErrorReason, message: string, options: CairnErrorOptions = {}) {
    super('BUNDLE_INVALID', message, {
      ...options,
      details: { ...options.details, reason },
    });
    this.reason = reason;
  }
}
