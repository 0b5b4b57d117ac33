import { describe, expect, it } from 'vitest';
import { formatMode, parseMode, parseOwner } from './mode-owner.js';

describe('parseMode', () => {
  it.each([
    ['0644', 0o644],
    ['644', 0o644],
    ['0o750', 0o750],
    [' 0600 ', 0o600],
    ['4755', 0o4755],
    [644, 0o644],
    [755, 0o755],
    [0, 0],
    [1777, 0o1777],
  ])('reads %j as %o', (value, bits) => {
    expect(parseMode(value)).toMatchObject({ ok: true, value: { bits } });
  });

  it.each([
    ['999'],
    ['0x1a4'],
    ['rw-r--r--'],
    ['17777'],
    [''],
    [-1],
    [1.5],
    [true],
    [null],
    [8888],
  ])('refuses %j', (value) => {
    expect(parseMode(value)).toMatchObject({ ok: false });
  });

  it('warns about integers an unquoted YAML 1.1 octal makes, and hints at it when refusing', () => {
    // `mode: 0644` in YAML 1.1 is 420; its digits read as octal give 0420.
    expect(parseMode(420)).toEqual({
      ok: true,
      value: {
        bits: 0o420,
        warning:
          "mode 420 is taken as 0420 (its digits read as octal). If the blueprint says 0644 unquoted, YAML read that as the number 420: write '0644' or 644 instead.",
      },
    });
    expect(parseMode(644)).toEqual({ ok: true, value: { bits: 0o644 } });
    expect(parseMode(493)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('an unquoted 0755 is the number 493 in YAML 1.1') as string,
    });
  });

  it('formats modes with a leading 0', () => {
    expect(formatMode(0o644)).toBe('0644');
    expect(formatMode(0o4755)).toBe('04755');
    expect(formatMode(0)).toBe('0000');
  });
});

describe('parseOwner', () => {
  it.each([
    ['app', { user: 'app', group: undefined, loginGroup: false }],
    ['app:web', { user: 'app', group: 'web', loginGroup: false }],
    [':web', { user: undefined, group: 'web', loginGroup: false }],
    ['app:', { user: 'app', group: undefined, loginGroup: true }],
    ['1000:1000', { user: 1000, group: 1000, loginGroup: false }],
    [0, { user: 0, group: undefined, loginGroup: false }],
  ])('reads %j', (value, spec) => {
    expect(parseOwner(value)).toMatchObject({ ok: true, value: spec });
  });

  it.each([[''], [':'], ['a:b:c'], ['-rf'], ['a b'], [-1], [{}], ['99999999999']])(
    'refuses %j',
    (value) => {
      expect(parseOwner(value)).toMatchObject({ ok: false });
    },
  );
});
