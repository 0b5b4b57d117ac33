/**
 * A blueprint as Cloudify's client uploads it: its folder as a tar.gz with one top folder, sent
 * as a multipart form with the field `params` (JSON: application_file_name, visibility) and the
 * file `blueprint_archive`.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Visibility } from '@cairn/api';
import { UsageError } from '@cairn/errors';
import * as tar from 'tar';

/** Where a blueprint is on this machine. */
export interface BlueprintSource {
  /** The folder that is uploaded. */
  readonly folder: string;
  /** The main file, relative to the folder. */
  readonly mainFile: string;
}

/** The blueprint at `path`: a YAML file, or a folder holding blueprint.yaml. */
export function blueprintSource(path: string, cwd: string = process.cwd()): BlueprintSource {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new UsageError(`No such file: '${path}'.`);
  if (statSync(absolute).isDirectory()) {
    if (!existsSync(join(absolute, 'blueprint.yaml'))) {
      throw new UsageError(
        `'${path}' is a directory without a blueprint.yaml; give the blueprint file.`,
      );
    }
    return { folder: absolute, mainFile: 'blueprint.yaml' };
  }
  return { folder: dirname(absolute), mainFile: basename(absolute) };
}

/** Folders that are never part of a blueprint. */
const SKIPPED = new Set(['.git', 'node_modules', '.cairn']);

/**
 * The blueprint's folder as a tar.gz whose one top folder is the blueprint's folder; version
 * control, node_modules and Cairn's own state (`home`, when it lies inside) are left out.
 */
export async function blueprintArchive(folder: string, home: string): Promise<Buffer> {
  const parent = dirname(folder);
  const state = resolve(home);
  const stream = tar.c(
    {
      gzip: true,
      cwd: parent,
      portable: true,
      filter: (path) => {
        const absolute = resolve(parent, path);
        if (absolute === state || absolute.startsWith(state + sep)) return false;
        return !relative(folder, absolute)
          .split(sep)
          .some((part) => SKIPPED.has(part));
      },
    },
    [basename(folder)],
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Cloudify's blueprint upload body. */
export function blueprintForm(
  archive: Buffer,
  params: { readonly application_file_name: string; readonly visibility?: Visibility },
): FormData {
  const form = new FormData();
  form.append('params', JSON.stringify(params));
  form.append(
    'blueprint_archive',
    new Blob([new Uint8Array(archive)], { type: 'application/gzip' }),
    'blueprint.tar.gz',
  );
  return form;
}
