/**
 * Operation inputs as a script's environment variables, encoded as Cloudify's script runner
 * does: dicts, lists and booleans as JSON (`json.dumps`), anything else as Python's `str()`.
 */
import type { Json } from './context.js';
import { pythonJsonDumps, pythonStr } from './python-str.js';

/** Inputs of `script_runner.tasks.run` itself: never exported. */
export const RUNNER_INPUTS: ReadonlySet<string> = new Set([
  'ctx',
  'script_path',
  'script_source',
  'process',
  'ssl_cert_content',
]);

/** One value as an environment variable's text. */
export function envValue(value: Json): string {
  return typeof value === 'object' || typeof value === 'boolean'
    ? value === null
      ? 'None'
      : pythonJsonDumps(value)
    : pythonStr(value);
}

/** The environment variables the inputs of an operation become. */
export function inputsAsEnv(inputs: Readonly<Record<string, Json>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) {
    if (!RUNNER_INPUTS.has(name)) env[name] = envValue(value);
  }
  return env;
}
