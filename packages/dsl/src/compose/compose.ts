/**
 * Merges the loaded files of a blueprint into one set of named elements per section, with
 * Cloudify's import rules (spec §1.2): dict sections are unions, a repeated name is a conflict
 * except for `cloudify.*` names and basic types (the later one wins), workflows keep the first
 * definition, label keys keep the first value, and node templates may be extended by a file
 * that only adds relationships. Elements of namespaced imports get `ns--` names.
 */
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { LoadedBlueprint, LoadedFile } from '../imports/load-imports.js';
import { NAMESPACE_DELIMITER } from '../imports/import-string.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { versionAtLeast, type DslMinor, type DslVersion } from '../util/dsl-version.js';
import { dict, isMap, kindOf, type Value, type ValueMap } from '../util/value.js';

/** A named element of a section (a node type, an input, a node template …) and its origin. */
export interface Element {
  /** The name with its namespace (`ns--web`); what references resolve to. */
  readonly name: string;
  /** The name as written in its file. */
  readonly localName: string;
  /** The definition as loaded (never mutated). */
  readonly value: Value;
  /** The section mapping that holds it (for the location of its key). */
  readonly section: ValueMap;
  readonly file: LoadedFile;
  /** The namespace references inside this element are resolved in. */
  readonly namespace: string | undefined;
  /** True for elements of Cloudify's basic types file. */
  readonly basic: boolean;
  /** Relationships added to a node template by other files (node_templates only). */
  readonly extraRelationships: readonly { list: Value[]; namespace: string | undefined }[];
}

/** The sections that hold named elements. */
export const ELEMENT_SECTIONS = [
  'inputs',
  'node_types',
  'relationships',
  'data_types',
  'plugins',
  'node_templates',
  'outputs',
  'capabilities',
  'groups',
  'policies',
  'policy_types',
  'policy_triggers',
  'workflows',
  'labels',
  'blueprint_labels',
  'resource_tags',
] as const;

/** A section of named elements. */
export type ElementSection = (typeof ELEMENT_SECTIONS)[number];

/** The merged blueprint: one ordered table of elements per section. */
export interface ComposedBlueprint {
  readonly version: DslVersion;
  readonly loaded: LoadedBlueprint;
  readonly main: LoadedFile;
  readonly sections: Readonly<Record<ElementSection, Map<string, Element>>>;
  readonly description: { value: Value; file: LoadedFile } | undefined;
  readonly metadata: { value: Value; file: LoadedFile } | undefined;
  readonly deploymentSettings: { value: Value; file: LoadedFile } | undefined;
}

type SectionRule =
  | { kind: 'version' | 'imports' | 'ignore' | 'internal' }
  | { kind: 'first'; since?: DslMinor }
  | {
      kind: 'elements';
      since?: DslMinor;
      /** Sections that may appear in several files only from DSL 1_3 on. */
      mergeableFrom13?: boolean;
      /** A section that may not appear in two files at all. */
      single?: boolean;
      /** Repeated keys keep the first value (label sections). */
      firstWins?: boolean;
    };

const SECTION_RULES: Record<string, SectionRule> = {
  tosca_definitions_version: { kind: 'version' },
  description: { kind: 'first', since: '1_2' },
  metadata: { kind: 'first' },
  imports: { kind: 'imports' },
  dsl_definitions: { kind: 'ignore' },
  inputs: { kind: 'elements', mergeableFrom13: true },
  outputs: { kind: 'elements', mergeableFrom13: true },
  node_templates: { kind: 'elements', mergeableFrom13: true },
  capabilities: { kind: 'elements', mergeableFrom13: true },
  labels: { kind: 'elements', mergeableFrom13: true, firstWins: true },
  blueprint_labels: { kind: 'elements', mergeableFrom13: true, firstWins: true },
  resource_tags: { kind: 'elements', since: '1_3', mergeableFrom13: true, firstWins: true },
  node_types: { kind: 'elements' },
  relationships: { kind: 'elements' },
  data_types: { kind: 'elements', since: '1_2' },
  plugins: { kind: 'elements' },
  workflows: { kind: 'elements' },
  policy_types: { kind: 'elements' },
  policy_triggers: { kind: 'elements' },
  groups: { kind: 'elements' },
  policies: { kind: 'elements', single: true },
  deployment_settings: { kind: 'first' },
  imported_blueprints: { kind: 'internal' },
  namespaces_mapping: { kind: 'internal' },
};

const SINCE_WORDS: Partial<Record<string, DslMinor>> = { dsl_definitions: '1_2' };

/** `ns--name`, unless there is no namespace or the name is a `cloudify.` name (never namespaced). */
export function qualify(name: string, namespace: string | undefined): string {
  if (namespace === undefined || name.startsWith('cloudify.')) return name;
  return `${namespace}${NAMESPACE_DELIMITER}${name}`;
}

class Composer {
  private readonly sections = Object.fromEntries(
    ELEMENT_SECTIONS.map((s) => [s, new Map<string, Element>()]),
  ) as Record<ElementSection, Map<string, Element>>;
  private readonly sectionOwner = new Map<string, LoadedFile>();
  private description: ComposedBlueprint['description'];
  private metadata: ComposedBlueprint['metadata'];
  private deploymentSettings: ComposedBlueprint['deploymentSettings'];

  constructor(
    private readonly loaded: LoadedBlueprint,
    private readonly reporter: Reporter,
  ) {}

  compose(): ComposedBlueprint | undefined {
    const main = this.loaded.files[0];
    if (main === undefined) return undefined;
    for (const file of this.loaded.files) this.mergeFile(file);
    return {
      version: this.loaded.version,
      loaded: this.loaded,
      main,
      sections: this.sections,
      description: this.description,
      metadata: this.metadata,
      deploymentSettings: this.deploymentSettings,
    };
  }

  private mergeFile(file: LoadedFile): void {
    const version = this.loaded.version;
    for (const key of Object.keys(file.value)) {
      const value = file.value[key] as Value;
      const rule = Object.hasOwn(SECTION_RULES, key) ? SECTION_RULES[key] : undefined;
      if (rule === undefined) {
        this.reporter.report(
          'DSL_UNKNOWN_KEY',
          `'${key}' is not a blueprint section; sections are ${Object.keys(SECTION_RULES)
            .filter((k) => SECTION_RULES[k]?.kind !== 'internal')
            .join(', ')}.`,
          keyLoc(file.value, key),
        );
        continue;
      }
      const since = ('since' in rule ? rule.since : undefined) ?? SINCE_WORDS[key];
      if (
        since !== undefined &&
        !versionAtLeast(version, since) &&
        !isPluginLabelSection(file, key) &&
        !file.isBasicTypes
      ) {
        this.reporter.report(
          'DSL_FEATURE_VERSION',
          `The '${key}' section needs cloudify_dsl_${since} or newer; this blueprint declares ${version}.`,
          keyLoc(file.value, key),
        );
        continue;
      }
      switch (rule.kind) {
        case 'version':
        case 'imports':
        case 'ignore':
          break;
        case 'internal':
          this.reporter.report(
            'DSL_UNKNOWN_KEY',
            `'${key}' is produced by the parser for blueprint imports and cannot be written by hand.`,
            keyLoc(file.value, key),
          );
          break;
        case 'first':
          this.mergeFirst(file, key, value);
          break;
        case 'elements':
          this.mergeElements(file, key as ElementSection, value, rule);
          break;
      }
    }
  }

  private mergeFirst(file: LoadedFile, key: string, value: Value): void {
    if (key === 'description') {
      if (typeof value !== 'string' && value !== null) {
        this.reporter.report(
          'DSL_WRONG_TYPE',
          `'description' must be a string, not ${kindOf(value)}.`,
          valueLoc(file.value, key),
        );
        return;
      }
      this.description ??= { value, file };
      return;
    }
    if (key === 'metadata') {
      if (!isMap(value) && value !== null) {
        this.reporter.report(
          'DSL_WRONG_TYPE',
          `'metadata' must be a mapping, not ${kindOf(value)}.`,
          valueLoc(file.value, key),
        );
        return;
      }
      this.metadata ??= { value, file };
      return;
    }
    // deployment_settings
    if (this.deploymentSettings !== undefined) {
      this.reporter.report(
        'DSL_NOT_MERGEABLE',
        `'deployment_settings' is already defined in '${this.deploymentSettings.file.doc.name}'; it cannot come from two files.`,
        keyLoc(file.value, key),
      );
      return;
    }
    this.deploymentSettings = { value, file };
  }

  private mergeElements(
    file: LoadedFile,
    section: ElementSection,
    value: Value,
    rule: Extract<SectionRule, { kind: 'elements' }>,
  ): void {
    if (value === null) return;
    if (!isMap(value)) {
      this.reporter.report(
        'DSL_WRONG_TYPE',
        `'${section}' must be a mapping of names to definitions, not ${kindOf(value)}.`,
        valueLoc(file.value, section),
      );
      return;
    }
    const owner = this.sectionOwner.get(section);
    if (owner !== undefined && owner !== file) {
      const mergeable =
        rule.single !== true &&
        (rule.mergeableFrom13 !== true || versionAtLeast(this.loaded.version, '1_3'));
      if (!mergeable) {
        const why =
          rule.mergeableFrom13 === true
            ? ` '${section}' can come from several files only from cloudify_dsl_1_3 on.`
            : '';
        this.reporter.report(
          'DSL_NOT_MERGEABLE',
          `'${section}' is already defined in '${owner.doc.name}' and cannot be merged from '${file.doc.name}'.${why}`,
          keyLoc(file.value, section),
        );
        return;
      }
    } else if (owner === undefined) {
      this.sectionOwner.set(section, file);
    }
    const table = this.sections[section];
    const namespace = file.isBasicTypes ? undefined : file.namespace;
    for (const localName of Object.keys(value)) {
      if (localName.trim() === '') {
        this.reporter.report(
          'DSL_INVALID_NAME',
          `An element of '${section}' has an empty name; every ${section} entry needs a name.`,
          keyLoc(value, localName),
        );
        continue;
      }
      const name = qualify(localName, namespace);
      const element: Element = {
        name,
        localName,
        value: value[localName] as Value,
        section: value,
        file,
        namespace,
        basic: file.isBasicTypes,
        extraRelationships: [],
      };
      const existing = table.get(name);
      if (existing === undefined || file.isBasicTypes || name.startsWith('cloudify.')) {
        table.set(name, element);
        continue;
      }
      if (rule.firstWins === true) continue;
      if (section === 'workflows') {
        table.set(name, mergeWorkflow(existing, element));
        continue;
      }
      if (section === 'node_templates' && this.extendNodeTemplate(table, existing, element))
        continue;
      this.reporter.report(
        'DSL_MERGE_CONFLICT',
        `'${name}' in '${section}' is already defined in '${existing.file.doc.name}'${locSuffix(keyLoc(existing.section, existing.localName))}; an element can be defined only once.`,
        keyLoc(value, localName),
      );
    }
  }

  /** A file may add relationships to a node template defined elsewhere (spec §1.2). */
  private extendNodeTemplate(
    table: Map<string, Element>,
    existing: Element,
    incoming: Element,
  ): boolean {
    const onlyRelationships = (v: Value): boolean =>
      isMap(v) && Object.keys(v).length === 1 && Array.isArray(v.relationships);
    if (onlyRelationships(incoming.value)) {
      const list = (incoming.value as ValueMap).relationships as Value[];
      table.set(existing.name, {
        ...existing,
        extraRelationships: [
          ...existing.extraRelationships,
          { list, namespace: incoming.namespace },
        ],
      });
      return true;
    }
    if (onlyRelationships(existing.value) && isMap(incoming.value) && 'type' in incoming.value) {
      const list = (existing.value as ValueMap).relationships as Value[];
      table.set(existing.name, {
        ...incoming,
        extraRelationships: [
          { list, namespace: existing.namespace },
          ...existing.extraRelationships,
        ],
      });
      return true;
    }
    return false;
  }
}

function mergeWorkflow(first: Element, later: Element): Element {
  // The first definition is kept; keys it lacks are taken from the later one.
  if (!isMap(first.value) || !isMap(later.value)) return first;
  const missing = Object.keys(later.value).filter((k) => !(k in (first.value as ValueMap)));
  if (missing.length === 0) return first;
  const merged: ValueMap = dict<Value>();
  for (const k of Object.keys(first.value)) merged[k] = first.value[k] as Value;
  for (const k of missing) merged[k] = later.value[k] as Value;
  return { ...first, value: merged };
}

function isPluginLabelSection(file: LoadedFile, key: string): boolean {
  return (
    file.kind === 'plugin' &&
    (key === 'labels' || key === 'blueprint_labels' || key === 'resource_tags')
  );
}

function locSuffix(loc: Loc | undefined): string {
  if (loc === undefined) return '';
  const text = loc.doc.text;
  let line = 1;
  for (let i = 0; i < loc.start && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return ` (line ${line})`;
}

/** Merges the loaded files of a blueprint into element tables. */
export function composeBlueprint(
  loaded: LoadedBlueprint,
  reporter: Reporter,
): ComposedBlueprint | undefined {
  return new Composer(loaded, reporter).compose();
}
