/**
 * Scalar resolution that matches PyYAML's SafeLoader, which is what Cloudify reads blueprints
 * with: YAML 1.1 booleans (`yes`/`no`/`on`/`off`), octal `0644`, sexagesimal numbers, floats
 * that need a dot, merge keys. Timestamps stay strings (PyYAML would build a datetime that no
 * blueprint value can use). Anything else is a string.
 */
import jsyaml from 'js-yaml';

const { Type } = jsyaml;

function stripUnderscores(text: string): string {
  return text.replace(/_/g, '');
}

function sexagesimal(text: string, parse: (s: string) => number): number {
  const negative = text.startsWith('-');
  let result = 0;
  for (const part of text.replace(/^[-+]/, '').split(':')) result = result * 60 + parse(part);
  return negative ? -result : result;
}

function signedInteger(text: string): number {
  const t = stripUnderscores(text);
  const negative = t.startsWith('-');
  const body = t.replace(/^[-+]/, '');
  let n: number;
  if (body.startsWith('0b')) n = parseInt(body.slice(2), 2);
  else if (body.startsWith('0x')) n = parseInt(body.slice(2), 16);
  else if (body.includes(':')) return sexagesimal(t, (p) => parseInt(p, 10));
  else if (body.length > 1 && body.startsWith('0')) n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  return negative ? -n : n;
}

const NULL = /^(?:~|null|Null|NULL|)$/;
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

// Every plain scalar (most keys and values of a blueprint) is tried against each type in turn:
// a look at its first character spares most of them the regular expressions.

/** Whether `text` may be a null: empty, or starting with `~`, `n` or `N`. */
function mayBeNull(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  return c === 0x7e || c === 0x6e || c === 0x4e;
}

/** Whether `text` may be a boolean: starting with one of `yYnNtTfFoO`. */
function mayBeBool(text: string): boolean {
  switch (text.charCodeAt(0) | 0x20) {
    case 0x79: // y
    case 0x6e: // n
    case 0x74: // t
    case 0x66: // f
    case 0x6f: // o
      return true;
    default:
      return false;
  }
}

/** Whether `text` may be a number: starting with a digit, a sign or (floats) a dot. */
function mayBeNumber(text: string, dot: boolean): boolean {
  const c = text.charCodeAt(0);
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || (dot && c === 0x2e);
}

const nullType = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    data === null || (typeof data === 'string' && mayBeNull(data) && NULL.test(data)),
  construct: () => null,
});

const boolType = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && mayBeBool(data) && BOOL.test(data),
  construct: (data: string) => TRUE.test(data),
});

const intType = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    typeof data === 'string' && mayBeNumber(data, false) && INT.test(data),
  construct: (data: string) => signedInteger(data),
});

const floatType = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    typeof data === 'string' && mayBeNumber(data, true) && FLOAT.test(data),
  construct: (data: string) => {
    const t = stripUnderscores(data);
    if (/inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/nan$/i.test(t)) return NaN;
    if (t.includes(':')) return sexagesimal(t, (p) => parseFloat(p));
    return parseFloat(t);
  },
});

const mergeType = new Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (data: unknown) => data === '<<',
});

/** The schema blueprints are read with: PyYAML's implicit scalar types over YAML's failsafe schema. */
export const PYYAML_SCHEMA: jsyaml.Schema = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, mergeType],
});

/** The tag js-yaml gives merge keys. */
export const MERGE_TAG = 'tag:yaml.org,2002:merge';
