/** The version printed by `cairn --version` and recorded in the bundles it packs. */
export const VERSION = '0.1.0';
