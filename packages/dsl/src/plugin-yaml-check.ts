/**
 * What the blueprint language says about a plugin's own YAML before any blueprint imports it:
 * whether it parses as a blueprint importing it would read it, and which of its plugin's
 * functions it maps. `cairn plugins validate`/`install` and the manager's upload check both ask
 * this, through plugin-host's bundle check.
 */
import type { Diagnostic } from './diagnostics/diagnostic.js';
import type { ImportHost, PluginImportResult } from './imports/import-host.js';
import { parseBlueprint } from './parse.js';
import { readYaml } from './source/read-yaml.js';
import { isMap, type Value } from './util/value.js';

function entries(value: Value | undefined): [string, Value][] {
  return isMap(value) ? Object.entries(value) : [];
}

/** The DSL minor version a plugin YAML file is for: `plugin_1_4.yaml` → 4; unsuffixed → 5. */
function dslMinorOf(path: string): number {
  const m = /_1_(\d+)\.ya?ml$/.exec(path);
  return m === null ? 5 : Number(m[1]);
}

/**
 * Parses `text` (the plugin YAML shown to users as `name`) the way a blueprint importing it reads
 * it: a blueprint of the file's DSL version (`plugin_1_4.yaml` → `cloudify_dsl_1_4`; unsuffixed:
 * the newest) that imports the built-in types and `plugin:<packageName>`, which resolves to
 * this text. Returns the diagnostics; those about the plugin YAML point into `name`.
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

function implementationOf(mapping: Value): string | undefined {
  if (typeof mapping === 'string') return mapping;
  if (!isMap(mapping)) return undefined;
  const value = mapping.implementation ?? mapping.mapping;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The function paths (`tasks.create`) a plugin YAML maps to its own plugin (a key of its
 * `plugins:` section): operations of its node types and relationships (either side), and its
 * workflows, sorted and without repeats. Mappings to other plugins (a script path,
 * `script.…`) are not this plugin's business. Text that is not YAML maps nothing.
 */
export function mappedFunctions(text: string): string[] {
  const doc = readYaml(text, 'plugin.yaml').value;
  if (!isMap(doc)) return [];
  const keys = entries(doc.plugins).map(([key]) => key);
  const found = new Set<string>();
  const add = (mapping: Value): void => {
    const implementation = implementationOf(mapping);
    if (implementation === undefined) return;
    for (const key of keys) {
      if (implementation.startsWith(`${key}.`) && implementation.length > key.length + 1) {
        found.add(implementation.slice(key.length + 1));
      }
    }
  };
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
