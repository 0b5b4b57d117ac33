/**
 * The checks `cairn plugins validate` (and `install`) add to the bundle's own integrity checks:
 * every plugin YAML in it parses as Cloudify's DSL would read it when a blueprint imports it
 * (diagnostics name the bundle, the file inside it and the line), and the entry module exports
 * every function the YAML maps.
 */
import {
  parseBlueprint,
  readYaml,
  type Diagnostic,
  type ImportHost,
  type PluginImportResult,
} from '@cairn/dsl';

type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

function isMap(value: Yaml | undefined): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: Yaml | undefined): [string, Yaml][] {
  return isMap(value) ? Object.entries(value) : [];
}

/** The DSL minor version a plugin YAML file is for: `plugin_1_4.yaml` → 4; unsuffixed → 5. */
function dslMinorOf(path: string): number {
  const m = /_1_(\d+)\.ya?ml$/.exec(path);
  return m === null ? 5 : Number(m[1]);
}

/**
 * Parses `text` (the plugin YAML at `name`) the way a blueprint importing it reads it: a blueprint
 * of the file's DSL version that imports the built-in types and this plugin. Returns the
 * diagnostics, which point into `name`.
 */
export async function checkPluginYaml(
  text: string,
  name: string,
  packageName: string,
): Promise<readonly Diagnostic[]> {
  const minor = dslMinorOf(name);
  const blueprintUrl = 'memory:/cairn-plugin-check/blueprint.yaml';
  const blueprint = `tosca_definitions_version: cloudify_dsl_1_${minor}\nimports:\n  - cloudify/types/types.yaml\n  - plugin:${packageName}\n`;
  const host: ImportHost = {
    read: (url) =>
      Promise.resolve(
        url === blueprintUrl
          ? { ok: true, url, name: 'blueprint.yaml', text: blueprint }
          : {
              ok: false,
              reason: 'not-found',
              message: `Nothing at '${url}' inside a plugin check.`,
            },
      ),
    resolvePlugin: (): Promise<PluginImportResult> =>
      Promise.resolve({ ok: true, url: `memory:/${name}`, name, text, packageVersion: undefined }),
  };
  const result = await parseBlueprint(blueprintUrl, { host });
  return result.diagnostics;
}

/** The keys of the YAML's `plugins:` section. */
function pluginKeys(doc: Yaml | undefined): string[] {
  return isMap(doc) ? entries(doc.plugins).map(([key]) => key) : [];
}

function implementationOf(mapping: Yaml): string | undefined {
  if (typeof mapping === 'string') return mapping;
  if (!isMap(mapping)) return undefined;
  const value = mapping.implementation ?? mapping.mapping;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The function paths (`tasks.create`) the plugin YAML maps to its own plugin: operations of its
 * node types and relationships, and its workflows. Mappings to other plugins (a script path,
 * `script.…`) are not this plugin's business.
 */
export function mappedFunctions(text: string): string[] {
  const doc = readYaml(text, 'plugin.yaml').value;
  const keys = pluginKeys(doc);
  const found = new Set<string>();
  const add = (mapping: Yaml): void => {
    const implementation = implementationOf(mapping);
    if (implementation === undefined) return;
    for (const key of keys) {
      if (implementation.startsWith(`${key}.`) && implementation.length > key.length + 1) {
        found.add(implementation.slice(key.length + 1));
      }
    }
  };
  if (!isMap(doc)) return [];
  for (const [, type] of entries(doc.node_types)) {
    if (!isMap(type)) continue;
    for (const [, iface] of entries(type.interfaces)) for (const [, op] of entries(iface)) add(op);
  }
  for (const [, rel] of entries(doc.relationships)) {
    if (!isMap(rel)) continue;
    for (const side of ['source_interfaces', 'target_interfaces']) {
      for (const [, iface] of entries(rel[side])) for (const [, op] of entries(iface)) add(op);
    }
  }
  for (const [, workflow] of entries(doc.workflows)) add(workflow);
  return [...found].sort();
}
