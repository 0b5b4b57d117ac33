/**
 * `cairn plugins …` on bad input, as a plugin author or an operator meets it: each mistake gets
 * a clear message (with file and line inside the bundle for YAML), a failing exit status, and
 * leaves the plugin store as it was.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/cairn.js');
const work = mkdtempSync(join(tmpdir(), 'cairn-plugins-cli-'));
const env = { CAIRN_HOME: join(work, 'home') };

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cairn(args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD_YAML = `plugins:
  tiny:
    executor: central_deployment_agent
    package_name: tiny-plugin
    package_version: '1.0.0'
node_types:
  tiny.nodes.Thing:
    derived_from: cloudify.nodes.Root
    interfaces:
      cloudify.interfaces.lifecycle:
        create: tiny.tasks.create
        delete: tiny.tasks.remove
`;

/** A plain JavaScript plugin folder; returns its path. */
function plugin(
  name: string,
  files: { yaml?: string; index?: string; pkg?: Record<string, unknown> } = {},
): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'tiny-plugin',
      version: '1.0.0',
      type: 'module',
      main: 'index.js',
      ...files.pkg,
    }),
  );
  writeFileSync(join(dir, 'plugin.yaml'), files.yaml ?? GOOD_YAML);
  writeFileSync(
    join(dir, 'index.js'),
    files.index ?? 'export const tasks = { create() {}, remove() {} };\n',
  );
  return dir;
}

function pack(dir: string): string {
  const r = cairn(['plugins', 'pack', dir, '-o', dir]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

function storeEntries(): string[] {
  const store = join(env.CAIRN_HOME, 'plugin-store');
  return existsSync(store) ? readdirSync(store) : [];
}

describe('cairn plugins on bad input', () => {
  it('validates and installs a good plugin (the baseline the failures below differ from)', () => {
    const bundle = pack(plugin('good'));
    const validated = cairn(['plugins', 'validate', bundle]);
    expect(validated.status, validated.stderr).toBe(0);
    expect(validated.stderr).toContain('2 mapped function(s) found');
    const installed = cairn(['plugins', 'install', bundle]);
    expect(installed.status, installed.stderr).toBe(0);
    const removed = cairn(['plugins', 'remove', 'tiny-plugin@1.0.0']);
    expect(removed.status, removed.stderr).toBe(0);
    expect(storeEntries()).toEqual([]);
  });

  it('refuses to pack a plugin.yaml that is not YAML, naming the file, line and column', () => {
    const dir = plugin('not-yaml', { yaml: 'plugins:\n  tiny: [\n' });
    const r = cairn(['plugins', 'pack', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/plugin\.yaml:\d+:\d+/);
  });

  it('fails validation of a plugin.yaml the DSL rejects, with the file and line inside the bundle', () => {
    const yaml = GOOD_YAML.replace(
      'derived_from: cloudify.nodes.Root',
      'derived_from: cloudify.nodes.Nope',
    );
    const bundle = pack(plugin('bad-dsl', { yaml }));
    const r = cairn(['plugins', 'validate', bundle]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/tiny-plugin-1\.0\.0-any\.cairn\.tgz!package\/plugin\.yaml:8:19/);
    expect(r.stderr).toContain('cloudify.nodes.Nope');
    expect(r.stderr).toContain('is not valid');
  });

  it('fails validation and install when plugin.yaml maps a function the entry does not export', () => {
    const bundle = pack(plugin('missing-fn', { index: 'export const tasks = { create() {} };\n' }));
    const validated = cairn(['plugins', 'validate', bundle]);
    expect(validated.status).toBe(1);
    expect(validated.stderr).toContain(
      "plugin.yaml maps tiny.tasks.remove, but package/index.js exports no function 'tasks.remove'",
    );
    const installed = cairn(['plugins', 'install', bundle]);
    expect(installed.status).toBe(1);
    expect(installed.stderr).toContain('was not installed');
    expect(storeEntries()).toEqual([]);
  });

  it('fails validation when the entry module throws while loading', () => {
    const bundle = pack(plugin('throws', { index: "throw new Error('no config file');\n" }));
    const r = cairn(['plugins', 'validate', bundle]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the entry module package/index.js does not load');
    expect(r.stderr).toContain('no config file');
  });

  it('refuses a bundle for another Cairn plugin API, naming both versions', () => {
    const bundle = pack(plugin('future', { pkg: { cairn: { api: '^9.0.0' } } }));
    const r = cairn(['plugins', 'install', bundle]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('^9.0.0');
    expect(r.stderr).toContain('0.1.0');
    expect(storeEntries()).toEqual([]);
  });

  it('refuses an unsigned bundle once signatures are required, and accepts it signed by a trusted key', () => {
    const dir = plugin('signed');
    const bundle = pack(dir);
    const keygen = cairn(['plugins', 'keygen', '-o', join(work, 'key')]);
    expect(keygen.status, keygen.stderr).toBe(0);
    expect(cairn(['plugins', 'trust', '--require-signatures']).status).toBe(0);
    try {
      const unsigned = cairn(['plugins', 'install', bundle]);
      expect(unsigned.status).toBe(1);
      expect(unsigned.stderr).toMatch(/not signed|unsigned/);
      const signed = cairn(['plugins', 'sign', bundle, '-k', join(work, 'key.key')]);
      expect(signed.status, signed.stderr).toBe(0);
      const untrusted = cairn(['plugins', 'install', bundle]);
      expect(untrusted.status).toBe(1);
      expect(untrusted.stderr).toContain(keygen.stdout.trim());
      expect(storeEntries()).toEqual([]);
      expect(cairn(['plugins', 'trust', join(work, 'key.pub')]).status).toBe(0);
      const trusted = cairn(['plugins', 'install', bundle]);
      expect(trusted.status, trusted.stderr).toBe(0);
      expect(trusted.stderr).toContain(`signed by key ${keygen.stdout.trim()} (trusted)`);
    } finally {
      cairn(['plugins', 'trust', '--allow-unsigned']);
    }
  });

  it('says which plugin is missing when a blueprint imports one that is not installed', () => {
    const dir = join(work, 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'blueprint.yaml'),
      'tosca_definitions_version: cloudify_dsl_1_5\nimports:\n  - cloudify/types/types.yaml\n  - plugin:nowhere-plugin?version=2.0\n',
    );
    const r = cairn(['blueprints', 'validate', join(dir, 'blueprint.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("No plugin 'nowhere-plugin' is installed");
    expect(r.stderr).toMatch(/blueprint\.yaml:4:\d+/);
  });

  it('refuses to remove an unknown plugin', () => {
    const r = cairn(['plugins', 'remove', 'deadbeefdeadbeef']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('deadbeefdeadbeef');
  });
});

describe('a blueprint mapping a function the installed plugin lacks', () => {
  it('fails at deployment creation, before anything runs, naming the function', () => {
    const bundle = pack(plugin('for-blueprint'));
    expect(cairn(['plugins', 'install', bundle]).status).toBe(0);
    const dir = join(work, 'maps-missing');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'blueprint.yaml'),
      `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:tiny-plugin
node_templates:
  thing:
    type: tiny.nodes.Thing
    interfaces:
      cloudify.interfaces.lifecycle:
        configure: tiny.tasks.configure
`,
    );
    const r = cairn(['install', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "plugin 'tiny' (tiny-plugin 1.0.0), but it exports no 'tasks.configure'",
    );
    const deployments = cairn(['deployments', 'list', '--json']);
    expect(JSON.parse(deployments.stdout)).toEqual([]);
  });
});

describe('cairn plugins typegen', () => {
  it("keeps the file plugin's generated types in step with its plugin.yaml", () => {
    const r = cairn(['plugins', 'typegen', join(root, 'plugins/file'), '--check']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('is up to date');
  });

  it('says when generated types are out of date, and writes nothing', () => {
    const dir = plugin('typegen-stale');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'plugin-types.generated.ts'), '// old\n');
    const r = cairn(['plugins', 'typegen', dir, '--check']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('is out of date: run cairn plugins typegen');
    const written = cairn(['plugins', 'typegen', dir]);
    expect(written.status, written.stderr).toBe(0);
    expect(cairn(['plugins', 'typegen', dir, '--check']).status).toBe(0);
  });

  it('reports a plugin.yaml that is not YAML with its line, and fails', () => {
    const dir = plugin('typegen-bad', { yaml: 'node_types:\n  a: [\n' });
    const r = cairn(['plugins', 'typegen', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/plugin\.yaml:3:1\s+error\s+DSL_YAML_SYNTAX/);
  });
});

describe('cairn plugins init', () => {
  it('refuses a name npm would refuse, and a folder that is not empty', () => {
    const bad = cairn(['plugins', 'init', 'Bad Name']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("'Bad Name' is not a valid npm package name");
    const dir = join(work, 'occupied');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const occupied = cairn(['plugins', 'init', 'fine-plugin', '--dir', dir]);
    expect(occupied.status).toBe(2);
    expect(occupied.stderr).toContain('exists and is not empty');
  });
});
