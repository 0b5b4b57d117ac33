/** cairn.nodes.FileCopy through the test kit. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch, withDeployment } from './testing/kit.js';

const s = scratch();
afterAll(() => {
  s.remove();
});

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('cairn.nodes.FileCopy', () => {
  it("copies byte for byte, keeps the source's mode unless given one, and uninstall deletes the copy only", async () => {
    const bytes = randomBytes(200_000);
    const source = s.write('src/tool', bytes);
    chmodSync(source, 0o750);
    const same = s.path('out/same/tool');
    const given = s.path('out/given/tool');
    const blueprint = s.blueprint(
      'copy',
      `node_templates:
  same:
    type: cairn.nodes.FileCopy
    properties: { source: ${source}, path: ${same} }
  given:
    type: cairn.nodes.FileCopy
    properties: { source: ${source}, path: ${given}, mode: '0400' }
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      const install = await deployment.install();
      expect(install.error).toBe('');
      expect(readFileSync(same).equals(bytes)).toBe(true);
      expect(readFileSync(given).equals(bytes)).toBe(true);
      expect(modeOf(same)).toBe(0o750);
      expect(modeOf(given)).toBe(0o400);
      expect((await deployment.instance('same')).runtimeProperties).toMatchObject({
        path: same,
        size: 200_000,
      });
      expect(install.logs('info')).toContainEqual(
        expect.stringContaining(`copied ${source} to ${same} (200000 bytes, mode 0750`),
      );

      expect((await deployment.uninstall()).status).toBe('terminated');
      expect(existsSync(same)).toBe(false);
      expect(existsSync(given)).toBe(false);
      expect(existsSync(source)).toBe(true);
    });
  });

  it('fails for good, naming the property, when the source does not exist', async () => {
    const missing = s.path('src/nope');
    const blueprint = s.blueprint(
      'copy-missing',
      `node_templates:
  c:
    type: cairn.nodes.FileCopy
    properties: { source: ${missing}, path: ${s.path('out/nope')} }
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain(
        `node 'c': property 'source' is "${missing}", but there is no such file`,
      );
    });
  });
});
