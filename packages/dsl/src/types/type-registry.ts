/**
 * Node types, relationship types and data types, resolved along `derived_from` (spec §1.4,
 * §1.5, §2.3): the type hierarchy, merged property schemas and merged interfaces. Resolution is
 * lazy and memoised; unknown parents and cycles are reported once, where they are written.
 */
import type { Element } from '../compose/compose.js';
import { qualify } from '../compose/compose.js';
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { didYouMean } from '../util/suggest.js';
import { LATEST_DSL_VERSION } from '../util/dsl-version.js';
import { dict, isMap, kindOf, type Value } from '../util/value.js';
import type { AnalysisContext } from './context.js';
import { mergeTypeInterfaces, parseInterfaces, type Interfaces } from './operations.js';
import { parseSchema, type PropertyDef } from './schema.js';
import { checkValue } from './check-value.js';
import { OBJECT_TYPES, PRIMITIVE_TYPES } from './primitive-types.js';

export { OBJECT_TYPES, PRIMITIVE_TYPES };

/** A resolved node type. */
export interface NodeTypeInfo {
  readonly name: string;
  readonly element: Element;
  readonly hierarchy: readonly string[];
  readonly properties: ReadonlyMap<string, PropertyDef>;
  readonly interfaces: Interfaces;
}

/** A resolved relationship type. */
export interface RelationshipTypeInfo {
  readonly name: string;
  readonly element: Element;
  readonly hierarchy: readonly string[];
  readonly properties: ReadonlyMap<string, PropertyDef>;
  readonly sourceInterfaces: Interfaces;
  readonly targetInterfaces: Interfaces;
}

/** A resolved data type. */
export interface DataTypeInfo {
  readonly name: string;
  /** For messages: `data type 'name'`. */
  readonly word: string;
  readonly element: Element;
  readonly hierarchy: readonly string[];
  readonly properties: ReadonlyMap<string, PropertyDef>;
}

type Kind = 'node' | 'relationship' | 'data';

const NODE_TYPE_FIELDS: Record<string, FieldSpec> = {
  derived_from: { shape: 'string' },
  properties: { shape: 'map' },
  interfaces: { shape: 'map' },
  runtime_properties: { shape: 'map', since: '1_5' },
  description: { shape: 'any' },
};

const RELATIONSHIP_TYPE_FIELDS: Record<string, FieldSpec> = {
  derived_from: { shape: 'string' },
  properties: { shape: 'map' },
  source_interfaces: { shape: 'map' },
  target_interfaces: { shape: 'map' },
  description: { shape: 'any' },
};

const DATA_TYPE_FIELDS: Record<string, FieldSpec> = {
  derived_from: { shape: 'string' },
  properties: { shape: 'map' },
  description: { shape: 'any' },
  version: { shape: 'any' },
};

const SECTION: Record<Kind, 'node_types' | 'relationships' | 'data_types'> = {
  node: 'node_types',
  relationship: 'relationships',
  data: 'data_types',
};

const WORD: Record<Kind, string> = {
  node: 'node type',
  relationship: 'relationship type',
  data: 'data type',
};

const RESOLVING = Symbol('resolving');
const FAILED = Symbol('failed');

/** Resolves and caches types for one blueprint. */
export class TypeRegistry {
  private readonly nodeCache = new Map<string, NodeTypeInfo | typeof RESOLVING | typeof FAILED>();
  private readonly relCache = new Map<
    string,
    RelationshipTypeInfo | typeof RESOLVING | typeof FAILED
  >();
  private readonly dataCache = new Map<string, DataTypeInfo | typeof RESOLVING | typeof FAILED>();
  /** Each type's own property schema, for checking defaults once every type is resolved. */
  private readonly ownSchemas: { schema: ReadonlyMap<string, PropertyDef>; owner: string }[] = [];

  constructor(private readonly ctx: AnalysisContext) {}

  /**
   * The context a type is checked in. The built-in types are Cairn's own file, written for every
   * DSL version: they are never held to the blueprint's version gates.
   */
  private ctxFor(element: Element): AnalysisContext {
    return element.basic ? { ...this.ctx, version: LATEST_DSL_VERSION } : this.ctx;
  }

  /** Finds a type element by name as referenced from `namespace` (namespaced name first). */
  findElement(kind: Kind, name: string, namespace: string | undefined): Element | undefined {
    const table = this.ctx.composed.sections[SECTION[kind]];
    return table.get(qualify(name, namespace)) ?? table.get(name);
  }

  /** The qualified name a reference resolves to, or undefined. */
  resolveName(kind: Kind, name: string, namespace: string | undefined): string | undefined {
    return this.findElement(kind, name, namespace)?.name;
  }

  /** Reports an unknown type reference. */
  reportUnknown(kind: Kind, name: string, loc: Loc | undefined, context: string): void {
    const table = this.ctx.composed.sections[SECTION[kind]];
    const code =
      kind === 'node'
        ? 'DSL_UNKNOWN_TYPE'
        : kind === 'relationship'
          ? 'DSL_UNKNOWN_RELATIONSHIP_TYPE'
          : 'DSL_UNKNOWN_DATA_TYPE';
    // A type of a namespaced import is known by its namespaced name: suggest that first.
    const namespaced = [...table.keys()].find((k) => k.endsWith(`--${name}`));
    const hint =
      namespaced !== undefined
        ? ` Did you mean '${namespaced}' (it comes from a namespaced import)?`
        : didYouMean(name, kind === 'data' ? [...PRIMITIVE_TYPES, ...table.keys()] : table.keys());
    this.ctx.reporter.report(
      code,
      `${context} '${name}', which is not a defined ${WORD[kind]}.${hint}`,
      loc,
    );
  }

  /** Resolves a node type referenced as `name` from `namespace`. */
  nodeType(name: string, namespace: string | undefined): NodeTypeInfo | undefined {
    const element = this.findElement('node', name, namespace);
    return element === undefined ? undefined : this.resolveNode(element);
  }

  /** Resolves a relationship type referenced as `name` from `namespace`. */
  relationshipType(name: string, namespace: string | undefined): RelationshipTypeInfo | undefined {
    const element = this.findElement('relationship', name, namespace);
    return element === undefined ? undefined : this.resolveRelationship(element);
  }

  /** Resolves a data type referenced as `name` from `namespace`. */
  dataType(name: string, namespace: string | undefined): DataTypeInfo | undefined {
    const element = this.findElement('data', name, namespace);
    return element === undefined ? undefined : this.resolveData(element);
  }

  /** Resolves every type of every section, so problems in unused types are reported too. */
  resolveAll(): void {
    const sections = this.ctx.composed.sections;
    for (const element of sections.data_types.values()) this.resolveData(element);
    for (const element of sections.node_types.values()) this.resolveNode(element);
    for (const element of sections.relationships.values()) this.resolveRelationship(element);
  }

  /** Parses the properties a type declares itself, checks their types, keeps them for defaults. */
  private ownProperties(
    element: Element,
    raw: Record<string, Value>,
    owner: string,
  ): Map<string, PropertyDef> {
    const own = parseSchema(
      raw.properties,
      { container: raw, key: 'properties', kind: 'property', owner, namespace: element.namespace },
      this.ctxFor(element),
    );
    this.checkSchemaTypes(own, owner);
    this.ownSchemas.push({ schema: own, owner });
    return own;
  }

  /** Parses an interfaces mapping a type declares itself (`interfaces`, `source_interfaces` …). */
  private ownInterfaces(
    element: Element,
    at: { readonly raw: Record<string, Value>; readonly key: string },
    owner: string,
  ): Interfaces {
    return parseInterfaces(
      at.raw[at.key],
      { container: at.raw, key: at.key, level: 'type', owner, namespace: element.namespace },
      this.ctxFor(element),
    );
  }

  resolveNode(element: Element): NodeTypeInfo | undefined {
    return this.resolve('node', element, this.nodeCache, (parent, raw) => {
      const owner = `node type '${element.name}'`;
      const own = this.ownProperties(element, raw, owner);
      const ifaces = this.ownInterfaces(element, { raw, key: 'interfaces' }, owner);
      const p = parent;
      return {
        name: element.name,
        element,
        hierarchy: [...(p?.hierarchy ?? []), element.name],
        properties: this.mergeProperties(p?.properties, own),
        interfaces: p === undefined ? ifaces : mergeTypeInterfaces(p.interfaces, ifaces),
      };
    });
  }

  resolveRelationship(element: Element): RelationshipTypeInfo | undefined {
    return this.resolve('relationship', element, this.relCache, (parent, raw) => {
      const owner = `relationship type '${element.name}'`;
      const own = this.ownProperties(element, raw, owner);
      const source = this.ownInterfaces(element, { raw, key: 'source_interfaces' }, owner);
      const target = this.ownInterfaces(element, { raw, key: 'target_interfaces' }, owner);
      const p = parent;
      return {
        name: element.name,
        element,
        hierarchy: [...(p?.hierarchy ?? []), element.name],
        properties: this.mergeProperties(p?.properties, own),
        sourceInterfaces:
          p === undefined ? source : mergeTypeInterfaces(p.sourceInterfaces, source),
        targetInterfaces:
          p === undefined ? target : mergeTypeInterfaces(p.targetInterfaces, target),
      };
    });
  }

  resolveData(element: Element): DataTypeInfo | undefined {
    return this.resolve('data', element, this.dataCache, (parent, raw) => {
      const owner = `data type '${element.name}'`;
      const own = this.ownProperties(element, raw, owner);
      const p = parent;
      return {
        name: element.name,
        word: `data type '${element.name}'`,
        element,
        hierarchy: [...(p?.hierarchy ?? []), element.name],
        properties: this.mergeProperties(p?.properties, own),
      };
    });
  }

  /**
   * Checks the default of every property a type declares against the property's type. Run
   * after {@link resolveAll}, so recursive data types are already resolved.
   */
  checkDefaults(): void {
    for (const { schema, owner } of this.ownSchemas) {
      for (const def of schema.values()) {
        if (
          !def.hasDefault ||
          def.def === undefined ||
          def.type === undefined ||
          def.default === null
        )
          continue;
        checkValue(
          def.default,
          { type: def.type, container: def.def, key: 'default', path: [] },
          {
            ctx: this.ctx,
            registry: this,
            namespace: def.namespace,
            owner: `the default of property '${def.name}' of ${owner}`,
            requireAll: false,
          },
        );
      }
    }
  }

  /**
   * The child's definitions replace the parent's; when both give the same data type and the
   * parent has a default, the child's default is laid over the parent's key by key.
   */
  private mergeProperties(
    parent: ReadonlyMap<string, PropertyDef> | undefined,
    own: ReadonlyMap<string, PropertyDef>,
  ): ReadonlyMap<string, PropertyDef> {
    if (parent === undefined || parent.size === 0) return own;
    const out = new Map(parent);
    for (const [name, def] of own) {
      const base = parent.get(name);
      if (
        base !== undefined &&
        def.type !== undefined &&
        def.type === base.type &&
        !PRIMITIVE_TYPES.has(def.type) &&
        base.hasDefault &&
        isMap(base.default)
      ) {
        const merged = dict<Value>();
        for (const k of Object.keys(base.default)) merged[k] = base.default[k] as Value;
        if (def.hasDefault && isMap(def.default)) {
          for (const k of Object.keys(def.default)) merged[k] = def.default[k] as Value;
        }
        out.set(name, { ...def, hasDefault: true, default: merged });
      } else {
        out.set(name, def);
      }
    }
    return out;
  }

  /** Reports property `type:` names that are neither primitives nor data types. */
  checkSchemaTypes(
    schema: ReadonlyMap<string, PropertyDef>,
    owner: string,
    allowObjectTypes = true,
  ): void {
    for (const def of schema.values()) {
      if (def.type === undefined) continue;
      if (!this.isKnownType(def.type, def.namespace, allowObjectTypes)) {
        this.reportUnknown(
          'data',
          def.type,
          def.def === undefined ? def.at : valueLoc(def.def, 'type'),
          `Property '${def.name}' of ${owner} has type`,
        );
      }
    }
  }

  /** True when `type` names a primitive, an object type (if allowed), or a data type. */
  isKnownType(type: string, namespace: string | undefined, allowObjectTypes = true): boolean {
    if (PRIMITIVE_TYPES.has(type)) return true;
    if (allowObjectTypes && OBJECT_TYPES.has(type)) return true;
    return this.findElement('data', type, namespace) !== undefined;
  }

  private resolve<T extends { hierarchy: readonly string[] }>(
    kind: Kind,
    element: Element,
    cache: Map<string, T | typeof RESOLVING | typeof FAILED>,
    build: (parent: T | undefined, raw: Record<string, Value>) => T,
  ): T | undefined {
    const cached = cache.get(element.name);
    if (cached === FAILED) return undefined;
    if (cached === RESOLVING) {
      const raw = element.value as Record<string, Value>;
      this.ctx.reporter.report(
        'DSL_DERIVED_FROM_CYCLE',
        `${capitalizeWord(WORD[kind])} '${element.name}' derives from itself through 'derived_from'.`,
        isMap(raw) ? valueLoc(raw, 'derived_from') : keyLoc(element.section, element.localName),
      );
      return undefined;
    }
    if (cached !== undefined) return cached;
    const raw = element.value;
    const what = `${WORD[kind]} '${element.name}'`;
    if (raw !== null && !isMap(raw)) {
      this.ctx.reporter.report(
        'DSL_WRONG_TYPE',
        `The definition of ${what} must be a mapping, not ${kindOf(raw)}.`,
        valueLoc(element.section, element.localName),
      );
      cache.set(element.name, FAILED);
      return undefined;
    }
    const map = raw ?? dict<Value>();
    const fields =
      kind === 'node'
        ? NODE_TYPE_FIELDS
        : kind === 'relationship'
          ? RELATIONSHIP_TYPE_FIELDS
          : DATA_TYPE_FIELDS;
    const ok = checkFields(map, fields, {
      reporter: this.ctx.reporter,
      version: this.ctxFor(element).version,
      what,
      at: keyLoc(element.section, element.localName),
    });
    if (kind === 'data' && PRIMITIVE_TYPES.has(element.localName)) {
      this.ctx.reporter.report(
        'DSL_RESERVED_NAME',
        `'${element.localName}' is a primitive type name; a data type cannot redefine it.`,
        keyLoc(element.section, element.localName),
      );
    }
    cache.set(element.name, RESOLVING);
    let parent: T | undefined;
    const derived = ok.has('derived_from') ? map.derived_from : undefined;
    if (typeof derived === 'string') {
      const parentElement = this.findElement(kind, derived, element.namespace);
      if (parentElement === undefined) {
        this.reportUnknown(
          kind,
          derived,
          valueLoc(map, 'derived_from'),
          `${capitalizeWord(what)} derives from`,
        );
      } else {
        const resolved =
          kind === 'node'
            ? this.resolveNode(parentElement)
            : kind === 'relationship'
              ? this.resolveRelationship(parentElement)
              : this.resolveData(parentElement);
        if (resolved === undefined) {
          cache.set(element.name, FAILED);
          return undefined;
        }
        parent = resolved as unknown as T;
      }
    }
    const result = build(parent, map);
    cache.set(element.name, result);
    return result;
  }
}

function capitalizeWord(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
