/**
 * What `validate` and `plan` share: the options that say where imports come from, and parsing
 * the blueprint with them.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseBlueprint, type ImportHost, type ImportRule, type ParseResult } from '@cairn/dsl';
import { createNodeHost, fileUrl, loadConfig, parseRuleArgument } from '@cairn/dsl/node';
import { UsageError } from '@cairn/errors';
import { parseInputs, type InputValue } from '../inputs.js';
import { pluginStoreDir, resolvePluginImport } from '../local/installed-plugins.js';
import { cairnHome } from '../local/local-profile.js';

/** Options common to the blueprint commands. */
export interface SourceOptions {
  readonly pluginsDir?: string;
  readonly inputs?: string[];
  readonly offline?: boolean;
  readonly json?: boolean;
  readonly importRule?: string[];
  readonly blueprintImport?: string[];
  readonly config?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the shared options to a blueprint command. */
export function addSourceOptions(command: Command): Command {
  return command
    .option(
      '--plugins-dir <dir>',
      'resolve `plugin:NAME` imports from DIR/NAME/plugin*.yaml before the installed plugins',
    )
    .option(
      '-i, --inputs <file|key=value>',
      'deployment inputs: a YAML/JSON file, or key=value pairs separated by ";" (repeatable)',
      collect,
    )
    .option(
      '--import-rule <prefix=replacement>',
      'rewrite imports starting with PREFIX (a URL or a local folder; repeatable)',
      collect,
    )
    .option(
      '--blueprint-import <id=path>',
      'the blueprint file that `blueprint:ID` imports refer to (repeatable)',
      collect,
    )
    .option(
      '--offline',
      'never fetch URL imports (Cloudify types still resolve to the built-in ones)',
    )
    .option(
      '--config <file>',
      'configuration file with import_resolver rules (default: .cairn/config.yaml when present)',
    )
    .option('--json', 'print machine-readable JSON instead of text');
}

/** What the shared options resolve to. */
export interface ResolvedSource {
  readonly path: string;
  readonly result: ParseResult;
  readonly inputs: Record<string, InputValue>;
}

/** Parses the blueprint at `path` with the shared options; usage problems throw UsageError. */
export async function parseWithOptions(
  path: string,
  options: SourceOptions,
  cwd = process.cwd(),
): Promise<ResolvedSource> {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new UsageError(`No such file: '${path}'.`);
  if (statSync(absolute).isDirectory()) {
    const inside = join(absolute, 'blueprint.yaml');
    if (!existsSync(inside))
      throw new UsageError(
        `'${path}' is a directory without a blueprint.yaml; give the blueprint file.`,
      );
    return parseWithOptions(inside, options, cwd);
  }
  const inputs = parseInputs(options.inputs ?? [], cwd);
  const rules: ImportRule[] = [];
  let pluginsDir = options.pluginsDir;
  const configPath =
    options.config ??
    (existsSync(join(cwd, '.cairn/config.yaml')) ? join(cwd, '.cairn/config.yaml') : undefined);
  if (configPath !== undefined) {
    const config = await loadConfig(resolve(cwd, configPath));
    if (typeof config === 'string') throw new UsageError(config);
    rules.push(...config.importRules);
    pluginsDir ??= config.pluginsDir;
  }
  for (const text of options.importRule ?? []) {
    const rule = parseRuleArgument(text, cwd);
    if (typeof rule === 'string') throw new UsageError(rule);
    rules.push(rule);
  }
  if (pluginsDir !== undefined && !existsSync(resolve(cwd, pluginsDir))) {
    throw new UsageError(`The plugins directory '${pluginsDir}' does not exist.`);
  }
  const blueprintImports: Record<string, string> = {};
  for (const text of options.blueprintImport ?? []) {
    const eq = text.indexOf('=');
    if (eq <= 0 || eq === text.length - 1)
      throw new UsageError(`--blueprint-import takes ID=PATH, not '${text}'.`);
    const file = resolve(cwd, text.slice(eq + 1));
    if (!existsSync(file)) throw new UsageError(`--blueprint-import ${text}: no such file.`);
    blueprintImports[text.slice(0, eq)] = file;
  }
  const nodeHost = createNodeHost({
    cwd,
    ...(pluginsDir === undefined ? {} : { pluginsDir }),
    blueprintImports,
    offline: options.offline === true,
  });
  // `plugin:` imports: a --plugins-dir given for this run first, then the installed plugins.
  const store = pluginStoreDir(cairnHome());
  const fromDir = nodeHost.resolvePlugin?.bind(nodeHost);
  const host: ImportHost = {
    ...nodeHost,
    resolvePlugin: async (request) => {
      if (fromDir !== undefined) {
        const found = await fromDir(request);
        if (found.ok) return found;
      }
      return resolvePluginImport(store, request);
    },
  };
  const result = await parseBlueprint(fileUrl(absolute, cwd), { host, importRules: rules });
  return { path, result, inputs };
}
