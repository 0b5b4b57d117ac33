/** Adding or replacing the signature of an existing bundle. */
import { resolve } from 'node:path';
import { MANIFEST_PATH, SIGNATURE_PATH } from './manifest.js';
import { scanBundle } from './scan.js';
import { signManifest } from './signing.js';
import { END_OF_ARCHIVE, fileEntry, fileHeader, padding, writeArchive } from './tar-writer.js';

/**
 * Signs the bundle at `file` with `privateKeyPem` (Ed25519), adding or replacing its
 * `manifest.sig`, and writes the result to `output` (default: `file`, replaced atomically).
 * The bundle is checked in full as it is copied (host checks aside); a bad one is refused with
 * a {@link BundleError} and nothing is written.
 */
export async function signBundle(
  file: string,
  privateKeyPem: string,
  output?: string,
): Promise<void> {
  const target = resolve(output ?? file);
  await writeArchive(target, resigned(file, privateKeyPem));
}

async function* resigned(file: string, privateKeyPem: string): AsyncGenerator<Buffer> {
  for await (const event of scanBundle(file, { host: false })) {
    switch (event.kind) {
      case 'manifest':
        yield* fileEntry(MANIFEST_PATH, event.manifestBytes, 0o644);
        yield* fileEntry(SIGNATURE_PATH, signManifest(event.manifestBytes, privateKeyPem), 0o644);
        break;
      case 'file':
        yield fileHeader(event.path, event.record.size, event.record.mode);
        yield* event.data();
        yield padding(event.record.size);
        break;
      case 'directory':
        // Directories are implied by the files' paths; a bundle Cairn writes has none.
        break;
      case 'end':
        yield END_OF_ARCHIVE;
        break;
    }
  }
}
