// ESLint flat config: typescript-eslint's type-checked rules, plus the house layering rules
// (one front door per package, no node:* in code that must run in the browser).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The Node.js globals plain JS files use (a short list rather than the `globals` package). */
const NODE_GLOBALS = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'TextDecoder',
    'TextEncoder',
    'URL',
    'URLSearchParams',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'performance',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);

const deepImports = {
  group: ['@cairn/*/src/*', '@cairn/*/dist/*', '../../*/src/*', '../../../*/src/*'],
  message: "Import another package only through its front door ('@cairn/<name>').",
};

/**
 * Which Cairn packages each package may import (docs/architecture.md, "Allowed dependencies").
 * Tests may reach further (a plugin's tests run it under the real host), so only `src/` is held
 * to it, less its test files.
 */
const ALLOWED_DEPENDENCIES = {
  'packages/errors': [],
  'packages/dsl': ['errors'],
  'packages/store': ['errors'],
  'packages/plugin-protocol': ['errors'],
  'packages/plugin-sdk': ['plugin-protocol', 'errors'],
  'packages/engine': ['dsl', 'store', 'errors'],
  'packages/plugin-host': ['plugin-protocol', 'engine', 'errors'],
  'packages/plugin-testing': ['dsl', 'engine', 'store', 'plugin-host', 'plugin-sdk', 'errors'],
  'packages/api': ['errors'],
  'packages/manager': ['api', 'engine', 'dsl', 'store', 'plugin-host', 'errors'],
  'packages/cli': ['api', 'manager', 'engine', 'dsl', 'store', 'plugin-host', 'errors'],
  'plugins/script': ['plugin-sdk'],
  'plugins/file': ['plugin-sdk'],
};
/** The npm name (without `@cairn/`) of the package in `dir`: `plugins/file` is `plugin-file`. */
const packageName = (dir) => (dir.startsWith('plugins/') ? `plugin-${dir.slice(8)}` : dir.slice(9));
const CAIRN_PACKAGES = [...new Set(Object.keys(ALLOWED_DEPENDENCIES).map(packageName))];
const layering = Object.entries(ALLOWED_DEPENDENCIES).map(([dir, allowed]) => ({
  files: [`${dir}/src/**/*.ts`],
  ignores: [`${dir}/src/**/*.test.ts`, `${dir}/src/testing/**`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          deepImports,
          {
            group: CAIRN_PACKAGES.filter(
              (name) => !allowed.includes(name) && name !== packageName(dir),
            ).flatMap((name) => [`@cairn/${name}`, `@cairn/${name}/*`]),
            message: `${dir} may depend only on ${allowed.length === 0 ? 'no Cairn package' : allowed.map((name) => `@cairn/${name}`).join(', ')} (docs/architecture.md).`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '**/*.generated.ts',
      'packages/dsl/test/fixtures/**',
      '.cairn/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            '*.js',
            '*.ts',
            'bench/*.js',
            'scripts/*.js',
            'scripts/*.d.ts',
            'packages/cli/bin/*.js',
          ],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  ...layering,
  {
    // The DSL runs in the browser too: Node built-ins only under src/node/.
    files: ['packages/dsl/src/**/*.ts'],
    ignores: ['packages/dsl/src/node/**', 'packages/dsl/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            {
              group: ['node:*'],
              message: 'Browser-safe code: Node built-ins belong in src/node/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain JS (scripts, bench, test helpers) runs on Node: its globals are defined.
    files: ['**/*.js'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    // The examples' small services are copied next to nothing and run with `node file.js`, so
    // they are CommonJS (no package.json says otherwise there).
    files: ['examples/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...NODE_GLOBALS, require: 'readonly', module: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
