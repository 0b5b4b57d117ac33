/** The example blueprint installs, does what its description says, and uninstalls. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch, withDeployment } from './testing/kit.js';

const s = scratch();
afterAll(() => {
  s.remove();
});

const EXAMPLE = fileURLToPath(new URL('../examples/blueprint.yaml', import.meta.url));

describe('examples/blueprint.yaml', () => {
  it('writes the files under the folder input, and uninstall removes all but the backup', async () => {
    const folder = s.path('example');
    await withDeployment(
      { blueprint: EXAMPLE, inputs: { folder, site: 'cairn.test' } },
      async (deployment) => {
        const install = await deployment.install();
        expect(install.error).toBe('');
        const motd = readFileSync(join(folder, 'etc/motd'), 'utf8');
        expect(motd).toBe(
          "Welcome to cairn.test.\n\nThis machine is run by ada, grace.\nThis file was written by node 'motd' of deployment 'test'.",
        );
        expect(statSync(join(folder, 'etc/app/settings.ini')).mode & 0o777).toBe(0o600);
        expect(readFileSync(join(folder, 'www/robots.txt'), 'utf8')).toContain('User-agent: *');
        expect(readFileSync(join(folder, 'backup/motd'), 'utf8')).toBe(motd);
        expect(statSync(join(folder, 'backup/motd')).mode & 0o777).toBe(0o400);
        const outputs = await deployment.outputs();
        expect(outputs.motd_sha256).toMatch(/^[0-9a-f]{64}$/);

        expect((await deployment.uninstall()).status).toBe('terminated');
        expect(existsSync(join(folder, 'etc/motd'))).toBe(false);
        expect(existsSync(join(folder, 'www/robots.txt'))).toBe(false);
        expect(existsSync(join(folder, 'backup/motd'))).toBe(true);
      },
    );
  });
});
