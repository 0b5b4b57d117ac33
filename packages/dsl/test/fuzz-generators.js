/**
 * Fuzzing the blueprint parser: input generators (fast-check arbitraries) and the properties
 * every parse must satisfy. Plain JS so that both the CI test (`fuzz.test.ts`, on the TypeScript
 * sources) and `npm run fuzz` (`scripts/fuzz.js`, on the built dist) use it; the parser is
 * passed in as `dsl` ({ parseBlueprint, createMemoryHost, ALL_DIAGNOSTIC_CODES }).
 *
 * Every generator yields a {@link FuzzCase}: in-memory files (URL → text), the main file's URL,
 * and optional plugin / blueprint-id maps for the memory host.
 */
import * as fc from 'fast-check';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const BP = 'file:///bp/';
const MAIN = `${BP}blueprint.yaml`;
const TYPES = 'cloudify/types/types.yaml';

// ------------------------------------------------------------------------------------------------
// A tiny YAML renderer (block or flow style), with ordered mappings that may repeat keys and raw
// snippets for anchors, aliases and merge keys.
// ------------------------------------------------------------------------------------------------

const MAP = Symbol('map');
const RAW = Symbol('raw');

/** A mapping with ordered (possibly repeated) keys. */
export function ymap(pairs) {
  return { [MAP]: pairs };
}

/** Text written into the YAML as is (`&anchor {a: 1}`, `*anchor`). */
export function raw(text) {
  return { [RAW]: text };
}

function pairsOf(value) {
  return value[MAP] ?? Object.entries(value);
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_.\-/]*$/;
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

function scalarText(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    // YAML 1.1 (PyYAML) reads `1e5` as a string: a float needs a dot.
    const text = String(value);
    return /e/.test(text) && !text.includes('.') ? text.replace('e', '.0e') : text;
  }
  const s = String(value);
  return PLAIN.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

function isRaw(value) {
  return value !== null && typeof value === 'object' && RAW in value;
}

function isBlock(value) {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object' && !isRaw(value)) {
    return pairsOf(value).length > 0;
  }
  return false;
}

function flow(value) {
  if (isRaw(value)) return value[RAW];
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${pairsOf(value)
      .map(([k, v]) => `${scalarText(String(k))}: ${flow(v)}`)
      .join(', ')}}`;
  }
  return scalarText(value);
}

function emitBlock(value, indent, out) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlock(item)) {
        const sub = [];
        emitBlock(item, indent + 2, sub);
        out.push(`${pad}- ${(sub[0] ?? '').slice(indent + 2)}`, ...sub.slice(1));
      } else {
        out.push(`${pad}- ${flow(item)}`);
      }
    }
    return;
  }
  for (const [k, item] of pairsOf(value)) {
    const key = scalarText(String(k));
    if (isBlock(item)) {
      out.push(`${pad}${key}:`);
      emitBlock(item, indent + 2, out);
    } else {
      out.push(`${pad}${key}: ${flow(item)}`);
    }
  }
}

/** Renders a value as YAML: `block` (indented), `flow` (`{a: [1]}`) or `json`. */
export function renderYaml(value, style = 'block') {
  if (style === 'json') return `${JSON.stringify(toJson(value)) ?? 'null'}\n`;
  if (style === 'flow' || !isBlock(value)) return `${flow(value)}\n`;
  const out = [];
  emitBlock(value, 0, out);
  return `${out.join('\n')}\n`;
}

function toJson(value) {
  if (isRaw(value)) return value[RAW];
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null);
    for (const [k, v] of pairsOf(value)) out[String(k)] = toJson(v);
    return out;
  }
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

// ------------------------------------------------------------------------------------------------
// Fuzz cases
// ------------------------------------------------------------------------------------------------

/**
 * A fuzz case. `describe` says what it is in a line or a few (fast-check prints it for a
 * counterexample); the files are written out by {@link writeCounterexample}.
 */
function fuzzCase(kind, files, extra = {}, summary = undefined) {
  const c = {
    kind,
    main: extra.main ?? MAIN,
    files,
    plugins: extra.plugins,
    blueprints: extra.blueprints,
    summary,
  };
  Object.defineProperty(c, fc.toStringMethod, {
    enumerable: false,
    value: () => {
      if (summary !== undefined) return `${kind}: ${summary}`;
      const main = files[c.main] ?? '';
      return `${kind}: ${JSON.stringify(main.length > 4000 ? `${main.slice(0, 4000)}…` : main)}`;
    },
  });
  return c;
}

// ------------------------------------------------------------------------------------------------
// (a) Arbitrary text and arbitrary JSON-like structures
// ------------------------------------------------------------------------------------------------

const HEADER = `tosca_definitions_version: cloudify_dsl_1_5\nimports:\n  - ${TYPES}\n`;

// prettier-ignore
const YAML_CHARS = [
  ' ', ' ', ' ', '\n', '\n', ':', ': ', '-', '- ', '[', ']', '{', '}', ',', '&', '*', '!', '|',
  '>', "'", '"', '#', '%', '@', '`', '?', '\t', '\r', '\\', '\u00a0', '\ufeff', '\u0000', 'a',
  'b', 'x', '1', '0', '.', '~', '=', '<', '\u00e9', '\u{1F600}',
];

// prettier-ignore
const SECTION_KEYS = [
  'tosca_definitions_version', 'description', 'metadata', 'imports', 'inputs', 'dsl_definitions',
  'data_types', 'node_types', 'relationships', 'plugins', 'node_templates', 'outputs',
  'capabilities', 'groups', 'policies', 'policy_types', 'policy_triggers', 'workflows', 'labels',
  'blueprint_labels', 'resource_tags', 'deployment_settings', 'upload_resources',
];

// prettier-ignore
const FIELD_KEYS = [
  'type', 'derived_from', 'properties', 'interfaces', 'default', 'required', 'description',
  'constraints', 'implementation', 'inputs', 'executor', 'max_retries', 'retry_interval',
  'timeout', 'timeout_recoverable', 'source_interfaces', 'target_interfaces', 'target',
  'relationships', 'capabilities', 'scalable', 'default_instances', 'min_instances',
  'max_instances', 'instances', 'deploy', 'members', 'value', 'values', 'source', 'install',
  'package_name', 'package_version', 'mapping', 'parameters', 'display_label', 'hidden',
  'item_type', 'connection_type', 'targets', 'policies', 'operation', 'schema', 'cloudify_types',
];

// prettier-ignore
const FUNCTION_NAMES = [
  'get_input', 'get_property', 'get_attribute', 'get_attributes_list', 'get_attributes_dict',
  'get_secret', 'get_capability', 'get_environment_capability', 'get_group_capability',
  'get_label', 'get_sys', 'get_consumers', 'concat', 'merge', 'string_find', 'string_replace',
  'string_split', 'string_lower', 'string_upper',
];

// prettier-ignore
const WEIRD_KEYS = [
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '', '0', '1.5', 'true',
  'null', '~', 'a b', 'ns--x', '--', 'x--', '\u00e9t\u00e9', '\u65e5\u672c', 'SELF', 'TARGET',
];

// prettier-ignore
const YAML_TOKENS = [
  ...SECTION_KEYS.map((k) => `${k}:`),
  ...FIELD_KEYS.map((k) => `${k}:`),
  ...FUNCTION_NAMES.map((k) => `{ ${k}: `),
  '\n', '\n', '\n  ', '\n    ', '\n      ', '  ', '- ', '-', ': ', ':', ' ', '{', '}', '[', ']',
  ', ', '"', "'", '&a ', '*a', '&b ', '*b', '<<: ', '<<: *a', '!!str ', '!!int ', '!!binary ',
  '!!python/object:os.system ', '!custom ', '!!map ', '!!seq ', '!!set ', '!!omap ', '# c',
  '|\n  ', '>-\n  ', '---\n', '\n...\n', '%YAML 1.1\n', '%TAG ! tag:x,2000:\n', '? ', 'null',
  '~', 'true', 'yes', 'no', 'on', '0x1F', '0o17', '017', '1_000', '1e3', '.inf', '-.nan',
  '2001-12-14', '12:30:00', '"\\u0041"', "'it''s'", TYPES, 'cloudify_dsl_1_5', 'cloudify_dsl_1_0',
  'cloudify_dsl_1_9', 'plugin:p1', 'plugin:p1?version=>=1.0', 'missing.yaml', 'ns--', 'SELF',
  'TARGET', 'SOURCE', 'vm', 'app', 'cloudify.nodes.Root', 'cloudify.nodes.Compute',
  'cloudify.relationships.contained_in', 'cloudify.relationships.depends_on',
  'cloudify.interfaces.lifecycle', 'create', 'script.script_runner.tasks.run', 'scripts/x.sh',
  'integer', 'string', 'list', 'dict', 'boolean', 'float', 'regex', 'undefined_type', '\t',
  '\r\n', '\\',
];

/** Raw text: arbitrary strings, YAML-ish character soup, and YAML token soup. */
export function yamlishText() {
  const soup = fc
    .array(fc.constantFrom(...YAML_TOKENS), { maxLength: 80 })
    .map((tokens) => tokens.join(''));
  return fc
    .tuple(
      fc.oneof(
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
        {
          weight: 2,
          arbitrary: fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 200 }),
        },
        { weight: 4, arbitrary: soup },
      ),
      fc.constantFrom('', '', HEADER, `${HEADER}node_templates:\n  vm:\n    `),
    )
    .map(([text, prefix]) => fuzzCase('yamlish-text', { [MAIN]: prefix + text }));
}

const jsonKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SECTION_KEYS, ...FIELD_KEYS, ...FUNCTION_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...WEIRD_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

const jsonScalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(TYPES, 'cloudify_dsl_1_5', 'cloudify.nodes.Root', 'SELF', 'vm', 'x', 'integer'),
);

const jsonLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    tie('map'),
  ),
  map: fc.array(fc.tuple(jsonKey, tie('value')), { maxLength: 5 }).map(ymap),
})).value;

/** Arbitrary JSON-like structures rendered to YAML, alone or under a valid header. */
export function jsonLikeYaml() {
  const sections = fc
    .array(fc.tuple(fc.constantFrom(...SECTION_KEYS), jsonLike), { maxLength: 6 })
    .map((pairs) =>
      ymap([
        ['tosca_definitions_version', 'cloudify_dsl_1_5'],
        ['imports', [TYPES]],
        ...pairs.filter(([k]) => k !== 'tosca_definitions_version' && k !== 'imports'),
      ]),
    );
  return fc
    .tuple(
      fc.oneof(jsonLike, sections, sections),
      fc.constantFrom('block', 'block', 'flow', 'json'),
    )
    .map(([value, style]) => fuzzCase('json-like', { [MAIN]: renderYaml(value, style) }));
}

// ------------------------------------------------------------------------------------------------
// (b) Plausible blueprints
// ------------------------------------------------------------------------------------------------

const INPUTS = ['region', 'size', 'image', 'count', 'flag', 'password'];
const DATA_TYPES = ['my.datatypes.A', 'my.datatypes.B'];
const NODE_TYPES = ['my.nodes.Server', 'my.nodes.App', 'my.nodes.Db'];
const REL_TYPES = ['my.relationships.uses', 'my.relationships.hosted'];
const PLUGINS = ['p1', 'p2'];
const NODES = ['vm', 'app', 'db', 'lb', 'net'];
const GROUPS = ['g1', 'g2'];
// prettier-ignore
const PROPS = [
  'port', 'name', 'size', 'config', 'items', 'enabled', 'ratio', 'ip', 'use_external_resource',
  'resource_id', 'agent_config', 'a', 'b',
];
// prettier-ignore
const BUILTIN_NODES = [
  'cloudify.nodes.Root', 'cloudify.nodes.Compute', 'cloudify.nodes.SoftwareComponent',
  'cloudify.nodes.WebServer', 'cloudify.nodes.ApplicationServer', 'cloudify.nodes.DBMS',
  'cloudify.nodes.Database', 'cloudify.nodes.Network', 'cloudify.nodes.Port',
  'cloudify.nodes.Volume', 'cloudify.nodes.FileSystem', 'cloudify.nodes.Component',
  'cloudify.nodes.SharedResource', 'cloudify.nodes.Tier', 'cloudify.nodes.PasswordSecret',
  'cloudify.nodes.ServiceComponent',
];
// prettier-ignore
const BUILTIN_RELS = [
  'cloudify.relationships.depends_on', 'cloudify.relationships.contained_in',
  'cloudify.relationships.connected_to', 'cloudify.relationships.depends_on_lifecycle_operation',
  'cloudify.relationships.file_system_contained_in_compute',
  'cloudify.relationships.connected_to_shared_resource',
];
const PRIMITIVES = ['string', 'integer', 'float', 'boolean', 'list', 'dict', 'regex', 'textarea'];
// prettier-ignore
const INTERFACES = [
  'cloudify.interfaces.lifecycle', 'cloudify.interfaces.validation',
  'cloudify.interfaces.monitoring', 'cloudify.interfaces.relationship_lifecycle', 'my.interface',
];
// prettier-ignore
const OPERATIONS = [
  'create', 'configure', 'start', 'stop', 'delete', 'precreate', 'preconfigure', 'postconfigure',
  'establish', 'unlink', 'check', 'op1',
];
// prettier-ignore
const VERSIONS = [
  'cloudify_dsl_1_0', 'cloudify_dsl_1_1', 'cloudify_dsl_1_2', 'cloudify_dsl_1_3',
  'cloudify_dsl_1_4', 'cloudify_dsl_1_5',
];

const pick = (...values) => fc.constantFrom(...values);
/** `arb` or undefined (absent); present `weight` times out of `weight + 1`. */
const opt = (arb, weight = 2) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });

/** A record whose undefined fields are left out (so they are absent from the YAML). */
function section(fields) {
  return fc.record(fields).map((r) => ymap(Object.entries(r).filter(([, v]) => v !== undefined)));
}

function namedMap(names, arb, maxKeys = 3) {
  return fc.uniqueArray(fc.tuple(pick(...names), arb), {
    maxLength: maxKeys,
    selector: ([k]) => k,
  });
}

const word = fc.oneof(
  { weight: 4, arbitrary: pick('a', 'x', 'web', 'eu-west-1', '', '8080', 'vm', 'ip', 'port') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

const scalar = fc.oneof(
  { weight: 3, arbitrary: word },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 100_000 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const reference = fc.oneof(
  { weight: 20, arbitrary: pick('SELF', 'SOURCE', 'TARGET', ...NODES, ...INPUTS, ...PROPS, 'x') },
  { weight: 1, arbitrary: pick('ghost', 'toString', '__proto__', 'constructor', 'valueOf') },
);

const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 2, arbitrary: tie('fn') },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(pick(...PROPS), tie('value')), { maxLength: 3 }).map(ymap),
    },
  ),
  arg: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: reference },
    { weight: 2, arbitrary: scalar },
    { weight: 1, arbitrary: tie('fn') },
  ),
  fn: fc
    .tuple(
      fc.oneof(
        { weight: 9, arbitrary: pick(...FUNCTION_NAMES) },
        { weight: 1, arbitrary: pick('get_nothing', 'Get_Input', 'concat ') },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.array(tie('arg'), { maxLength: 4 }) },
        { weight: 2, arbitrary: tie('arg') },
        {
          weight: 1,
          arbitrary: fc
            .array(fc.tuple(pick('input_name', 'key', 'x', 'default'), tie('arg')), {
              maxLength: 2,
            })
            .map(ymap),
        },
      ),
      fc.nat({ max: 9 }),
    )
    // Now and then a second key, which makes it a plain mapping rather than a call.
    .map(([name, args, extra]) =>
      ymap(
        extra === 0
          ? [
              [name, args],
              ['x', 1],
            ]
          : [[name, args]],
      ),
    ),
})).value;

const constraint = fc
  .oneof(
    fc.tuple(
      pick(
        'equal',
        'greater_than',
        'greater_or_equal',
        'less_than',
        'less_or_equal',
        'length',
        'min_length',
        'max_length',
        'bogus',
        'constructor',
        'toString',
        '__proto__',
      ),
      scalar,
    ),
    fc.tuple(pick('in_range'), fc.array(scalar, { maxLength: 3 })),
    fc.tuple(pick('valid_values'), fc.oneof(fc.array(scalar, { maxLength: 3 }), scalar)),
    fc.tuple(
      pick('pattern'),
      fc.oneof(
        pick('^[a-z]+$', '[', '(?P<n>x)(?P=n)', '\\d{2,3}', '(?i)abc', 'a{,2}', '\\Z', '(?#c)a'),
        fc.string({
          unit: fc.constantFrom(...'ab()[]{}*+?|^$.\\dws-,:=!<>P'.split('')),
          maxLength: 10,
        }),
      ),
    ),
  )
  .map(([k, v]) => ymap([[k, v]]));

const typeName = fc.oneof(
  { weight: 4, arbitrary: pick(...PRIMITIVES) },
  { weight: 2, arbitrary: pick(...DATA_TYPES) },
  { weight: 1, arbitrary: pick('cloudify.datatypes.AgentConfig', 'my.datatypes.Missing', '') },
);

const propertySchema = fc.oneof(
  {
    weight: 6,
    arbitrary: section({
      type: opt(typeName, 1),
      default: opt(values),
      required: opt(fc.oneof(fc.boolean(), word)),
      description: opt(word, 5),
      constraints: opt(fc.array(constraint, { maxLength: 2 }), 4),
      display_label: opt(word, 8),
      item_type: opt(typeName, 8),
      hidden: opt(fc.boolean(), 8),
    }),
  },
  { weight: 1, arbitrary: scalar },
);

const implementation = fc.oneof(
  pick(
    'p1.tasks.create',
    'p2.tasks.run',
    'p9.x.y',
    'scripts/create.sh',
    'scripts/missing.sh',
    'script.script_runner.tasks.run',
    'https://example.invalid/x.sh',
    '',
    'p1',
    'p1.',
    'ns--p1.tasks.x',
  ),
  fc.constant(null),
);

const operation = fc.oneof(
  { weight: 3, arbitrary: implementation },
  {
    weight: 3,
    arbitrary: section({
      implementation: opt(implementation, 1),
      inputs: opt(
        namedMap(
          [...PROPS, 'script_path', 'process'],
          fc.oneof(values, section({ type: opt(typeName), default: opt(values) })),
        ).map(ymap),
      ),
      executor: opt(pick('central_deployment_agent', 'host_agent', 'auto', 'bogus'), 3),
      max_retries: opt(fc.oneof(fc.integer({ min: -2, max: 5 }), word), 4),
      retry_interval: opt(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double()), 4),
      timeout: opt(fc.integer({ min: -1, max: 100 }), 5),
      timeout_recoverable: opt(fc.boolean(), 6),
    }),
  },
  { weight: 1, arbitrary: fc.constant(ymap([])) },
);

const interfaces = namedMap(INTERFACES, namedMap(OPERATIONS, operation, 4).map(ymap), 2).map(ymap);

const dataType = section({
  derived_from: opt(pick(...DATA_TYPES, 'my.datatypes.Missing'), 4),
  description: opt(word, 5),
  properties: opt(namedMap(PROPS, propertySchema, 4).map(ymap), 1),
});

const nodeType = section({
  derived_from: opt(pick(...NODE_TYPES, ...BUILTIN_NODES, 'my.nodes.Missing'), 1),
  properties: opt(namedMap(PROPS, propertySchema, 4).map(ymap)),
  interfaces: opt(interfaces),
});

const relationshipType = section({
  derived_from: opt(pick(...REL_TYPES, ...BUILTIN_RELS, 'my.relationships.Missing'), 1),
  properties: opt(namedMap(PROPS, propertySchema, 2).map(ymap), 3),
  source_interfaces: opt(interfaces, 3),
  target_interfaces: opt(interfaces, 3),
});

const plugin = section({
  executor: opt(pick('central_deployment_agent', 'host_agent', 'bogus'), 1),
  source: opt(pick('https://example.invalid/p.zip', 'p1-src', ''), 3),
  install: opt(fc.oneof(fc.boolean(), word), 2),
  package_name: opt(pick('cloudify-p1-plugin', 'p2'), 2),
  package_version: opt(pick('1.0', '2.0.1', 'x'), 2),
});

const relationshipEntry = fc.oneof(
  {
    weight: 8,
    arbitrary: section({
      type: opt(pick(...REL_TYPES, ...BUILTIN_RELS, 'my.relationships.Missing'), 10),
      target: opt(pick(...NODES, 'ghost', 'ns--vm'), 10),
      properties: opt(
        namedMap(['connection_type', 'operation', 'port', 'a'], values, 2).map(ymap),
        4,
      ),
      source_interfaces: opt(interfaces, 5),
      target_interfaces: opt(interfaces, 6),
    }),
  },
  { weight: 1, arbitrary: scalar },
);

const intOrFn = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -2, max: 5 }) },
  { weight: 1, arbitrary: pick('UNBOUNDED', 'x', -1) },
  { weight: 1, arbitrary: values },
);

const nodeTemplate = section({
  type: opt(pick(...NODE_TYPES, ...BUILTIN_NODES, 'my.nodes.Missing', 'ns--my.nodes.Server'), 12),
  properties: opt(namedMap(PROPS, values, 5).map(ymap), 1),
  interfaces: opt(interfaces, 3),
  relationships: opt(fc.array(relationshipEntry, { maxLength: 3 }), 1),
  capabilities: opt(
    fc.record({
      scalable: section({
        properties: section({
          default_instances: opt(intOrFn, 1),
          min_instances: opt(intOrFn, 2),
          max_instances: opt(intOrFn, 2),
        }),
      }),
    }),
    4,
  ),
  instances: opt(section({ deploy: opt(intOrFn, 5) }), 6),
  description: opt(word, 8),
});

const outputLike = section({
  value: opt(values, 8),
  description: opt(word, 3),
  display_label: opt(word, 8),
});

const group = section({
  members: opt(fc.array(pick(...NODES, ...GROUPS, 'ghost'), { maxLength: 4 }), 8),
  policies: opt(
    namedMap(
      ['pol'],
      section({
        type: opt(pick('cloudify.policies.types.threshold', 'bogus'), 6),
        properties: opt(namedMap(['service', 'threshold'], values, 2).map(ymap)),
      }),
      1,
    ).map(ymap),
    4,
  ),
});

const policy = section({
  type: opt(pick('cloudify.policies.scaling', 'cloudify.policies.types.threshold', 'bogus'), 10),
  targets: opt(fc.array(pick(...GROUPS, ...NODES, 'ghost'), { maxLength: 3 }), 8),
  properties: opt(
    namedMap(['default_instances', 'min_instances', 'max_instances', 'x'], intOrFn, 3).map(ymap),
  ),
});

const workflow = fc.oneof(
  pick('p1.workflows.run', 'scripts/wf.py', 'p9.w', ''),
  section({
    mapping: opt(pick('p1.workflows.run', 'p2.w', 'bogus'), 6),
    parameters: opt(namedMap(INPUTS, propertySchema, 2).map(ymap)),
    is_cascading: opt(fc.boolean(), 6),
  }),
);

const inputDef = fc.oneof(
  {
    weight: 8,
    arbitrary: section({
      type: opt(fc.oneof(typeName, pick('node_id', 'node_type', 'secret_key', 'blueprint_id')), 2),
      default: opt(values, 1),
      required: opt(fc.boolean(), 5),
      description: opt(word, 4),
      constraints: opt(fc.array(constraint, { maxLength: 3 }), 2),
      display_label: opt(word, 6),
      hidden: opt(fc.boolean(), 6),
      item_type: opt(typeName, 8),
    }),
  },
  { weight: 1, arbitrary: scalar },
);

const labels = namedMap(
  ['env', 'tier', 'csys-obj-type', 'Bad Key', 'csys-obj-parent'],
  fc.oneof(
    section({ values: opt(fc.array(fc.oneof(word, values), { maxLength: 3 }), 10) }),
    scalar,
  ),
  2,
).map(ymap);

const importEntry = fc.oneof(
  {
    weight: 6,
    arbitrary: pick(
      'lib/types.yaml',
      'ns--lib/types.yaml',
      'missing.yaml',
      'plugin:p1',
      'plugin:p1?version=>=1.0',
      'plugin:p2?version=bad spec',
      'plugin:missing',
      'plugin:',
      'other--blueprint:other',
      'blueprint:other',
      'blueprint:ghost',
      'http://www.getcloudify.org/spec/cloudify/6.4.0/types.yaml',
      'https://example.invalid/x.yaml',
      'file:///etc/passwd',
      '../outside.yaml',
      'lib/',
      TYPES,
      `ns--${TYPES}`,
    ),
  },
  { weight: 1, arbitrary: scalar },
  {
    weight: 1,
    arbitrary: fc
      .tuple(pick('plugin:p1', 'plugin:p2', 'x'), namedMap(['a', 'b', 'port'], values, 2))
      .map(([name, props]) => ymap([[name, ymap(props)]])),
  },
);

/** The sections of a plausible blueprint (each present or not). */
const blueprintSections = section({
  tosca_definitions_version: opt(
    fc.oneof(
      { weight: 10, arbitrary: pick(...VERSIONS) },
      { weight: 1, arbitrary: pick('cloudify_dsl_1_6', 'tosca_simple_yaml_1_0', 1.5, '') },
    ),
    20,
  ),
  description: opt(word, 4),
  imports: opt(
    fc
      .tuple(fc.boolean(), fc.array(importEntry, { maxLength: 3 }))
      .map(([types, rest]) => (types ? [TYPES, ...rest] : rest)),
    20,
  ),
  metadata: opt(namedMap(['owner', 'x'], values, 2).map(ymap), 6),
  dsl_definitions: opt(fc.constant(ymap([['common', raw('&common {port: 80, name: web}')]])), 4),
  inputs: opt(namedMap(INPUTS, inputDef, 4).map(ymap), 1),
  data_types: opt(namedMap(DATA_TYPES, dataType, 2).map(ymap), 2),
  plugins: opt(namedMap(PLUGINS, plugin, 2).map(ymap), 1),
  node_types: opt(namedMap(NODE_TYPES, nodeType, 3).map(ymap), 1),
  relationships: opt(namedMap(REL_TYPES, relationshipType, 2).map(ymap), 2),
  node_templates: opt(
    fc
      .tuple(namedMap(NODES, nodeTemplate, 5), fc.boolean())
      .map(([nodes, merge]) =>
        // Now and then a node's properties merge the dsl_definitions anchor.
        merge && nodes.length > 0
          ? [
              ...nodes.slice(1),
              [
                nodes[0][0],
                ymap([
                  ['type', 'cloudify.nodes.Root'],
                  ['properties', ymap([['<<', raw('*common')]])],
                ]),
              ],
            ]
          : nodes,
      )
      .map(ymap),
    12,
  ),
  outputs: opt(namedMap(['out', 'ip', 'endpoint'], outputLike, 2).map(ymap), 2),
  capabilities: opt(namedMap(['cap', 'endpoint'], outputLike, 2).map(ymap), 4),
  groups: opt(namedMap(GROUPS, group, 2).map(ymap), 4),
  policies: opt(namedMap(['scale', 'pol'], policy, 2).map(ymap), 4),
  workflows: opt(namedMap(['wf', 'install', 'custom'], workflow, 2).map(ymap), 4),
  labels: opt(labels, 5),
  blueprint_labels: opt(labels, 8),
  resource_tags: opt(namedMap(['owner', 'cost'], values, 2).map(ymap), 8),
});

/** A small plugin YAML, served for `plugin:p1` / `plugin:p2`. */
const pluginYaml = section({
  tosca_definitions_version: opt(pick(...VERSIONS, 'cloudify_dsl_1_9'), 10),
  plugins: opt(namedMap(PLUGINS, plugin, 1).map(ymap), 10),
  node_types: opt(namedMap(['p.nodes.Thing', ...NODE_TYPES], nodeType, 2).map(ymap), 2),
  data_types: opt(namedMap(DATA_TYPES, dataType, 1).map(ymap), 4),
  workflows: opt(namedMap(['pwf'], workflow, 1).map(ymap), 6),
});

/** An imported file: more types, maybe its own imports (back to the main file, too). */
const importedYaml = section({
  tosca_definitions_version: opt(pick(...VERSIONS), 2),
  imports: opt(
    fc.array(pick(TYPES, '../blueprint.yaml', 'types.yaml', 'plugin:p2', 'deeper.yaml'), {
      maxLength: 2,
    }),
    3,
  ),
  inputs: opt(namedMap(INPUTS, inputDef, 2).map(ymap), 4),
  node_types: opt(namedMap(NODE_TYPES, nodeType, 2).map(ymap), 1),
  relationships: opt(namedMap(REL_TYPES, relationshipType, 1).map(ymap), 3),
  node_templates: opt(namedMap(['lib_node', 'vm'], nodeTemplate, 1).map(ymap), 3),
});

// A coherent blueprint: every reference resolves, every value fits its type, so the parse gets
// through every stage to a plan. A "twist" then replaces one node of it with a wild value.

/** Property name → type, shared by the coherent node types, data types and templates. */
const PROP_TYPES = {
  port: 'integer',
  name: 'string',
  size: 'integer',
  config: 'dict',
  items: 'list',
  enabled: 'boolean',
  ratio: 'float',
  ip: 'string',
  spec: 'my.datatypes.A',
};
const COHERENT_PROPS = Object.keys(PROP_TYPES);

function valueOfType(type) {
  switch (type) {
    case 'integer':
      return fc.integer({ min: -100, max: 100_000 });
    case 'float':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'list':
      return fc.array(scalar, { maxLength: 3 });
    case 'dict':
      return fc
        .uniqueArray(fc.tuple(pick('k', 'v', 'x'), scalar), { maxLength: 2, selector: ([k]) => k })
        .map(ymap);
    case 'my.datatypes.A':
      return section({ x: opt(fc.integer(), 1), y: opt(word, 1) });
    default:
      return word;
  }
}

/** A function call that resolves in a coherent blueprint (`self` may use SELF). */
function coherentCall(self) {
  const calls = [
    fc.constantFrom(...INPUTS).map((i) => ymap([['get_input', i]])),
    fc.constant(ymap([['get_attribute', ['vm', 'ip']]])),
    fc.constant(ymap([['get_secret', 'db_password']])),
    fc
      .array(
        fc.oneof(
          word,
          fc.constantFrom(...INPUTS).map((i) => ymap([['get_input', i]])),
        ),
        {
          minLength: 1,
          maxLength: 3,
        },
      )
      .map((parts) => ymap([['concat', parts]])),
  ];
  if (self) {
    calls.push(
      fc.constant(ymap([['get_property', ['SELF', 'use_external_resource']]])),
      fc.constant(ymap([['get_attribute', ['SELF', 'public_ip']]])),
    );
  }
  return fc.oneof(...calls);
}

const coherentInputs = fc
  .tuple(...INPUTS.map(() => pick('string', 'integer', 'boolean', 'list', 'dict', 'float')))
  .chain((types) =>
    fc.tuple(
      ...types.map((type, i) =>
        section({
          type: fc.constant(type),
          default: valueOfType(type),
          description: opt(word, 3),
          constraints: opt(
            fc.constant(
              type === 'integer'
                ? [ymap([['in_range', [-100, 100_000]]])]
                : type === 'string'
                  ? [ymap([['max_length', 100]])]
                  : [],
            ),
            2,
          ),
        }).map((def) => [INPUTS[i], def]),
      ),
    ),
  )
  .map(ymap);

const coherentSchema = fc
  .tuple(
    ...COHERENT_PROPS.map((name) =>
      fc
        .tuple(valueOfType(PROP_TYPES[name]), fc.boolean())
        .map(([def, withDefault]) => [
          name,
          ymap([
            ['type', PROP_TYPES[name]],
            ...(withDefault ? [['default', def]] : [['required', false]]),
          ]),
        ]),
    ),
  )
  .map(ymap);

/** Operation inputs: schemas with a default in types, values in templates. */
function coherentOperation(inType) {
  const input = fc.oneof(word, coherentCall(true));
  return fc.oneof(
    pick('p1.tasks.create', 'p2.tasks.run', 'scripts/create.sh'),
    section({
      implementation: pick('p1.tasks.create', 'p2.tasks.run', 'scripts/create.sh'),
      inputs: opt(
        fc
          .uniqueArray(
            fc.tuple(
              pick('a', 'b', 'url'),
              inType ? input.map((v) => ymap([['default', v]])) : input,
            ),
            { maxLength: 2, selector: ([k]) => k },
          )
          .map(ymap),
        2,
      ),
      max_retries: opt(fc.integer({ min: 0, max: 5 }), 3),
      retry_interval: opt(fc.integer({ min: 0, max: 30 }), 3),
    }),
  );
}

function coherentInterfaces(inType) {
  return namedMap(
    ['cloudify.interfaces.lifecycle', 'my.interface'],
    namedMap(
      ['create', 'configure', 'start', 'stop', 'delete', 'op1'],
      coherentOperation(inType),
      3,
    ).map(ymap),
    2,
  ).map(ymap);
}

const coherentNodeTypes = fc
  .tuple(
    pick('cloudify.nodes.Root', 'cloudify.nodes.Compute', 'cloudify.nodes.SoftwareComponent'),
    pick('my.nodes.Server', 'cloudify.nodes.ApplicationServer', 'cloudify.nodes.Root'),
    pick('my.nodes.App', 'my.nodes.Server', 'cloudify.nodes.DBMS'),
    coherentSchema,
    coherentSchema,
    coherentSchema,
    opt(coherentInterfaces(true)),
    opt(coherentInterfaces(true)),
    opt(coherentInterfaces(true)),
  )
  .map(([d0, d1, d2, p0, p1, p2, i0, i1, i2]) =>
    ymap(
      [
        ['my.nodes.Server', d0, p0, i0],
        ['my.nodes.App', d1, p1, i1],
        ['my.nodes.Db', d2, p2, i2],
      ].map(([name, derived, props, ifaces]) => [
        name,
        ymap([
          ['derived_from', derived],
          ['properties', props],
          ...(ifaces === undefined ? [] : [['interfaces', ifaces]]),
        ]),
      ]),
    ),
  );

/** Which properties a template of a type may set (the coherent types may set any). */
function templateProps(type) {
  if (type.startsWith('my.nodes.')) return [...COHERENT_PROPS, 'use_external_resource'];
  if (type === 'cloudify.nodes.Compute') return ['use_external_resource', 'ip', 'os_family'];
  return ['use_external_resource', 'resource_id'];
}

function propValue(name) {
  if (name === 'use_external_resource') return fc.boolean();
  if (name === 'resource_id' || name === 'os_family') return word;
  return fc.oneof(
    { weight: 3, arbitrary: valueOfType(PROP_TYPES[name] ?? 'string') },
    { weight: 1, arbitrary: coherentCall(true) },
  );
}

const coherentTemplate = pick(...NODE_TYPES, 'cloudify.nodes.Root', 'cloudify.nodes.Compute').chain(
  (type) =>
    fc.record({
      type: fc.constant(type),
      props: fc
        .subarray(templateProps(type))
        .chain((names) => fc.tuple(...names.map((n) => propValue(n).map((v) => [n, v]))).map(ymap)),
      interfaces: opt(coherentInterfaces(false), 3),
      rels: fc.array(
        fc.tuple(
          pick(
            'cloudify.relationships.depends_on',
            'cloudify.relationships.connected_to',
            'my.relationships.uses',
          ),
          fc.nat(),
        ),
        { maxLength: 2 },
      ),
      instances: opt(fc.integer({ min: 0, max: 3 }), 3),
    }),
);

const coherentTemplates = fc
  .uniqueArray(fc.tuple(pick('app', 'db', 'lb', 'net', 'web', 'cache'), coherentTemplate), {
    maxLength: 4,
    selector: ([k]) => k,
  })
  .chain((rest) =>
    coherentTemplate.map((vm) => [
      ['vm', { ...vm, type: 'cloudify.nodes.Compute', props: ymap([]) }],
      ...rest,
    ]),
  )
  .map((nodes) =>
    ymap(
      nodes.map(([name, t], i) => {
        // Relationships only to earlier nodes: never a cycle.
        const targets = [
          ...new Set(
            t.rels.filter(() => i > 0).map(([type, n]) => [type, nodes[n % i][0]].join(' ')),
          ),
        ];
        return [
          name,
          ymap([
            ['type', t.type],
            ...(pairsOf(t.props).length > 0 ? [['properties', t.props]] : []),
            ...(t.interfaces === undefined ? [] : [['interfaces', t.interfaces]]),
            ...(targets.length > 0
              ? [
                  [
                    'relationships',
                    targets.map((pair) => {
                      const [type, target] = pair.split(' ');
                      return ymap([
                        ['type', type],
                        ['target', target],
                      ]);
                    }),
                  ],
                ]
              : []),
            ...(t.instances === undefined
              ? []
              : [
                  [
                    'capabilities',
                    ymap([
                      [
                        'scalable',
                        ymap([['properties', ymap([['default_instances', t.instances]])]]),
                      ],
                    ]),
                  ],
                ]),
          ]),
        ];
      }),
    ),
  );

const coherentSections = fc
  .record({
    version: pick('cloudify_dsl_1_3', 'cloudify_dsl_1_4', 'cloudify_dsl_1_5', 'cloudify_dsl_1_5'),
    lib: fc.boolean(),
    inputs: coherentInputs,
    nodeTypes: coherentNodeTypes,
    templates: coherentTemplates,
    outputs: namedMap(
      ['out', 'ip', 'endpoint'],
      fc.oneof(word, coherentCall(false)).map((v) => ymap([['value', v]])),
      3,
    ).map(ymap),
    scaling: fc.boolean(),
    workflow: opt(
      pick(
        'p1.workflows.run',
        ymap([
          ['mapping', 'p2.workflows.go'],
          ['parameters', ymap([['x', ymap([['default', 1]])]])],
        ]),
      ),
    ),
    labels: fc.boolean(),
  })
  .map((b) =>
    ymap([
      ['tosca_definitions_version', b.version],
      ['imports', b.lib ? [TYPES, 'lib/types.yaml'] : [TYPES]],
      ['inputs', b.inputs],
      [
        'plugins',
        ymap(
          PLUGINS.map((name) => [
            name,
            ymap([
              ['executor', 'central_deployment_agent'],
              ['install', false],
            ]),
          ]),
        ),
      ],
      [
        'data_types',
        ymap([
          [
            'my.datatypes.A',
            ymap([
              [
                'properties',
                ymap([
                  [
                    'x',
                    ymap([
                      ['type', 'integer'],
                      ['default', 1],
                    ]),
                  ],
                  [
                    'y',
                    ymap([
                      ['type', 'string'],
                      ['required', false],
                    ]),
                  ],
                ]),
              ],
            ]),
          ],
        ]),
      ],
      ['node_types', b.nodeTypes],
      [
        'relationships',
        ymap([
          ['my.relationships.uses', ymap([['derived_from', 'cloudify.relationships.depends_on']])],
        ]),
      ],
      ['node_templates', b.templates],
      ...(pairsOf(b.outputs).length > 0 ? [['outputs', b.outputs]] : []),
      ...(b.workflow === undefined ? [] : [['workflows', ymap([['wf', b.workflow]])]]),
      ...(b.scaling
        ? [
            ['groups', ymap([['g1', ymap([['members', ['vm']]])]])],
            [
              'policies',
              ymap([
                [
                  'scale',
                  ymap([
                    ['type', 'cloudify.policies.scaling'],
                    ['targets', ['g1']],
                    ['properties', ymap([['default_instances', 1]])],
                  ]),
                ],
              ]),
            ],
          ]
        : []),
      ...(b.labels ? [['labels', ymap([['env', ymap([['values', ['prod']]])]])]] : []),
    ]),
  );

/** Counts the nodes of a rendered-to-be value (depth-first order). */
function countNodes(value) {
  if (Array.isArray(value)) return 1 + value.reduce((n, v) => n + countNodes(v), 0);
  if (value !== null && typeof value === 'object' && !isRaw(value)) {
    return 1 + pairsOf(value).reduce((n, [, v]) => n + countNodes(v), 0);
  }
  return 1;
}

/** A copy of `value` with its `index`-th node (depth-first; 0 is the root) replaced. */
function replaceNode(value, index, replacement) {
  let seen = 0;
  const walk = (v) => {
    if (seen++ === index) return replacement;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !isRaw(v)) {
      return ymap(pairsOf(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

/** Coherent blueprints, with now and then one node replaced by a wild value. */
export function coherentBlueprint() {
  return fc
    .record({
      main: coherentSections,
      twist: opt(fc.tuple(fc.nat(), fc.oneof(values, constraint, pick('', 'ghost', -1))), 1),
    })
    .map(({ main, twist }) => {
      const bp =
        twist === undefined
          ? main
          : replaceNode(main, 1 + (twist[0] % (countNodes(main) - 1)), twist[1]);
      return fuzzCase('coherent', {
        [MAIN]: renderYaml(bp),
        [`${BP}lib/types.yaml`]: renderYaml(
          ymap([
            ['imports', [TYPES]],
            [
              'node_types',
              ymap([['lib.nodes.Extra', ymap([['derived_from', 'cloudify.nodes.Root']])]]),
            ],
          ]),
        ),
        [`${BP}scripts/create.sh`]: '#!/bin/sh\n',
      });
    });
}

/** Structured, mostly-valid blueprints (with imported files, plugins, blueprint imports). */
export function plausibleBlueprint() {
  return fc
    .record({
      main: blueprintSections,
      lib: opt(importedYaml, 1),
      p1: opt(pluginYaml, 1),
      p2: opt(pluginYaml, 3),
      other: opt(blueprintSections, 6),
      style: pick('block', 'block', 'block', 'flow'),
    })
    .map(({ main, lib, p1, p2, other, style }) => {
      const files = {
        [MAIN]: renderYaml(main, style),
        [`${BP}scripts/create.sh`]: '#!/bin/sh\n',
        [`${BP}scripts/wf.py`]: 'pass\n',
      };
      const plugins = {};
      if (lib !== undefined) files[`${BP}lib/types.yaml`] = renderYaml(lib);
      if (p1 !== undefined) {
        files['file:///plugins/p1/plugin.yaml'] = renderYaml(p1);
        plugins.p1 = { url: 'file:///plugins/p1/plugin.yaml', version: '1.2.0' };
      }
      if (p2 !== undefined) {
        files['file:///plugins/p2/plugin.yaml'] = renderYaml(p2);
        plugins.p2 = { url: 'file:///plugins/p2/plugin.yaml' };
      }
      const blueprints = {};
      if (other !== undefined) {
        files[`${BP}other.yaml`] = renderYaml(other);
        blueprints.other = `${BP}other.yaml`;
      }
      return fuzzCase('plausible', files, { plugins, blueprints });
    });
}

// ------------------------------------------------------------------------------------------------
// (c) Mutations of real blueprints
// ------------------------------------------------------------------------------------------------

/** Where the shared corpus is: `../shared` beside the repository root. */
export function defaultCorpusDir() {
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return join(repoRoot, '..', 'shared', 'corpus');
}

function yamlFilesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/**
 * Reads the blueprint corpus (`corpus/blueprints/blueprint-examples/**`) and its plugins, as
 * memory-host files under `file:///corpus/`. Falls back to the parser's own valid fixtures when
 * the corpus is not there. `mains` are the files that declare a DSL version.
 */
export function loadCorpus(corpusDir = defaultCorpusDir()) {
  const examples = join(corpusDir, 'blueprints', 'blueprint-examples');
  const files = {};
  const mains = [];
  let root = examples;
  if (!existsSync(examples)) {
    root = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'valid');
  }
  for (const path of yamlFilesUnder(root)) {
    const rel = relative(root, path).split('\\').join('/');
    const url = `file:///corpus/${rel}`;
    const text = readFileSync(path, 'utf8');
    files[url] = text;
    if (/^tosca_definitions_version:/m.test(text)) mains.push(url);
  }
  const plugins = {};
  const pluginsDir = join(corpusDir, 'plugins');
  if (existsSync(pluginsDir)) {
    for (const entry of readdirSync(pluginsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      for (const name of ['plugin_1_5.yaml', 'plugin.yaml']) {
        const path = join(pluginsDir, entry.name, name);
        if (!existsSync(path)) continue;
        const text = readFileSync(path, 'utf8');
        const url = `file:///plugins/${entry.name}/${name}`;
        files[url] = text;
        const version = /^\s*package_version:\s*['"]?([^'"#\s]+)/m.exec(text)?.[1];
        plugins[entry.name] = version === undefined ? { url } : { url, version };
        break;
      }
    }
  }
  return { root, files, mains, plugins };
}

// prettier-ignore
const MUTATIONS = [
  'delete-line', 'duplicate-line', 'indent', 'scalar-to-collection', 'drop-key', 'rename-key',
  'swap-lines', 'truncate',
];

const RENAMES = [...SECTION_KEYS, ...FIELD_KEYS, ...WEIRD_KEYS.filter((k) => /^[\w-]+$/.test(k))];

const KEY_LINE = /^(\s*(?:-\s+)?)([^\s:#'"][^:#]*?|'[^']*'|"[^"]*"):(?:\s+(.*))?$/;

function indentOf(line) {
  return /^\s*/.exec(line)[0].length;
}

/** Lines of the file that are `key: …` lines (index into lines). */
function keyLines(lines) {
  const out = [];
  lines.forEach((line, i) => {
    if (KEY_LINE.test(line)) out.push(i);
  });
  return out;
}

/** Applies one mutation; `a`, `b`, `c` are arbitrary naturals picking lines and variants. */
export function mutate(text, { kind, a, b, c }) {
  const lines = text.split('\n');
  const n = lines.length;
  const at = a % n;
  switch (kind) {
    case 'delete-line':
      lines.splice(at, 1);
      break;
    case 'duplicate-line':
      lines.splice(at, 0, lines[at]);
      break;
    case 'indent': {
      const line = lines[at];
      const delta = [-4, -2, -1, 1, 2, 4][b % 6];
      lines[at] =
        c % 7 === 0
          ? `\t${line}`
          : delta < 0
            ? line.slice(Math.min(-delta, indentOf(line)))
            : ' '.repeat(delta) + line;
      break;
    }
    case 'scalar-to-collection': {
      const candidates = keyLines(lines).filter((i) => (KEY_LINE.exec(lines[i])?.[3] ?? '') !== '');
      if (candidates.length === 0) break;
      const i = candidates[a % candidates.length];
      const [, lead, key, value] = KEY_LINE.exec(lines[i]);
      const pad = ' '.repeat(lead.length + 2);
      const variants = [
        [`${lead}${key}: [${value}]`],
        [`${lead}${key}: {k: ${value}}`],
        [`${lead}${key}:`, `${pad}- ${value}`],
        [`${lead}${key}:`, `${pad}${key}: ${value}`],
        [`${lead}${key}: []`],
        [`${lead}${key}: {}`],
        [`${lead}${key}:`],
      ];
      lines.splice(i, 1, ...variants[b % variants.length]);
      break;
    }
    case 'drop-key': {
      const candidates = keyLines(lines);
      if (candidates.length === 0) break;
      const i = candidates[a % candidates.length];
      const indent = indentOf(lines[i]);
      let end = i + 1;
      while (end < n && (lines[end].trim() === '' || indentOf(lines[end]) > indent)) end++;
      lines.splice(i, end - i);
      break;
    }
    case 'rename-key': {
      const candidates = keyLines(lines);
      if (candidates.length === 0) break;
      const i = candidates[a % candidates.length];
      const [, lead, key, value] = KEY_LINE.exec(lines[i]);
      const variants = [
        RENAMES[b % RENAMES.length],
        key.slice(0, -1),
        `${key}x`,
        key.toUpperCase(),
        `${key.slice(0, (b % Math.max(1, key.length)) + 1)}_${key.slice((b % Math.max(1, key.length)) + 1)}`,
      ];
      const renamed = variants[c % variants.length];
      lines[i] = value === undefined ? `${lead}${renamed}:` : `${lead}${renamed}: ${value}`;
      break;
    }
    case 'swap-lines': {
      const other = b % n;
      const tmp = lines[at];
      lines[at] = lines[other];
      lines[other] = tmp;
      break;
    }
    case 'truncate': {
      const cut = (a * 7919 + b) % (text.length + 1);
      return text.slice(0, cut);
    }
    default:
      break;
  }
  return lines.join('\n');
}

const mutation = fc.record({
  kind: fc.constantFrom(...MUTATIONS),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
});

/**
 * Real blueprints with 1–3 mutations. The whole corpus and its plugins are served (imports of
 * other corpus files and of plugins resolve; catalog `blueprint:` imports fail as diagnostics).
 */
export function corpusMutation(corpus) {
  return fc
    .record({
      file: fc.nat({ max: Math.max(0, corpus.mains.length - 1) }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    })
    .map(({ file, mutations }) => {
      const main = corpus.mains[file];
      let text = corpus.files[main];
      for (const m of mutations) text = mutate(text, m);
      const summary = `${main} with ${JSON.stringify(mutations)}`;
      return fuzzCase(
        'corpus-mutation',
        { ...corpus.files, [main]: text },
        { main, plugins: corpus.plugins },
        summary,
      );
    });
}

// ------------------------------------------------------------------------------------------------
// The properties
// ------------------------------------------------------------------------------------------------

const SUSPICIOUS = ['undefined', '[object Object]'];

function linesOf(text) {
  return text.split('\n');
}

/**
 * Parses a case and checks what every parse must satisfy. Resolves with the result, or rejects
 * with an Error listing every property violated.
 */
export async function checkCase(dsl, c, options = {}) {
  const codes = options.codes ?? new Set(dsl.ALL_DIAGNOSTIC_CODES);
  let result;
  try {
    const host = dsl.createMemoryHost(c.files, { plugins: c.plugins, blueprints: c.blueprints });
    result = await dsl.parseBlueprint(
      c.main,
      options.cache === undefined ? { host } : { host, cache: options.cache },
    );
  } catch (error) {
    const e = new Error(
      `parseBlueprint threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    e.cause = error;
    throw e;
  }
  const problems = [];
  const byName = new Map();
  for (const [url, text] of Object.entries(c.files))
    byName.set(url.replace(/^file:\/\//, ''), text);
  const textOf = (file) => result.sources?.[file] ?? byName.get(file);
  const inputHas = (word) => Object.values(c.files).some((t) => t.includes(word));
  if (!Array.isArray(result.diagnostics)) problems.push('diagnostics is not an array');
  const diagnostics = Array.isArray(result.diagnostics) ? result.diagnostics : [];
  for (const d of diagnostics) {
    const where = `${d.code} ${d.file}:${d.line}:${d.column}`;
    if (!codes.has(d.code)) problems.push(`unknown code: ${where}`);
    if (d.severity !== 'error' && d.severity !== 'warning') {
      problems.push(`bad severity '${d.severity}': ${where}`);
    }
    if (typeof d.message !== 'string' || d.message.trim() === '') {
      problems.push(`empty message: ${where}`);
    } else {
      for (const word of SUSPICIOUS) {
        if (d.message.includes(word) && !inputHas(word)) {
          problems.push(`message mentions '${word}': ${where} ${d.message}`);
        }
      }
    }
    if (typeof d.file !== 'string') problems.push(`file is not a string: ${where}`);
    else if (d.file !== '') {
      const text = textOf(d.file);
      if (text === undefined) {
        problems.push(`diagnostic names a file that was not read: ${where}`);
        continue;
      }
      const lines = linesOf(text);
      if (!Number.isInteger(d.line) || d.line < 1 || d.line > lines.length + 1) {
        problems.push(`line out of range (file has ${lines.length} lines): ${where}`);
      }
      if (!Number.isInteger(d.column) || d.column < 1) {
        problems.push(`column out of range: ${where}`);
      } else if (d.line >= 1 && d.line <= lines.length) {
        const length = lines[d.line - 1].length;
        if (d.column > length + 1) {
          problems.push(`column past the end of its line (length ${length}): ${where}`);
        }
      }
    }
  }
  const hasError = diagnostics.some((d) => d.severity === 'error');
  if (result.ok !== !hasError) {
    problems.push(`ok is ${result.ok} but there ${hasError ? 'is an' : 'is no'} error`);
  }
  if (result.ok) {
    if (result.plan === undefined) problems.push('ok but no plan');
    else {
      try {
        if (typeof JSON.stringify(result.plan) !== 'string') problems.push('plan is not JSON');
      } catch (error) {
        problems.push(`JSON.stringify(plan) threw: ${String(error)}`);
      }
    }
  } else if (result.plan !== undefined) {
    problems.push('not ok but a plan is given');
  }
  if (problems.length > 0) {
    const shown = diagnostics
      .slice(0, 20)
      .map((d) => `  ${d.severity} ${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`);
    throw new Error(`${problems.join('\n')}\ndiagnostics:\n${shown.join('\n')}`);
  }
  return result;
}

/** The generators by name, with the share of cases each gets. */
export function fuzzArbitraries(corpus) {
  return [
    { name: 'yamlish-text', share: 0.25, arbitrary: yamlishText() },
    { name: 'json-like', share: 0.2, arbitrary: jsonLikeYaml() },
    { name: 'plausible', share: 0.15, arbitrary: plausibleBlueprint() },
    { name: 'coherent', share: 0.2, arbitrary: coherentBlueprint() },
    { name: 'corpus-mutation', share: 0.2, arbitrary: corpusMutation(corpus) },
  ];
}

/**
 * Writes a failing case to `dir`: each served file that is not an untouched corpus file, and a
 * `case.json` saying which file is the main one and how to replay it.
 */
export function writeCounterexample(dir, c, error, extra = {}, corpus = undefined) {
  mkdirSync(dir, { recursive: true });
  const written = [];
  for (const [url, text] of Object.entries(c.files)) {
    if (corpus !== undefined && corpus.files[url] === text) continue;
    const path = join(dir, 'files', url.replace(/^file:\/\/\//, '').replace(/[^\w./-]/g, '_'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(relative(dir, path));
  }
  writeFileSync(
    join(dir, 'case.json'),
    `${JSON.stringify(
      {
        kind: c.kind,
        main: c.main,
        summary: c.summary,
        files: written,
        plugins: c.plugins,
        blueprints: c.blueprints,
        error: error instanceof Error ? error.message : String(error),
        ...extra,
      },
      null,
      2,
    )}\n`,
  );
  return dir;
}

/**
 * Runs `numRuns` cases of one generator through {@link checkCase} with fast-check (shrinking a
 * failure) and resolves with fast-check's run details. Corpus cases share `cache` (the big
 * plugin YAMLs are loaded once); a failure is re-checked without it (`reproducedWithoutCache`).
 */
export async function fuzzOne(dsl, { arbitrary, numRuns, seed, cache, onCase }) {
  const codes = new Set(dsl.ALL_DIAGNOSTIC_CODES);
  const property = fc.asyncProperty(arbitrary, async (c) => {
    onCase?.(c);
    await checkCase(dsl, c, { codes, cache: c.kind === 'corpus-mutation' ? cache : undefined });
  });
  const details = await fc.check(property, { numRuns, seed, includeErrorInReport: true });
  let reproducedWithoutCache;
  if (details.failed && details.counterexample !== null) {
    reproducedWithoutCache = await checkCase(dsl, details.counterexample[0], { codes }).then(
      () => false,
      () => true,
    );
  }
  return { details, reproducedWithoutCache };
}
