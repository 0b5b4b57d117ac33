/**
 * Checks values against declared types, as Cloudify's `parse_value` does (spec §1.5): primitives
 * by kind (a `string` accepts any value), data types recursively with their defaults filled in,
 * unknown keys and missing required keys reported. Intrinsic functions are let through.
 */
import { isFunctionCall } from '../functions/function-call.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { didYouMean } from '../util/suggest.js';
import { copyLoc } from '../source/locations.js';
import { dict, has, isMap, kindOf, show, type Value, type ValueMap } from '../util/value.js';
import type { AnalysisContext } from './context.js';
import { compilePythonRegex } from './python-regex.js';
import type { PropertyDef } from './schema.js';
import { OBJECT_TYPES, PRIMITIVE_TYPES } from './primitive-types.js';
import type { TypeRegistry } from './type-registry.js';

/** Options of a value check. */
export interface CheckOptions {
  readonly ctx: AnalysisContext;
  readonly registry: TypeRegistry;
  /** Namespace in which data type names are resolved. */
  readonly namespace: string | undefined;
  /** What owns the value, for messages: `node template 'web'`. */
  readonly owner: string;
  /** Whether missing required data type fields are errors (not for schema defaults). */
  readonly requireAll: boolean;
  /** The data type values being checked further up (to stop defaults that contain themselves). */
  readonly expanding?: readonly { type: string; value: object; derived: Value | undefined }[];
}

function pathText(path: readonly string[]): string {
  return path.join('.');
}

/** Where a value sits and what it must be. */
export interface ValueSite {
  /** The declared type (undefined: anything goes). */
  readonly type: string | undefined;
  /** The mapping or list holding the value, and its key or index there (for locations). */
  readonly container: object;
  readonly key: string | number;
  /** The property path, for messages: `['resources', 'cpus']`. */
  readonly path: readonly string[];
  /** For a data type: the property's schema default, laid under the given value. */
  readonly derived?: Value | undefined;
}

/** True when `value` fits the primitive or object type `type` (functions are checked elsewhere). */
export function fitsPrimitive(value: Value, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'dict':
      return isMap(value);
    case 'regex':
      return typeof value === 'string' && typeof compilePythonRegex(value) !== 'string';
    default:
      // string, textarea and the object types accept any value, as in Cloudify.
      return true;
  }
}

/**
 * Checks `value` (found at `at.container[at.key]`) against `at.type`. Returns the value with data
 * type defaults filled in.
 */
export function checkValue(value: Value, at: ValueSite, options: CheckOptions): Value {
  const { type, container, key, path, derived } = at;
  if (type === undefined || isFunctionCall(value)) return value;
  if (PRIMITIVE_TYPES.has(type) || OBJECT_TYPES.has(type)) {
    if (!fitsPrimitive(value, type)) {
      options.ctx.reporter.report(
        'DSL_TYPE_MISMATCH',
        `${pathText(path) === '' ? 'The value' : `'${pathText(path)}'`} of ${options.owner} must be of type '${type}', but it is ${kindOf(value)} (${show(value)}).`,
        valueLoc(container, key),
      );
    }
    return value;
  }
  const dataType = options.registry.dataType(type, options.namespace);
  if (dataType === undefined) return value; // reported where the type is declared
  if (!isMap(value)) {
    options.ctx.reporter.report(
      'DSL_TYPE_MISMATCH',
      `${pathText(path) === '' ? 'The value' : `'${pathText(path)}'`} of ${options.owner} must be a mapping of data type '${dataType.name}', but it is ${kindOf(value)} (${show(value)}).`,
      valueLoc(container, key),
    );
    return value;
  }
  // The same data type filled in from the same value again inside itself would never end: a data
  // type that contains itself through defaults (`next: {type: Node}` gets the default {}).
  const expanding = options.expanding ?? [];
  if (
    expanding.some((e) => e.type === dataType.name && e.value === value && e.derived === derived)
  ) {
    options.ctx.reporter.report(
      'DSL_TYPE_MISMATCH',
      `${pathText(path) === '' ? 'The value' : `'${pathText(path)}'`} of ${options.owner} never ends: data type '${dataType.name}' contains itself through its defaults.`,
      valueLoc(container, key),
    );
    return value;
  }
  // Built field by field, not spread from `options` (one of the costliest steps on a large
  // blueprint); a node's `externalResourceRule` still applies inside its data type values.
  const outer = options as Partial<PropertiesOptions>;
  return checkProperties(value, dataType.properties, {
    ctx: options.ctx,
    registry: options.registry,
    owner: options.owner,
    requireAll: options.requireAll,
    externalResourceRule: outer.externalResourceRule,
    expanding: [...expanding, { type: dataType.name, value, derived }],
    namespace: dataType.element.namespace,
    path,
    missingAt: () => valueLoc(container, key),
    derived: isMap(derived) ? derived : undefined,
    kindWord: dataType.word,
  });
}

/** Options of {@link checkProperties}. */
export interface PropertiesOptions extends CheckOptions {
  readonly path: readonly string[];
  /** Where to report missing properties. */
  readonly missingAt: Loc | undefined | (() => Loc | undefined);
  /** Values laid between the schema defaults and the given values. */
  readonly derived?: ValueMap | undefined;
  /** What declares the schema, for messages: `node type 'x'`. */
  readonly kindWord: string;
  /** Relax `required` when `use_external_resource` is truthy (node properties). */
  readonly externalResourceRule?: boolean;
}

/**
 * Builds a property map from a schema and given values (Cloudify's
 * `merge_schema_and_instance_properties`): defaults, then given values; unknown keys and
 * missing required properties are reported; each value is checked against its type.
 */
export function checkProperties(
  given: ValueMap | undefined,
  schema: ReadonlyMap<string, PropertyDef>,
  options: PropertiesOptions,
): ValueMap {
  const reporter = options.ctx.reporter;
  const values = given ?? dict<Value>();
  for (const k of Object.keys(values)) {
    if (!schema.has(k)) {
      reporter.report(
        'DSL_UNDEFINED_PROPERTY',
        `'${pathText([...options.path, k])}' of ${options.owner} is not a property of ${options.kindWord}.${didYouMean(k, schema.keys())}`,
        keyLoc(values, k),
      );
    }
  }
  let external = false;
  if (options.externalResourceRule === true) {
    const v = has(values, 'use_external_resource')
      ? values.use_external_resource
      : schema.get('use_external_resource')?.default;
    if (isFunctionCall(v)) {
      reporter.report(
        'DSL_FUNCTION_NOT_ALLOWED',
        `'use_external_resource' of ${options.owner} must be a plain boolean; intrinsic functions are not allowed there.`,
        has(values, 'use_external_resource')
          ? valueLoc(values, 'use_external_resource')
          : placeOf(options.missingAt),
      );
    } else {
      external = v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
    }
  }
  const out = dict<Value>();
  copyLoc(values, out);
  // forEach rather than for…of: no iterator result or [name, def] pair per property.
  schema.forEach((def, name) => {
    let value: Value;
    let container: object;
    if (has(values, name)) {
      value = values[name] ?? null;
      container = values;
    } else if (options.derived !== undefined && has(options.derived, name)) {
      value = options.derived[name] ?? null;
      container = options.derived;
    } else if (def.hasDefault) {
      value = def.default;
      container = def.def ?? values;
    } else {
      if (def.required && options.requireAll && !external) {
        reporter.report(
          'DSL_MISSING_PROPERTY',
          `${capitalize(options.owner)} gives no value for the required property '${pathText([...options.path, name])}' of ${options.kindWord}, which has no default.`,
          placeOf(options.missingAt),
        );
      }
      return;
    }
    // Most properties are untyped or of a primitive type that fits: no need to go further.
    const type = def.type;
    if (
      type === undefined ||
      ((PRIMITIVE_TYPES.has(type) || OBJECT_TYPES.has(type)) && fitsPrimitive(value, type)) ||
      isFunctionCall(value)
    ) {
      out[name] = value;
      return;
    }
    const key = container === def.def ? 'default' : name;
    const namespace = def.namespace ?? options.namespace;
    out[name] = checkValue(
      value,
      {
        type: def.type,
        container,
        key,
        path: [...options.path, name],
        derived: def.hasDefault && container !== def.def ? def.default : undefined,
      },
      namespace === options.namespace ? options : { ...options, namespace },
    );
  });
  return out;
}

/** A location given directly or computed on demand (only when a problem is reported). */
function placeOf(at: Loc | undefined | (() => Loc | undefined)): Loc | undefined {
  return typeof at === 'function' ? at() : at;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
