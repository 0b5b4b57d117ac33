import type { Element } from '../compose/compose.js';
import type { ScanContext } from '../functions/scan.js';
import type { AnalysisContext } from '../types/context.js';
import type { Interfaces } from '../types/operations.js';
import type { TypeRegistry } from '../types/type-registry.js';
import type { PlanPlugin } from './plan-types.js';
import type { TypeOperations } from './operations.js';

/** What the plan builders share while turning a composed blueprint into a plan. */
export interface PlanContext extends AnalysisContext {
  readonly registry: TypeRegistry;
  readonly scan: ScanContext;
  /** Plugins by (qualified) name. */
  readonly plugins: Map<string, { plugin: PlanPlugin; element: Element }>;
  /** The main blueprint's URL: script paths are resolved against it. */
  readonly mainUrl: string;
  /**
   * Operations built from a type alone, shared by the templates that do not override them: by
   * the type's (or relationship side's) interfaces, then by the folder scripts are found in.
   */
  readonly operationCache: Map<Interfaces, Map<string, TypeOperations>>;
}
