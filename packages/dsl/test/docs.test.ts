/**
 * Generated files must be current: the embedded built-in types and docs/diagnostics.md.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TYPES_YAML, DIAGNOSTIC_CODES } from '@cairn/dsl';
import { renderDiagnosticsDoc } from '../../../scripts/diagnostics-doc.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('generated files', () => {
  it('the embedded built-in types equal types/types.yaml (run `npm run gen:types`)', () => {
    expect(BUILTIN_TYPES_YAML).toBe(readFileSync(`${root}types/types.yaml`, 'utf8'));
  });

  it('docs/diagnostics.md lists every code as the registry has it (run `npm run gen:docs`)', () => {
    const expected = renderDiagnosticsDoc(DIAGNOSTIC_CODES);
    expect(readFileSync(`${root}docs/diagnostics.md`, 'utf8')).toBe(expected);
  });
});
