/**
 * Turns merged operations into the plan's operation records (spec §3): an implementation is a
 * plugin mapping (`plugin.module.function`, the plugin name matched by prefix) or a script (a
 * URL, an inline multi-line script, or an existing file), which runs through the `script`
 * plugin. Operations are listed by full name and, where unique, by short name.
 */
import { qualify, type Element } from '../compose/compose.js';
import type { LoadedFile } from '../imports/load-imports.js';
import { hasScheme } from '../imports/import-string.js';
import { scanFunctions, type FunctionScope } from '../functions/scan.js';
import { valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import type { MergedOp } from '../types/operations.js';
import { didYouMean } from '../util/suggest.js';
import { dict, type Value } from '../util/value.js';
import type { PlanContext } from './plan-context.js';
import type { Executor, PlanOperation, PlanValue } from './plan-types.js';

const SCRIPT_EXTENSIONS =
  /\.(?:sh|bash|py|ps1|bat|cmd|rb|pl|js|ts|txt|yaml|yml|json|j2|tpl|conf)$/i;

/** Where a resolved implementation points. */
type Resolved =
  | { kind: 'plugin'; plugin: string; operation: string }
  | { kind: 'script'; plugin: string; path: string; inline: boolean }
  | { kind: 'error' };

/** The directory scripts are looked up in for a file: the main blueprint's, or an imported blueprint's. */
export function resourceBase(file: LoadedFile, mainUrl: string): string {
  for (let f: LoadedFile | undefined = file; f !== undefined; f = f.parent) {
    if (f.kind === 'blueprint') return f.doc.url;
    if (f.kind === 'main') return mainUrl;
  }
  return mainUrl;
}

function looksLikePath(text: string): boolean {
  return text.includes('/') || SCRIPT_EXTENSIONS.test(text);
}

/** Resolves an implementation string to a plugin mapping or a script. */
export function resolveImplementation(
  implementation: string,
  namespace: string | undefined,
  file: LoadedFile,
  what: string,
  loc: Loc | undefined,
  ctx: PlanContext,
): Resolved {
  const names = [...ctx.plugins.keys()];
  const matches = (candidate: string): string[] =>
    names.filter((p) => candidate.startsWith(`${p}.`));
  let candidate = implementation;
  let found = namespace !== undefined ? matches(qualify(implementation, namespace)) : [];
  if (found.length > 0) candidate = qualify(implementation, namespace);
  else found = matches(implementation);
  if (found.length > 1) {
    ctx.reporter.report(
      'DSL_AMBIGUOUS_PLUGIN',
      `The implementation '${implementation}' of ${what} matches several plugins (${found.join(', ')}); rename one so each mapping names exactly one plugin.`,
      loc,
    );
    return { kind: 'error' };
  }
  const plugin = found[0];
  if (plugin !== undefined) {
    return { kind: 'plugin', plugin, operation: candidate.slice(plugin.length + 1) };
  }
  const inline = implementation.includes('\n');
  const url = hasScheme(implementation);
  const exists =
    !inline && !url
      ? ctx.host.resourceExists !== undefined
        ? ctx.host.resourceExists(resourceBase(file, ctx.mainUrl), implementation)
        : looksLikePath(implementation)
      : true;
  if (inline || url || exists) {
    const scriptPlugin = [qualify('script', namespace), 'script'].find((n) => ctx.plugins.has(n));
    if (scriptPlugin === undefined) {
      ctx.reporter.report(
        'DSL_SCRIPT_PLUGIN_MISSING',
        `${capitalize(what)} runs the script '${implementation.split('\n')[0] ?? ''}', but no 'script' plugin is defined; import the built-in types (cloudify/types/types.yaml).`,
        loc,
      );
      return { kind: 'error' };
    }
    return { kind: 'script', plugin: scriptPlugin, path: implementation, inline };
  }
  if (looksLikePath(implementation)) {
    ctx.reporter.report(
      'DSL_RESOURCE_NOT_FOUND',
      `The script '${implementation}' of ${what} does not exist (scripts are found relative to the blueprint's directory).`,
      loc,
    );
  } else {
    const prefix = implementation.split('.')[0] ?? implementation;
    ctx.reporter.report(
      'DSL_UNKNOWN_PLUGIN',
      `The implementation '${implementation}' of ${what} names no defined plugin: it must start with a plugin name and a dot (plugin.module.function), or be a script path.${didYouMean(prefix, names)}`,
      loc,
    );
  }
  return { kind: 'error' };
}

/** Builds a plan operation from a merged operation; undefined when it cannot be resolved. */
export function buildOperation(
  fullName: string,
  merged: MergedOp,
  element: Element,
  scope: FunctionScope,
  what: string,
  ctx: PlanContext,
): PlanOperation | undefined {
  const source = merged.source;
  const implLoc =
    typeof (source.container as Record<string, Value>)[source.key] === 'string'
      ? valueLoc(source.container, source.key)
      : valueLoc((source.container as Record<string, Value>)[source.key], 'implementation');
  const resolved = resolveImplementation(
    merged.implementation,
    merged.namespace,
    element.file,
    what,
    implLoc,
    ctx,
  );
  if (resolved.kind === 'error') return undefined;
  const inputs = dict<PlanValue>();
  let hasFunctions = false;
  for (const name of Object.keys(merged.inputs)) {
    const origin = merged.inputOrigins.get(name);
    const scanned = scanFunctions(
      merged.inputs[name] as Value,
      { ...scope, namespace: origin?.namespace ?? scope.namespace },
      ctx.scan,
    );
    if (scanned.hasFunctions) hasFunctions = true;
    inputs[name] = scanned.value;
  }
  let plugin: string;
  let operation: string;
  let executor: Executor | null;
  if (resolved.kind === 'script') {
    const pathKey = resolved.inline ? 'script_source' : 'script_path';
    for (const reserved of ['script_path', 'script_source']) {
      if (reserved in inputs) {
        ctx.reporter.report(
          'DSL_SCRIPT_INPUT_CONFLICT',
          `${capitalize(what)} runs a script, so its inputs cannot also set '${reserved}'.`,
          implLoc,
        );
      }
    }
    inputs[pathKey] = resolved.path;
    plugin = resolved.plugin;
    operation = 'script_runner.tasks.run';
    executor = (merged.executor as Executor | undefined) ?? 'auto';
  } else {
    plugin = resolved.plugin;
    operation = resolved.operation;
    executor =
      (merged.executor as Executor | undefined) ?? ctx.plugins.get(plugin)?.plugin.executor ?? null;
  }
  const op: { -readonly [K in keyof PlanOperation]: PlanOperation[K] } = {
    name: fullName,
    plugin,
    operation,
    executor,
    inputs,
    has_intrinsic_functions: hasFunctions,
    max_retries: merged.maxRetries ?? null,
    retry_interval: merged.retryInterval ?? null,
    timeout: merged.timeout ?? null,
    timeout_recoverable: merged.timeoutRecoverable ?? null,
  };
  if (merged.inputTypes.size > 0) op.inputs_types = Object.fromEntries(merged.inputTypes);
  return op;
}

/**
 * Builds the operations table of a node or relationship side: every operation by full name
 * (`iface.op`) and, when the short name is unique across all interfaces (NO-OPs included, as in
 * Cloudify), by short name too.
 */
export function buildOperations(
  merged: Map<string, Map<string, MergedOp | undefined>>,
  element: Element,
  scope: FunctionScope,
  owner: string,
  ctx: PlanContext,
): Record<string, PlanOperation> {
  const shortCount = new Map<string, number>();
  for (const ops of merged.values())
    for (const name of ops.keys()) shortCount.set(name, (shortCount.get(name) ?? 0) + 1);
  const out = dict<PlanOperation>();
  for (const [iface, ops] of merged) {
    for (const [name, op] of ops) {
      if (op === undefined) continue;
      const fullName = `${iface}.${name}`;
      const built = buildOperation(
        fullName,
        op,
        element,
        scope,
        `operation '${fullName}' of ${owner}`,
        ctx,
      );
      if (built === undefined) continue;
      if (shortCount.get(name) === 1) out[name] = built;
      out[fullName] = built;
    }
  }
  return out;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
