/**
 * The plugin kit end to end, as a plugin author and an operator use it: `cairn plugins init` →
 * npm install (offline, from this checkout) → the project's own tests → pack → validate →
 * install → a blueprint that imports it with `plugin:` installs and uninstalls; then two versions
 * installed side by side, deployments pinned to each, and a deliberate move between them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, ROOT, runCairn, type CairnRun } from './helpers/cli.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'cairn-plugin-kit-'));
const project = join(work, 'acme-greeter-plugin');
const env = { CAIRN_HOME: join(work, 'home') };

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function ok(result: CairnRun, what: string): CairnRun {
  if (result.status !== 0) {
    throw new Error(`${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** Builds and packs the project as it is now; returns the bundle path. */
async function packProject(output: string): Promise<string> {
  await run('npm', ['run', 'build'], { cwd: project });
  const packed = ok(await runCairn(['plugins', 'pack', project, '-o', output], env), 'pack');
  return packed.stdout.trim();
}

/** A blueprint folder, the project's example importing the plugin with `spec` (`?version=…`). */
function writeBlueprint(name: string, spec: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(join(project, 'examples', 'blueprint.yaml'), 'utf8').replace(
    'plugin:acme-greeter-plugin',
    `plugin:acme-greeter-plugin${spec}`,
  );
  writeFileSync(join(dir, 'blueprint.yaml'), text);
  return dir;
}

async function outputsOf(deployment: string): Promise<Record<string, unknown>> {
  const result = ok(
    await runCairn(['deployments', 'outputs', '-d', deployment, '--json'], env),
    'outputs',
  );
  return jsonOf(result, 'deployments outputs') as Record<string, unknown>;
}

describe('the plugin kit, from init to install', () => {
  let firstBundle = '';

  beforeAll(async () => {
    ok(
      await runCairn(
        ['plugins', 'init', 'acme-greeter-plugin', '--dir', project, '--cairn-source', ROOT],
        env,
      ),
      'init',
    );
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: project });
  }, 120_000);

  it("the new project's own tests pass on a real deployment", async () => {
    const { stdout } = await run('npm', ['test'], { cwd: project });
    expect(stdout).toMatch(/Tests\s+.*2 passed/);
  }, 120_000);

  it('packs, validates and installs; a blueprint importing plugin:NAME installs and uninstalls', async () => {
    firstBundle = await packProject(work);
    expect(firstBundle).toMatch(/acme-greeter-plugin-0\.1\.0-any\.cairn\.tgz$/);

    const validated = ok(await runCairn(['plugins', 'validate', firstBundle], env), 'validate');
    expect(validated.stderr).toContain('2 mapped function(s) found');

    const installed = ok(await runCairn(['plugins', 'install', firstBundle], env), 'install');
    const id = installed.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const blueprint = writeBlueprint('app', '');
    ok(await runCairn(['install', blueprint, '-d', 'app', '-i', 'times=2'], env), 'cairn install');
    expect(await outputsOf('app')).toEqual({ message: 'hello hello, world!' });

    const listed = jsonOf(
      ok(await runCairn(['plugins', 'list', '--json'], env), 'list'),
      'plugins list',
    ) as { id: string; package_version: string; used_by: string[] }[];
    expect(listed).toEqual([
      expect.objectContaining({ id, package_version: '0.1.0', used_by: ['app'] }),
    ]);

    const refused = await runCairn(['plugins', 'remove', id.slice(0, 12)], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('is used by deployment app');

    ok(await runCairn(['uninstall', '-d', 'app'], env), 'cairn uninstall');
    const deployments = jsonOf(
      ok(await runCairn(['deployments', 'list', '--json'], env), 'deployments list'),
      'deployments list',
    );
    expect(deployments).toEqual([]);
  }, 120_000);

  it('runs two versions side by side, each deployment pinned to its own, until moved', async () => {
    // Version 0.2.0 says so in its message, and both report where their code runs from.
    const source = join(project, 'src', 'index.ts');
    const original = readFileSync(source, 'utf8');
    const withOrigin = (marker: string) =>
      original.replace(
        'ctx.instance.runtime_properties.message = message;',
        `ctx.instance.runtime_properties.message = message + '${marker}';\n    ctx.instance.runtime_properties.code = import.meta.url;\n    ctx.instance.runtime_properties.pid = process.pid;`,
      );
    writeFileSync(source, withOrigin(''));
    const v1 = await packProject(join(work, 'v1.cairn.tgz'));
    const pkgFile = join(project, 'package.json');
    const yamlFile = join(project, 'plugin.yaml');
    writeFileSync(
      pkgFile,
      readFileSync(pkgFile, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'),
    );
    writeFileSync(
      yamlFile,
      readFileSync(yamlFile, 'utf8').replace(
        "package_version: '0.1.0'",
        "package_version: '0.2.0'",
      ),
    );
    writeFileSync(source, withOrigin(' (v2)'));
    const v2 = await packProject(join(work, 'v2.cairn.tgz'));

    const id1 = ok(await runCairn(['plugins', 'install', v1], env), 'install v1').stdout.trim();
    const old = writeBlueprint('old', '?version=0.1.0');
    ok(await runCairn(['install', old, '-d', 'old'], env), 'install old');

    const id2 = ok(await runCairn(['plugins', 'install', v2], env), 'install v2').stdout.trim();
    const fresh = writeBlueprint('fresh', '');
    ok(await runCairn(['install', fresh, '-d', 'fresh'], env), 'install fresh');

    // Side by side: the same operation on both at once, each in its own bundle's worker.
    const [a, b] = await Promise.all([
      runCairn(
        [
          'executions',
          'start',
          'execute_operation',
          '-d',
          'old',
          '-p',
          'operation=cloudify.interfaces.lifecycle.create',
        ],
        env,
      ),
      runCairn(
        [
          'executions',
          'start',
          'execute_operation',
          '-d',
          'fresh',
          '-p',
          'operation=cloudify.interfaces.lifecycle.create',
        ],
        env,
      ),
    ]);
    ok(a, 'execute on old');
    ok(b, 'execute on fresh');
    const props = async (dep: string) =>
      (
        jsonOf(
          ok(await runCairn(['node-instances', 'list', '-d', dep, '--json'], env), 'instances'),
          'node-instances list',
        ) as { runtime_properties: { message: string; code: string; pid: number } }[]
      )[0]?.runtime_properties;
    const oldProps = await props('old');
    const freshProps = await props('fresh');
    expect(oldProps?.message).toBe('hello, world!');
    expect(oldProps?.code).toContain(`/plugin-store/${id1}/package/`);
    expect(freshProps?.message).toBe('hello, world! (v2)');
    expect(freshProps?.code).toContain(`/plugin-store/${id2}/package/`);
    expect(oldProps?.pid).not.toBe(freshProps?.pid);

    // A deliberate move: the old deployment now runs 0.2.0.
    const moved = ok(
      await runCairn(['deployments', 'update-plugins', 'old'], env),
      'update-plugins',
    );
    expect(moved.stdout).toContain('acme-greeter-plugin 0.1.0 → 0.2.0');
    ok(
      await runCairn(
        [
          'executions',
          'start',
          'execute_operation',
          '-d',
          'old',
          '-p',
          'operation=cloudify.interfaces.lifecycle.create',
        ],
        env,
      ),
      'execute after the move',
    );
    expect((await props('old'))?.code).toContain(`/plugin-store/${id2}/package/`);
    // Nothing uses 0.1.0 any more, so it may go.
    ok(await runCairn(['plugins', 'remove', id1], env), 'remove v1');
  }, 180_000);
});

describe('the first-party file plugin, shipped like any plugin', () => {
  it('packs, validates and installs from its folder; its example blueprint runs on the installed bundle', async () => {
    const fileEnv = { CAIRN_HOME: join(work, 'file-home') };
    const bundle = ok(
      await runCairn(['plugins', 'pack', join(ROOT, 'plugins/file'), '-o', work], fileEnv),
      'pack the file plugin',
    ).stdout.trim();
    expect(bundle).toMatch(/plugin-file-0\.1\.0-any\.cairn\.tgz$/);
    const validated = ok(await runCairn(['plugins', 'validate', bundle], fileEnv), 'validate');
    expect(validated.stderr).toContain('cairn-file-plugin 0.1.0');
    const id = ok(await runCairn(['plugins', 'install', bundle], fileEnv), 'install').stdout.trim();

    const folder = join(work, 'file-example');
    ok(
      await runCairn(
        [
          'install',
          join(ROOT, 'plugins/file/examples'),
          '-b',
          'files',
          '-d',
          'files',
          '-i',
          `folder=${folder}`,
        ],
        fileEnv,
      ),
      'cairn install the example',
    );
    expect(readFileSync(join(folder, 'etc/motd'), 'utf8')).toContain('example.org');
    const instances = jsonOf(
      ok(await runCairn(['node-instances', 'list', '-d', 'files', '--json'], fileEnv), 'instances'),
      'node-instances list',
    ) as { node_id: string; runtime_properties: { path?: string } }[];
    expect(instances.find((i) => i.node_id === 'motd')?.runtime_properties.path).toBe(
      join(folder, 'etc/motd'),
    );
    const listed = jsonOf(
      ok(await runCairn(['plugins', 'list', '--json'], fileEnv), 'list'),
      'plugins list',
    ) as { id: string; used_by: string[] }[];
    expect(listed).toEqual([expect.objectContaining({ id, used_by: ['files'] })]);

    ok(await runCairn(['uninstall', '-d', 'files'], fileEnv), 'cairn uninstall');
    expect(existsSync(join(folder, 'etc/motd'))).toBe(false);
  }, 120_000);
});
