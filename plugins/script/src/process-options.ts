/**
 * The `process` input of a script operation (Cloudify's names and defaults), checked: a wrong
 * type is the blueprint's mistake, so a NonRecoverableError that names the option.
 */
import type { Json } from './context.js';
import { envValue } from './env.js';
import { NonRecoverableError } from './errors.js';

/** How the script's `ctx` command reaches the operation. */
export type CtxProxyType = 'auto' | 'http' | 'none';

/** The checked `process` options. */
export interface ProcessOptions {
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly commandPrefix: string | undefined;
  /** `true`/`false` when given: false runs a `.py` script as a plain executable. */
  readonly evalPython: boolean | undefined;
  readonly logStdout: boolean;
  readonly logStderr: boolean;
  readonly stderrToStdout: boolean;
  readonly ctxProxyType: CtxProxyType;
  /** A legacy proxy type (`unix`, `tcp`, `zmq`) that was read as `http`. */
  readonly replacedProxyType: string | undefined;
  /** Options Cairn does not know (ignored, as Cloudify does). */
  readonly unknown: readonly string[];
}

function wrong(name: string, expected: string, value: Json): NonRecoverableError {
  return new NonRecoverableError(
    `The script's process option '${name}' must be ${expected}, not ${JSON.stringify(value)}`,
  );
}

function bool(options: Record<string, Json>, name: string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw wrong(name, 'true or false', value);
  return value;
}

function string(options: Record<string, Json>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrong(name, 'a string', value);
  return value;
}

/** Checks the `process` input (absent or null: the defaults). */
export function processOptions(value: Json | undefined): ProcessOptions {
  if (
    value !== undefined &&
    value !== null &&
    (typeof value !== 'object' || Array.isArray(value))
  ) {
    throw new NonRecoverableError(
      `The script input 'process' must be a dict of options, not ${JSON.stringify(value)}`,
    );
  }
  const options: Record<string, Json> = value ?? {};
  const known = new Set([
    'cwd',
    'env',
    'args',
    'command_prefix',
    'eval_python',
    'log_stdout',
    'log_stderr',
    'stderr_to_stdout',
    'ctx_proxy_type',
  ]);
  // Cloudify reads the options it knows and ignores the rest: so does Cairn, with a warning.
  const unknown = Object.keys(options).filter((name) => !known.has(name));
  const env = options.env;
  if (env !== undefined && env !== null && (typeof env !== 'object' || Array.isArray(env))) {
    throw wrong('env', 'a dict', env);
  }
  const args = options.args;
  if (args !== undefined && args !== null && !Array.isArray(args)) {
    throw wrong('args', 'a list', args);
  }
  const proxy = string(options, 'ctx_proxy_type') ?? 'auto';
  const legacy = ['unix', 'tcp', 'zmq'].includes(proxy);
  if (!legacy && proxy !== 'auto' && proxy !== 'http' && proxy !== 'none') {
    throw wrong('ctx_proxy_type', 'auto, http or none', proxy);
  }
  const evalPython = options.eval_python;
  if (evalPython !== undefined && evalPython !== null && typeof evalPython !== 'boolean') {
    throw wrong('eval_python', 'true or false', evalPython);
  }
  return {
    cwd: string(options, 'cwd'),
    // Values as Cloudify's `os.environ.update` would need them: text.
    env: Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, envValue(v)])),
    args: (args ?? []).map((arg) => (typeof arg === 'string' ? arg : envValue(arg))),
    commandPrefix: string(options, 'command_prefix'),
    evalPython: typeof evalPython === 'boolean' ? evalPython : undefined,
    logStdout: bool(options, 'log_stdout', true),
    logStderr: bool(options, 'log_stderr', true),
    stderrToStdout: bool(options, 'stderr_to_stdout', false),
    ctxProxyType: legacy ? 'http' : (proxy as CtxProxyType),
    replacedProxyType: legacy ? proxy : undefined,
    unknown,
  };
}
