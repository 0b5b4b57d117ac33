/**
 * Property schemas: the `{type, default, required, description, …}` definitions of node type
 * and data type properties, inputs, workflow parameters, operation inputs and plugin
 * properties. Each context allows its own keys (spec §1.5, §1.6).
 */
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { dict, isMap, kindOf, type Value, type ValueMap } from '../util/value.js';
import type { AnalysisContext } from './context.js';
import { parseConstraints, type Constraint } from './constraints.js';
import { OBJECT_TYPES, PRIMITIVE_TYPES } from './primitive-types.js';

/** Where a schema is declared; decides which keys it may have. */
export type SchemaKind = 'property' | 'input' | 'parameter' | 'operation-input' | 'plugin-property';

/** Where a schema is declared: what kind of schema, who owns it, its namespace. */
export interface SchemaSite {
  readonly kind: SchemaKind;
  /** For messages: `node type 'x'`. */
  readonly owner: string;
  /** The namespace its type names are resolved in. */
  readonly namespace: string | undefined;
}

/** A parsed property definition. */
export interface PropertyDef {
  readonly name: string;
  /** The type as written (resolve with the registry in `namespace`). */
  readonly type: string | undefined;
  readonly hasDefault: boolean;
  /** The raw default (may hold functions); meaningful only when `hasDefault`. */
  readonly default: Value;
  readonly required: boolean;
  readonly description: string | undefined;
  readonly constraints: readonly Constraint[];
  readonly itemType: string | undefined;
  readonly displayLabel: string | undefined;
  readonly hidden: boolean | undefined;
  readonly display: ValueMap | undefined;
  /** The definition mapping (for locations), or undefined for a shorthand definition. */
  readonly def: ValueMap | undefined;
  /** Where the property is named. */
  readonly at: Loc | undefined;
  readonly namespace: string | undefined;
}

const PROPERTY_FIELDS: Record<string, FieldSpec> = {
  type: { shape: 'string' },
  default: { shape: 'any' },
  required: { shape: 'boolean', since: '1_2' },
  description: { shape: 'any' },
};

const INPUT_FIELDS: Record<string, FieldSpec> = {
  ...PROPERTY_FIELDS,
  constraints: { shape: 'list' },
  display_label: { shape: 'string', since: '1_3' },
  hidden: { shape: 'boolean', since: '1_3' },
  item_type: { shape: 'string', since: '1_4' },
  display: { shape: 'map' },
};

const FIELDS: Record<SchemaKind, Record<string, FieldSpec>> = {
  property: { ...PROPERTY_FIELDS, display_label: { shape: 'string', since: '1_3' } },
  input: INPUT_FIELDS,
  parameter: INPUT_FIELDS,
  'operation-input': {
    ...PROPERTY_FIELDS,
    display_label: { shape: 'string' },
    constraints: { shape: 'list' },
  },
  'plugin-property': { ...PROPERTY_FIELDS, display_label: { shape: 'string' } },
};

const KIND_WORDS: Record<SchemaKind, string> = {
  property: 'property',
  input: 'input',
  parameter: 'parameter',
  'operation-input': 'operation input',
  'plugin-property': 'plugin property',
};

/**
 * Parses a schema mapping (`name → definition`). A definition that is not a mapping is
 * reported; for operation inputs and parameters Cloudify also accepts none at all.
 */
export function parseSchema(
  schema: Value | undefined,
  site: SchemaSite & { readonly container: object; readonly key: string },
  ctx: AnalysisContext,
): Map<string, PropertyDef> {
  const { container, key, owner } = site;
  const out = new Map<string, PropertyDef>();
  if (schema === undefined || schema === null) return out;
  if (!isMap(schema)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `'${key}' of ${owner} must be a mapping of names to definitions, not ${kindOf(schema)}.`,
      valueLoc(container, key),
    );
    return out;
  }
  for (const name of Object.keys(schema)) {
    const def = parsePropertyDef({ schema, name }, site, ctx);
    if (def !== undefined) out.set(name, def);
  }
  return out;
}

/** Parses one property definition `schema[name]`. */
export function parsePropertyDef(
  entry: { readonly schema: ValueMap; readonly name: string },
  site: SchemaSite,
  ctx: AnalysisContext,
): PropertyDef | undefined {
  const { schema, name } = entry;
  const { kind, owner, namespace } = site;
  const raw = schema[name] as Value;
  const at = keyLoc(schema, name);
  // An input's owner already names it (`input 'port'`): do not say it twice.
  const what = kind === 'input' ? owner : `${KIND_WORDS[kind]} '${name}' of ${owner}`;
  if (raw === null) {
    // `name:` with no definition: an untyped, required property.
    return emptyDef(name, at, namespace);
  }
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The definition of ${what} must be a mapping (type, default, …), not ${kindOf(raw)}.`,
      valueLoc(schema, name),
    );
    return undefined;
  }
  const ok = checkFields(raw, FIELDS[kind], {
    reporter: ctx.reporter,
    version: ctx.version,
    what,
    at,
  });
  const type = ok.has('type') ? ((raw.type as string | null) ?? undefined) : undefined;
  const constraints = ok.has('constraints')
    ? parseConstraints(
        raw.constraints as Value,
        { container: raw, key: 'constraints' },
        {
          reporter: ctx.reporter,
          version: ctx.version,
          owner: what,
        },
      )
    : [];
  const itemType = ok.has('item_type')
    ? ((raw.item_type as string | null) ?? undefined)
    : undefined;
  if (itemType !== undefined && type !== 'list') {
    ctx.reporter.report(
      'DSL_INVALID_VALUE',
      `'item_type' is only allowed for inputs of type 'list'; ${what} has type '${type ?? 'none'}'.`,
      keyLoc(raw, 'item_type'),
    );
  }
  const display = ok.has('display') && isMap(raw.display) ? raw.display : undefined;
  if (display !== undefined && type !== 'textarea') {
    ctx.reporter.report(
      'DSL_INVALID_VALUE',
      `'display' is only allowed for inputs of type 'textarea'; ${what} has type '${type ?? 'none'}'.`,
      keyLoc(raw, 'display'),
    );
  }
  const hidden = ok.has('hidden') ? ((raw.hidden as boolean | null) ?? undefined) : undefined;
  const required = ok.has('required') && raw.required !== null ? (raw.required as boolean) : true;
  const description = typeof raw.description === 'string' ? raw.description : undefined;
  // A data-typed property without a default gets {} (filled from the data type's defaults),
  // as Cloudify does; inputs and parameters do not.
  const dataTyped =
    kind === 'property' &&
    type !== undefined &&
    !PRIMITIVE_TYPES.has(type) &&
    !OBJECT_TYPES.has(type);
  const implicitDefault = dataTyped && (raw.default === undefined || raw.default === null);
  return {
    name,
    type,
    hasDefault: 'default' in raw || implicitDefault,
    default: implicitDefault ? dict<Value>() : (raw.default ?? null),
    required,
    description,
    constraints,
    itemType,
    displayLabel: ok.has('display_label')
      ? ((raw.display_label as string | null) ?? undefined)
      : undefined,
    hidden,
    display,
    def: raw,
    at,
    namespace,
  };
}

function emptyDef(name: string, at: Loc | undefined, namespace: string | undefined): PropertyDef {
  return {
    name,
    type: undefined,
    hasDefault: false,
    default: null,
    required: true,
    description: undefined,
    constraints: [],
    itemType: undefined,
    displayLabel: undefined,
    hidden: undefined,
    display: undefined,
    def: undefined,
    at,
    namespace,
  };
}

/**
 * Merges a child's property schema over its parent's (spec §1.4): the child's definition of a
 * property replaces the parent's whole definition; parent properties it does not mention stay.
 */
export function mergeSchemas(
  parent: ReadonlyMap<string, PropertyDef>,
  child: ReadonlyMap<string, PropertyDef>,
): Map<string, PropertyDef> {
  const out = new Map<string, PropertyDef>(parent);
  for (const [name, def] of child) out.set(name, def);
  return out;
}
