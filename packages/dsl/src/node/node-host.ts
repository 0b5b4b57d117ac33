/**
 * The Node.js import host: local files, URL imports over HTTP(S) with a timeout, a size limit,
 * retries and a cache, `plugin:` imports from a plugins directory, and `blueprint:` imports from
 * an id → path map.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  BlueprintImportResult,
  ImportHost,
  PluginImportRequest,
  PluginImportResult,
  ReadResult,
} from '../imports/import-host.js';
import { choosePluginYaml, versionSatisfies } from '../imports/plugin-selection.js';

/** Options of {@link createNodeHost}. */
export interface NodeHostOptions {
  /** Paths in diagnostics are shown relative to this directory (default: process.cwd()). */
  readonly cwd?: string;
  /** A directory of plugins, one folder per package name holding plugin*.yaml files. */
  readonly pluginsDir?: string;
  /** Blueprint id → path of the blueprint file, for `blueprint:` imports. */
  readonly blueprintImports?: Readonly<Record<string, string>>;
  /** Refuse URL imports (http, https) with `DSL_IMPORT_OFFLINE`. */
  readonly offline?: boolean;
  /** Time limit of one HTTP fetch in milliseconds (default 10 000). */
  readonly fetchTimeoutMs?: number;
  /** Largest accepted URL import in bytes (default 10 MiB). */
  readonly maxFetchBytes?: number;
  /** Where fetched URL imports are cached on disk (default: no disk cache, memory only). */
  readonly cacheDir?: string;
}

/** Shows a path relative to `cwd` when it is inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
}

/** A `file:` URL for a path (resolved against `cwd`). */
export function fileUrl(path: string, cwd: string = process.cwd()): string {
  return pathToFileURL(resolve(cwd, path)).href;
}

function readPackageVersion(text: string, name: string): string | undefined {
  // The plugins: entry that names this package gives its version; any package_version otherwise.
  const lines = text.split('\n');
  let fallback: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*package_version:\s*['"]?([^'"#\s]+)/.exec(lines[i] ?? '');
    if (m === null) continue;
    fallback ??= m[1];
    for (let j = Math.max(0, i - 6); j < Math.min(lines.length, i + 6); j++) {
      if (
        new RegExp(
          `^\\s*package_name:\\s*['"]?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*$`,
        ).test(lines[j] ?? '')
      ) {
        return m[1];
      }
    }
  }
  return fallback;
}

/** How often a URL import is tried on a server error or a broken connection. */
const ATTEMPTS = 3;
/** The pause before the second attempt; it doubles for each further one. */
const RETRY_PAUSE_MS = 200;

async function fetchText(
  url: string,
  options: NodeHostOptions,
  memoryCache: Map<string, string>,
): Promise<ReadResult> {
  const cached = memoryCache.get(url);
  if (cached !== undefined) return { ok: true, url, name: url, text: cached };
  const cacheFile =
    options.cacheDir === undefined
      ? undefined
      : join(options.cacheDir, createHash('sha256').update(url).digest('hex'));
  if (cacheFile !== undefined && existsSync(cacheFile)) {
    const text = await readFile(cacheFile, 'utf8');
    memoryCache.set(url, text);
    return { ok: true, url, name: url, text };
  }
  const limit = options.maxFetchBytes ?? 10 * 1024 * 1024;
  const timeout = options.fetchTimeoutMs ?? 10_000;
  let lastError = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // Server errors and broken connections are tried again, after a short, growing pause.
    if (attempt > 1)
      await new Promise((done) => setTimeout(done, RETRY_PAUSE_MS * 2 ** (attempt - 2)));
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(timeout),
        redirect: 'follow',
      });
      if (response.status === 404 || response.status === 410) {
        return {
          ok: false,
          reason: 'not-found',
          message: `The URL import '${url}' does not exist (HTTP ${response.status}).`,
        };
      }
      if (!response.ok) {
        lastError = `HTTP ${response.status} ${response.statusText}`;
        if (response.status >= 500) continue;
        break;
      }
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > limit) {
        await response.body?.cancel();
        return {
          ok: false,
          reason: 'too-large',
          message: `The URL import '${url}' is ${declared} bytes, over the limit of ${limit}.`,
        };
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (response.body !== null) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > limit) {
            return {
              ok: false,
              reason: 'too-large',
              message: `The URL import '${url}' is over the size limit of ${limit} bytes.`,
            };
          }
          chunks.push(chunk);
        }
      }
      const text = Buffer.concat(chunks).toString('utf8');
      memoryCache.set(url, text);
      if (cacheFile !== undefined && options.cacheDir !== undefined) {
        await mkdir(options.cacheDir, { recursive: true });
        await writeFile(cacheFile, text);
      }
      return { ok: true, url, name: url, text };
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        // A server that does not answer in time is not asked again: that would triple the wait.
        lastError = `no answer within ${timeout} ms`;
        break;
      }
      lastError = e.cause?.code ?? e.message ?? String(error);
    }
  }
  return {
    ok: false,
    reason: 'fetch-failed',
    message: `Could not fetch the URL import '${url}': ${lastError}.`,
  };
}

/** Creates the Node.js import host. */
export function createNodeHost(options: NodeHostOptions = {}): ImportHost {
  const cwd = options.cwd ?? process.cwd();
  // URL imports fetched by this host, so a blueprint's many files fetch each URL once.
  const memoryCache = new Map<string, string>();
  const read = async (url: string): Promise<ReadResult> => {
    if (url.startsWith('file:')) {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch {
        return { ok: false, reason: 'not-found', message: `'${url}' is not a valid file URL.` };
      }
      try {
        // Decoded in one go: with an encoding, readFile decodes chunk by chunk and joins them.
        const text = (await readFile(path)).toString('utf8');
        return { ok: true, url, name: displayPath(path, cwd), text };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          return {
            ok: false,
            reason: 'not-found',
            message: `No such file: '${displayPath(path, cwd)}'.`,
          };
        }
        return {
          ok: false,
          reason: 'fetch-failed',
          message: `Cannot read '${displayPath(path, cwd)}': ${code ?? String(error)}.`,
        };
      }
    }
    if (/^https?:/i.test(url)) {
      if (options.offline === true) {
        return {
          ok: false,
          reason: 'offline',
          message: `The URL import '${url}' was not fetched: running offline (--offline).`,
        };
      }
      return fetchText(url, options, memoryCache);
    }
    return {
      ok: false,
      reason: 'unsupported',
      message: `Cairn cannot read '${url}': only file:, http: and https: are supported.`,
    };
  };
  const host: ImportHost = {
    read,
    resourceExists(baseUrl: string, path: string): boolean {
      try {
        const url = new URL(path, baseUrl);
        return url.protocol === 'file:' && existsSync(fileURLToPath(url));
      } catch {
        return false;
      }
    },
  };
  if (options.pluginsDir !== undefined) {
    const dir = resolve(cwd, options.pluginsDir);
    host.resolvePlugin = (request) => resolvePluginFromDir(dir, request, cwd);
  }
  const blueprints = options.blueprintImports;
  if (blueprints !== undefined) {
    host.resolveBlueprint = async (id: string): Promise<BlueprintImportResult> => {
      const path = blueprints[id];
      if (path === undefined) {
        const known = Object.keys(blueprints);
        return {
          ok: false,
          message: `No blueprint with id '${id}' is known${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}; give one with --blueprint-import ${id}=PATH.`,
        };
      }
      const r = await read(fileUrl(path, cwd));
      return r.ok ? r : { ok: false, message: `Blueprint '${id}': ${r.message}` };
    };
  }
  return host;
}

async function resolvePluginFromDir(
  dir: string,
  request: PluginImportRequest,
  cwd: string,
): Promise<PluginImportResult> {
  const pluginDir = join(dir, request.name);
  let names: string[];
  try {
    if (!statSync(pluginDir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(pluginDir);
  } catch {
    let available: string[] = [];
    try {
      available = readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());
    } catch {
      return {
        ok: false,
        reason: 'not-found',
        message: `The plugins directory '${displayPath(dir, cwd)}' does not exist.`,
      };
    }
    return {
      ok: false,
      reason: 'not-found',
      message: `No plugin '${request.name}' in '${displayPath(dir, cwd)}'${available.length > 0 ? ` (it has ${available.join(', ')})` : ''}.`,
    };
  }
  const chosen = choosePluginYaml(names, request.dslMinor);
  if (chosen === undefined) {
    return {
      ok: false,
      reason: 'not-found',
      message: `Plugin '${request.name}' in '${displayPath(pluginDir, cwd)}' has no plugin YAML file.`,
    };
  }
  const path = join(pluginDir, chosen);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      reason: 'unreadable',
      message: `Cannot read '${displayPath(path, cwd)}': ${String(error)}.`,
    };
  }
  const version = readPackageVersion(text, request.name);
  if (request.version !== undefined) {
    const fits = version !== undefined && versionSatisfies(version, request.version);
    if (!fits) {
      return {
        ok: false,
        reason: 'version-mismatch',
        message: `Plugin '${request.name}' is version ${version ?? 'unknown'}, which does not satisfy '${request.version.trim()}'.`,
      };
    }
  }
  if (request.distribution !== undefined) {
    const m = /^\s*distribution:\s*['"]?([^'"#\s]+)/m.exec(text);
    if (m !== null && m[1]?.toLowerCase() !== request.distribution.toLowerCase()) {
      return {
        ok: false,
        reason: 'version-mismatch',
        message: `Plugin '${request.name}' is built for distribution '${m[1] ?? ''}', not '${request.distribution}'.`,
      };
    }
  }
  return {
    ok: true,
    url: pathToFileURL(path).href,
    name: displayPath(path, cwd),
    text,
    packageVersion: version,
  };
}
