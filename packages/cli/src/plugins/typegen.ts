/**
 * `cairn plugins typegen`: TypeScript interfaces for what a plugin's plugin.yaml declares — the
 * properties of each node type (what `ctx.node.properties` holds), the inputs of each of its
 * operations, and its data types — so a plugin's code is checked against its YAML.
 *
 * The mapping follows Cloudify's property rules (spec §1.5): `required` defaults to true and a
 * property with a `default` always has a value, so only `required: false` without a default is
 * optional. Types: string/regex/textarea → string, integer/float → number, boolean → boolean,
 * list → an array (of `item_type` when given), dict → a record, a data type → its interface,
 * anything else → JsonValue.
 */
import { BUILTIN_TYPES_YAML, readYaml, type Diagnostic } from '@cairn/dsl';

/** What {@link generatePluginTypes} makes of a plugin.yaml. */
export interface TypegenResult {
  /** The TypeScript module, or undefined when the YAML has errors. */
  readonly source: string | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

function isMap(value: Yaml | undefined): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function section(doc: Yaml | undefined, key: string): YamlMap {
  if (!isMap(doc)) return {};
  const value = doc[key];
  return isMap(value) ? value : {};
}

/** `cairn.nodes.FileCopy` → `FileCopy`; `my_type` → `MyType`. */
function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** A name for a type: its last dotted segment, unless that is taken by another type. */
function shortNames(names: readonly string[], reserved: ReadonlySet<string>): Map<string, string> {
  const counts = new Map<string, number>();
  const last = (name: string) => pascal(name.split('.').pop() ?? name);
  for (const name of names) counts.set(last(name), (counts.get(last(name)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const name of names) {
    const short = last(name);
    out.set(name, (counts.get(short) ?? 0) > 1 || reserved.has(short) ? pascal(name) : short);
  }
  return out;
}

function docComment(lines: readonly string[], indent = ''): string {
  const body = lines
    .flatMap((line) => line.split('\n'))
    .map((line) => line.replace(/\*\//g, '*\\/'));
  if (body.length === 1) return `${indent}/** ${body[0] ?? ''} */\n`;
  return `${indent}/**\n${body.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

function quoteKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Everything the generator knows about the types in scope. */
interface Scope {
  readonly dataTypes: Map<string, YamlMap>;
  readonly dataTypeNames: Map<string, string>;
  readonly nodeTypes: Map<string, YamlMap>;
}

function tsType(schema: YamlMap, scope: Scope): string {
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  switch (type) {
    case 'string':
    case 'regex':
    case 'textarea':
      return 'string';
    case 'integer':
    case 'float':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'list': {
      const item = typeof schema.item_type === 'string' ? schema.item_type : undefined;
      return item === undefined ? 'JsonValue[]' : `${tsType({ type: item }, scope)}[]`;
    }
    case 'dict':
      return '{ [key: string]: JsonValue }';
    case undefined:
      return 'JsonValue';
    default: {
      const name = scope.dataTypeNames.get(type);
      return name ?? 'JsonValue';
    }
  }
}

/** `derived_from` chains, most derived last, for data and node types alike. */
function lineage(name: string, types: Map<string, YamlMap>): YamlMap[] {
  const chain: YamlMap[] = [];
  const seen = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const type = types.get(current);
    if (type === undefined) break;
    chain.unshift(type);
    current = typeof type.derived_from === 'string' ? type.derived_from : undefined;
  }
  return chain;
}

function mergedSchemas(chain: readonly YamlMap[], key: string): Map<string, YamlMap> {
  const merged = new Map<string, YamlMap>();
  for (const type of chain) {
    for (const [name, schema] of Object.entries(section(type, key))) {
      merged.set(name, { ...(merged.get(name) ?? {}), ...(isMap(schema) ? schema : {}) });
    }
  }
  return merged;
}

function interfaceBody(schemas: Map<string, YamlMap>, scope: Scope): string {
  let out = '';
  for (const [name, schema] of schemas) {
    const optional = schema.required === false && !('default' in schema);
    const notes: string[] = [];
    if (typeof schema.description === 'string') notes.push(schema.description.trim());
    if ('default' in schema) notes.push(`Default: \`${JSON.stringify(schema.default)}\`.`);
    if (notes.length > 0) out += docComment(notes, '  ');
    out += `  readonly ${quoteKey(name)}${optional ? '?' : ''}: ${tsType(schema, scope)};\n`;
  }
  return out;
}

/** The operations of a node type's interfaces (merged along `derived_from`), with their inputs. */
function operations(chain: readonly YamlMap[]): Map<string, YamlMap> {
  const ops = new Map<string, YamlMap>();
  for (const type of chain) {
    for (const [iface, body] of Object.entries(section(type, 'interfaces'))) {
      if (!isMap(body)) continue;
      for (const [op, mapping] of Object.entries(body)) {
        const inputs = isMap(mapping) ? section(mapping, 'inputs') : {};
        const key = `${iface}.${op}`;
        ops.set(key, { ...(ops.get(key) ?? {}), ...inputs });
      }
    }
  }
  return ops;
}

/**
 * The TypeScript module for the plugin YAML `text` (shown as `name` in diagnostics). Types the
 * YAML derives from Cloudify's built-in types (`cloudify.nodes.Compute` …) bring their
 * properties along.
 */
export function generatePluginTypes(text: string, name: string): TypegenResult {
  const read = readYaml(text, name);
  const errors = read.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || read.value === undefined) {
    return { source: undefined, diagnostics: read.diagnostics };
  }
  const doc = read.value;
  const builtin = readYaml(BUILTIN_TYPES_YAML, 'types.yaml').value as Yaml;

  const ownData = section(doc, 'data_types');
  const ownNodes = section(doc, 'node_types');
  const scope: Scope = {
    dataTypes: new Map(
      Object.entries({ ...section(builtin, 'data_types'), ...ownData }).filter(
        (entry): entry is [string, YamlMap] => isMap(entry[1]),
      ),
    ),
    dataTypeNames: new Map(),
    nodeTypes: new Map(
      Object.entries({ ...section(builtin, 'node_types'), ...ownNodes }).filter(
        (entry): entry is [string, YamlMap] => isMap(entry[1]),
      ),
    ),
  };
  const dataNames = shortNames(Object.keys(ownData), new Set());
  for (const [type, short] of dataNames) scope.dataTypeNames.set(type, short);
  const nodeNames = shortNames(Object.keys(ownNodes), new Set(dataNames.values()));

  // The plugin folder's plugin.yaml, whatever path it was read by: the output must not depend on the cwd.
  let out = `// Generated by \`cairn plugins typegen\` from plugin.yaml. Do not edit: run it again.\n`;
  out += `import type { JsonValue } from '@cairn/plugin-sdk';\n`;
  for (const [type, short] of dataNames) {
    const chain = lineage(type, scope.dataTypes);
    const schemas = mergedSchemas(chain, 'properties');
    const description = ownData[type];
    const notes = [`Data type \`${type}\`.`];
    if (isMap(description) && typeof description.description === 'string') {
      notes.push(description.description.trim());
    }
    out += `\n${docComment(notes)}export interface ${short} {\n${interfaceBody(schemas, scope)}}\n`;
  }
  for (const [type, short] of nodeNames) {
    const chain = lineage(type, scope.nodeTypes);
    const properties = mergedSchemas(chain, 'properties');
    out += `\n${docComment([`Properties of node type \`${type}\` (\`ctx.node.properties\`).`])}`;
    out += `export interface ${short}Properties {\n${interfaceBody(properties, scope)}}\n`;
    for (const [op, inputs] of operations(chain)) {
      const schemas = new Map(
        Object.entries(inputs).filter((entry): entry is [string, YamlMap] => isMap(entry[1])),
      );
      if (schemas.size === 0) continue;
      const opName = pascal(op.split('.').pop() ?? op);
      out += `\n${docComment([`Inputs of \`${op}\` on node type \`${type}\`.`])}`;
      out += `export interface ${short}${opName}Inputs {\n${interfaceBody(schemas, scope)}}\n`;
    }
  }
  return { source: out, diagnostics: read.diagnostics };
}
