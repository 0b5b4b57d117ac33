/**
 * The `ctx` command's round trip as a script sees it: a bash loop calls `ctx` (a runtime property
 * read) and times each call with $EPOCHREALTIME, against the script plugin's real ctx proxy
 * serving a stand-in operation ctx. For scale, the loop also times `bash -c exit` (the cost of
 * starting any command written in bash) and `curl` against the same proxy.
 *
 *   node bench/ctx-roundtrip.js [calls=300]
 *
 * Prints one JSON line: medians and p99 in microseconds.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ctxView, ScriptState } from '../plugins/script/dist/proxy/ctx-view.js';
import { startCtxProxy } from '../plugins/script/dist/proxy/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const calls = Number(process.argv[2] ?? '300');
const bin = join(here, '..', 'plugins', 'script', 'bin');

const props = { counter: 41 };
const noop = () => undefined;
const ctx = {
  type: 'node-instance',
  node: {
    id: 'n',
    name: 'n',
    type: 't',
    type_hierarchy: [],
    properties: {},
    number_of_instances: 1,
  },
  instance: {
    id: 'n_1',
    runtime_properties: props,
    host_id: null,
    host_ip: null,
    index: 1,
    scaling_groups: [],
    relationships: [],
    version: 1,
    update: () => Promise.resolve(),
  },
  deployment: { id: 'd' },
  blueprint: { id: 'b' },
  execution_id: 'e',
  workflow_id: 'install',
  tenant_name: 'default_tenant',
  task_id: 't',
  timeout: null,
  plugin: { name: 'script', properties: {} },
  operation: { name: 'create', retry_number: 0, max_retries: 0, retry: noop },
  logger: { debug: noop, info: noop, warning: noop, error: noop },
  signal: new AbortController().signal,
};

// Each loop prints one duration (µs) per line, after a label line.
const SCRIPT = `
t() { local s=$EPOCHREALTIME; "$@" > /dev/null 2>&1; local e=$EPOCHREALTIME; echo $(( \${e/./} - \${s/./} )); }
echo ctx; for i in $(seq ${calls}); do t ctx instance runtime-properties counter; done
echo bash; for i in $(seq ${calls}); do t bash -c 'exit 0'; done
if command -v curl > /dev/null; then
  echo curl; for i in $(seq ${Math.max(20, Math.round(calls / 5))}); do
    t curl -s -X POST -d '{"args": ["instance", "runtime_properties", "counter"]}' "$CTX_SOCKET_URL"
  done
fi
`;

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { n: sorted.length, medianUs: at(0.5), p99Us: at(0.99) };
}

const proxy = await startCtxProxy(ctxView(ctx, new ScriptState()));
const output = await new Promise((resolve, reject) => {
  const child = spawn('bash', ['-c', SCRIPT], {
    env: { ...process.env, CTX_SOCKET_URL: proxy.url, PATH: `${bin}:${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (text += chunk));
  child.on('error', reject);
  child.on('close', () => resolve(text));
});
await proxy.close();

const series = {};
let current;
for (const line of output.trim().split('\n')) {
  if (/^[a-z]+$/.test(line)) series[(current = line)] = [];
  else if (current !== undefined) series[current].push(Number(line));
}
process.stdout.write(
  `${JSON.stringify(Object.fromEntries(Object.entries(series).map(([k, v]) => [k, stats(v)])))}\n`,
);
