import type { ImportHost, ReadResult } from './import-host.js';

/**
 * An {@link ImportHost} over in-memory files, keyed by URL (e.g. `file:///bp/blueprint.yaml`).
 * For tests and for the browser. Plugin and blueprint imports resolve through the optional maps.
 */
export function createMemoryHost(
  files: Readonly<Record<string, string>>,
  options: {
    readonly plugins?: Readonly<Record<string, { url: string; version?: string }>>;
    readonly blueprints?: Readonly<Record<string, string>>;
  } = {},
): ImportHost {
  const read = (url: string): ReadResult => {
    const text = files[url];
    if (text === undefined)
      return { ok: false, reason: 'not-found', message: `No file at '${url}'.` };
    return { ok: true, url, name: url.replace(/^file:\/\//, ''), text };
  };
  return {
    read: (url) => Promise.resolve(read(url)),
    resolvePlugin: (request) => {
      const entry = options.plugins?.[request.name];
      if (entry === undefined) {
        return Promise.resolve({
          ok: false,
          reason: 'not-found',
          message: `No plugin named '${request.name}'.`,
        });
      }
      const r = read(entry.url);
      if (!r.ok) return Promise.resolve({ ok: false, reason: 'unreadable', message: r.message });
      return Promise.resolve({
        ok: true,
        url: r.url,
        name: r.name,
        text: r.text,
        packageVersion: entry.version,
      });
    },
    resolveBlueprint: (id) => {
      const url = options.blueprints?.[id];
      if (url === undefined)
        return Promise.resolve({ ok: false, message: `No blueprint with id '${id}'.` });
      const r = read(url);
      return Promise.resolve(r.ok ? r : { ok: false, message: r.message });
    },
    resourceExists: (baseUrl, path) => {
      try {
        return files[new URL(path, baseUrl).href] !== undefined;
      } catch {
        return false;
      }
    },
  };
}
