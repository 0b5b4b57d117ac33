/**
 * `cairn plugins init NAME`: a new plugin project that builds, tests, packs and installs with no
 * edits — package.json, a Cloudify-format plugin.yaml (a `plugins:` entry, a data type and a
 * node type), an operation written with the SDK, its generated types, a test on the test kit,
 * an example blueprint that imports the plugin with `plugin:NAME`, and a README.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '@cairn/errors';
import { generatePluginTypes } from './typegen.js';

/** Options of {@link scaffoldPlugin}. */
export interface ScaffoldOptions {
  /** The npm package name, also the plugin's `package_name` (what `plugin:` imports name). */
  readonly name: string;
  /** Where to create it (default: a folder named after the package, in `cwd`). */
  readonly dir?: string;
  readonly cwd: string;
  /**
   * A Cairn checkout to take `@cairn/*` packages and the dev tools from (as `file:` links), for
   * trying a plugin against Cairn built from source, offline. Default: the npm registry.
   */
  readonly cairnSource?: string;
}

/** What {@link scaffoldPlugin} made. */
export interface ScaffoldResult {
  readonly dir: string;
  /** The key of the `plugins:` entry: what operation mappings start with. */
  readonly pluginKey: string;
  readonly nodeType: string;
  readonly files: readonly string[];
}

/** Versions a new plugin starts with, when it takes its packages from the registry. */
const REGISTRY_VERSIONS = {
  '@cairn/plugin-sdk': '^0.1.0',
  '@cairn/plugin-testing': '^0.1.0',
  typescript: '~5.9.3',
  vitest: '^4.1.12',
  '@types/node': '^20.19.0',
} as const;

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** `@acme/cloud-widget-plugin` → `cloud_widget`: the plugin's key in YAML. */
export function pluginKeyFor(name: string): string {
  const bare = name.replace(/^@[^/]+\//, '');
  const core = bare.replace(/^(cairn|cloudify)-/, '').replace(/-plugin$/, '');
  const key = core.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(key) ? key : `p_${key}`;
}

function dependencies(cairnSource: string | undefined): {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
} {
  const at = (name: keyof typeof REGISTRY_VERSIONS, path: string): string => {
    if (cairnSource === undefined) return REGISTRY_VERSIONS[name];
    const target = join(cairnSource, path);
    if (!existsSync(join(target, 'package.json'))) {
      throw new UsageError(
        `--cairn-source ${cairnSource}: ${target} is missing (run npm install there first).`,
      );
    }
    return `file:${target}`;
  };
  return {
    dependencies: { '@cairn/plugin-sdk': at('@cairn/plugin-sdk', 'packages/plugin-sdk') },
    devDependencies: {
      '@cairn/plugin-testing': at('@cairn/plugin-testing', 'packages/plugin-testing'),
      '@types/node': at('@types/node', 'node_modules/@types/node'),
      typescript: at('typescript', 'node_modules/typescript'),
      vitest: at('vitest', 'node_modules/vitest'),
    },
  };
}

/** Creates the plugin project. Refuses a bad name, or a folder that exists and is not empty. */
export function scaffoldPlugin(options: ScaffoldOptions): ScaffoldResult {
  const { name } = options;
  if (!NPM_NAME.test(name) || name.length > 214) {
    throw new UsageError(
      `'${name}' is not a valid npm package name (lower case letters, digits, '-', '.', '_', optionally @scope/).`,
    );
  }
  const dir = resolve(options.cwd, options.dir ?? name.replace(/^@[^/]+\//, ''));
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(`${dir} exists and is not empty: choose another --dir.`);
  }
  const key = pluginKeyFor(name);
  const nodeType = `${key}.nodes.Greeter`;
  const dataType = `${key}.datatypes.Greeting`;
  const deps = dependencies(
    options.cairnSource === undefined ? undefined : resolve(options.cwd, options.cairnSource),
  );

  const pluginYaml = `# The plugin's types, in Cloudify's plugin.yaml format. Blueprints import them with
#   - plugin:${name}
# Operation mappings (${key}.tasks.create) name functions in the entry module's exports.
plugins:
  ${key}:
    executor: central_deployment_agent
    package_name: ${name}
    package_version: '0.1.0'

data_types:
  ${dataType}:
    description: What to say, and how many times.
    properties:
      text:
        type: string
        description: The word or sentence to say.
      times:
        type: integer
        default: 1
        description: How many times to say it (at least 1).

node_types:
  ${nodeType}:
    derived_from: cloudify.nodes.Root
    properties:
      greeting:
        type: ${dataType}
        description: The greeting this node makes.
      punctuation:
        type: string
        default: '!'
    interfaces:
      cloudify.interfaces.lifecycle:
        create:
          implementation: ${key}.tasks.create
          inputs:
            audience:
              type: string
              default: world
              description: Who the greeting is for.
        delete:
          implementation: ${key}.tasks.delete
`;
  const types = generatePluginTypes(pluginYaml, 'plugin.yaml').source ?? '';

  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        description: `A Cairn plugin: ${nodeType}`,
        license: 'Apache-2.0',
        type: 'module',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
        files: ['dist', 'plugin.yaml', 'README.md'],
        cairn: { api: '^0.1.0' },
        scripts: {
          build: 'tsc -p tsconfig.json',
          test: 'tsc -p tsconfig.json && vitest run',
          typegen: 'cairn plugins typegen',
          pack: 'tsc -p tsconfig.json && cairn plugins pack',
        },
        ...deps,
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          declaration: true,
          outDir: 'dist',
          rootDir: 'src',
          types: ['node'],
          skipLibCheck: true,
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    'plugin.yaml': pluginYaml,
    'src/plugin-types.generated.ts': types,
    'src/index.ts': `/**
 * The plugin's entry module. A blueprint's mapping \`${key}.tasks.create\` names \`tasks.create\`
 * in these exports; the worker calls it as \`create(ctx, inputs)\`.
 */
import { NonRecoverableError, definePlugin, operation } from '@cairn/plugin-sdk';
import type { GreeterCreateInputs, GreeterProperties } from './plugin-types.generated.js';

export const tasks = definePlugin({
  /** Composes the greeting and keeps it as the runtime property \`message\`. */
  create: operation<GreeterCreateInputs, GreeterProperties>((ctx, inputs) => {
    const { greeting, punctuation } = ctx.node.properties;
    if (!Number.isInteger(greeting.times) || greeting.times < 1) {
      // A wrong property will not get better on a retry.
      throw new NonRecoverableError(\`greeting.times must be at least 1, not \${greeting.times}\`);
    }
    const message = \`\${Array(greeting.times).fill(greeting.text).join(' ')}, \${inputs.audience}\${punctuation}\`;
    ctx.instance.runtime_properties.message = message;
    ctx.logger.info('%s says: %s', ctx.instance.id, message);
  }),

  /** Forgets the greeting. */
  delete: operation((ctx) => {
    delete ctx.instance.runtime_properties.message;
  }),
});
`,
    'test/plugin.test.ts': `import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deployForTest } from '@cairn/plugin-testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const blueprint = fileURLToPath(new URL('../examples/blueprint.yaml', import.meta.url));

describe('${nodeType}', () => {
  it('greets on install and forgets on uninstall', async () => {
    const deployment = await deployForTest({ blueprint, plugin: root, inputs: { times: 2 } });
    try {
      const install = await deployment.install();
      expect(install.status).toBe('terminated');
      const greeter = await deployment.instance('greeter');
      expect(greeter.runtimeProperties.message).toBe('hello hello, world!');
      expect(await deployment.outputs()).toEqual({ message: 'hello hello, world!' });

      const uninstall = await deployment.uninstall();
      expect(uninstall.status).toBe('terminated');
      expect((await deployment.instance('greeter')).runtimeProperties).toEqual({});
    } finally {
      await deployment.close();
    }
  });

  it('fails for good when times is below 1', async () => {
    const deployment = await deployForTest({ blueprint, plugin: root, inputs: { times: 0 } });
    try {
      const install = await deployment.install();
      expect(install.status).toBe('failed');
      expect(install.error).toContain('greeting.times must be at least 1, not 0');
    } finally {
      await deployment.close();
    }
  });
});
`,
    'examples/blueprint.yaml': `tosca_definitions_version: cloudify_dsl_1_5
description: Says hello with ${name}.

imports:
  - cloudify/types/types.yaml
  - plugin:${name}

inputs:
  times:
    type: integer
    default: 1

node_templates:
  greeter:
    type: ${nodeType}
    properties:
      greeting:
        text: hello
        times: { get_input: times }

outputs:
  message:
    value: { get_attribute: [greeter, message] }
`,
    '.gitignore': 'node_modules/\ndist/\n*.cairn.tgz\n',
    'README.md': `# ${name}

A Cairn plugin. It defines the node type \`${nodeType}\` (see plugin.yaml).

\`\`\`sh
npm install
npm test                          # builds, then runs test/ on a real local deployment
cairn plugins typegen             # after editing plugin.yaml: src/plugin-types.generated.ts
cairn plugins pack                # build first (npm run build): makes ${name.replace(/^@/, '').replace('/', '-')}-0.1.0-any.cairn.tgz
cairn plugins validate *.cairn.tgz
cairn plugins install *.cairn.tgz
cairn install examples           # the example blueprint imports plugin:${name}
\`\`\`

- \`plugin.yaml\`: the plugin's \`plugins:\` entry, data types and node types (Cloudify format).
- \`src/index.ts\`: the operations; \`${key}.tasks.create\` in plugin.yaml is \`tasks.create\` here.
- \`src/plugin-types.generated.ts\`: the types of node properties and operation inputs.
- \`test/\`: tests on \`@cairn/plugin-testing\`, which deploys a blueprint and runs the plugin in
  real worker processes.
`,
  };
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return { dir, pluginKey: key, nodeType, files: Object.keys(files) };
}
