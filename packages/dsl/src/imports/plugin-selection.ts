/**
 * How a `plugin:` import picks a plugin version and the plugin YAML file for the blueprint's
 * DSL version (spec §4.3, §9.5). Shared by every plugin source (a plugins directory today, the
 * manager's registry later).
 */
import { maxSatisfying, satisfies, valid, validRange } from '@renovatebot/pep440';

/** True when `spec` is a PEP 440 specifier set (a bare version counts, meaning `===`). */
export function isValidVersionSpec(spec: string): boolean {
  return validRange(normalizeSpec(spec)) || valid(spec.trim()) !== null;
}

function normalizeSpec(spec: string): string {
  const trimmed = spec.trim();
  // A bare version (no operator) means exactly that version, as Cloudify reads it.
  return /^[0-9]/.test(trimmed) ? `===${trimmed}` : trimmed;
}

/** True when `version` satisfies `spec` (undefined spec: anything). */
export function versionSatisfies(version: string, spec: string | undefined): boolean {
  if (spec === undefined || spec.trim() === '') return true;
  try {
    return satisfies(version, normalizeSpec(spec));
  } catch {
    return false;
  }
}

/** The highest of `versions` that satisfies `spec`, or undefined. */
export function highestSatisfying(
  versions: readonly string[],
  spec: string | undefined,
): string | undefined {
  if (spec === undefined || spec.trim() === '') {
    return [...versions].sort((a, b) => compareLoose(b, a))[0];
  }
  try {
    return maxSatisfying([...versions], normalizeSpec(spec)) ?? undefined;
  } catch {
    return undefined;
  }
}

function compareLoose(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Chooses which of a plugin's YAML files a blueprint of DSL version `1_<minor>` gets: the file
 * suffixed with exactly that version, else the highest suffixed version below it, else an
 * unsuffixed file (`plugin.yaml` first). Returns undefined when none fits.
 */
export function choosePluginYaml(
  fileNames: readonly string[],
  dslMinor: number,
): string | undefined {
  let best: { name: string; minor: number } | undefined;
  const unsuffixed: string[] = [];
  for (const name of fileNames) {
    if (!/\.ya?ml$/.test(name)) continue;
    const m = /_1_(\d+)\.ya?ml$/.exec(name);
    if (m === null) {
      unsuffixed.push(name);
      continue;
    }
    const minor = Number(m[1]);
    if (minor === dslMinor) return name;
    if (minor < dslMinor && (best === undefined || minor > best.minor)) best = { name, minor };
  }
  if (best !== undefined) return best.name;
  unsuffixed.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return unsuffixed[0];
}

function rank(name: string): number {
  if (name === 'plugin.yaml') return 0;
  if (name === 'plugin.yml') return 1;
  return 2;
}
