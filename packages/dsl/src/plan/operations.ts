/**
 * Turns merged operations into the plan's operation records (spec §3): an implementation is a
 * plugin mapping (`plugin.module.function`, the plugin name matched by prefix) or a script (a
 * URL, an inline multi-line script, or an existing file), which runs through the `script`
 * plugin. Operations are listed by full name and, where unique, by short name.
 */
import { qualify, type Element } from '../compose/compose.js';
import type { LoadedFile } from '../imports/load-imports.js';
import { hasScheme } from '../imports/import-string.js';
import {
  REFERENCE_OWNER,
  scanFunctions,
  type FunctionScope,
  type PropertyReference,
} from '../functions/scan.js';
import { Reporter } from '../diagnostics/diagnostic.js';
import { valueLoc } from '../source/locations.js';
import type { Loc } from '../source/source-doc.js';
import { mergeOperation, type Interfaces, type MergedOp, type OpDef } from '../types/operations.js';
import { didYouMean } from '../util/suggest.js';
import { addEntry, dict, type Value } from '../util/value.js';
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
  site: {
    /** The namespace its plugin name is resolved in. */
    readonly namespace: string | undefined;
    /** The file that declares it (scripts are found relative to its blueprint). */
    readonly file: LoadedFile;
    /** For messages: `operation 'x' of node template 'y'`. */
    readonly what: string;
    readonly loc: Loc | undefined;
  },
  ctx: PlanContext,
): Resolved {
  const { namespace, file, what, loc } = site;
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
  merged: MergedOp,
  site: {
    readonly fullName: string;
    /** The template whose operation this is. */
    readonly element: Element;
    /** How functions in its inputs are resolved. */
    readonly scope: FunctionScope;
    /** For messages. */
    readonly what: string;
  },
  ctx: PlanContext,
): PlanOperation | undefined {
  const { fullName, element, scope, what } = site;
  const source = merged.source;
  const implLoc =
    typeof (source.container as Record<string, Value>)[source.key] === 'string'
      ? valueLoc(source.container, source.key)
      : valueLoc((source.container as Record<string, Value>)[source.key], 'implementation');
  const resolved = resolveImplementation(
    merged.implementation,
    { namespace: merged.namespace, file: element.file, what: what, loc: implLoc },
    ctx,
  );
  if (resolved.kind === 'error') return undefined;
  const inputs = dict<PlanValue>();
  let hasFunctions = false;
  for (const name of Object.keys(merged.inputs)) {
    const namespace = merged.inputOrigins.get(name)?.namespace ?? scope.namespace;
    const scanned = scanFunctions(
      merged.inputs[name] as Value,
      namespace === scope.namespace ? scope : { ...scope, namespace },
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

/** A type's operation built once, or a mark that it must be built for each template. */
type CachedOperation = PlanOperation | undefined | 'per-template';

/** The operations of one type (or relationship side), built without any template override. */
export interface TypeOperations {
  /** By full name (`iface.op`). */
  readonly ops: ReadonlyMap<string, CachedOperation>;
  /**
   * The `get_property` references each shared operation makes (SELF, TARGET and the owner in
   * them are placeholders), registered again for every template that uses the operation.
   */
  readonly refs: ReadonlyMap<string, readonly PropertyReference[]>;
  /** Short names that are unique across the type's interfaces. */
  readonly uniqueShort: ReadonlySet<string>;
  /** The complete table, shared by templates that override nothing; absent if some op is per-template. */
  readonly table: Readonly<Record<string, PlanOperation>> | undefined;
  /** The operations that have `refs`, by full name and split into interface and name. */
  readonly refNames: readonly { fullName: string; iface: string; name: string }[];
  /**
   * Patched copies of `table`, one per set of replaced keys (see {@link copyPatched}): what each
   * template's table is copied from.
   */
  readonly layouts: Map<string, Record<string, PlanOperation>>;
}

/** Where an operations table is built: the template, its scope and where it is written. */
export interface OperationSite {
  readonly element: Element;
  readonly scope: FunctionScope;
  /** For messages: `node template 'web'`, `the source side of …`. */
  readonly owner: string;
  /** Where the template (or relationship) is written. */
  readonly at: Loc | undefined;
}

function* operationNames(ifaces: Interfaces): Generator<readonly [string, string]> {
  for (const [iface, ops] of ifaces) for (const name of ops.keys()) yield [iface, name];
}

/**
 * Assembles a table: every operation by full name and, when the short name is unique across all
 * interfaces (NO-OPs included, as in Cloudify), by short name too.
 */
function assemble(
  names: readonly (readonly [string, string])[],
  get: (fullName: string) => PlanOperation | undefined,
): Record<string, PlanOperation> {
  const shortCount = new Map<string, number>();
  for (const [, name] of names) shortCount.set(name, (shortCount.get(name) ?? 0) + 1);
  const out = dict<PlanOperation>();
  for (const [iface, name] of names) {
    const fullName = `${iface}.${name}`;
    const op = get(fullName);
    if (op === undefined) continue;
    if (shortCount.get(name) === 1) addEntry(out, name, op);
    addEntry(out, fullName, op);
  }
  return out;
}

function buildOne(
  ops: {
    readonly typeOp: OpDef | undefined;
    readonly tmplOp: OpDef | undefined;
    readonly fullName: string;
  },
  site: OperationSite,
  ctx: PlanContext,
): PlanOperation | undefined {
  const fullName = ops.fullName;
  const merged = mergeOperation(ops, { fullName, owner: site.owner, ownerAt: site.at }, ctx);
  if (merged === undefined) return undefined;
  return buildOperation(
    merged,
    {
      fullName: fullName,
      element: site.element,
      scope: site.scope,
      what: `operation '${fullName}' of ${site.owner}`,
    },
    ctx,
  );
}

/**
 * The operations a type gives every template that does not override them, built once. An
 * operation whose building reports a problem or records a `get_property` reference depends on
 * the template, so it is marked to be built again for each one.
 */
function typeOperations(
  typeIfaces: Interfaces,
  site: OperationSite,
  ctx: PlanContext,
): TypeOperations {
  // By the type's (or relationship side's) interfaces, each type's own object, and by the
  // folder its scripts are found in.
  const base = resourceBase(site.element.file, ctx.mainUrl);
  let byBase = ctx.operationCache.get(typeIfaces);
  const cached = byBase?.get(base);
  if (cached !== undefined) return cached;
  const ops = new Map<string, CachedOperation>();
  const refs = new Map<string, PropertyReference[]>();
  const refNames: { fullName: string; iface: string; name: string }[] = [];
  let shared = true;
  // Built aside, for no template in particular: whatever it would report belongs to the
  // templates, which build such an operation again each.
  const anyTemplate: OperationSite = {
    ...site,
    owner: OWNER_MARK,
    scope: {
      ...site.scope,
      self: SELF_MARK,
      target: site.scope.target === undefined ? undefined : TARGET_MARK,
      where: OWNER_MARK,
    },
  };
  for (const [iface, name] of operationNames(typeIfaces)) {
    const fullName = `${iface}.${name}`;
    const aside = new Reporter();
    const scan = { ...ctx.scan, reporter: aside, propertyRefs: [], inputRefs: undefined };
    const quiet: PlanContext = { ...ctx, reporter: aside, scan };
    const op = buildOne(
      { typeOp: typeIfaces.get(iface)?.get(name), tmplOp: undefined, fullName },
      anyTemplate,
      quiet,
    );
    if (aside.count > 0) {
      ops.set(fullName, 'per-template');
      shared = false;
    } else {
      ops.set(fullName, op);
      if (scan.propertyRefs.length > 0) {
        refs.set(fullName, scan.propertyRefs);
        refNames.push({ fullName, iface, name });
      }
    }
  }
  const names = [...operationNames(typeIfaces)];
  const table = shared
    ? assemble(names, (full) => ops.get(full) as PlanOperation | undefined)
    : undefined;
  const counts = new Map<string, number>();
  for (const [, name] of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const uniqueShort = new Set([...counts].filter(([, n]) => n === 1).map(([name]) => name));
  const result: TypeOperations = { ops, refs, uniqueShort, table, refNames, layouts: new Map() };
  if (byBase === undefined) {
    byBase = new Map();
    ctx.operationCache.set(typeIfaces, byBase);
  }
  byBase.set(base, result);
  return result;
}

const SELF_MARK = '\u0000self';
const TARGET_MARK = '\u0000target';
const OWNER_MARK = REFERENCE_OWNER;

/** Registers, for one template, the `get_property` references of a shared operation. */
function registerRefs(
  shared: { readonly fromType: TypeOperations; readonly fullName: string },
  site: OperationSite,
  ctx: PlanContext,
): void {
  const { fromType, fullName } = shared;
  for (const ref of fromType.refs.get(fullName) ?? []) {
    const node =
      ref.node === SELF_MARK
        ? site.scope.self
        : ref.node === TARGET_MARK
          ? site.scope.target
          : ref.node;
    if (node === undefined) continue;
    ctx.scan.propertyRefs.push({
      node,
      path: ref.path,
      args: ref.args,
      where: ref.where,
      owner: site.scope.where,
    });
  }
}

/**
 * The common case of a template overriding some of its type's operations and adding none: a
 * copy of the type's table with those operations replaced. Undefined when the template adds an
 * operation the type does not have (short names must then be counted again).
 */
function patchTable(
  from: {
    readonly fromType: TypeOperations;
    readonly table: Readonly<Record<string, PlanOperation>>;
  },
  target: {
    readonly ifaces: { readonly type: Interfaces; readonly template: Interfaces };
    readonly site: OperationSite;
  },
  ctx: PlanContext,
): Record<string, PlanOperation> | undefined {
  const { fromType, table } = from;
  const { ifaces, site } = target;
  for (const [iface, ops] of ifaces.template) {
    for (const name of ops.keys()) if (!fromType.ops.has(`${iface}.${name}`)) return undefined;
  }
  for (const { fullName, iface, name } of fromType.refNames) {
    if (ifaces.template.get(iface)?.has(name) !== true) {
      registerRefs({ fromType, fullName }, site, ctx);
    }
  }
  const changed = new Map<string, PlanOperation | undefined>();
  for (const [iface, ops] of ifaces.template) {
    for (const [name, tmplOp] of ops) {
      const fullName = `${iface}.${name}`;
      const typeOp = ifaces.type.get(iface)?.get(name);
      const op = buildOne({ typeOp, tmplOp, fullName }, site, ctx);
      changed.set(fullName, op);
      if (fromType.uniqueShort.has(name)) changed.set(name, op);
    }
  }
  return copyPatched({ fromType, table }, changed);
}

/**
 * A copy of `table` without the `changed` keys, then those of them that have an operation (in
 * that order). Built key by key, a table of more than about twenty keys becomes a hash table
 * several times larger; so the first copy for each set of changed keys is kept as a layout,
 * built with {@link addEntry}, and every template's table is a copy of it (a copy of a fast
 * object is one too) with its own operations put in.
 */
function copyPatched(
  from: {
    readonly fromType: TypeOperations;
    readonly table: Readonly<Record<string, PlanOperation>>;
  },
  changed: ReadonlyMap<string, PlanOperation | undefined>,
): Record<string, PlanOperation> {
  const { fromType, table } = from;
  let signature = '';
  for (const [key, op] of changed) signature += `${op === undefined ? '-' : '+'}${key}\u0000`;
  let layout = fromType.layouts.get(signature);
  if (layout === undefined) {
    layout = dict<PlanOperation>();
    for (const key in table) {
      if (!changed.has(key)) addEntry(layout, key, table[key] as PlanOperation);
    }
    for (const [key, op] of changed) if (op !== undefined) addEntry(layout, key, op);
    fromType.layouts.set(signature, layout);
  }
  const out = Object.assign(dict<PlanOperation>(), layout);
  for (const [key, op] of changed) if (op !== undefined) out[key] = op;
  return out;
}

/**
 * Builds the operations table of a node or relationship side from the type's interfaces and the
 * template's. Operations the template does not touch are shared between templates of one type.
 */
export function buildOperationTable(
  ifaces: { readonly type: Interfaces; readonly template: Interfaces },
  site: OperationSite,
  ctx: PlanContext,
): Record<string, PlanOperation> {
  const fromType = typeOperations(ifaces.type, site, ctx);
  if (fromType.table !== undefined) {
    if (ifaces.template.size === 0) {
      for (const fullName of fromType.refs.keys()) registerRefs({ fromType, fullName }, site, ctx);
      return fromType.table;
    }
    const patched = patchTable({ fromType, table: fromType.table }, { ifaces, site }, ctx);
    if (patched !== undefined) return patched;
  }
  const names: (readonly [string, string])[] = [...operationNames(ifaces.type)];
  const seen = new Set(names.map(([i, n]) => `${i}.${n}`));
  for (const [iface, name] of operationNames(ifaces.template)) {
    if (!seen.has(`${iface}.${name}`)) names.push([iface, name]);
  }
  const built = new Map<string, PlanOperation | undefined>();
  for (const [iface, name] of names) {
    const fullName = `${iface}.${name}`;
    const tmplOp = ifaces.template.get(iface)?.get(name);
    const cached = fromType.ops.get(fullName);
    if (tmplOp === undefined && cached !== 'per-template') {
      built.set(fullName, cached);
      registerRefs({ fromType, fullName }, site, ctx);
      continue;
    }
    built.set(
      fullName,
      buildOne({ typeOp: ifaces.type.get(iface)?.get(name), tmplOp, fullName }, site, ctx),
    );
  }
  return assemble(names, (full) => built.get(full));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
