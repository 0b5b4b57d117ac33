/**
 * Which files of one package go into a bundle.
 *
 * - `published` (the plugin itself, and dependencies reached through a symlink, i.e. workspace
 *   packages): package.json, README*, LICENSE* / LICENCE*, plugin*.yaml and the entries of the
 *   `files` field (plain paths of files or folders; globs and `!` negations are not supported);
 *   without `files`, everything. Either way `node_modules` folders, dot-files, dot-folders and
 *   `*.cairn.tgz` bundles are left out.
 * - `installed` (dependencies npm installed): every file except nested `node_modules`, which the
 *   dependency walk places itself.
 *
 * A symbolic link inside the package is packed as a copy of its target when the target is in
 * the same package; one that leads outside is refused (`link`), as the bundle could not hold it.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, posix, relative, sep, isAbsolute } from 'node:path';
import { BundleError } from './errors.js';
import type { BundleFileMode } from './manifest.js';
import type { PackageJson } from './package-json.js';
import { PLUGIN_YAML_NAME } from './plugin-yaml.js';

/** One file of a package, to be packed. */
export interface PackageFile {
  /** Path relative to the package root, POSIX separators. */
  readonly rel: string;
  /** The real file whose content is packed. */
  readonly source: string;
  /** 0o755 when any execute bit is set, else 0o644. */
  readonly mode: BundleFileMode;
  /** Size when selected (checked again while packing). */
  readonly size: number;
  /** Modification time, for the manifest's `created_at`. */
  readonly mtimeMs: number;
}

/** Which selection rule applies to a package: see the module comment. */
export type FileSelection = 'published' | 'installed';

/** Root files always packed for a `published` package with a `files` field. */
const ALWAYS = /^(package\.json|readme(\..*)?|licen[cs]e(\..*)?)$/i;

/**
 * The files of the package whose real root folder is `root`, by the `selection` rule, sorted
 * by path.
 */
export async function packageFiles(
  root: string,
  pkg: PackageJson,
  selection: FileSelection,
): Promise<PackageFile[]> {
  const found = new Map<string, PackageFile>();
  const walker = new Walker(root, selection, found);
  if (selection === 'installed' || pkg.files === undefined) {
    await walker.walk(root, '');
  } else {
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (ALWAYS.test(entry.name) || PLUGIN_YAML_NAME.test(entry.name)) {
        await walker.visit(root, '', entry, true);
      }
    }
    for (const listed of pkg.files) await walker.listed(listed, pkg.file);
  }
  return [...found.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

class Walker {
  /** Real folders being walked, so a link to an enclosing folder does not loop. */
  readonly #active = new Set<string>();

  constructor(
    readonly root: string,
    readonly selection: FileSelection,
    readonly found: Map<string, PackageFile>,
  ) {}

  /** A `files` field entry: a file or a folder, relative to the root. */
  async listed(listed: string, pkgFile: string): Promise<void> {
    if (/[*?[\]{}!]/.test(listed)) {
      throw new BundleError(
        'package-invalid',
        `${pkgFile}: "files" entry "${listed}" is a glob; bundles support plain paths only`,
      );
    }
    const rel = posix.normalize(listed.replace(/^\.\//, '')).replace(/\/+$/, '');
    if (rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) {
      throw new BundleError(
        'package-invalid',
        `${pkgFile}: "files" entry "${listed}" is outside the package`,
      );
    }
    if (rel === '.' || rel === '') {
      await this.walk(this.root, '');
      return;
    }
    const parent = posix.dirname(rel);
    const name = posix.basename(rel);
    const dirAbs = parent === '.' ? this.root : join(this.root, ...parent.split('/'));
    let entry: Dirent | undefined;
    try {
      entry = (await readdir(dirAbs, { withFileTypes: true })).find((e) => e.name === name);
    } catch {
      entry = undefined;
    }
    if (entry === undefined) {
      throw new BundleError(
        'package-invalid',
        `${pkgFile}: "files" entry "${listed}" does not exist (build the package first?)`,
      );
    }
    await this.visit(dirAbs, parent === '.' ? '' : parent, entry, true);
  }

  /** Walks folder `dirAbs`, whose archive-relative path is `relDir`. */
  async walk(dirAbs: string, relDir: string): Promise<void> {
    const real = await realpath(dirAbs);
    if (this.#active.has(real)) return;
    this.#active.add(real);
    try {
      const entries = await readdir(dirAbs, { withFileTypes: true });
      await Promise.all(entries.map((entry) => this.visit(dirAbs, relDir, entry, false)));
    } finally {
      this.#active.delete(real);
    }
  }

  /** One directory entry; `explicit` when named by `files` or the always-packed list. */
  async visit(dirAbs: string, relDir: string, entry: Dirent, explicit: boolean): Promise<void> {
    const name = entry.name;
    // Dependencies are placed by the dependency walk, never copied as a folder.
    if (name === 'node_modules') return;
    if (!explicit && this.#skips(name)) return;
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    let abs = join(dirAbs, name);
    if (entry.isSymbolicLink()) {
      abs = await this.#linkTarget(abs, rel);
    }
    const info = await stat(abs);
    if (info.isDirectory()) {
      await this.walk(abs, rel);
    } else if (info.isFile()) {
      this.found.set(rel, {
        rel,
        source: abs,
        mode: (info.mode & 0o111) !== 0 ? 0o755 : 0o644,
        size: info.size,
        mtimeMs: info.mtimeMs,
      });
    }
    // Sockets, FIFOs and devices are not package content; they are left out.
  }

  #skips(name: string): boolean {
    if (this.selection === 'installed') return false;
    return name.startsWith('.') || name.endsWith('.cairn.tgz');
  }

  /** The real target of a link inside the package; `link` error when it leads outside. */
  async #linkTarget(abs: string, rel: string): Promise<string> {
    let target: string;
    try {
      target = await realpath(abs);
    } catch (error) {
      throw new BundleError('link', `${abs} is a symbolic link to nothing (dangling)`, {
        cause: error,
      });
    }
    const inside = relative(this.root, target);
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new BundleError(
        'link',
        `${abs} ("${rel}") is a symbolic link to ${target}, outside its package ${this.root}; a bundle holds no links, so make it a file or drop it`,
      );
    }
    return target;
  }
}
