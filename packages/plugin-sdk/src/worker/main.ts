/**
 * Entry point of a worker process: `node --max-old-space-size=N dist/worker/main.js`, spawned by
 * the host with stdin ignored, stdout/stderr piped (the plugin's output) and fd 3 a socket
 * carrying the protocol as NDJSON. Exits when the host says so, or when fd 3 closes (the host is
 * gone), so a worker never outlives its host.
 */
import { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createLineSplitter, encodeMessage, parseHostMessage } from '@cairn/plugin-protocol';
import { WorkerRuntime } from './runtime.js';

// Bound before any plugin code runs, so a plugin that patches process.stdout.write cannot
// swallow the sync marks.
const stdoutWrite = process.stdout.write.bind(process.stdout);
const stderrWrite = process.stderr.write.bind(process.stderr);

const channel = new Socket({ fd: 3, readable: true, writable: true });
channel.setEncoding('utf8');

function die(reason: string): never {
  stderrWrite(`cairn worker: ${reason}\n`);
  process.exit(70);
}

const runtime = new WorkerRuntime({
  send: (message) => {
    channel.write(encodeMessage(message));
  },
  importModule: async (entry) => (await import(pathToFileURL(entry).href)) as object,
  writeOutput: (stream, text) => {
    if (stream === 'stdout') stdoutWrite(text);
    else stderrWrite(text);
  },
  exit: (code) => process.exit(code),
});

const splitter = createLineSplitter({
  onLine: (line) => {
    const parsed = parseHostMessage(line);
    if (!parsed.ok) die(`protocol error from the host: ${parsed.issue.message}`);
    runtime.receive(parsed.message);
  },
  onOverflow: (length) => die(`the host sent a line of ${length} characters`),
});

channel.on('data', (chunk: string) => {
  splitter.push(chunk);
});
channel.on('end', () => {
  runtime.channelClosed();
});
channel.on('error', () => {
  runtime.channelClosed();
});

runtime.start();
