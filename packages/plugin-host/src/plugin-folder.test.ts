import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pluginAt } from './plugin-folder.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-plugin-folder-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(file: string, text: string): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}

describe('pluginAt', () => {
  it('finds the entry from exports, main, or index.js, in that order', () => {
    write('dist/index.js', '');
    write('lib/main.js', '');
    write('index.js', '');
    write('package.json', JSON.stringify({ exports: { '.': { default: './dist/index.js' } } }));
    expect(pluginAt(dir)).toEqual({ entry: join(dir, 'dist/index.js') });
    write('package.json', JSON.stringify({ exports: './lib/main.js' }));
    expect(pluginAt(dir)).toEqual({ entry: join(dir, 'lib/main.js') });
    write('package.json', JSON.stringify({ main: 'lib/main.js' }));
    expect(pluginAt(dir)).toEqual({ entry: join(dir, 'lib/main.js') });
    write('package.json', JSON.stringify({ main: 'missing.js' }));
    expect(pluginAt(dir)).toEqual({ entry: join(dir, 'index.js') });
  });

  it('is undefined for a folder without code', () => {
    expect(pluginAt(dir)).toBeUndefined();
    write('package.json', JSON.stringify({ main: 'missing.js' }));
    expect(pluginAt(dir)).toBeUndefined();
  });

  it('reads cairn.concurrentOperations, and refuses one that is not a positive integer', () => {
    write('index.js', '');
    write('package.json', JSON.stringify({ cairn: { concurrentOperations: 8 } }));
    expect(pluginAt(dir)).toEqual({ entry: join(dir, 'index.js'), concurrentOperations: 8 });
    for (const bad of [0, -1, 2.5, '8', null]) {
      write('package.json', JSON.stringify({ cairn: { concurrentOperations: bad } }));
      expect(() => pluginAt(dir)).toThrow(
        `${join(dir, 'package.json')}: cairn.concurrentOperations must be a positive integer, not ${JSON.stringify(bad)}`,
      );
    }
  });

  it('names a package.json that is not JSON', () => {
    write('package.json', '{ "main": ');
    expect(() => pluginAt(dir)).toThrow(/package\.json is not valid JSON/);
  });
});
