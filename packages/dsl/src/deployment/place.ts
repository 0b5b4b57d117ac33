import type { Reporter } from '../diagnostics/diagnostic.js';
import type { PlanSourceMap } from '../plan/source-map.js';

/**
 * Runs work "at" a declared element: problems it reports without a location of their own point
 * at that input, node template, output, capability or group in the blueprint.
 */
export type Placer = <T>(section: keyof PlanSourceMap, name: string, work: () => T) => T;

/** A placer over a source map (or one that places nothing, without a map). */
export function createPlacer(reporter: Reporter, sourceMap: PlanSourceMap | undefined): Placer {
  return (section, name, work) => reporter.within(sourceMap?.[section][name], work);
}

/** A placer that places nothing. */
export const NO_PLACE: Placer = (_section, _name, work) => work();
