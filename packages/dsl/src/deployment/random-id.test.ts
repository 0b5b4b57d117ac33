import { describe, expect, it } from 'vitest';
import { createIdGenerator } from './random-id.js';

const ID = /^web_[a-z0-9]{6}$/;

function draw(seed: number | string | undefined, n: number): string[] {
  const ids = createIdGenerator(seed);
  return Array.from({ length: n }, () => ids.next('web'));
}

describe('createIdGenerator', () => {
  it('makes <prefix>_<6 chars from [a-z0-9]>', () => {
    for (const id of [...draw(7, 50), ...draw(undefined, 50)]) expect(id).toMatch(ID);
  });

  it('gives the same ids for the same seed, whether a number or a string', () => {
    expect(draw(42, 20)).toEqual(draw(42, 20));
    expect(draw('42', 20)).toEqual(draw(42, 20));
    expect(draw('build-7', 20)).toEqual(draw('build-7', 20));
  });

  it('gives different ids for different seeds, even neighbouring ones', () => {
    expect(draw(1, 5)).not.toEqual(draw(2, 5));
    expect(draw('a', 5)).not.toEqual(draw('b', 5));
    expect(draw(0, 5)).not.toEqual(draw('', 5));
  });

  it('is random without a seed', () => {
    expect(draw(undefined, 5)).not.toEqual(draw(undefined, 5));
  });

  it('never repeats an id', () => {
    const ids = draw(3, 10_000);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every character of the alphabet, about evenly', () => {
    const counts = new Map<string, number>();
    for (const id of draw(99, 6000)) {
      for (const ch of id.slice(4)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(36);
    // 36 000 characters: about 1000 each.
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
    for (const n of counts.values()) expect(n).toBeLessThan(1200);
  });
});
