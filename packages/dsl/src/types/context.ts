import type { ComposedBlueprint } from '../compose/compose.js';
import type { Reporter } from '../diagnostics/diagnostic.js';
import type { ImportHost } from '../imports/import-host.js';
import type { DslVersion } from '../util/dsl-version.js';

/** What every analysis step needs: where to report, the DSL version, the merged blueprint. */
export interface AnalysisContext {
  readonly reporter: Reporter;
  readonly version: DslVersion;
  readonly composed: ComposedBlueprint;
  readonly host: ImportHost;
}
