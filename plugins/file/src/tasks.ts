/**
 * The operations plugin.yaml maps (`file.tasks.<name>`): `create` for cairn.nodes.File, `copy`
 * for cairn.nodes.FileCopy, `download` for cairn.nodes.Download, and `delete` for all three.
 *
 * Each create operation checks every property before it touches the disk, writes atomically
 * (write-file.ts), and records `path`, `sha256` and `size` as runtime properties. `delete`
 * removes only a file that create recorded, so an instance whose create never ran (or failed)
 * deletes nothing that was there before. Nothing here keeps process-wide state and all output
 * goes through `ctx.logger`, so operations may run side by side in one worker.
 */
import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import {
  NonRecoverableError,
  operation,
  type JsonObject,
  type OperationContext,
} from '@cairn/plugin-sdk';
import { displayUrl, download as fetchTo } from './download.js';
import { fsError, operationError } from './errors.js';
import { formatMode, type Owner } from './mode-owner.js';
import { PropertyReader } from './properties.js';
import type {
  DownloadProperties,
  FileCopyProperties,
  FileProperties,
} from './plugin-types.generated.js';
import { hashFile, writeFileAtomically, type WrittenFile } from './write-file.js';

/** The default of `max_bytes`: 1 GiB. */
const ONE_GIB = 1024 ** 3;

/** The properties `delete` and the shared steps read, common to the three node types. */
type TargetProperties = FileProperties | FileCopyProperties | DownloadProperties;

/**
 * Runs an operation's body with its errors named after the node and classified (errors.ts). A
 * cancelled operation rejects with the cancellation, whatever the body was doing then.
 */
async function guarded<P extends object>(
  ctx: OperationContext<P>,
  body: () => Promise<void>,
): Promise<void> {
  const nodeId = ctx.node.id;
  try {
    await body();
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    throw operationError(nodeId, error);
  }
}

/** Saves what was written as the instance's runtime properties. */
function record(ctx: OperationContext<TargetProperties>, written: WrittenFile): void {
  const runtime = ctx.instance.runtime_properties;
  runtime.path = written.path;
  runtime.sha256 = written.sha256;
  runtime.size = written.size;
}

/** Checks a file's SHA-256 against the `sha256` property, if one is expected. */
function checkSha256(written: WrittenFile, expected: string | undefined, what: string): void {
  if (expected !== undefined && written.sha256 !== expected) {
    throw new NonRecoverableError(
      `${what} has sha256 ${written.sha256}, but property 'sha256' expects ${expected}`,
    );
  }
}

/**
 * With `use_external_resource`, the file at `path` is adopted instead of written: it must
 * exist, is not changed, and is only read to record its hash and size. Resolves to whether it
 * was adopted.
 */
async function adopted(
  ctx: OperationContext<TargetProperties>,
  props: PropertyReader,
  path: string,
  expectedSha256?: string,
): Promise<boolean> {
  if (!props.boolean('use_external_resource', false)) return false;
  const info = await stat(path).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new NonRecoverableError(
        `use_external_resource is true, but there is no file at ${path} to use`,
      );
    }
    throw fsError(`cannot read ${path}`, error);
  });
  if (!info.isFile()) {
    throw new NonRecoverableError(`use_external_resource is true, but ${path} is not a file`);
  }
  const found = await hashFile(path, ctx.signal);
  checkSha256(found, expectedSha256, path);
  record(ctx, found);
  ctx.logger.info('using the existing %s as it is (use_external_resource)', path);
  return true;
}

/**
 * The mode and owner to give the file, checked and looked up now, so that a bad value fails
 * before anything is written. Also checks `delete_on_uninstall`, so that a bad one shows at
 * install rather than at uninstall.
 */
async function modeAndOwner(
  ctx: OperationContext<TargetProperties>,
  props: PropertyReader,
  defaultMode: number,
): Promise<{ mode: number; owner: Owner | undefined }> {
  const mode = props.mode('mode');
  if (mode?.warning !== undefined) ctx.logger.warning("property 'mode': %s", mode.warning);
  const owner = await props.owner('owner', ctx.signal);
  props.boolean('delete_on_uninstall', true);
  return { mode: mode?.bits ?? defaultMode, owner };
}

function logWritten(
  ctx: OperationContext<TargetProperties>,
  verb: string,
  written: WrittenFile,
  mode: number,
): void {
  ctx.logger.info(
    '%s %s (%d bytes, mode %s, sha256 %s)',
    verb,
    written.path,
    written.size,
    formatMode(mode),
    written.sha256,
  );
}

/**
 * Reads a blueprint resource through `ctx`, naming the property in the error: the SDK's
 * message names only the resource.
 */
async function fromResource<T>(property: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const name = (error as { name?: unknown } | null)?.name;
    throw name === 'NonRecoverableError'
      ? new NonRecoverableError(`property '${property}': ${message}`, { cause: error })
      : error;
  }
}

/** `cairn.nodes.File` create: writes `content`, `resource` or the rendered `template`. */
export const create = operation<JsonObject, FileProperties>((ctx) =>
  guarded(ctx, async () => {
    const props = new PropertyReader(ctx.node.properties);
    const path = props.absolutePath('path');
    if (await adopted(ctx, props, path)) return;
    const source = props.exactlyOne(['content', 'resource', 'template'] as const);
    const value = props.string(source);
    const variables = props.dict('template_variables');
    if (source !== 'template' && Object.keys(variables).length > 0) {
      ctx.logger.warning("property 'template_variables' is not used: there is no 'template'");
    }
    const { mode, owner } = await modeAndOwner(ctx, props, 0o644);

    // The whole content is read before the file is opened: a missing resource or a template
    // error then leaves the disk as it was.
    let bytes: Uint8Array;
    switch (source) {
      case 'content':
        bytes = Buffer.from(value, 'utf8');
        break;
      case 'resource':
        bytes = await fromResource(source, () => ctx.getResource(value, null));
        break;
      case 'template':
        bytes = Buffer.from(
          await fromResource(source, () => ctx.getResourceAndRender(value, variables)),
          'utf8',
        );
        break;
    }
    const written = await writeFileAtomically(path, (write) => write(bytes), {
      mode,
      owner,
      signal: ctx.signal,
    });
    record(ctx, written);
    logWritten(ctx, 'wrote', written, mode);
  }),
);

/** `cairn.nodes.FileCopy` create: copies the local file `source` to `path`. */
export const copy = operation<JsonObject, FileCopyProperties>((ctx) =>
  guarded(ctx, async () => {
    const props = new PropertyReader(ctx.node.properties);
    const source = props.absolutePath('source');
    const path = props.absolutePath('path');
    if (await adopted(ctx, props, path)) return;
    if (source === path) throw props.fail('path', `is the same file as 'source' (${source})`);
    const info = await stat(source).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        throw props.fail('source', `is ${JSON.stringify(source)}, but there is no such file`);
      }
      throw fsError(`cannot read ${source}`, error);
    });
    if (!info.isFile()) throw props.fail('source', `is ${JSON.stringify(source)}, not a file`);
    // Without a mode the copy keeps the source's permission bits, as cp does; the setuid, setgid
    // and sticky bits only when asked for.
    const { mode, owner } = await modeAndOwner(ctx, props, info.mode & 0o777);

    const written = await writeFileAtomically(
      path,
      async (write) => {
        // Errors of the reading side are about `source`; those of `write` speak for themselves.
        let writing = false;
        try {
          for await (const chunk of createReadStream(source, { signal: ctx.signal })) {
            writing = true;
            await write(chunk as Buffer);
            writing = false;
          }
        } catch (error) {
          ctx.signal.throwIfAborted();
          throw writing ? error : fsError(`cannot read ${source}`, error);
        }
      },
      { mode, owner, signal: ctx.signal },
    );
    record(ctx, written);
    logWritten(ctx, `copied ${source} to`, written, mode);
  }),
);

/** `cairn.nodes.Download` create: downloads `url` to `path`, checking `sha256` if given. */
export const download = operation<JsonObject, DownloadProperties>((ctx) =>
  guarded(ctx, async () => {
    const props = new PropertyReader(ctx.node.properties);
    const text = props.string('url');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw props.fail('url', `is ${JSON.stringify(text)}, not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw props.fail('url', `must be an http or https URL, not ${url.protocol}`);
    }
    const path = props.absolutePath('path');
    const expected = props.optionalString('sha256')?.trim().toLowerCase();
    if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) {
      throw props.fail('sha256', `is ${JSON.stringify(expected)}, not 64 hexadecimal digits`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(props.dict('headers'))) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw props.fail('headers', `has ${JSON.stringify(value)} for ${name}, not a string`);
      }
      headers[name] = String(value);
    }
    try {
      new Headers(headers);
    } catch (error) {
      throw props.fail('headers', error instanceof Error ? error.message : String(error));
    }
    const timeout = props.positiveNumber('timeout', 60);
    const maxBytes = props.positiveInteger('max_bytes', ONE_GIB);
    if (await adopted(ctx, props, path, expected)) return;
    const { mode, owner } = await modeAndOwner(ctx, props, 0o644);

    const shown = displayUrl(url);
    ctx.logger.info('downloading %s to %s', shown, path);
    let finalUrl = shown;
    const written = await writeFileAtomically(
      path,
      async (write) => {
        const result = await fetchTo(
          { url, headers, timeoutMs: timeout * 1000, maxBytes, signal: ctx.signal },
          write,
        );
        finalUrl = result.finalUrl;
      },
      {
        mode,
        owner,
        signal: ctx.signal,
        check: (file) => {
          checkSha256(file, expected, `the download from ${finalUrl} (not saved)`);
        },
      },
    );
    record(ctx, written);
    logWritten(ctx, `downloaded ${finalUrl} to`, written, mode);
  }),
);

/**
 * `delete` of all three types: removes the file create recorded, unless `delete_on_uninstall`
 * is false or the file was adopted (`use_external_resource`). A file already gone is fine.
 */
export const remove = operation<JsonObject, TargetProperties>((ctx) =>
  guarded(ctx, async () => {
    const runtime = ctx.instance.runtime_properties;
    const path = runtime.path;
    if (typeof path !== 'string') {
      ctx.logger.info('no file was made for this instance: nothing to delete');
      return;
    }
    const props = new PropertyReader(ctx.node.properties);
    if (props.boolean('use_external_resource', false)) {
      ctx.logger.info('leaving %s: it was there before (use_external_resource)', path);
    } else if (!props.boolean('delete_on_uninstall', true)) {
      ctx.logger.info('keeping %s (delete_on_uninstall is false)', path);
    } else {
      try {
        await unlink(path);
        ctx.logger.info('deleted %s', path);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT') {
          throw fsError(`cannot delete ${path}`, error);
        }
        ctx.logger.info('%s is already gone: nothing to delete', path);
      }
    }
    delete runtime.path;
    delete runtime.sha256;
    delete runtime.size;
  }),
);
