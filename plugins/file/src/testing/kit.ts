/**
 * What the plugin's tests share: a scratch folder per test file, blueprints written into it
 * that import the plugin as a user's would, and a deployment of one through the test kit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  deployForTest,
  type TestDeployment,
  type TestDeploymentOptions,
} from '@cairn/plugin-testing';

/** The plugin folder (plugins/file): the test kit runs its dist/ in real workers. */
export const PLUGIN_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A scratch folder with blueprints and the files they make. */
export interface Scratch {
  readonly dir: string;
  /** `dir/name`, its parent folders created. */
  path(name: string): string;
  /** Writes `dir/name` and returns its path. */
  write(name: string, content: string | Uint8Array): string;
  /**
   * Writes a blueprint (`dir/blueprints/<name>.yaml`, whose resources are `dir/blueprints/…`)
   * importing types.yaml and this plugin, with `body` after the imports.
   */
  blueprint(name: string, body: string): string;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-file-plugin-test-'));
  const path = (name: string): string => {
    const full = join(dir, name);
    mkdirSync(dirname(full), { recursive: true });
    return full;
  };
  const write = (name: string, content: string | Uint8Array): string => {
    const full = path(name);
    writeFileSync(full, content);
    return full;
  };
  return {
    dir,
    path,
    write,
    blueprint: (name, body) =>
      write(
        `blueprints/${name}.yaml`,
        `tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
  - plugin:cairn-file-plugin
${body}`,
      ),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deploys `blueprint` with this plugin, runs `use`, and always closes the deployment. */
export async function withDeployment<T>(
  options: Omit<TestDeploymentOptions, 'plugin'>,
  use: (deployment: TestDeployment) => Promise<T>,
): Promise<T> {
  const deployment = await deployForTest({ ...options, plugin: PLUGIN_DIR });
  try {
    return await use(deployment);
  } finally {
    await deployment.close();
  }
}
