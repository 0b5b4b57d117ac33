/**
 * `cairn plugins …`: the plugin author's commands (init, typegen, pack, sign, keygen) and the
 * operator's (validate, show, install, list, get, remove) for local mode.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  checkPluginYaml,
  formatDiagnostic,
  mappedFunctions,
  summarizeDiagnostics,
  type Diagnostic,
} from '@cairn/dsl';
import { ConflictError, UsageError } from '@cairn/errors';
import {
  checkBundleContents,
  generateSigningKey,
  getInstalled,
  installBundle,
  listInstalled,
  packPlugin,
  readBundle,
  readInstalledPluginYaml,
  removeInstalled,
  setSignaturePolicy,
  signBundle,
  trustedKeyIds,
  trustKey,
  type BundleContentsCheck,
  type BundleManifest,
  type InstalledPlugin,
  type SignatureStatus,
} from '@cairn/plugin-host';
import { EXIT } from '../exit-codes.js';
import { pluginStoreDir, trustLocation, trustOptions } from '../local/installed-plugins.js';
import { cairnHome, openLocal } from '../local/local-profile.js';
import { VERSION } from '../version.js';
import type { Output } from '../output.js';
import { scaffoldPlugin } from '../plugins/scaffold.js';
import { generatePluginTypes } from '../plugins/typegen.js';

type State = { status: number };

/** Where typegen writes by default, inside the plugin folder. */
const TYPES_FILE = join('src', 'plugin-types.generated.ts');

function registerAuthorCommands(plugins: Command, output: Output, state: State): void {
  plugins
    .command('init')
    .description('create a new plugin project that builds, tests, packs and installs as it is')
    .argument('<name>', 'npm package name, also the package_name blueprints import it by')
    .option('--dir <dir>', 'where to create it (default: ./<name>)')
    .option(
      '--cairn-source <dir>',
      'take @cairn/* packages and dev tools from this Cairn checkout (file: links), not the registry',
    )
    .action((name: string, options: { dir?: string; cairnSource?: string }) => {
      const made = scaffoldPlugin({
        name,
        cwd: process.cwd(),
        ...(options.dir === undefined ? {} : { dir: options.dir }),
        ...(options.cairnSource === undefined ? {} : { cairnSource: options.cairnSource }),
      });
      const shown = relative(process.cwd(), made.dir) || '.';
      output.out(`Created ${made.nodeType} in ${shown}/ (${made.files.length} files).`);
      output.out(`Next:\n  cd ${shown}\n  npm install\n  npm test\n  npm run pack`);
      state.status = EXIT.OK;
    });

  plugins
    .command('typegen')
    .description(
      "write TypeScript types for the plugin.yaml's node properties and operation inputs",
    )
    .argument('[dir]', 'the plugin folder', '.')
    .option('-o, --output <file>', `where to write (default: <dir>/${TYPES_FILE})`)
    .option('--check', 'write nothing; fail when the file is missing or out of date')
    .action((dir: string, options: { output?: string; check?: boolean }) => {
      const root = resolve(dir);
      const yamlFile = join(root, 'plugin.yaml');
      if (!existsSync(yamlFile)) throw new UsageError(`${yamlFile} does not exist.`);
      const shownYaml = relative(process.cwd(), yamlFile) || yamlFile;
      const result = generatePluginTypes(readFileSync(yamlFile, 'utf8'), shownYaml);
      if (result.source === undefined) {
        for (const d of result.diagnostics)
          output.err(formatDiagnostic(d, { style: output.style }));
        state.status = EXIT.FAILED;
        return;
      }
      const target = resolve(root, options.output ?? TYPES_FILE);
      const shown = relative(process.cwd(), target) || target;
      if (options.check === true) {
        const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
        if (current !== result.source) {
          output.err(
            `${shown} is ${current === undefined ? 'missing' : 'out of date'}: run cairn plugins typegen.`,
          );
          state.status = EXIT.FAILED;
          return;
        }
        output.out(`${shown} is up to date.`);
        return;
      }
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, result.source);
      output.out(`Wrote ${shown}.`);
    });
}

function platformText(manifest: BundleManifest): string {
  const p = manifest.supported_platform;
  return p === 'any' ? 'any' : `${p.os}-${p.arch} (Node ABI ${p.node_abi})`;
}

function signatureText(signature: SignatureStatus): string {
  if (signature === 'unsigned') return 'unsigned';
  return `signed by key ${signature.keyId}${signature.trusted ? ' (trusted)' : ' (not trusted here)'}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function readKey(file: string, what: string): string {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`${what} ${file}: no such file.`);
  return readFileSync(path, 'utf8');
}

/** The blueprint language's part of a bundle's checks. */
const PLUGIN_YAML_CHECKS = { checkPluginYaml, mappedFunctions };

/** Prints what checking a bundle's contents found; true when the bundle passes. */
function reportContentsCheck(output: Output, check: BundleContentsCheck<Diagnostic>): boolean {
  for (const d of check.diagnostics) output.err(formatDiagnostic(d, { style: output.style }));
  for (const problem of check.problems) output.err(`${output.style.error('error')}: ${problem}`);
  return check.ok;
}

function installedJson(
  plugin: InstalledPlugin,
  usedBy: readonly string[],
): Record<string, unknown> {
  const m = plugin.manifest;
  return {
    id: plugin.id,
    package_name: m.package_name,
    package_version: m.version,
    name: m.name,
    plugin_name: m.plugin_name,
    description: m.description,
    supported_platform: m.supported_platform,
    cairn_api: m.cairn_api,
    signature: plugin.signature,
    installed_at: plugin.installedAt,
    file_name: plugin.fileName,
    yaml_files: m.plugin_yaml,
    used_by: usedBy,
  };
}

/** Deployment ids by the bundle id they are pinned to. */
async function pinsByBundle(): Promise<Map<string, string[]>> {
  const local = await openLocal();
  try {
    const out = new Map<string, string[]>();
    for (const deployment of await local.store.listDeployments()) {
      for (const pin of deployment.plugins) {
        out.set(pin.bundle_id, [...(out.get(pin.bundle_id) ?? []), deployment.id]);
      }
    }
    return out;
  } finally {
    await local.close();
  }
}

function registerBundleCommands(
  plugins: Command,
  output: Output,
  state: State,
  localStore: boolean,
): void {
  plugins
    .command('pack')
    .description('pack a built plugin with its production dependencies into one bundle')
    .argument('[dir]', 'the plugin folder (package.json, plugin.yaml, built code)', '.')
    .option('-o, --output <path>', 'the bundle file, or a folder to write it in (default: <dir>)')
    .option('-k, --key <file>', 'sign it with this private key (cairn plugins keygen)')
    .action(async (dir: string, options: { output?: string; key?: string }) => {
      const started = performance.now();
      const packed = await packPlugin({
        dir: resolve(dir),
        ...(options.output === undefined ? {} : { output: resolve(options.output) }),
        ...(options.key === undefined ? {} : { signingKey: readKey(options.key, '--key') }),
        cairnVersion: VERSION,
      });
      const m = packed.manifest;
      output.out(packed.file);
      output.err(
        `${output.style.ok('✔')} Packed ${m.package_name} ${m.version} (${platformText(m)}, ${Object.keys(m.files).length} files) into ${megabytes(packed.bytes)} in ${Math.round(performance.now() - started)} ms${options.key === undefined ? '' : ', signed'}.`,
      );
    });

  plugins
    .command('keygen')
    .description('make an Ed25519 key pair to sign bundles with')
    .option('-o, --output <prefix>', 'write PREFIX.key and PREFIX.pub', 'cairn-signing')
    .action((options: { output: string }) => {
      const key = generateSigningKey();
      const prefix = resolve(options.output);
      for (const suffix of ['.key', '.pub']) {
        if (existsSync(prefix + suffix)) {
          throw new UsageError(`${prefix}${suffix} exists: choose another --output.`);
        }
      }
      mkdirSync(dirname(prefix), { recursive: true });
      writeFileSync(`${prefix}.key`, key.privateKeyPem, { mode: 0o600 });
      writeFileSync(`${prefix}.pub`, key.publicKeyPem);
      output.out(key.keyId);
      output.err(
        `Wrote ${prefix}.key (keep it secret) and ${prefix}.pub (key id ${key.keyId}). Trust it where bundles are installed: cairn plugins trust ${basename(prefix)}.pub`,
      );
    });

  plugins
    .command('sign')
    .description('sign a bundle (adds or replaces its signature)')
    .argument('<file>', 'the bundle')
    .requiredOption('-k, --key <file>', 'the private key (cairn plugins keygen)')
    .option('-o, --output <file>', 'write the signed bundle here (default: in place)')
    .action(async (file: string, options: { key: string; output?: string }) => {
      await signBundle(
        resolve(file),
        readKey(options.key, '--key'),
        options.output === undefined ? undefined : resolve(options.output),
      );
      output.err(`${output.style.ok('✔')} Signed ${options.output ?? file}.`);
    });

  plugins
    .command('trust')
    .description('trust a public key for bundle signatures, or require signatures on install')
    .argument('[public-key]', 'a .pub file (cairn plugins keygen)')
    .option('--require-signatures', 'from now on, refuse bundles not signed by a trusted key')
    .option('--allow-unsigned', 'from now on, accept unsigned bundles again (the default)')
    .action(
      (
        keyFile: string | undefined,
        options: { requireSignatures?: boolean; allowUnsigned?: boolean },
      ) => {
        const home = cairnHome();
        const trust = trustLocation(home);
        if (options.requireSignatures === true && options.allowUnsigned === true) {
          throw new UsageError('Give --require-signatures or --allow-unsigned, not both.');
        }
        if (keyFile !== undefined) {
          const id = trustKey(trust, readKey(keyFile, 'The key'));
          output.err(`Trusting key ${id}.`);
        }
        if (options.requireSignatures === true) setSignaturePolicy(trust, true);
        if (options.allowUnsigned === true) setSignaturePolicy(trust, false);
        const policy = trustOptions(home, process.env);
        output.out(
          `Trusted keys: ${trustedKeyIds(trust).join(', ') || 'none'}. Signatures are ${policy.requireSignature === true ? 'required' : 'checked when present, not required'}.`,
        );
      },
    );

  plugins
    .command('show')
    .description("print a bundle's manifest (checks its integrity, not this host)")
    .argument('<file>', 'the bundle')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const info = await readBundle(resolve(file), {
        ...trustOptions(cairnHome(), process.env),
        requireSignature: false,
        host: false,
      });
      const m = info.manifest;
      if (options.json === true) {
        const { files, ...rest } = m;
        output.out(
          JSON.stringify(
            {
              ...rest,
              file_count: Object.keys(files).length,
              bundle_sha256: info.bundleSha256,
              bytes: info.bytes,
              unpacked_bytes: info.unpackedBytes,
              signature: info.signature,
            },
            null,
            2,
          ),
        );
        return;
      }
      const rows: [string, string][] = [
        ['package', `${m.package_name} ${m.version} (npm ${m.name})`],
        ['plugin', m.plugin_name],
        ['description', m.description || '—'],
        ['platform', platformText(m)],
        ['cairn api', m.cairn_api],
        ['entry', m.entry],
        ['yaml', m.plugin_yaml.join(', ')],
        ['files', `${Object.keys(m.files).length}, ${megabytes(info.unpackedBytes)} unpacked`],
        ['bundle', `${megabytes(info.bytes)}, sha256 ${info.bundleSha256}`],
        ['signature', signatureText(info.signature)],
        ['built', `${m.build.created_at} with Node ${m.build.node}, Cairn ${m.build.cairn}`],
      ];
      for (const [k, v] of rows) output.out(`${output.style.bold(k.padEnd(12))}${v}`);
    });

  plugins
    .command('validate')
    .description(
      'check a bundle: manifest, hashes, signature, platform, its plugin YAML, and that its entry exports every mapped function',
    )
    .argument('<file>', 'the bundle')
    .option('--require-signature', 'fail unless a trusted key signed it')
    .action(async (file: string, options: { requireSignature?: boolean }) => {
      const path = resolve(file);
      const trust = trustOptions(cairnHome(), process.env);
      const info = await readBundle(path, {
        ...trust,
        requireSignature: options.requireSignature === true || trust.requireSignature === true,
      });
      // The entry must be loaded from files: extract into a throwaway store.
      const scratch = mkdtempSync(join(tmpdir(), 'cairn-validate-'));
      try {
        const installed = await installBundle(path, scratch, { ...trust, requireSignature: false });
        const check = await checkBundleContents(
          {
            label: basename(path),
            manifest: info.manifest,
            yamlByPath: info.pluginYaml,
            entry: installed.entry,
          },
          PLUGIN_YAML_CHECKS,
        );
        if (!reportContentsCheck(output, check)) {
          const errors = check.diagnostics.filter((d) => d.severity === 'error');
          output.err(
            `${output.style.error('✖')} ${file} is not valid${errors.length > 0 ? `: ${summarizeDiagnostics(errors)}` : ''}.`,
          );
          state.status = EXIT.FAILED;
          return;
        }
        const m = info.manifest;
        output.err(
          `${output.style.ok('✔')} ${file}: ${m.package_name} ${m.version}, ${platformText(m)}, ${signatureText(info.signature)}; ${Object.keys(m.files).length} files verified, ${m.plugin_yaml.length} YAML file(s) parsed, ${check.functions} mapped function(s) found.`,
        );
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

  // In manager mode, the manager keeps the plugins (cairn plugins upload …).
  if (!localStore) return;

  plugins
    .command('install')
    .description('install a bundle into the local plugin store (checked as validate does)')
    .argument('<file>', 'the bundle')
    .action(async (file: string) => {
      const home = cairnHome();
      const store = pluginStoreDir(home);
      mkdirSync(store, { recursive: true });
      const path = resolve(file);
      const before = new Set((await listInstalled(store)).map((p) => p.id));
      const started = performance.now();
      const installed = await installBundle(path, store, trustOptions(home, process.env));
      const check = await checkBundleContents(
        {
          label: basename(path),
          manifest: installed.manifest,
          yamlByPath: await readInstalledPluginYaml(installed),
          entry: installed.entry,
        },
        PLUGIN_YAML_CHECKS,
      );
      if (!reportContentsCheck(output, check)) {
        if (!before.has(installed.id)) await removeInstalled(store, installed.id);
        output.err(`${output.style.error('✖')} ${file} was not installed.`);
        state.status = EXIT.FAILED;
        return;
      }
      const m = installed.manifest;
      output.out(installed.id);
      output.err(
        before.has(installed.id)
          ? `${m.package_name} ${m.version} is already installed (${installed.id.slice(0, 12)}).`
          : `${output.style.ok('✔')} Installed ${m.package_name} ${m.version} (${installed.id.slice(0, 12)}, ${signatureText(installed.signature)}) in ${Math.round(performance.now() - started)} ms. Blueprints import it with: plugin:${m.package_name}`,
      );
    });

  plugins
    .command('list')
    .description('list installed plugins')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const store = pluginStoreDir(cairnHome());
      const installed = existsSync(store) ? await listInstalled(store) : [];
      const pins = await pinsByBundle();
      if (options.json === true) {
        output.out(
          JSON.stringify(
            installed.map((p) => installedJson(p, pins.get(p.id) ?? [])),
            null,
            2,
          ),
        );
        return;
      }
      if (installed.length === 0) output.err('No plugins installed (cairn plugins install FILE).');
      for (const p of installed) {
        const used = pins.get(p.id) ?? [];
        output.out(
          `${p.id.slice(0, 12)}  ${p.manifest.package_name} ${p.manifest.version}  ${output.style.dim(`${platformText(p.manifest)}, ${signatureText(p.signature)}, ${used.length === 0 ? 'unused' : `used by ${used.join(', ')}`}`)}`,
        );
      }
    });

  plugins
    .command('get')
    .description('show an installed plugin')
    .argument('<id>', 'its id (or a unique prefix of 8+ characters), or NAME@VERSION')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const plugin = await getInstalled(pluginStoreDir(cairnHome()), id);
      const used = (await pinsByBundle()).get(plugin.id) ?? [];
      const json = installedJson(plugin, used);
      if (options.json === true) {
        output.out(JSON.stringify(json, null, 2));
        return;
      }
      for (const [k, v] of Object.entries(json)) {
        output.out(
          `${output.style.bold(k.padEnd(20))}${typeof v === 'string' ? v : JSON.stringify(v)}`,
        );
      }
    });

  plugins
    .command('remove')
    .description('remove an installed plugin (refused while a deployment is pinned to it)')
    .argument('<id>', 'its id (or a unique prefix of 8+ characters), or NAME@VERSION')
    .option('-f, --force', 'remove it even though deployments use it (they will fail to run it)')
    .action(async (id: string, options: { force?: boolean }) => {
      const store = pluginStoreDir(cairnHome());
      const plugin = await getInstalled(store, id);
      const used = (await pinsByBundle()).get(plugin.id) ?? [];
      if (used.length > 0 && options.force !== true) {
        throw new ConflictError(
          `${plugin.manifest.package_name} ${plugin.manifest.version} is used by deployment${used.length === 1 ? '' : 's'} ${used.join(', ')}: move ${used.length === 1 ? 'it' : 'them'} first (cairn deployments update-plugins DEP), or remove with --force.`,
        );
      }
      await removeInstalled(store, plugin.id);
      output.err(
        `${output.style.ok('✔')} Removed ${plugin.manifest.package_name} ${plugin.manifest.version} (${plugin.id.slice(0, 12)}).`,
      );
    });
}

/**
 * Registers the `plugins` command group: the authoring commands, and with `localStore` (local
 * mode) those of the local plugin store. Returns the group, for manager mode to add its verbs.
 */
export function registerPluginCommands(
  program: Command,
  output: Output,
  state: State,
  options: { readonly localStore: boolean } = { localStore: true },
): Command {
  const plugins = program
    .command('plugins')
    .description(
      options.localStore
        ? 'write, pack, validate and install plugins'
        : 'write, pack and validate plugins; upload them to the manager',
    )
    .addHelpText(
      'after',
      options.localStore
        ? `
Examples:
  $ cairn plugins init acme-widget-plugin
  $ cairn plugins typegen
  $ cairn plugins pack -o dist/
  $ cairn plugins install acme-widget-plugin-0.1.0-any.cairn.tgz
  $ cairn plugins list`
        : `
Examples:
  $ cairn plugins pack -o dist/
  $ cairn plugins upload dist/acme-widget-plugin-0.1.0-any.cairn.tgz
  $ cairn plugins list
  $ cairn plugins set-global acme-widget-plugin@0.1.0`,
    );
  registerAuthorCommands(plugins, output, state);
  registerBundleCommands(plugins, output, state, options.localStore);
  return plugins;
}
