import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from './suggest.js';

describe('did you mean', () => {
  it('finds a near name, counting swapped letters as one edit', () => {
    expect(closest('prot', ['port', 'host'])).toBe('port');
    expect(
      closest('cloudify.nodes.Compte', ['cloudify.nodes.Compute', 'cloudify.nodes.Root']),
    ).toBe('cloudify.nodes.Compute');
    expect(closest('INTEGER', ['integer', 'float'])).toBe('integer');
  });

  it('suggests nothing far away or identical', () => {
    expect(closest('database', ['port', 'host'])).toBeUndefined();
    expect(didYouMean('port', ['port'])).toBe('');
    expect(didYouMean('prot', ['port'])).toBe(" Did you mean 'port'?");
  });
});
