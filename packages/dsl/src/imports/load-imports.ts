/**
 * Loads a blueprint and everything it imports, breadth-first from the main file as Cloudify
 * does: each file once per namespace, parents before children. Produces the list of loaded
 * files for the composer; every problem is a diagnostic at the import entry that caused it.
 */
import { BUILTIN_TYPES_YAML } from '../builtin/types-yaml.generated.js';
import { docStart, type Reporter } from '../diagnostics/diagnostic.js';
import { keyLoc, locOf, valueLoc } from '../source/locations.js';
import type { Loc, SourceDoc } from '../source/source-doc.js';
import {
  DSL_VERSIONS,
  isDslVersion,
  shortVersion,
  versionRank,
  type DslVersion,
} from '../util/dsl-version.js';
import { isMap, kindOf, show, type Value, type ValueMap } from '../util/value.js';
import type { ImportHost, ReadResult } from './import-host.js';
import {
  applyImportRules,
  combineNamespaces,
  NAMESPACE_DELIMITER,
  parseImportString,
  parsePluginImport,
  versionedCandidates,
  type ImportKind,
  type ImportRule,
} from './import-string.js';
import { isValidVersionSpec } from './plugin-selection.js';
import { loadYamlCached, type YamlCache } from './yaml-cache.js';

/** The URL under which the built-in types are known. */
export const BUILTIN_TYPES_URL = 'cairn:types/types.yaml';

/** One file of a blueprint, as loaded. */
export interface LoadedFile {
  readonly doc: SourceDoc;
  /** The top-level mapping (empty when the file could not be read as one). */
  readonly value: ValueMap;
  /** The namespace its elements get (`ns` → `ns--name`), combined with its parents'. */
  readonly namespace: string | undefined;
  /** Cloudify's basic types file: its elements are never namespaced and may be redefined. */
  readonly isBasicTypes: boolean;
  readonly kind: ImportKind | 'main';
  /** Properties given with a 1_5 dict-form plugin import. */
  readonly importProperties: ValueMap | undefined;
  /** Where this file was imported (undefined for the main file). */
  readonly importedAt: Loc | undefined;
  readonly parent: LoadedFile | undefined;
}

/** The main file and everything it imports. */
export interface LoadedBlueprint {
  /** Breadth-first order, main file first. */
  readonly files: readonly LoadedFile[];
  /** The main file's version (cloudify_dsl_1_5 assumed when missing or unsupported). */
  readonly version: DslVersion;
  /** Whether the main file declared a supported version at all. */
  readonly versionDeclared: boolean;
  /** namespace → blueprint id, for `blueprint:` imports. */
  readonly namespacesMapping: Readonly<Record<string, string>>;
}

/** Options of {@link loadBlueprintFiles}. */
export interface LoadOptions {
  readonly host: ImportHost;
  readonly rules: readonly ImportRule[];
  readonly cache: YamlCache | undefined;
}

let builtinDoc: SourceDoc | undefined;

function builtinTypesDoc(): SourceDoc {
  builtinDoc ??= { url: BUILTIN_TYPES_URL, name: 'cairn:types.yaml', text: BUILTIN_TYPES_YAML };
  return builtinDoc;
}

// The built-in types are parsed once per process; their values are never mutated.
const builtinCache: YamlCache = new Map();

interface Fetched {
  readonly doc: SourceDoc;
  readonly kind: ImportKind;
  readonly blueprintId?: string;
}

class ImportLoader {
  private readonly files: LoadedFile[] = [];
  private readonly seen = new Map<string, LoadedFile>();
  private readonly namespacesMapping: Record<string, string> = Object.create(null) as Record<
    string,
    string
  >;
  private version: DslVersion = 'cloudify_dsl_1_5';

  constructor(
    private readonly options: LoadOptions,
    private readonly reporter: Reporter,
  ) {}

  async load(mainUrl: string): Promise<LoadedBlueprint | undefined> {
    const read = await this.options.host.read(mainUrl);
    if (!read.ok) {
      this.reporter.report(readFailureCode(read.reason), read.message, undefined);
      return undefined;
    }
    const doc: SourceDoc = { url: read.url, name: read.name, text: read.text };
    const value = this.parse(doc, this.options.cache);
    const versionDeclared = this.readMainVersion(doc, value);
    const main: LoadedFile = {
      doc,
      value: value ?? {},
      namespace: undefined,
      isBasicTypes: false,
      kind: 'main',
      importProperties: undefined,
      importedAt: undefined,
      parent: undefined,
    };
    this.files.push(main);
    this.seen.set(`${doc.url}\u0000`, main);
    for (let i = 0; i < this.files.length; i++) {
      const file = this.files[i];
      if (file !== undefined) await this.loadImportsOf(file);
    }
    return {
      files: this.files,
      version: this.version,
      versionDeclared,
      namespacesMapping: this.namespacesMapping,
    };
  }

  private parse(doc: SourceDoc, cache: YamlCache | undefined): ValueMap | undefined {
    const value = loadYamlCached(doc, this.reporter, cache);
    if (value === undefined) return undefined;
    if (value === null) return {};
    if (!isMap(value)) {
      this.reporter.report(
        'DSL_FILE_NOT_MAPPING',
        `A blueprint file must be a YAML mapping of sections, but '${doc.name}' holds ${kindOf(value)}.`,
        locOf(value) ?? contentStart(doc),
      );
      return undefined;
    }
    return value;
  }

  private readMainVersion(doc: SourceDoc, value: ValueMap | undefined): boolean {
    if (value === undefined) return false;
    const declared = value.tosca_definitions_version;
    if (declared === undefined) {
      this.reporter.report(
        'DSL_VERSION_MISSING',
        `The main blueprint file has no 'tosca_definitions_version'; add e.g. 'tosca_definitions_version: cloudify_dsl_1_5'.`,
        locOf(value) ?? contentStart(doc),
      );
      return false;
    }
    if (!isDslVersion(declared)) {
      this.reporter.report(
        'DSL_VERSION_UNSUPPORTED',
        `'tosca_definitions_version' is ${show(declared)}; supported versions are ${DSL_VERSIONS.join(', ')}.`,
        valueLoc(value, 'tosca_definitions_version'),
      );
      return false;
    }
    this.version = declared;
    return true;
  }

  private checkImportedVersion(file: LoadedFile): void {
    const declared = file.value.tosca_definitions_version;
    if (declared === undefined) return;
    const loc = valueLoc(file.value, 'tosca_definitions_version');
    if (!isDslVersion(declared)) {
      this.reporter.report(
        'DSL_VERSION_UNSUPPORTED',
        `'tosca_definitions_version' is ${show(declared)}; supported versions are ${DSL_VERSIONS.join(', ')}.`,
        loc,
      );
      return;
    }
    if (versionRank(declared) > versionRank(this.version)) {
      this.reporter.report(
        'DSL_IMPORT_VERSION_NEWER',
        `'${file.doc.name}' declares ${declared}, newer than the main blueprint's ${this.version}; an import may only use the same or an older version.`,
        loc,
      );
    }
  }

  private async loadImportsOf(parent: LoadedFile): Promise<void> {
    const imports = parent.value.imports;
    if (imports === undefined || imports === null) return;
    if (!Array.isArray(imports)) {
      this.reporter.report(
        'DSL_WRONG_TYPE',
        `'imports' must be a list of import strings, not ${kindOf(imports)}.`,
        valueLoc(parent.value, 'imports'),
      );
      return;
    }
    const inThisList = new Set<string>();
    for (let i = 0; i < imports.length; i++) {
      const entry = imports[i] as Value;
      const at = valueLoc(imports, i);
      const spec = this.importEntry(entry, at);
      if (spec === undefined) continue;
      if (inThisList.has(spec.raw)) {
        this.reporter.report(
          'DSL_IMPORT_DUPLICATE',
          `'${spec.raw}' is imported twice in this list.`,
          at,
        );
        continue;
      }
      inThisList.add(spec.raw);
      await this.importOne(parent, spec.raw, spec.properties, at);
    }
  }

  private importEntry(
    entry: Value,
    at: Loc | undefined,
  ): { raw: string; properties: ValueMap | undefined } | undefined {
    if (typeof entry === 'string') return { raw: entry.trim(), properties: undefined };
    if (isMap(entry)) {
      const keys = Object.keys(entry);
      if (keys.length !== 1) {
        this.reporter.report(
          'DSL_IMPORT_INVALID',
          'An import with properties must be a mapping with exactly one key: the import.',
          at,
        );
        return undefined;
      }
      const raw = keys[0] as string;
      if (versionRank(this.version) < 5) {
        this.reporter.report(
          'DSL_FEATURE_VERSION',
          `Imports with properties need cloudify_dsl_1_5; this blueprint declares ${this.version}.`,
          keyLoc(entry, raw),
        );
        return undefined;
      }
      const props = entry[raw];
      if (props !== null && props !== undefined && !isMap(props)) {
        this.reporter.report(
          'DSL_IMPORT_INVALID',
          `The properties of import '${raw}' must be a mapping, not ${kindOf(props)}.`,
          valueLoc(entry, raw),
        );
        return undefined;
      }
      return { raw: raw.trim(), properties: isMap(props) ? props : undefined };
    }
    this.reporter.report(
      'DSL_IMPORT_INVALID',
      `An import must be a string (or, from cloudify_dsl_1_5, a one-key mapping), not ${kindOf(entry)}.`,
      at,
    );
    return undefined;
  }

  private async importOne(
    parent: LoadedFile,
    raw: string,
    properties: ValueMap | undefined,
    at: Loc | undefined,
  ): Promise<void> {
    const parsed = parseImportString(raw);
    if (parsed.namespace !== undefined) {
      const bad =
        parsed.namespace === ''
          ? 'is empty'
          : parsed.namespace.includes(NAMESPACE_DELIMITER)
            ? `contains the delimiter '${NAMESPACE_DELIMITER}'`
            : undefined;
      if (bad !== undefined) {
        this.reporter.report(
          'DSL_IMPORT_NAMESPACE',
          `The namespace of import '${raw}' ${bad}.`,
          at,
        );
        return;
      }
    }
    if (parsed.target === '') {
      this.reporter.report('DSL_IMPORT_INVALID', 'An import names no file.', at);
      return;
    }
    const namespace = combineNamespaces(parent.namespace, parsed.namespace);
    if (parsed.kind === 'builtin-types') {
      this.importBuiltinTypes(parent, parsed.namespace, at);
      return;
    }
    if (parsed.kind === 'blueprint' && parsed.namespace === undefined) {
      this.reporter.report(
        'DSL_IMPORT_NAMESPACE',
        `'${raw}' imports a blueprint without a namespace; write it as 'NAMESPACE--${parsed.target}'.`,
        at,
      );
      return;
    }
    if (properties !== undefined && parsed.kind !== 'plugin') {
      this.reporter.report(
        'DSL_IMPORT_INVALID',
        `Only plugin imports take properties; '${raw}' is not a plugin import.`,
        at,
      );
      return;
    }
    const fetched = await this.fetch(parent, parsed.kind, parsed.target, raw, at);
    if (fetched === undefined) return;
    if (fetched.blueprintId !== undefined && namespace !== undefined) {
      const previous = this.namespacesMapping[namespace];
      if (previous !== undefined && previous !== fetched.blueprintId) {
        this.reporter.report(
          'DSL_IMPORT_NAMESPACE',
          `The namespace '${namespace}' already imports blueprint '${previous}'; each blueprint import needs its own namespace.`,
          at,
        );
        return;
      }
      this.namespacesMapping[namespace] = fetched.blueprintId;
    }
    const key = `${fetched.doc.url}\u0000${namespace ?? ''}`;
    const existing = this.seen.get(key);
    if (existing !== undefined) {
      if (isAncestor(existing, parent)) {
        this.reporter.report(
          'DSL_IMPORT_CYCLE',
          `'${raw}' imports '${existing.doc.name}', which (directly or through other files) imports this file; the repeated import is skipped.`,
          at,
        );
      }
      return;
    }
    // A file imported again inside itself under another namespace (ns--ns--…) would nest
    // forever: that is a cycle too.
    for (let f: LoadedFile | undefined = parent; f !== undefined; f = f.parent) {
      if (f.doc.url !== fetched.doc.url) continue;
      this.reporter.report(
        'DSL_IMPORT_CYCLE',
        `'${raw}' imports '${fetched.doc.name}', which (directly or through other files) imports this file; the repeated import is skipped.`,
        at,
      );
      return;
    }
    const value = this.parse(fetched.doc, this.options.cache);
    const file: LoadedFile = {
      doc: fetched.doc,
      value: value ?? {},
      namespace,
      isBasicTypes: value !== undefined && isBasicTypesFile(value),
      kind: fetched.kind,
      importProperties: properties,
      importedAt: at,
      parent,
    };
    if (file.isBasicTypes && parsed.namespace !== undefined) {
      this.reporter.report(
        'DSL_IMPORT_NAMESPACE',
        `The built-in types cannot be imported under a namespace ('${parsed.namespace}').`,
        at,
      );
      return;
    }
    this.seen.set(key, file);
    this.files.push(file.isBasicTypes ? { ...file, namespace: undefined } : file);
    this.checkImportedVersion(file);
  }

  private importBuiltinTypes(
    parent: LoadedFile,
    ownNamespace: string | undefined,
    at: Loc | undefined,
  ): void {
    if (ownNamespace !== undefined) {
      this.reporter.report(
        'DSL_IMPORT_NAMESPACE',
        `The built-in types cannot be imported under a namespace ('${ownNamespace}').`,
        at,
      );
      return;
    }
    const key = `${BUILTIN_TYPES_URL}\u0000`;
    if (this.seen.has(key)) return;
    const doc = builtinTypesDoc();
    const value = this.parse(doc, builtinCache);
    const file: LoadedFile = {
      doc,
      value: value ?? {},
      namespace: undefined,
      isBasicTypes: true,
      kind: 'builtin-types',
      importProperties: undefined,
      importedAt: at,
      parent,
    };
    this.seen.set(key, file);
    this.files.push(file);
  }

  private async fetch(
    parent: LoadedFile,
    kind: ImportKind,
    target: string,
    raw: string,
    at: Loc | undefined,
  ): Promise<Fetched | undefined> {
    const host = this.options.host;
    switch (kind) {
      case 'plugin': {
        const spec = parsePluginImport(target);
        if (typeof spec === 'string') {
          this.reporter.report('DSL_IMPORT_INVALID', spec, at);
          return undefined;
        }
        if (spec.version !== undefined && !isValidVersionSpec(spec.version)) {
          this.reporter.report(
            'DSL_IMPORT_INVALID',
            `'${spec.version}' in '${raw}' is not a PEP 440 version specifier (e.g. '>=1.2,<2').`,
            at,
          );
          return undefined;
        }
        if (host.resolvePlugin === undefined) {
          this.reporter.report(
            'DSL_IMPORT_UNSUPPORTED',
            `'${raw}' is a plugin import, but no plugin source is configured (use --plugins-dir DIR).`,
            at,
          );
          return undefined;
        }
        const result = await host.resolvePlugin({
          name: spec.name,
          version: spec.version,
          distribution: spec.distribution,
          dslMinor: versionRank(this.version),
        });
        if (!result.ok) {
          const code =
            result.reason === 'version-mismatch'
              ? 'DSL_PLUGIN_VERSION_MISMATCH'
              : result.reason === 'unreadable'
                ? 'DSL_IMPORT_FETCH_FAILED'
                : 'DSL_PLUGIN_NOT_FOUND';
          this.reporter.report(code, result.message, at);
          return undefined;
        }
        return { doc: { url: result.url, name: result.name, text: result.text }, kind };
      }
      case 'blueprint': {
        const id = target.slice('blueprint:'.length).trim();
        if (host.resolveBlueprint === undefined) {
          this.reporter.report(
            'DSL_IMPORT_UNSUPPORTED',
            `'${raw}' imports an uploaded blueprint, but no blueprint source is configured (use --blueprint-import ${id}=PATH).`,
            at,
          );
          return undefined;
        }
        const result = await host.resolveBlueprint(id);
        if (!result.ok) {
          this.reporter.report('DSL_BLUEPRINT_NOT_FOUND', result.message, at);
          return undefined;
        }
        return {
          doc: { url: result.url, name: result.name, text: result.text },
          kind,
          blueprintId: id,
        };
      }
      case 'url':
      case 'relative': {
        const candidates = this.candidates(parent, kind, target);
        if (candidates === undefined) {
          this.reporter.report(
            'DSL_IMPORT_UNSUPPORTED',
            `'${raw}' uses a URL scheme Cairn does not read; use a relative path, file:, http: or https:.`,
            at,
          );
          return undefined;
        }
        let failure: Extract<ReadResult, { ok: false }> | undefined;
        const missing: string[] = [];
        for (const url of candidates) {
          const read = await host.read(url);
          if (read.ok) return { doc: { url: read.url, name: read.name, text: read.text }, kind };
          // A missing candidate just means: try the next one. Any other failure (too large,
          // refused offline, unreachable) is the answer: later candidates are not tried.
          if (read.reason === 'not-found') {
            missing.push(url);
            failure ??= read;
            continue;
          }
          failure = read;
          break;
        }
        // Name the places tried when an import rule or a versioned name added some.
        const tried =
          candidates.length > 1 && missing.length > 0 ? ` (tried ${missing.join(', ')})` : '';
        if (failure === undefined || failure.reason === 'not-found') {
          this.reporter.report(
            'DSL_IMPORT_NOT_FOUND',
            `Cannot find the imported file '${target}' (from '${parent.doc.name}')${tried}.`,
            at,
          );
        } else {
          this.reporter.report(readFailureCode(failure.reason), `${failure.message}${tried}`, at);
        }
        return undefined;
      }
      case 'builtin-types':
        return undefined;
    }
  }

  private candidates(parent: LoadedFile, kind: ImportKind, target: string): string[] | undefined {
    const rules = this.options.rules;
    if (kind === 'url') {
      if (!/^(?:https?:|file:)/i.test(target)) return undefined;
      return applyImportRules(target, rules);
    }
    const out: string[] = [];
    for (const name of versionedCandidates(target, shortVersion(this.version))) {
      let url: string;
      try {
        url = new URL(name, parent.doc.url).href;
      } catch {
        continue;
      }
      out.push(...applyImportRules(url, rules));
    }
    return [...new Set(out)];
  }
}

/** Where the content of a file starts: after leading blank lines and comments. */
function contentStart(doc: SourceDoc): Loc {
  const skipped = /^(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*/.exec(doc.text)?.[0].length ?? 0;
  return { ...docStart(doc), start: skipped, end: skipped };
}

function isAncestor(candidate: LoadedFile, file: LoadedFile | undefined): boolean {
  for (let f = file; f !== undefined; f = f.parent) {
    if (f.doc.url === candidate.doc.url) return true;
  }
  return false;
}

function isBasicTypesFile(value: ValueMap): boolean {
  const metadata = value.metadata;
  return isMap(metadata) && metadata.cloudify_types === true;
}

function readFailureCode(
  reason: Extract<ReadResult, { ok: false }>['reason'],
):
  | 'DSL_IMPORT_NOT_FOUND'
  | 'DSL_IMPORT_OFFLINE'
  | 'DSL_IMPORT_TOO_LARGE'
  | 'DSL_IMPORT_FETCH_FAILED'
  | 'DSL_IMPORT_UNSUPPORTED' {
  switch (reason) {
    case 'not-found':
      return 'DSL_IMPORT_NOT_FOUND';
    case 'offline':
      return 'DSL_IMPORT_OFFLINE';
    case 'too-large':
      return 'DSL_IMPORT_TOO_LARGE';
    case 'fetch-failed':
      return 'DSL_IMPORT_FETCH_FAILED';
    case 'unsupported':
      return 'DSL_IMPORT_UNSUPPORTED';
  }
}

/** Loads the main blueprint at `url` and all its imports. */
export async function loadBlueprintFiles(
  url: string,
  options: LoadOptions,
  reporter: Reporter,
): Promise<LoadedBlueprint | undefined> {
  return new ImportLoader(options, reporter).load(url);
}
