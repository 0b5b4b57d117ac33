/**
 * The parser's front door: a blueprint URL in, a Plan and diagnostics out. Never throws on user
 * input; every problem is a coded diagnostic with a position.
 */
import { composeBlueprint } from './compose/compose.js';
import { Reporter, type Diagnostic } from './diagnostics/diagnostic.js';
import { dict } from './util/value.js';
import type { ImportHost } from './imports/import-host.js';
import type { ImportRule } from './imports/import-string.js';
import { loadBlueprintFiles } from './imports/load-imports.js';
import type { YamlCache } from './imports/yaml-cache.js';
import { buildPlan } from './plan/build-plan.js';
import type { Plan } from './plan/plan-types.js';
import { buildSourceMap, type PlanSourceMap } from './plan/source-map.js';

/** Options of {@link parseBlueprint}. */
export interface ParseOptions {
  /** Reads files and resolves plugin and blueprint imports. */
  readonly host: ImportHost;
  /** Import resolver rules (`{prefix → replacement}`), tried before the URL itself. */
  readonly importRules?: readonly ImportRule[];
  /** Shares loaded YAML between parses (see {@link createParseCache}). */
  readonly cache?: ParseCache;
}

/** A cache of loaded YAML files for parsing many blueprints that share imports. */
export interface ParseCache {
  /** @internal */
  readonly yaml: YamlCache;
}

/** Creates a cache to pass to several {@link parseBlueprint} calls. */
export function createParseCache(): ParseCache {
  return { yaml: new Map() };
}

/** What parsing a blueprint gives. Plain JSON data. */
export interface ParseResult {
  /** True when there is no error-level diagnostic. */
  readonly ok: boolean;
  /** The plan; present only when `ok`. */
  readonly plan: Plan | undefined;
  /** Every problem found, sorted by file and position. */
  readonly diagnostics: Diagnostic[];
  /** The text of every file read, by its display name (for code frames). */
  readonly sources: Readonly<Record<string, string>>;
  /**
   * Where inputs, node templates, outputs, capabilities and groups are declared; pass it to
   * `prepareDeployment` so that its diagnostics point into the blueprint. Present with `plan`.
   */
  readonly sourceMap: PlanSourceMap | undefined;
}

/** Parses and validates the blueprint at `url` (a `file:` or `http(s):` URL) and its imports. */
export async function parseBlueprint(url: string, options: ParseOptions): Promise<ParseResult> {
  const reporter = new Reporter();
  const loaded = await loadBlueprintFiles(
    url,
    { host: options.host, rules: options.importRules ?? [], cache: options.cache?.yaml },
    reporter,
  );
  const sources: Record<string, string> = dict<string>();
  let plan: Plan | undefined;
  let sourceMap: PlanSourceMap | undefined;
  if (loaded !== undefined) {
    for (const file of loaded.files) sources[file.doc.name] = file.doc.text;
    const composed = composeBlueprint(loaded, reporter);
    if (composed !== undefined && loaded.versionDeclared) {
      plan = buildPlan(composed, reporter, options.host);
      sourceMap = buildSourceMap(composed);
    }
  }
  const diagnostics = reporter.finish();
  const ok = !reporter.hasErrors;
  return {
    ok,
    plan: ok ? plan : undefined,
    diagnostics,
    sources,
    sourceMap: ok ? sourceMap : undefined,
  };
}
