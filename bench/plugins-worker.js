/**
 * The plugin kit's figures, run by `bench/run.js` in a process of its own (BENCH_ONLY=plugins):
 *
 * - pack and install of a plugin with ~20 MB of production dependencies, through the `cairn`
 *   command a user runs (process start, packing or checking every file, for install also the
 *   plugin YAML check and loading the entry in a probe process);
 * - worker cold start: a fresh executor's first no-op operation, from the call to its outcome
 *   (loading the runtime and the plugin, hello, the run): with the spare Node process the
 *   executor boots when it is made (the usual case), and from scratch (Node's boot included,
 *   with a bare `node` spawn measured beside it);
 * - warm dispatch overhead: a no-op operation on a running worker, from `run()` to its outcome.
 *
 * Prints one JSON line.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalExecutor } from '@cairn/plugin-host';

const here = dirname(fileURLToPath(import.meta.url));
const CAIRN = join(here, '..', 'packages', 'cli', 'bin', 'cairn.js');
const SDK_WORKER = fileURLToPath(import.meta.resolve('@cairn/plugin-sdk/worker'));
const runs = Math.max(3, Number(process.env.BENCH_PLUGIN_RUNS ?? '5'));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A plugin with `megabytes` of dependencies in `deps` packages: a mix of incompressible
 * (random) and text files of 2–64 KB, as real node_modules are mostly small files.
 */
function makePlugin(root, megabytes, deps) {
  const dir = join(root, 'big-plugin');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  const dependencies = {};
  const perDep = Math.ceil((megabytes * 1024 * 1024) / deps);
  let files = 0;
  for (let d = 0; d < deps; d++) {
    const name = `dep-${d}`;
    dependencies[name] = '1.0.0';
    const depDir = join(dir, 'node_modules', name);
    mkdirSync(join(depDir, 'lib'), { recursive: true });
    writeFileSync(join(depDir, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
    let written = 0;
    for (let f = 0; written < perDep; f++) {
      const size = 2048 + ((f * 7919) % 63) * 1024;
      const content =
        f % 2 === 0
          ? randomBytes(size)
          : Buffer.from(`// ${name} ${f}\n`.repeat(Math.ceil(size / 16)).slice(0, size));
      writeFileSync(join(depDir, 'lib', `f${f}.js`), content);
      written += size;
      files++;
    }
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'big-plugin',
      version: '1.0.0',
      type: 'module',
      main: 'index.js',
      dependencies,
    }),
  );
  writeFileSync(join(dir, 'index.js'), 'export const tasks = { create() {}, remove() {} };\n');
  writeFileSync(
    join(dir, 'plugin.yaml'),
    `plugins:\n  big:\n    executor: central_deployment_agent\n    package_name: big-plugin\n    package_version: '1.0.0'\nnode_types:\n  big.nodes.Thing:\n    derived_from: cloudify.nodes.Root\n    interfaces:\n      cloudify.interfaces.lifecycle:\n        create: big.tasks.create\n        delete: big.tasks.remove\n`,
  );
  return { dir, files };
}

/**
 * Node's own share of a cold start on this machine: spawning `node` with the same stdio as a
 * worker until the child's first write on fd 3 (a worker's first write is its hello).
 */
function bareNodeSpawnMs() {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', 'require("node:fs").writeSync(3, "x")'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.on('error', reject);
    child.stdio[3].once('data', () => {
      resolve(performance.now() - started);
      child.kill();
    });
  });
}

function timed(fn) {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

function cairn(args, env) {
  return execFileSync(process.execPath, [CAIRN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
}

// The plugin store lives in $CAIRN_HOME, by default ~/.cairn: the bench packs and installs on
// the home folder's filesystem too (BENCH_DIR to choose). On the 2-CPU VM, /tmp creates files
// about twice as slowly: install medians 1.87 s there against 1.01 s under the home folder.
const benchRoot = process.env.BENCH_DIR ?? join(homedir(), '.cache', 'cairn-bench');
mkdirSync(benchRoot, { recursive: true });
const work = mkdtempSync(join(benchRoot, 'plugins-'));
try {
  // ---- pack and install -------------------------------------------------------------------
  const { dir, files } = makePlugin(work, 20, 40);
  const bundle = join(work, 'big.cairn.tgz');
  const packMs = [];
  const installMs = [];
  let bundleBytes = 0;
  for (let i = 0; i < runs; i++) {
    packMs.push(timed(() => cairn(['plugins', 'pack', dir, '-o', bundle], {})));
    const home = join(work, `home-${i}`);
    installMs.push(timed(() => cairn(['plugins', 'install', bundle], { CAIRN_HOME: home })));
    rmSync(home, { recursive: true, force: true });
  }
  bundleBytes = (await import('node:fs')).statSync(bundle).size;

  // ---- worker cold start and warm dispatch ------------------------------------------------
  const pluginDir = join(work, 'noop-plugin');
  mkdirSync(pluginDir);
  writeFileSync(join(pluginDir, 'index.js'), 'export function noop() {}\n');
  const callbacks = {
    log() {},
    updateRuntimeProperties: (_id, _props, version) => Promise.resolve(version + 1),
  };
  let sequence = 0;
  const request = () => {
    sequence++;
    return {
      task_id: `t${sequence}#0`,
      execution_id: 'e',
      deployment_id: 'd',
      blueprint_id: 'b',
      workflow_id: 'install',
      tenant: 'default_tenant',
      plugin: {
        name: 'noop',
        package_name: null,
        package_version: null,
        source: null,
        properties: {},
        bundle_id: null,
      },
      operation: {
        name: 'cloudify.interfaces.lifecycle.create',
        function: 'noop',
        retry_number: 0,
        max_retries: 0,
      },
      inputs: {},
      timeout: null,
      timeout_recoverable: false,
      node: {
        id: 'n',
        name: 'n',
        type: 'cloudify.nodes.Root',
        type_hierarchy: ['cloudify.nodes.Root'],
        properties: {},
        number_of_instances: 1,
      },
      instance: {
        id: `n_${sequence}`,
        runtime_properties: {},
        version: 1,
        host_id: null,
        host_ip: null,
        index: 0,
        scaling_groups: [],
      },
      resources_path: work,
      workdir: join(work, 'workdir'),
    };
  };
  const coldMs = [];
  const spareMs = [];
  const bareMs = [];
  const warmUs = [];
  const WARM_OPS = 500;
  for (let i = 0; i < runs * 2; i++) {
    bareMs.push(await bareNodeSpawnMs());
    // With a spare: the executor boots one Node process when it is made; the CLI then parses
    // the blueprint and creates the deployment (hundreds of ms) before the first operation.
    const spared = createLocalExecutor({
      resolvePlugin: () => ({ entry: join(pluginDir, 'index.js') }),
      fallbackRuntime: SDK_WORKER,
      maxWorkersPerPlugin: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const spareStarted = performance.now();
    const viaSpare = await spared.run(request(), callbacks);
    spareMs.push(performance.now() - spareStarted);
    if (viaSpare.status !== 'succeeded')
      throw new Error(`spare run failed: ${JSON.stringify(viaSpare)}`);
    await spared.close();
    // From scratch: no spare, Node boots when the operation asks for a worker.
    const executor = createLocalExecutor({
      resolvePlugin: () => ({ entry: join(pluginDir, 'index.js') }),
      fallbackRuntime: SDK_WORKER,
      maxWorkersPerPlugin: 1,
      spareWorkers: 0,
    });
    const started = performance.now();
    const first = await executor.run(request(), callbacks);
    coldMs.push(performance.now() - started);
    if (first.status !== 'succeeded') throw new Error(`cold run failed: ${JSON.stringify(first)}`);
    // Warm: one at a time on the same worker (after a few to settle the JIT).
    for (let n = 0; n < WARM_OPS; n++) {
      const t = performance.now();
      const outcome = await executor.run(request(), callbacks);
      if (n >= 50) warmUs.push((performance.now() - t) * 1000);
      if (outcome.status !== 'succeeded')
        throw new Error(`warm run failed: ${JSON.stringify(outcome)}`);
    }
    await executor.close();
  }
  const sortedWarm = [...warmUs].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      plugin: { megabytes: 20, files, bundleBytes },
      packMs: packMs.map(Math.round),
      installMs: installMs.map(Math.round),
      packMedianMs: Math.round(median(packMs)),
      installMedianMs: Math.round(median(installMs)),
      coldMs: coldMs.map((v) => Math.round(v)),
      coldMedianMs: Math.round(median(coldMs)),
      spareMs: spareMs.map((v) => Math.round(v)),
      spareMedianMs: Math.round(median(spareMs)),
      bareNodeMs: bareMs.map((v) => Math.round(v)),
      bareNodeMedianMs: Math.round(median(bareMs)),
      warmMedianUs: Math.round(median(warmUs)),
      warmP99Us: Math.round(sortedWarm[Math.floor(sortedWarm.length * 0.99)]),
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
