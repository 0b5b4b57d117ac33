/**
 * The `cairn` command as users run it: the built bin in a child process, its exit statuses, its
 * text and JSON output, its help and its errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/cairn.js');
const hello = 'examples/hello-world/blueprint.yaml';
const fixtures = join(root, 'packages/dsl/test/fixtures');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cairn(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Folders `temp` made, removed when the file's tests are done. */
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  temps.push(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

// The escape character that starts every ANSI colour sequence.
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

describe('cairn (help and usage)', () => {
  it('prints help with examples and exits 0', () => {
    const r = cairn(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: cairn');
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('blueprints');
  });

  it('has help with examples on each blueprint command', () => {
    for (const command of ['validate', 'plan']) {
      const r = cairn(['blueprints', command, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: cairn blueprints ${command}`);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain('--plugins-dir');
    }
  });

  it('prints help and exits 2 without arguments', () => {
    const r = cairn([]);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain('Usage: cairn');
  });

  it('exits 2 on an unknown command, with a suggestion', () => {
    const r = cairn(['blueprints', 'validat', hello]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'validat'");
    expect(r.stderr).toContain('validate');
  });

  it('exits 2 on an unknown option', () => {
    const r = cairn(['blueprints', 'validate', hello, '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-option'");
  });

  it('exits 2 when the blueprint file does not exist', () => {
    const r = cairn(['blueprints', 'validate', 'no/such/blueprint.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("No such file: 'no/such/blueprint.yaml'");
  });

  it('exits 2 on a malformed -i value', () => {
    const r = cairn(['blueprints', 'validate', hello, '-i', 'not-a-pair']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('neither an existing inputs file nor KEY=VALUE pairs');
  });

  it('exits 2 when the plugins directory does not exist', () => {
    const r = cairn(['blueprints', 'validate', hello, '--plugins-dir', 'no-such-dir']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("The plugins directory 'no-such-dir' does not exist.");
  });

  it('exits 2 on a malformed --import-rule and --blueprint-import', () => {
    expect(cairn(['blueprints', 'validate', hello, '--import-rule', 'nothing']).status).toBe(2);
    const r = cairn(['blueprints', 'validate', hello, '--blueprint-import', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--blueprint-import takes ID=PATH');
  });
});

describe('cairn blueprints validate', () => {
  it('accepts the hello-world example', () => {
    const r = cairn(['blueprints', 'validate', hello]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${hello} is valid: 2 node templates, 2 inputs`);
    expect(r.stderr).toBe('');
  });

  it('accepts a directory holding blueprint.yaml', () => {
    expect(cairn(['blueprints', 'validate', 'examples/hello-world']).status).toBe(0);
  });

  it('reports an invalid blueprint like a compiler, with a code frame, and exits 1', () => {
    const r = cairn(['blueprints', 'validate', join(fixtures, 'invalid/unknown-node-type.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /unknown-node-type\.yaml:9:11 {2}error {2}DSL_UNKNOWN_TYPE {2}Node template 'vm' has type 'cloudify\.nodes\.Compte'/,
    );
    expect(r.stderr).toContain("Did you mean 'cloudify.nodes.Compute'?");
    expect(r.stderr).toContain('> 9 |     type: cloudify.nodes.Compte');
    expect(r.stderr).toContain('^^^^^^^^^^^^^^^^^^^^^');
    expect(r.stderr).toContain('is not valid: 1 error, 0 warnings');
  });

  it('prints JSON with --json', () => {
    const r = cairn(['blueprints', 'validate', hello, '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      diagnostics: unknown[];
      plan: { nodes: { id: string }[] };
    };
    expect(out.ok).toBe(true);
    expect(out.diagnostics).toEqual([]);
    expect(out.plan.nodes.map((n) => n.id)).toEqual(['host', 'site']);
  });

  it('prints diagnostics as JSON records with --json', () => {
    const r = cairn([
      'blueprints',
      'validate',
      join(fixtures, 'invalid/unknown-node-type.yaml'),
      '--json',
    ]);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      diagnostics: Record<string, unknown>[];
      plan: unknown;
    };
    expect(out.ok).toBe(false);
    expect(out.plan).toBeNull();
    expect(out.diagnostics).toHaveLength(1);
    expect(Object.keys(out.diagnostics[0] ?? {}).sort()).toEqual([
      'code',
      'column',
      'file',
      'line',
      'message',
      'severity',
    ]);
    expect(out.diagnostics[0]).toMatchObject({
      code: 'DSL_UNKNOWN_TYPE',
      severity: 'error',
      line: 9,
      column: 11,
    });
  });

  it('checks given inputs against the blueprint', () => {
    const bad = cairn(['blueprints', 'validate', hello, '-i', 'port=80']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('DSL_CONSTRAINT_VIOLATED');
    const unknown = cairn(['blueprints', 'validate', hello, '-i', 'colour=blue']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('DSL_INPUT_UNKNOWN');
    const good = cairn(['blueprints', 'validate', hello, '-i', 'port=9000;greeting=hi']);
    expect(good.status).toBe(0);
  });

  it('reads inputs from a YAML file', () => {
    const file = temp('inputs.yaml', 'port: 9001\ngreeting: "from a file"\n');
    expect(cairn(['blueprints', 'validate', hello, '-i', file]).status).toBe(0);
    const wrong = temp('inputs.yaml', 'port: not-a-number\n');
    const r = cairn(['blueprints', 'validate', hello, '-i', wrong]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DSL_TYPE_MISMATCH');
  });

  it('refuses URL imports with --offline', () => {
    const file = temp(
      'bp.yaml',
      'tosca_definitions_version: cloudify_dsl_1_5\nimports:\n  - cloudify/types/types.yaml\n  - https://example.invalid/types.yaml\n',
    );
    const r = cairn(['blueprints', 'validate', file, '--offline']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DSL_IMPORT_OFFLINE');
  });

  it('resolves Cloudify types URLs to the built-in types with no network', () => {
    const file = temp(
      'bp.yaml',
      'tosca_definitions_version: cloudify_dsl_1_4\nimports:\n  - http://www.getcloudify.org/spec/cloudify/4.5/types.yaml\nnode_templates:\n  n: {type: cloudify.nodes.Root}\n',
    );
    expect(cairn(['blueprints', 'validate', file, '--offline']).status).toBe(0);
  });

  it('uses colours only on a terminal and never with NO_COLOR', () => {
    const invalid = join(fixtures, 'invalid/unknown-node-type.yaml');
    expect(cairn(['blueprints', 'validate', invalid]).stderr).not.toMatch(ANSI);
    expect(cairn(['blueprints', 'validate', invalid], { FORCE_COLOR: '1' }).stderr).toMatch(ANSI);
    expect(
      cairn(['blueprints', 'validate', invalid], { FORCE_COLOR: '1', NO_COLOR: '1' }).stderr,
    ).not.toMatch(ANSI);
  });
});

describe('cairn blueprints plan', () => {
  it('shows inputs, node instances and relationships', () => {
    const r = cairn(['blueprints', 'plan', hello, '--seed', '7']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Node instances (3)');
    expect(r.stdout).toMatch(/host_[a-z0-9]{6} {2}cloudify\.nodes\.Compute/);
    expect(
      r.stdout.match(/site_[a-z0-9]{6} {2}cloudify\.nodes\.WebServer on host_[a-z0-9]{6}/g),
    ).toHaveLength(2);
    expect(r.stdout).toContain('port = 8080');
    expect(r.stdout).toMatch(/→ contained_in host_[a-z0-9]{6}/);
  });

  it('prints the deployment plan as JSON, reproducibly under a seed', () => {
    const a = cairn(['blueprints', 'plan', hello, '--json', '--seed', '42', '-i', 'port=9000']);
    const b = cairn(['blueprints', 'plan', hello, '--json', '--seed', '42', '-i', 'port=9000']);
    expect(a.status).toBe(0);
    const plan = JSON.parse(a.stdout) as {
      ok: boolean;
      plan: {
        inputs: Record<string, unknown>;
        node_instances: { id: string; node_id: string }[];
        plan: { nodes: { properties: Record<string, unknown> }[] };
      };
    };
    expect(plan.ok).toBe(true);
    expect(plan.plan.inputs.port).toBe(9000);
    expect(plan.plan.node_instances).toHaveLength(3);
    expect(plan.plan.plan.nodes[1]?.properties.port).toBe(9000);
    expect(a.stdout).toBe(b.stdout);
  });

  it('exits 1 when inputs do not fit', () => {
    const r = cairn(['blueprints', 'plan', hello, '-i', 'port=70000']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DSL_CONSTRAINT_VIOLATED');
  });
});
