/**
 * Putting a blueprint in front of the engine, as the engine tests do it: optionally write its
 * folder, parse it (offline), store it as blueprint `bp` and create deployment `dep` from it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseBlueprint } from '@cairn/dsl';
import { createNodeHost, fileUrl } from '@cairn/dsl/node';
import type { Engine } from '@cairn/engine';
import { pluginAt, type ResolvedPlugin } from '@cairn/plugin-host';
import { ROOT } from './cli.js';

/** The built-in script plugin as the CLI finds it, with what its package.json declares. */
export function scriptPlugin(): ResolvedPlugin {
  const found = pluginAt(join(ROOT, 'plugins', 'script'));
  if (found === undefined) throw new Error('the script plugin is not built (run tsc -b)');
  return found;
}

/** Writes a blueprint folder: path in the folder → text. Every file is executable (scripts). */
export function writeFolder(root: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = join(root, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o755 });
  }
}

/** Parses `blueprint`, stores it as `bp` and creates deployment `dep`; throws if it is invalid. */
export async function deployBlueprint(engine: Engine, blueprint: string): Promise<void> {
  const parsed = await parseBlueprint(fileUrl(blueprint), {
    host: createNodeHost({ offline: true }),
  });
  if (parsed.plan === undefined) {
    throw new Error(`${blueprint} does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  }
  await engine.putBlueprint({
    id: 'bp',
    plan: parsed.plan as unknown as Record<string, never>,
    main_file_name: 'blueprint.yaml',
    resources_path: dirname(blueprint),
    description: null,
  });
  await engine.createDeployment({ id: 'dep', blueprintId: 'bp' });
}
