/**
 * Reading `-i/--inputs` values the way Cloudify's CLI does: a YAML or JSON file, an inline YAML
 * or JSON mapping, or `key=value` pairs separated by `;`. Values of pairs are read as YAML
 * scalars, so `port=8080` is the number 8080 and `debug=true` the boolean.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readYaml } from '@cairn/dsl';
import { UsageError } from '@cairn/errors';

/** A JSON-like value given as an input. */
export type InputValue =
  null | boolean | number | string | InputValue[] | { [key: string]: InputValue };

function asMapping(data: unknown, from: string): Record<string, InputValue> {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`Inputs from ${from} must be a mapping of input names to values.`);
  }
  return data as Record<string, InputValue>;
}

function parseYaml(text: string, from: string): unknown {
  const read = readYaml(text, from);
  const problem = read.diagnostics.find((d) => d.severity === 'error');
  if (problem !== undefined || read.value === undefined) {
    throw new UsageError(
      `Inputs from ${from} are not valid YAML or JSON: ${problem?.message ?? 'unreadable'}`,
    );
  }
  return read.value;
}

/** Parses one `-i` argument into input values. Throws a UsageError with a clear message. */
export function parseInputsArgument(
  arg: string,
  cwd: string = process.cwd(),
): Record<string, InputValue> {
  const trimmed = arg.trim();
  if (trimmed === '') throw new UsageError('An empty -i/--inputs value was given.');
  const path = trimmed.startsWith('/') ? trimmed : `${cwd}/${trimmed}`;
  if (existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(
        `Cannot read the inputs file '${trimmed}': ${(error as { code?: string }).code ?? String(error)}.`,
      );
    }
    return asMapping(parseYaml(text, `'${trimmed}'`), `'${trimmed}'`);
  }
  if (trimmed.startsWith('{'))
    return asMapping(parseYaml(trimmed, 'the -i argument'), 'the -i argument');
  if (!trimmed.includes('=')) {
    throw new UsageError(
      `'${trimmed}' is neither an existing inputs file nor KEY=VALUE pairs (e.g. -i port=8080 or -i inputs.yaml).`,
    );
  }
  const out: Record<string, InputValue> = {};
  for (const pair of trimmed.split(';')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`'${pair}' is not KEY=VALUE.`);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    const value = raw === '' ? '' : parseYaml(raw, `'${pair}'`);
    out[key] = (value ?? '') as InputValue;
  }
  return out;
}

/** Merges several `-i` arguments; later ones win. */
export function parseInputs(args: readonly string[], cwd?: string): Record<string, InputValue> {
  const out: Record<string, InputValue> = {};
  for (const arg of args) Object.assign(out, parseInputsArgument(arg, cwd));
  return out;
}
