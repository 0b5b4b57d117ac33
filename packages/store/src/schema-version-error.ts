import { CairnError } from '@cairn/errors';

/**
 * The database was written by a newer Cairn: its schema version is past the last migration this
 * code knows. Refused rather than used, because an older Cairn would misread or damage newer data.
 */
export class SchemaVersionError extends CairnError {
  constructor(
    readonly path: string,
    versions: { readonly found: number; readonly supported: number },
  ) {
    super(
      'CONFLICT',
      `The database ${path} has schema version ${versions.found}, but this Cairn knows versions ` +
        `up to ${versions.supported} only; upgrade Cairn to open it.`,
      { details: { path, found_version: versions.found, supported_version: versions.supported } },
    );
  }
}
