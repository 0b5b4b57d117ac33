/**
 * Python's renderings of JSON data, which Cloudify scripts see: `str()` is what the `ctx`
 * command prints and how plain inputs become environment variables (`True`/`False`/`None`,
 * Python's float repr, `repr` of strings inside lists and mappings: `['a', 1]`, `{'k': None}`),
 * and `json.dumps()` with its default separators and ASCII escapes is how dicts, lists and
 * booleans become environment variables.
 *
 * One limit: plain data has no int/float distinction, so a whole number always renders as an
 * integer (`1`, never `1.0`).
 *
 * (The blueprint parser has its own copy of `str()` for `concat`: plugins may depend on no Cairn
 * package but the plugin SDK, and the parser on none but errors.)
 */
import type { Json } from './context.js';

type PlanValue = Json;

/** `str(value)` as Python 3 renders it. */
export function pythonStr(value: PlanValue): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** `repr(value)` as Python 3 renders it. */
export function pythonRepr(value: PlanValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v)).join(', ')}]`;
  const entries = Object.keys(value).map(
    (k) => `${pythonStringRepr(k)}: ${pythonRepr(value[k] ?? null)}`,
  );
  return `{${entries.join(', ')}}`;
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n)) {
    // Python ints never use exponent notation.
    return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  }
  return pythonFloat(n);
}

/**
 * Python's float repr: the shortest digits that round-trip (JavaScript finds the same digits),
 * laid out in fixed notation when the decimal exponent is in [-4, 16), else as `d.ddde±XX`.
 */
function pythonFloat(n: number): string {
  const [mantissa = '', exponentText = '0'] = n.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const exponent = Number(exponentText);
  const sign = negative ? '-' : '';
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digits.slice(exponent + 1);
    return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
  }
  const head = digits.slice(0, 1);
  const tail = digits.slice(1);
  const expSign = exponent < 0 ? '-' : '+';
  const expDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${head}${tail === '' ? '' : `.${tail}`}e${expSign}${expDigits}`;
}

/** Characters Python's `str.isprintable()` rejects (other than the plain space). */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) out += escapeCodePoint(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

function escapeCodePoint(code: number): string {
  const hex = code.toString(16);
  if (code < 0x100) return `\\x${hex.padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

/** `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, ASCII only. */
export function pythonJsonDumps(value: Json): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return pythonNumber(value);
  }
  if (typeof value === 'string') return asciiJsonString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(', ')}]`;
  const entries = Object.keys(value).map(
    (k) => `${asciiJsonString(k)}: ${pythonJsonDumps(value[k] ?? null)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** A JSON string with every non-ASCII character escaped (`ensure_ascii=True`). */
function asciiJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u0080-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
