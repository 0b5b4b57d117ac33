/**
 * docs/plugins/ctx-api.md is generated from this package's TSDoc: it must be current, and every
 * member of every export must say what it is.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderSdkReference } from '../../../scripts/sdk-reference.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the SDK reference', () => {
  const rendered = renderSdkReference();

  it('docs/plugins/ctx-api.md is current (run `npm run gen:docs`)', () => {
    expect(readFileSync(`${root}docs/plugins/ctx-api.md`, 'utf8')).toBe(rendered);
  });

  it('documents every member of every export', () => {
    const undocumented = rendered.split('\n').filter((line) => line.endsWith('| — |'));
    expect(undocumented).toEqual([]);
  });
});
