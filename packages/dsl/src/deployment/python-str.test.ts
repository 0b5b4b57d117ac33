import { describe, expect, it } from 'vitest';
import type { PlanValue } from '../plan/plan-types.js';
import { pythonStr } from './python-str.js';

// Expected strings were produced with CPython 3.11: repr(str(value)).
const CASES: [PlanValue, string][] = [
  [true, 'True'],
  [false, 'False'],
  [null, 'None'],
  [1, '1'],
  [-3, '-3'],
  [1.5, '1.5'],
  [0.1, '0.1'],
  [1e-5, '1e-05'],
  [2.5e-7, '2.5e-07'],
  [1.5e-16, '1.5e-16'],
  [1.25e-300, '1.25e-300'],
  [0.000123, '0.000123'],
  [12345.678, '12345.678'],
  [0.5, '0.5'],
  [-0.25, '-0.25'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
  [NaN, 'nan'],
  ['plain', 'plain'],
  [[1, 'a', null, true], "[1, 'a', None, True]"],
  [{ a: 1, b: [1.5, 'x'] }, "{'a': 1, 'b': [1.5, 'x']}"],
  [{}, '{}'],
  [[], '[]'],
  [["it's"], '["it\'s"]'],
  [['say "hi"'], '[\'say "hi"\']'],
  [['both \' and "'], "['both \\' and \"']"],
  [['tab\there\n'], "['tab\\there\\n']"],
  [['\u0001\u007f'], "['\\x01\\x7f']"],
  [['é€😀'], "['é€😀']"],
  [['\u200b'], "['\\u200b']"],
  [['x\\y'], "['x\\\\y']"],
];

describe('pythonStr', () => {
  it.each(CASES)('renders %j as Python does', (value, expected) => {
    expect(pythonStr(value)).toBe(expected);
  });

  it('renders a whole number as an integer (plain data has no 1.0)', () => {
    expect(pythonStr(1.0)).toBe('1');
    expect(pythonStr(1e22)).toBe('10000000000000000000000');
    expect(pythonStr(1.5e16)).toBe('15000000000000000');
  });
});
