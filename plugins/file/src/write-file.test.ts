/** writeFileAtomically on its own: what is left on disk when a write fails or is cancelled. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from './write-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-file-write-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const options = { mode: 0o644, owner: undefined, signal: new AbortController().signal };

describe('writeFileAtomically', () => {
  it('leaves the old file and no temporary file when the check refuses the new content', async () => {
    const path = join(dir, 'checked.txt');
    writeFileSync(path, 'old');
    await expect(
      writeFileAtomically(path, (write) => write(Buffer.from('new')), {
        ...options,
        check: (written) => {
          throw new Error(`refused ${written.size} bytes`);
        },
      }),
    ).rejects.toThrow('refused 3 bytes');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['checked.txt']);
  });

  it('stops when cancelled, with the cancellation, leaving nothing behind', async () => {
    const folder = join(dir, 'cancel');
    const controller = new AbortController();
    const reason = Object.assign(new Error('the operation was cancelled'), {
      name: 'CancelledError',
    });
    await expect(
      writeFileAtomically(
        join(folder, 'x'),
        async (write) => {
          await write(Buffer.from('first'));
          controller.abort(reason);
          await write(Buffer.from('second'));
        },
        { ...options, signal: controller.signal },
      ),
    ).rejects.toBe(reason);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses to replace a folder', async () => {
    await expect(
      writeFileAtomically(dir, (write) => write(Buffer.from('x')), options),
    ).rejects.toThrow(`${dir} is a folder, not a file`);
  });
});
