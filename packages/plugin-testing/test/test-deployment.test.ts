import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deployForTest, readPluginUnderTest } from '../src/index.js';

const PLUGIN = fileURLToPath(new URL('./fixtures/echo-plugin', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-kit-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function blueprint(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cairn-echo-plugin?version=1.0.0
${body}`,
  );
  return file;
}

describe('deployForTest', () => {
  it('installs with the plugin under test in real workers and shows states, properties and logs', async () => {
    const file = blueprint(
      'ok.yaml',
      `node_templates:
  a:
    type: test.nodes.Echo
    properties: { greeting: hi }
outputs:
  said: { value: { get_attribute: [a, greeting] } }
`,
    );
    const deployment = await deployForTest({ blueprint: file, plugin: PLUGIN });
    try {
      const install = await deployment.install();
      expect(install.status).toBe('terminated');
      const a = await deployment.instance('a');
      expect(a.state).toBe('started');
      expect(a.runtimeProperties).toEqual({ greeting: 'hi' });
      expect(install.logs('info')).toContain(`creating ${a.id}`);
      expect(await deployment.outputs()).toEqual({ said: 'hi' });

      const shout = await deployment.executeOperation('test.ops.shout', {
        kwargs: { word: 'hey' },
      });
      expect(shout.status).toBe('terminated');
      expect((await deployment.instance('a')).runtimeProperties.shouted).toBe('HEY');

      const uninstall = await deployment.uninstall();
      expect(uninstall.status).toBe('terminated');
      expect(uninstall.logs()).toContain(`removing ${a.id}`);
    } finally {
      await deployment.close();
    }
  });

  it('reports a failing operation as a failed run with its error, without retries', async () => {
    const file = blueprint(
      'fail.yaml',
      `node_templates:
  a:
    type: test.nodes.Echo
    properties: { fail_with: 'disk full' }
`,
    );
    const deployment = await deployForTest({ blueprint: file, plugin: PLUGIN });
    try {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain('disk full');
      // One failed task (no retries), and its install subgraph failing with it.
      const failed = install.events.filter(
        (e) => e.kind === 'task_failed' && e.operation === 'cloudify.interfaces.lifecycle.create',
      );
      expect(failed).toHaveLength(1);
      expect(failed[0]?.message).toContain('disk full');
    } finally {
      await deployment.close();
    }
  });

  it('gives operations node properties with get_secret evaluated when they run, as Cloudify does', async () => {
    const file = blueprint(
      'secret.yaml',
      `node_templates:
  a:
    type: test.nodes.Echo
    properties: { greeting: { get_secret: greeting } }
`,
    );
    const deployment = await deployForTest({
      blueprint: file,
      plugin: PLUGIN,
      secrets: { greeting: 'hush' },
    });
    try {
      expect((await deployment.install()).status).toBe('terminated');
      expect((await deployment.instance('a')).runtimeProperties.greeting).toBe('hush');
    } finally {
      await deployment.close();
    }
  });

  it('fails the operation, naming the secret, when a property needs a secret that does not exist', async () => {
    const file = blueprint(
      'no-secret.yaml',
      `node_templates:
  a:
    type: test.nodes.Echo
    properties: { greeting: { get_secret: nowhere } }
`,
    );
    const deployment = await deployForTest({ blueprint: file, plugin: PLUGIN });
    try {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain('nowhere');
      expect((await deployment.instance('a')).runtimeProperties).toEqual({});
    } finally {
      await deployment.close();
    }
  });

  it('throws with file, line and code when the blueprint does not parse', async () => {
    const file = blueprint(
      'bad.yaml',
      `node_templates:
  a:
    type: test.nodes.Nope
`,
    );
    await expect(deployForTest({ blueprint: file, plugin: PLUGIN })).rejects.toThrow(
      /bad\.yaml:\d+:\d+.*DSL_/,
    );
  });

  it('refuses a plugin import of another plugin, naming the one it can resolve', async () => {
    const file = join(dir, 'other.yaml');
    writeFileSync(
      file,
      `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cloudify-aws-plugin
`,
    );
    await expect(deployForTest({ blueprint: file, plugin: PLUGIN })).rejects.toThrow(
      /cairn-echo-plugin/,
    );
  });

  it('says so when the plugin folder has no plugin.yaml', () => {
    expect(() => readPluginUnderTest(dir)).toThrow(/has no plugin.yaml/);
  });
});
