/**
 * Lays out a plugin's production dependencies (`dependencies` and `optionalDependencies`,
 * recursively, never `devDependencies`) inside the bundle so that Node's resolution from the
 * bundled copy finds the same package it finds in the plugin folder.
 *
 * Each dependency is found the way Node finds it: `node_modules/<name>` in the requiring
 * package's real folder, then in each folder above. It is placed at `package/node_modules/<name>`
 * unless a nearer slot on the requirer's lookup path already holds another package of that
 * name; then it is nested under the requirer (`…/<requirer>/node_modules/<name>`). A package
 * already reachable from the requirer is not placed again, which also ends cycles.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BundleError } from './errors.js';
import { PACKAGE_DIR, compareCodeUnits } from './manifest.js';
import { readPackageJson, type PackageJson } from './package-json.js';
import type { FileSelection } from './package-files.js';

/** One package and where it goes in the bundle. */
export interface PlacedPackage {
  /** Archive folder: `package` for the plugin, `package/node_modules/<name>`… for the rest. */
  readonly placement: string;
  /** Real folder of the package on disk. */
  readonly realDir: string;
  /** How its files are chosen: `published` for the plugin and symlinked (workspace) packages. */
  readonly selection: FileSelection;
  readonly pkg: PackageJson;
}

/** Pathological graphs (conflicting versions in a cycle) would nest forever; stop them. */
const MAX_DEPTH = 64;
const MAX_PACKAGES = 20_000;

/** npm package names, scoped or not; anything else could climb out of node_modules. */
const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

/** The plugin at real folder `root` and every production dependency, each placed. */
export async function layoutDependencies(
  root: string,
  rootPkg: PackageJson,
): Promise<PlacedPackage[]> {
  const placed: PlacedPackage[] = [
    { placement: PACKAGE_DIR, realDir: root, selection: 'published', pkg: rootPkg },
  ];
  /** Slot (archive folder) → real folder of the package placed there. */
  const slots = new Map<string, string>();
  /** Placement → the placement whose node_modules holds it (its parent on the lookup path). */
  const parents = new Map<string, string>();
  // Breadth first: a package's own slots are all filled before any package placed under it
  // looks up its dependencies, so a later placement never shadows an earlier decision.
  for (let index = 0; index < placed.length; index++) {
    const requirer = placed[index] as PlacedPackage;
    const names = [...requirer.pkg.dependencies.keys()].sort(compareCodeUnits);
    for (const name of names) {
      const optional = requirer.pkg.dependencies.get(name)?.optional === true;
      if (!PACKAGE_NAME.test(name)) {
        throw new BundleError(
          'package-invalid',
          `${requirer.pkg.file} depends on "${name}", which is not a valid package name`,
        );
      }
      const found = await findPackage(requirer.realDir, name);
      if (found === undefined) {
        if (optional) continue;
        throw new BundleError(
          'package-invalid',
          `Dependency "${name}" of ${requirer.pkg.name ?? requirer.realDir} (${requirer.pkg.file}) is not installed; run npm install before packing`,
        );
      }
      const slot = chooseSlot(requirer.placement, name, found.real, slots, parents);
      if (slot === undefined) continue;
      if (slot.split('/node_modules/').length > MAX_DEPTH || placed.length >= MAX_PACKAGES) {
        throw new BundleError(
          'package-invalid',
          `The dependencies of ${rootPkg.name ?? root} cannot be laid out: "${name}" would nest more than ${MAX_DEPTH} levels deep (conflicting versions in a cycle?)`,
        );
      }
      slots.set(slot, found.real);
      parents.set(slot, slot === topSlot(name) ? PACKAGE_DIR : requirer.placement);
      placed.push({
        placement: slot,
        realDir: found.real,
        selection: found.linked ? 'published' : 'installed',
        pkg: await readPackageJson(found.real),
      });
    }
  }
  return placed;
}

function topSlot(name: string): string {
  return `${PACKAGE_DIR}/node_modules/${name}`;
}

/**
 * Where `real` (package `name`, needed by the package at `from`) goes, or undefined when the
 * nearest slot on `from`'s lookup path already holds it.
 */
function chooseSlot(
  from: string,
  name: string,
  real: string,
  slots: ReadonlyMap<string, string>,
  parents: ReadonlyMap<string, string>,
): string | undefined {
  for (let at: string | undefined = from; at !== undefined; at = parents.get(at)) {
    const holder = slots.get(`${at}/node_modules/${name}`);
    if (holder === undefined) continue;
    return holder === real ? undefined : `${from}/node_modules/${name}`;
  }
  return topSlot(name);
}

/**
 * Node's lookup of package `name` from real folder `from`: `node_modules/<name>` there and in
 * each folder above (skipping folders that are themselves `node_modules`). The result is the
 * real folder, and whether it was reached through a symlink (a workspace package).
 */
export async function findPackage(
  from: string,
  name: string,
): Promise<{ real: string; linked: boolean } | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', ...name.split('/'));
      const real = await realpath(candidate).catch(() => undefined);
      const info = real === undefined ? undefined : await stat(real);
      if (real !== undefined && info?.isDirectory() === true) {
        // `from` is real, so is every folder above it: a different real path means a symlink
        // (the package itself, or `node_modules`, or its scope folder) on the way.
        return { real, linked: real !== candidate };
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
