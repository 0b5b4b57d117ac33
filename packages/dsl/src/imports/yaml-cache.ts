/**
 * A cache of loaded YAML files, for callers that parse many blueprints sharing big imports
 * (plugin YAMLs of thousands of lines). Loaded values are immutable, so sharing them is safe;
 * the diagnostics the load produced are replayed on every hit.
 */
import { Reporter } from '../diagnostics/diagnostic.js';
import type { DiagnosticCode, Severity } from '../diagnostics/codes.js';
import { loadYaml } from '../source/load-yaml.js';
import type { Loc, SourceDoc } from '../source/source-doc.js';
import type { Value } from '../util/value.js';

interface CachedLoad {
  readonly doc: SourceDoc;
  readonly value: Value | undefined;
  readonly diagnostics: readonly {
    code: DiagnosticCode;
    severity: Severity;
    message: string;
    loc: Loc | undefined;
  }[];
}

/** A cache of loaded YAML files, keyed by URL (and checked against the text). */
export type YamlCache = Map<string, CachedLoad>;

/** Loads `doc`, through `cache` when one is given. */
export function loadYamlCached(
  doc: SourceDoc,
  reporter: Reporter,
  cache: YamlCache | undefined,
): Value | undefined {
  if (cache === undefined) return loadYaml(doc, reporter);
  const hit = cache.get(doc.url);
  if (hit !== undefined && hit.doc.text === doc.text) {
    for (const d of hit.diagnostics) reporter.add(d.code, d.severity, d.message, d.loc);
    return hit.value;
  }
  const local = new RecordingReporter();
  const value = loadYaml(doc, local);
  cache.set(doc.url, { doc, value, diagnostics: local.recorded });
  for (const d of local.recorded) reporter.add(d.code, d.severity, d.message, d.loc);
  return value;
}

class RecordingReporter extends Reporter {
  readonly recorded: {
    code: DiagnosticCode;
    severity: Severity;
    message: string;
    loc: Loc | undefined;
  }[] = [];

  override add(
    code: DiagnosticCode,
    severity: Severity,
    message: string,
    loc: Loc | undefined,
  ): void {
    this.recorded.push({ code, severity, message, loc });
    super.add(code, severity, message, loc);
  }
}
