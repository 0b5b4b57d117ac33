/**
 * cairn.nodes.File through the test kit: a real deployment, the plugin in real workers, and the
 * files it makes checked on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch, withDeployment } from './testing/kit.js';

const s = scratch();
afterAll(() => {
  s.remove();
});

const sha256 = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');
const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('cairn.nodes.File', () => {
  it('writes inline content, a resource byte for byte and a rendered template, with their modes, and uninstall deletes them', async () => {
    const bytes = randomBytes(4096);
    s.write('blueprints/resources/blob.bin', bytes);
    s.write(
      'blueprints/resources/motd.j2',
      'Welcome to {{ host }} ({{ ctx.node.id }} of {{ ctx.deployment.id }})\n{% for user in users %}- {{ user }}\n{% endfor %}\n',
    );
    const text = s.path('out/a/b/text.txt');
    const blob = s.path('out/blob.bin');
    const motd = s.path('out/motd');
    const blueprint = s.blueprint(
      'sources',
      `node_templates:
  text:
    type: cairn.nodes.File
    properties:
      path: ${text}
      content: "héllo\\n"
      mode: '0600'
  blob:
    type: cairn.nodes.File
    properties:
      path: ${blob}
      resource: resources/blob.bin
      mode: 755
  motd:
    type: cairn.nodes.File
    properties:
      path: ${motd}
      template: resources/motd.j2
      template_variables:
        host: { get_input: host }
        users: [ada, grace]
inputs:
  host: { default: box1 }
`,
    );
    await withDeployment({ blueprint, inputs: { host: 'web-1' } }, async (deployment) => {
      const install = await deployment.install();
      expect(install.error).toBe('');
      expect(install.status).toBe('terminated');

      expect(readFileSync(text, 'utf8')).toBe('héllo\n');
      expect(modeOf(text)).toBe(0o600);
      expect(readFileSync(blob).equals(bytes)).toBe(true);
      expect(modeOf(blob)).toBe(0o755);
      // Jinja drops the template's last newline, as Cloudify's rendering does.
      expect(readFileSync(motd, 'utf8')).toBe('Welcome to web-1 (motd of test)\n- ada\n- grace\n');
      expect(modeOf(motd)).toBe(0o644);

      expect((await deployment.instance('text')).runtimeProperties).toEqual({
        path: text,
        sha256: sha256('héllo\n'),
        size: Buffer.byteLength('héllo\n'),
      });
      expect((await deployment.instance('blob')).runtimeProperties).toEqual({
        path: blob,
        sha256: sha256(bytes),
        size: 4096,
      });
      expect(install.logs('info')).toContainEqual(
        expect.stringMatching(
          /^wrote .*\/out\/blob\.bin \(4096 bytes, mode 0755, sha256 [0-9a-f]{64}\)$/,
        ),
      );

      const uninstall = await deployment.uninstall();
      expect(uninstall.status).toBe('terminated');
      expect(existsSync(text)).toBe(false);
      expect(existsSync(blob)).toBe(false);
      expect(existsSync(motd)).toBe(false);
      expect((await deployment.instance('text')).runtimeProperties).toEqual({});
    });
  });

  it('replaces an existing file in place, leaving no temporary file, and keeps it on uninstall when delete_on_uninstall is false', async () => {
    const target = s.write('out/replace/app.conf', 'old content\n');
    chmodSync(target, 0o600);
    const blueprint = s.blueprint(
      'replace',
      `node_templates:
  conf:
    type: cairn.nodes.File
    properties:
      path: ${target}
      content: new content
      delete_on_uninstall: false
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      expect((await deployment.install()).status).toBe('terminated');
      expect(readFileSync(target, 'utf8')).toBe('new content');
      expect(modeOf(target)).toBe(0o644);
      expect(readdirSync(dirname(target))).toEqual(['app.conf']);

      const uninstall = await deployment.uninstall();
      expect(uninstall.status).toBe('terminated');
      expect(uninstall.logs('info')).toContain(`keeping ${target} (delete_on_uninstall is false)`);
      expect(readFileSync(target, 'utf8')).toBe('new content');
    });
  });

  it('succeeds at uninstall when the file is already gone', async () => {
    const target = s.path('out/gone.txt');
    const blueprint = s.blueprint(
      'gone',
      `node_templates:
  f:
    type: cairn.nodes.File
    properties: { path: ${target}, content: x }
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      expect((await deployment.install()).status).toBe('terminated');
      unlinkSync(target);
      const uninstall = await deployment.uninstall();
      expect(uninstall.status).toBe('terminated');
      expect(uninstall.logs('info')).toContain(`${target} is already gone: nothing to delete`);
    });
  });

  it('adopts an existing file with use_external_resource: read, not changed, and left at uninstall', async () => {
    const target = s.write('out/external.txt', 'theirs');
    const blueprint = s.blueprint(
      'external',
      `node_templates:
  f:
    type: cairn.nodes.File
    properties:
      path: ${target}
      use_external_resource: true
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      expect((await deployment.install()).status).toBe('terminated');
      expect((await deployment.instance('f')).runtimeProperties).toEqual({
        path: target,
        sha256: sha256('theirs'),
        size: 6,
      });
      expect((await deployment.uninstall()).status).toBe('terminated');
      expect(readFileSync(target, 'utf8')).toBe('theirs');
    });
  });

  it('reads an unquoted YAML 1.1 octal mode (0644, the number 420) by its digits, and warns', async () => {
    const target = s.path('out/octal.txt');
    const blueprint = s.blueprint(
      'octal',
      `node_templates:
  f:
    type: cairn.nodes.File
    properties: { path: ${target}, content: x, mode: 0644 }
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      const install = await deployment.install();
      expect(install.status).toBe('terminated');
      expect(modeOf(target)).toBe(0o420);
      expect(install.logs('warning').join('\n')).toContain(
        "If the blueprint says 0644 unquoted, YAML read that as the number 420: write '0644' or 644 instead.",
      );
    });
  });
});
