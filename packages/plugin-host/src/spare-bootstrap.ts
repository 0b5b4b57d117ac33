/**
 * A spare worker process: Node booted ahead of need, before any plugin is known. It waits for
 * one line on stdin — the path of the worker runtime to become (a plugin's own
 * `@cairn/plugin-sdk/worker`) — then closes stdin and loads that script, which goes on exactly
 * as if it had been started directly (fd 3 is the protocol channel). If the host goes away
 * first, stdin ends and the spare exits.
 */
import { pathToFileURL } from 'node:url';

let received = '';
process.stdin.setEncoding('utf8');

function onData(chunk: string): void {
  received += chunk;
  const newline = received.indexOf('\n');
  if (newline < 0) return;
  process.stdin.off('data', onData);
  process.stdin.off('end', onEnd);
  // A worker's stdin is empty: the plugin must not see the host's pipe.
  process.stdin.destroy();
  const script = received.slice(0, newline);
  process.argv[1] = script;
  import(pathToFileURL(script).href).catch((error: unknown) => {
    process.stderr.write(
      `cairn worker: cannot load ${script}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(70);
  });
}

function onEnd(): void {
  process.exit(0);
}

process.stdin.on('data', onData);
process.stdin.on('end', onEnd);
