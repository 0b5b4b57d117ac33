/**
 * Where the named elements of a plan are declared. Checks that run over plain plan data later
 * (preparing a deployment: inputs, functions, instance counts) use it to point at the input or
 * node template a problem is about.
 */
import type { ComposedBlueprint } from '../compose/compose.js';
import type { SourcePosition } from '../diagnostics/diagnostic.js';
import { keyLoc } from '../source/locations.js';
import { lineColumnAt, type Loc } from '../source/source-doc.js';
import { dict } from '../util/value.js';

/** Declaration places by section and (namespaced) name. Plain JSON data. */
export interface PlanSourceMap {
  readonly inputs: { readonly [name: string]: SourcePosition };
  readonly nodes: { readonly [id: string]: SourcePosition };
  readonly outputs: { readonly [name: string]: SourcePosition };
  readonly capabilities: { readonly [name: string]: SourcePosition };
  readonly groups: { readonly [name: string]: SourcePosition };
  /**
   * The main file's `inputs:` key (or its first line when it has none): where a value given for
   * an input the blueprint does not declare is reported.
   */
  readonly inputsSection: SourcePosition;
}

function position(loc: Loc): SourcePosition {
  const start = lineColumnAt(loc.doc, loc.start);
  const end = lineColumnAt(loc.doc, loc.end);
  return {
    file: loc.doc.name,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
  };
}

function positions(
  composed: ComposedBlueprint,
  section: 'inputs' | 'node_templates' | 'outputs' | 'capabilities' | 'groups',
): Record<string, SourcePosition> {
  const out = dict<SourcePosition>();
  for (const element of composed.sections[section].values()) {
    const loc = keyLoc(element.section, element.localName);
    if (loc !== undefined) out[element.name] = position(loc);
  }
  return out;
}

/** Builds the source map of a composed blueprint. */
export function buildSourceMap(composed: ComposedBlueprint): PlanSourceMap {
  return {
    inputs: positions(composed, 'inputs'),
    nodes: positions(composed, 'node_templates'),
    outputs: positions(composed, 'outputs'),
    capabilities: positions(composed, 'capabilities'),
    groups: positions(composed, 'groups'),
    inputsSection: position(
      keyLoc(composed.main.value, 'inputs') ?? { doc: composed.main.doc, start: 0, end: 0 },
    ),
  };
}
