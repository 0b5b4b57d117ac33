import { Reporter, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Value } from '../util/value.js';
import { loadYaml } from './load-yaml.js';

/** What {@link readYaml} gives: the value (undefined when the text is not YAML) and any problems. */
export interface YamlReadResult {
  readonly value: Value | undefined;
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads YAML text the way blueprints are read (PyYAML's rules: YAML 1.1 scalars, merge keys).
 * For inputs files and configuration, so that they mean what they mean to Cloudify.
 */
export function readYaml(text: string, name = '<text>'): YamlReadResult {
  const reporter = new Reporter();
  const value = loadYaml({ url: `memory:${name}`, name, text }, reporter);
  return { value, diagnostics: reporter.finish() };
}
