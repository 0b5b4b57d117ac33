import { describe, expect, it } from 'vitest';
import { resolveFunction } from './function-path.js';

describe('resolveFunction', () => {
  const tasks = {
    greet(this: { prefix: string }, name: string): string {
      return `${this.prefix} ${name}`;
    },
    prefix: 'hi',
  };
  const namespace = { tasks, top: () => 'top', default: { legacy: { run: () => 'cjs' } } };

  it('resolves dotted paths with the owner as this', () => {
    const resolved = resolveFunction(namespace, 'tasks.greet');
    if ('error' in resolved) throw new Error(resolved.error);
    expect(resolved.fn.call(resolved.owner, 'you')).toBe('hi you');
    expect('error' in resolveFunction(namespace, 'top')).toBe(false);
  });

  it("falls back to the default export (a CommonJS module's exports)", () => {
    const resolved = resolveFunction(namespace, 'legacy.run');
    expect('error' in resolved ? resolved.error : resolved.fn()).toBe('cjs');
  });

  it('refuses missing functions, non-functions, empty segments and prototype paths', () => {
    for (const path of [
      'nope',
      'tasks.prefix',
      'tasks..greet',
      '',
      'tasks.constructor',
      'top.__proto__.call',
    ]) {
      expect(resolveFunction(namespace, path)).toHaveProperty('error');
    }
  });
});
