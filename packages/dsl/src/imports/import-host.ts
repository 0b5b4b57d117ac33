/**
 * The parser's only window to the outside world. The parser never reads a file or a URL by
 * itself: it asks an {@link ImportHost}. `@cairn/dsl/node` has the Node implementation (files,
 * HTTP with a timeout, size limit and cache, a plugins directory); tests and the browser pass
 * their own.
 */

/** Why a read failed; each reason maps to its own diagnostic code. */
export type ReadFailure = 'not-found' | 'offline' | 'too-large' | 'fetch-failed' | 'unsupported';

/** The text of a file, or why it could not be read. */
export type ReadResult =
  | {
      readonly ok: true;
      /** The canonical URL of what was read (after redirects, symlinks resolved or not). */
      readonly url: string;
      /** How to show this file to users (relative path or URL). */
      readonly name: string;
      readonly text: string;
    }
  | { readonly ok: false; readonly reason: ReadFailure; readonly message: string };

/** What a `plugin:` import asks for. */
export interface PluginImportRequest {
  readonly name: string;
  /** PEP 440 specifier set, if the import gave one. */
  readonly version: string | undefined;
  readonly distribution: string | undefined;
  /** The main blueprint's DSL minor version (`5` for `cloudify_dsl_1_5`): picks the YAML file. */
  readonly dslMinor: number;
}

/** The plugin YAML a `plugin:` import resolves to, or why none does. */
export type PluginImportResult =
  | {
      readonly ok: true;
      readonly url: string;
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

/** The blueprint a `blueprint:ID` import resolves to, or why none does. */
export type BlueprintImportResult =
  | { readonly ok: true; readonly url: string; readonly name: string; readonly text: string }
  | { readonly ok: false; readonly message: string };

/** Everything the parser needs from its environment to load a blueprint and its imports. */
export interface ImportHost {
  /** Reads a `file:` or `http(s):` URL. */
  read(url: string): Promise<ReadResult>;
  /** Resolves `plugin:NAME` imports. Without it, such imports are `DSL_IMPORT_UNSUPPORTED`. */
  resolvePlugin?(request: PluginImportRequest): Promise<PluginImportResult>;
  /** Resolves `blueprint:ID` imports. Without it, such imports are `DSL_IMPORT_UNSUPPORTED`. */
  resolveBlueprint?(id: string): Promise<BlueprintImportResult>;
  /**
   * Whether a script or resource file exists (relative paths are resolved against `baseUrl`).
   * Used to tell a script implementation from a plugin mapping, as Cloudify does; without it,
   * every path-like implementation is taken for a script.
   */
  resourceExists?(baseUrl: string, path: string): boolean;
}
