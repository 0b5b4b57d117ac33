/**
 * Python's `str.find`, `str.replace`, `str.split` and list indexing, which Cloudify's string
 * functions call directly. Python counts code points where JavaScript counts UTF-16 units, and
 * Python accepts negative indexes; these helpers follow Python.
 */

/** `haystack.find(needle)`: the code-point index of the first match, or -1. */
export function pythonFind(haystack: string, needle: string): number {
  const at = haystack.indexOf(needle);
  if (at < 0) return -1;
  return Array.from(haystack.slice(0, at)).length;
}

/** What {@link pythonReplace} replaces: `old` by `replacement`, the first `count` times (all without). */
export interface Replacement {
  readonly old: string;
  readonly replacement: string;
  /** A negative count, as in Python, replaces every match. */
  readonly count?: number;
}

/** `text.replace(old, replacement[, count])`. */
export function pythonReplace(text: string, { old, replacement, count }: Replacement): string {
  const limit = count === undefined || count < 0 ? Infinity : count;
  if (old === '') {
    // Python inserts the replacement before every code point and at the end.
    const chars = Array.from(text);
    let out = '';
    let done = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (done < limit) {
        out += replacement;
        done++;
      }
      out += chars[i] ?? '';
    }
    return out;
  }
  let out = '';
  let from = 0;
  let done = 0;
  while (done < limit) {
    const at = text.indexOf(old, from);
    if (at < 0) break;
    out += text.slice(from, at) + replacement;
    from = at + old.length;
    done++;
  }
  return out + text.slice(from);
}

/** The item at a Python index (negative counts from the end), or undefined when out of range. */
export function pythonItem<T>(list: readonly T[], index: number): T | undefined {
  const i = index < 0 ? list.length + index : index;
  return i >= 0 && i < list.length ? list[i] : undefined;
}
