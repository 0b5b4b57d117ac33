/**
 * Where uploaded blueprints' files live (`<data>/blueprints/<tenant>/<id>/`), and how an
 * uploaded archive becomes such a folder: extracted into a staging folder with limits on size
 * and entry count, no links and no path leaving the folder, then moved into place only once
 * the blueprint has parsed, so a bad upload leaves nothing behind.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidInputError, TooLargeError } from '@cairn/errors';
import * as tar from 'tar';

/** Limits on what one blueprint archive may unpack to. */
export interface ArchiveLimits {
  /** Most bytes of all files together (default 200 MiB). */
  readonly maxBytes: number;
  /** Most entries (default 10,000, Cloudify's `blueprint_folder_max_files`). */
  readonly maxEntries: number;
}

/** Cloudify's defaults: 50 MiB per folder, 10,000 files; Cairn allows 200 MiB. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxBytes: 200 * 1048576,
  maxEntries: 10_000,
};

/** An extracted archive, not yet in place. */
export interface StagedBlueprint {
  /** The staging folder (remove it when abandoning the upload). */
  readonly staging: string;
  /** The blueprint's root inside it: the archive's single top-level folder, or the staging folder. */
  readonly root: string;
}

/** The gzip magic: the archive is a tar.gz rather than a plain tar. */
async function firstBytes(path: string): Promise<Buffer> {
  const stream = createReadStream(path, { start: 0, end: 3 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The blueprints' files of every tenant. */
export class BlueprintFiles {
  constructor(
    private readonly root: string,
    private readonly limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  ) {}

  /** Where a tenant's blueprint's files are kept. */
  dirOf(tenant: string, id: string): string {
    return join(this.root, tenant, id);
  }

  /**
   * Extracts an uploaded tar or tar.gz into a staging folder. Refuses (InvalidInputError) a zip
   * or anything else that is not a tar, and links; refuses (TooLargeError) an archive over the
   * limits. On any refusal nothing is left on disk.
   */
  async extract(archive: string): Promise<StagedBlueprint> {
    const head = await firstBytes(archive);
    if (head.subarray(0, 2).equals(Buffer.from('PK'))) {
      throw new InvalidInputError(
        'The blueprint archive is a zip; upload a tar or tar.gz of the blueprint’s folder (cfy blueprints upload and cairn blueprints upload make one)',
      );
    }
    await mkdir(join(this.root, '.staging'), { recursive: true });
    const staging = await mkdtemp(join(this.root, '.staging', 'bp-'));
    let entries = 0;
    let bytes = 0;
    let refusal: Error | undefined;
    try {
      await tar.x({
        file: archive,
        cwd: staging,
        strict: true,
        // No owners or modes from the archive beyond what a file needs to be read and run.
        preserveOwner: false,
        filter: (path, entry) => {
          if (refusal !== undefined) return false;
          const type = 'type' in entry ? entry.type : undefined;
          if (type === 'SymbolicLink' || type === 'Link') {
            refusal = new InvalidInputError(
              `The blueprint archive holds a link (${path}); archive the files themselves`,
            );
            return false;
          }
          entries += 1;
          bytes += entry.size ?? 0;
          if (entries > this.limits.maxEntries) {
            refusal = new TooLargeError(
              `The blueprint archive holds more than ${this.limits.maxEntries} entries`,
            );
            return false;
          }
          if (bytes > this.limits.maxBytes) {
            refusal = new TooLargeError(
              `The blueprint archive unpacks to more than ${Math.round(this.limits.maxBytes / 1048576)} MiB`,
            );
            return false;
          }
          return (
            type === 'File' || type === 'OldFile' || type === 'Directory' || type === undefined
          );
        },
      });
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw new InvalidInputError(
        `The blueprint archive is not a readable tar or tar.gz: ${(error as Error).message}`,
      );
    }
    if (refusal !== undefined) {
      await rm(staging, { recursive: true, force: true });
      throw refusal;
    }
    const top = await readdir(staging, { withFileTypes: true });
    const only = top.length === 1 ? top[0] : undefined;
    const root = only?.isDirectory() === true ? join(staging, only.name) : staging;
    return { staging, root };
  }

  /**
   * The main file of a staged blueprint: `application_file_name` (URL-quoted by Cloudify's
   * client), default `blueprint.yaml`. Refuses a name that leaves the folder.
   */
  async mainFile(staged: StagedBlueprint, fileName: string | undefined): Promise<string> {
    const name = decodeURIComponent(fileName ?? 'blueprint.yaml');
    if (name === '' || name.split(/[\\/]/).includes('..') || name.startsWith('/')) {
      throw new InvalidInputError(
        `application_file_name '${name}' must be a path inside the archive`,
      );
    }
    const path = join(staged.root, name);
    const found = await stat(path).catch(() => undefined);
    if (found?.isFile() !== true) {
      throw new InvalidInputError(
        `The archive has no '${name}' (application_file_name names the blueprint’s main file)`,
      );
    }
    return path;
  }

  /** Moves a staged blueprint into place, replacing an older copy; returns its folder. */
  async commit(tenant: string, id: string, staged: StagedBlueprint): Promise<string> {
    const target = this.dirOf(tenant, id);
    await mkdir(join(this.root, tenant), { recursive: true });
    const old = `${target}.old-${Date.now()}`;
    const hadOld = await stat(target).then(
      () => true,
      () => false,
    );
    if (hadOld) await rename(target, old);
    await rename(staged.root, target);
    await rm(staged.staging, { recursive: true, force: true });
    if (hadOld) await rm(old, { recursive: true, force: true });
    return target;
  }

  /** Abandons a staged upload. */
  async discard(staged: StagedBlueprint): Promise<void> {
    await rm(staged.staging, { recursive: true, force: true });
  }

  /** Removes a blueprint's files. */
  async remove(tenant: string, id: string): Promise<void> {
    await rm(this.dirOf(tenant, id), { recursive: true, force: true });
  }

  /**
   * The blueprint's folder as a tar.gz, under a top folder named after the id. Whole in memory:
   * Cloudify's client needs the Content-Length before the body.
   */
  async archiveBytes(tenant: string, id: string): Promise<Buffer> {
    const stream = tar.c({ gzip: true, cwd: join(this.root, tenant), portable: true }, [
      id,
    ]) as unknown as Readable;
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}
