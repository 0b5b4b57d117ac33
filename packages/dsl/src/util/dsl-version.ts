/** The DSL versions Cairn reads, oldest first (spec §1.1). */
export const DSL_VERSIONS = [
  'cloudify_dsl_1_0',
  'cloudify_dsl_1_1',
  'cloudify_dsl_1_2',
  'cloudify_dsl_1_3',
  'cloudify_dsl_1_4',
  'cloudify_dsl_1_5',
] as const;

/** A `tosca_definitions_version` value Cairn accepts. */
export type DslVersion = (typeof DSL_VERSIONS)[number];

/** The newest DSL version Cairn reads. */
export const LATEST_DSL_VERSION: DslVersion = 'cloudify_dsl_1_5';

/** The short form of a minimum version, as features are gated: `'1_3'`. */
export type DslMinor = '1_0' | '1_1' | '1_2' | '1_3' | '1_4' | '1_5';

/** True when `value` is a supported version string. */
export function isDslVersion(value: unknown): value is DslVersion {
  return typeof value === 'string' && (DSL_VERSIONS as readonly string[]).includes(value);
}

/** The position of a version in {@link DSL_VERSIONS}. */
export function versionRank(version: DslVersion | DslMinor): number {
  // The minor number is the last character of every supported version ('1_3', 'cloudify_dsl_1_3').
  return version.charCodeAt(version.length - 1) - 48;
}

/** True when `version` is `minimum` or newer. */
export function versionAtLeast(version: DslVersion, minimum: DslMinor): boolean {
  return versionRank(version) >= versionRank(minimum);
}

/** `cloudify_dsl_1_4` → `1_4`. */
export function shortVersion(version: DslVersion): DslMinor {
  return version.slice('cloudify_dsl_'.length) as DslMinor;
}
