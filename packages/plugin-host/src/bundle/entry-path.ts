/**
 * Which archive paths a bundle may hold. The same rule runs at pack time (so Cairn never
 * writes a bundle it would refuse) and for every entry read back, before anything is written.
 */

/** The longest entry path accepted; far beyond any real package, short of abuse. */
const MAX_PATH_LENGTH = 4096;

/**
 * Why `path` may not name an entry of a bundle, or undefined when it is fine. A directory's
 * single trailing slash is allowed; everything else must be a plain relative POSIX path.
 */
export function entryPathProblem(path: string): string | undefined {
  if (path === '') return 'it is empty';
  if (path.length > MAX_PATH_LENGTH) return `it is longer than ${MAX_PATH_LENGTH} characters`;
  if (path.includes('\0')) return 'it contains a NUL character';
  if (path.includes('\\')) return 'it contains a backslash';
  // Control characters make paths that print misleadingly in a terminal.
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(path)) return 'it contains a control character';
  if (path.startsWith('/')) return 'it is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'it starts with a drive letter';
  const body = path.endsWith('/') ? path.slice(0, -1) : path;
  for (const segment of body.split('/')) {
    if (segment === '') return 'it has an empty path segment';
    if (segment === '.' || segment === '..') return `it has a '${segment}' segment`;
  }
  return undefined;
}

/** The name a packed bundle gets: `<name>-<version>-<platform>.cairn.tgz`. */
export function bundleFileName(name: string, version: string, platform: string): string {
  // `@scope/pkg` becomes `scope-pkg`: no directory separator, no shell-awkward `@`.
  const safeName = name.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  const safeVersion = version.replace(/[^A-Za-z0-9._+-]+/g, '-');
  return `${safeName}-${safeVersion}-${platform}.cairn.tgz`;
}
