/**
 * The `plugins:` section (spec §4.1) and the properties given on a 1_5 plugin import (§4.3).
 */
import type { Element } from '../compose/compose.js';
import { scanFunctions } from '../functions/scan.js';
import { isFunctionCall } from '../functions/function-call.js';
import { checkFields, type FieldSpec } from '../shape/check-fields.js';
import { keyLoc, valueLoc } from '../source/locations.js';
import { didYouMean } from '../util/suggest.js';
import { dict, isMap, kindOf, show, type Value, type ValueMap } from '../util/value.js';
import type { PlanContext } from './plan-context.js';
import type { PlanPlugin, PlanValue } from './plan-types.js';

const PLUGIN_FIELDS: Record<string, FieldSpec> = {
  executor: { shape: 'string', required: true },
  source: { shape: 'string' },
  install: { shape: 'boolean' },
  install_arguments: { shape: 'string', since: '1_1' },
  package_name: { shape: 'string', since: '1_2' },
  package_version: { shape: 'scalar', since: '1_2' },
  supported_platform: { shape: 'string', since: '1_2' },
  distribution: { shape: 'string', since: '1_2' },
  distribution_version: { shape: 'scalar', since: '1_2' },
  distribution_release: { shape: 'string', since: '1_2' },
  properties: { shape: 'map', since: '1_5' },
  properties_description: { shape: 'any', since: '1_5' },
};

const PROPERTY_FIELDS: Record<string, FieldSpec> = {
  type: { shape: 'string' },
  description: { shape: 'any' },
  display_label: { shape: 'string' },
  default: { shape: 'any' },
  required: { shape: 'boolean' },
};

function str(value: Value | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Parses every plugin of the blueprint into the plan's plugin records. */
export function buildPlugins(ctx: PlanContext): void {
  for (const element of ctx.composed.sections.plugins.values()) {
    const plugin = buildPlugin(element, ctx);
    if (plugin !== undefined) ctx.plugins.set(element.name, { plugin, element });
  }
}

function buildPlugin(element: Element, ctx: PlanContext): PlanPlugin | undefined {
  const raw = element.value;
  const what = `plugin '${element.name}'`;
  const at = keyLoc(element.section, element.localName);
  if (!isMap(raw)) {
    ctx.reporter.report(
      'DSL_WRONG_TYPE',
      `The definition of ${what} must be a mapping (executor, package_name, …), not ${kindOf(raw)}.`,
      valueLoc(element.section, element.localName),
    );
    return undefined;
  }
  const ok = checkFields(raw, PLUGIN_FIELDS, {
    reporter: ctx.reporter,
    version: ctx.version,
    what,
    at,
  });
  const executor = raw.executor;
  if (ok.has('executor') && executor !== 'central_deployment_agent' && executor !== 'host_agent') {
    ctx.reporter.report(
      'DSL_INVALID_VALUE',
      `${what} has executor ${show(executor)}; valid executors are central_deployment_agent and host_agent.`,
      valueLoc(raw, 'executor'),
    );
  }
  const install = ok.has('install') && raw.install !== null ? (raw.install as boolean) : true;
  if (install && str(raw.source) === null && str(raw.package_name) === null) {
    ctx.reporter.report(
      'DSL_MISSING_KEY',
      `${capitalize(what)} is installed (install: true) but gives neither 'source' nor 'package_name' to install it from.`,
      at,
    );
  }
  const plugin: {
    -readonly [K in keyof PlanPlugin]: PlanPlugin[K];
  } = {
    name: element.name,
    executor: executor === 'host_agent' ? 'host_agent' : 'central_deployment_agent',
    install,
    package_name: str(raw.package_name),
    package_version: str(raw.package_version),
    source: str(raw.source),
    install_arguments: str(raw.install_arguments),
    supported_platform: str(raw.supported_platform),
    distribution: str(raw.distribution),
    distribution_version: str(raw.distribution_version),
    distribution_release: str(raw.distribution_release),
  };
  if (ok.has('properties') && isMap(raw.properties)) {
    plugin.properties = pluginProperties(element, raw.properties, ctx);
  }
  return plugin;
}

function pluginProperties(
  element: Element,
  schema: ValueMap,
  ctx: PlanContext,
): Record<string, PlanValue> {
  const given = element.file.kind === 'plugin' ? element.file.importProperties : undefined;
  const out = dict<PlanValue>();
  for (const name of Object.keys(schema)) {
    const def = schema[name];
    const what = `property '${name}' of plugin '${element.name}'`;
    if (!isMap(def)) {
      if (def !== null) {
        ctx.reporter.report(
          'DSL_WRONG_TYPE',
          `The definition of ${what} must be a mapping, not ${kindOf(def)}.`,
          valueLoc(schema, name),
        );
      }
      continue;
    }
    checkFields(def, PROPERTY_FIELDS, {
      reporter: ctx.reporter,
      version: ctx.version,
      what,
      at: keyLoc(schema, name),
    });
    const type = typeof def.type === 'string' ? def.type : undefined;
    if (given === undefined || !(name in given)) continue;
    const value = given[name] as Value;
    if (!isFunctionCall(value) && type !== undefined && !fitsPluginType(value, type)) {
      ctx.reporter.report(
        'DSL_IMPORT_PROPERTIES',
        `The value ${show(value)} given for ${what} on its import must be of type '${type}'.`,
        valueLoc(given, name),
      );
      continue;
    }
    const scanned = scanFunctions(
      value,
      { kind: 'global', namespace: undefined, where: `the import of plugin '${element.name}'` },
      ctx.scan,
    );
    out[name] = scanned.value;
  }
  return out;
}

/** Reports properties given on a plugin import that no plugin of the imported file declares. */
export function checkImportProperties(ctx: PlanContext): void {
  for (const file of ctx.composed.loaded.files) {
    const given = file.importProperties;
    if (given === undefined) continue;
    const declared = new Set<string>();
    const plugins = file.value.plugins;
    if (isMap(plugins)) {
      for (const name of Object.keys(plugins)) {
        const def = plugins[name];
        if (isMap(def) && isMap(def.properties))
          for (const p of Object.keys(def.properties)) declared.add(p);
      }
    }
    for (const name of Object.keys(given)) {
      if (declared.has(name)) continue;
      ctx.reporter.report(
        'DSL_IMPORT_PROPERTIES',
        `The imported plugin '${file.doc.name}' declares no property '${name}'.${didYouMean(name, declared)}`,
        keyLoc(given, name),
      );
    }
  }
}

function fitsPluginType(value: Value, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    default:
      return true;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
