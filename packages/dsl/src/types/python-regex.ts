/**
 * Blueprints write regular expressions for Python's `re`. This translates the common
 * Python-only syntax to JavaScript (named groups `(?P<n>…)`, back-references `(?P=n)`, `\A`,
 * `\Z`, a leading inline-flag group) so patterns from Cloudify blueprints work unchanged.
 */

const cache = new Map<string, RegExp | string>();

/**
 * Compiles a Python regex. With `anchored`, it matches only at the start, like `re.match`.
 * Returns the error text when the pattern does not compile.
 */
export function compilePythonRegex(pattern: string, anchored = false): RegExp | string {
  const key = `${anchored ? 'a' : 'u'}${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline !== null) {
    source = source.slice(inline[0].length);
    for (const f of inline[1] ?? '') {
      if ((f === 'i' || f === 'm' || f === 's') && !flags.includes(f)) flags += f;
    }
  }
  source = source
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$(?![\\s\\S])');
  let result: RegExp | string;
  try {
    result = new RegExp(anchored ? `^(?:${source})` : source, flags);
  } catch (error) {
    result =
      error instanceof Error
        ? error.message.replace(/^Invalid regular expression: /, '')
        : String(error);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, result);
  return result;
}
