import type { Reporter } from '../diagnostics/diagnostic.js';
import type { PlanSourceMap } from '../plan/source-map.js';

/**
 * Runs work "at" a declared element: problems it reports without a location of their own point
 * at that input, node template, output, capability or group in the blueprint.
 */
export type Placer = <T>(section: PlacedSection, name: string, work: () => T) => T;

/** The sections of a source map that hold named declarations. */
export type PlacedSection = Exclude<keyof PlanSourceMap, 'inputsSection'>;

/** A placer over a source map (or one that places nothing, without a map). */
export function createPlacer(reporter: Reporter, sourceMap: PlanSourceMap | undefined): Placer {
  return (section, name, work) => reporter.within(sourceMap?.[section][name], work);
}

/** A placer that places nothing. */
export const NO_PLACE: Placer = (_section, _name, work) => work();
