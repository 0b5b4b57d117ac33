/**
 * The hello-world example's plugin: a static page served by a small Node.js HTTP server on
 * this machine. Operations map as `hello_web.site.<fn>` in the blueprint; each gets Cairn's
 * `ctx` and the operation's inputs.
 *
 * (When Cairn's script plugin lands, this example moves to plain shell scripts, the usual
 * Cloudify way; the blueprint then stays the same apart from the mappings.)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const [dir, port] = process.argv.slice(1);
http.createServer((req, res) => {
  fs.readFile(path.join(dir, 'index.html'), (err, body) => {
    res.writeHead(err ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(err ? 'not found' : body);
  });
}).listen(Number(port), '127.0.0.1');
`;

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
}

/** Writes the page into a folder of the instance's own. */
async function create(ctx, inputs) {
  const dir = join(
    process.env.CAIRN_HELLO_DIR ?? join(tmpdir(), 'cairn-hello-world'),
    ctx.instance.id,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><title>Cairn</title><h1>${escapeHtml(inputs.greeting ?? 'Hello')}</h1>` +
      `<p>node instance ${escapeHtml(ctx.instance.id)}</p>\n`,
  );
  ctx.instance.runtime_properties.site_dir = dir;
  ctx.logger.info(`wrote ${join(dir, 'index.html')}`);
}

/** Starts the server on the node's port plus the instance's index (1 → port, 2 → port + 1). */
async function start(ctx) {
  const dir = ctx.instance.runtime_properties.site_dir;
  const port = Number(ctx.node.properties.port) + (ctx.instance.index ?? 1) - 1;
  const child = spawn(process.execPath, ['-e', SERVER, dir, String(port)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  ctx.instance.runtime_properties.pid = child.pid;
  ctx.instance.runtime_properties.port = port;
  ctx.instance.runtime_properties.url = `http://127.0.0.1:${port}/`;
  // Wait until it answers, so `install` ends with the site up (or fails clearly).
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      if (res.ok) {
        ctx.logger.info(`serving ${dir} on http://127.0.0.1:${port}/`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const error = new Error(
    `the server on port ${port} did not answer within 5 s (is the port taken?)`,
  );
  error.name = 'RecoverableError';
  throw error;
}

/** Stops the server. */
async function stop(ctx) {
  const pid = ctx.instance.runtime_properties.pid;
  if (typeof pid === 'number') {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    delete ctx.instance.runtime_properties.pid;
  }
}

/** Removes the page's folder. */
async function remove(ctx) {
  const dir = ctx.instance.runtime_properties.site_dir;
  if (typeof dir === 'string') rmSync(dir, { recursive: true, force: true });
  delete ctx.instance.runtime_properties.site_dir;
}

/** `hello_web.site.*` */
export const site = { create, start, stop, delete: remove };
