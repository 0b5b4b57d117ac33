/**
 * Blueprint resources for `ctx.getResource` and friends: files under the blueprint's folder,
 * read locally (a remote agent will fetch them instead), and Jinja-style rendering with nunjucks.
 */
import { copyFile, mkdir, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { NonRecoverableError } from '../errors.js';

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The absolute file of resource `path` under `root`. Refuses absolute paths and paths that leave
 * the folder, also through symbolic links: a blueprint may not read the worker's disk at large.
 */
export async function resolveResource(root: string, path: string): Promise<string> {
  if (path === '' || isAbsolute(path)) {
    throw new NonRecoverableError(
      `resource path ${JSON.stringify(path)} must be relative to the blueprint folder`,
    );
  }
  const full = resolve(root, path);
  if (!inside(resolve(root), full)) {
    throw new NonRecoverableError(
      `resource path ${JSON.stringify(path)} escapes the blueprint folder`,
    );
  }
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(full), realpath(root)]);
  } catch (error) {
    throw new NonRecoverableError(`resource ${JSON.stringify(path)} not found`, { cause: error });
  }
  if (!inside(realRoot, real)) {
    throw new NonRecoverableError(
      `resource path ${JSON.stringify(path)} escapes the blueprint folder`,
    );
  }
  return real;
}

/** Reads a resource as text (`encoding`) or bytes (`encoding` null). */
export async function readResource(
  root: string,
  path: string,
  encoding: BufferEncoding | null,
): Promise<string | Buffer> {
  const file = await resolveResource(root, path);
  try {
    return encoding === null ? await readFile(file) : await readFile(file, encoding);
  } catch (error) {
    throw new NonRecoverableError(`cannot read resource ${JSON.stringify(path)}`, {
      cause: error,
    });
  }
}

/** Where a downloaded resource goes: `targetPath`, else a fresh temporary folder. */
async function destination(path: string, targetPath: string | undefined): Promise<string> {
  if (targetPath !== undefined) {
    const target = resolve(targetPath);
    await mkdir(dirname(target), { recursive: true });
    return target;
  }
  const folder = await mkdtemp(join(tmpdir(), 'cairn-resource-'));
  return join(folder, basename(path));
}

/** Copies a resource to a local file and returns its path. */
export async function downloadResource(
  root: string,
  path: string,
  targetPath?: string,
): Promise<string> {
  const file = await resolveResource(root, path);
  const target = await destination(path, targetPath);
  await copyFile(file, target);
  return target;
}

/** Writes rendered text where {@link downloadResource} would put the file. */
export async function writeRendered(
  path: string,
  content: string,
  targetPath?: string,
): Promise<string> {
  const target = await destination(path, targetPath);
  await writeFile(target, content);
  return target;
}

/** Template variables for rendering. */
export type TemplateVariables = Readonly<Record<string, unknown>>;

/**
 * Renders `template` as Jinja would (nunjucks, no autoescape) with `variables` plus `ctx`. The
 * caller may not pass its own `ctx`, as in Cloudify. nunjucks loads on first use only, so workers
 * that never render start faster.
 */
export async function renderTemplate(
  template: string,
  variables: TemplateVariables | undefined,
  ctx: unknown,
): Promise<string> {
  if (variables !== undefined && Object.hasOwn(variables, 'ctx')) {
    throw new NonRecoverableError('template variables may not contain "ctx": it is always given');
  }
  const nunjucks = (await import('nunjucks')).default;
  const env = new nunjucks.Environment(null, { autoescape: false });
  // Jinja drops one trailing newline of a template (`keep_trailing_newline=False`); nunjucks not.
  const source = template.replace(/\r?\n$/, '');
  try {
    return env.renderString(source, { ...variables, ctx });
  } catch (error) {
    throw new NonRecoverableError(
      `cannot render template: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
