/**
 * Where the CLI writes, and how it colours: colours only on a terminal, never with NO_COLOR.
 */
import pc from 'picocolors';
import type { FormatStyle } from '@cairn/dsl';

/** The streams and styling a command writes with (tests pass their own). */
export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly style: FormatStyle & { readonly ok: (t: string) => string };
  readonly color: boolean;
}

/** True when colours should be used on this stream. */
export function wantsColor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** The process's own output: stdout and stderr, coloured when stdout is a terminal. */
export function processOutput(): Output {
  const color = wantsColor(process.stdout);
  const c = pc.createColors(color);
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    style: { error: c.red, warning: c.yellow, dim: c.dim, bold: c.bold, ok: c.green },
    color,
  };
}
