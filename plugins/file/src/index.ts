/**
 * `@cairn/plugin-file` — Cairn's file plugin, built on the plugin SDK as any plugin is. Its
 * plugin.yaml declares `cairn.nodes.File` (inline content, a blueprint resource or a rendered
 * template), `cairn.nodes.FileCopy` (a local file copied) and `cairn.nodes.Download` (an http(s)
 * download, checked against a SHA-256), whose lifecycle operations map to `file.tasks.<name>`.
 */
import { definePlugin } from '@cairn/plugin-sdk';
import { copy, create, download, remove } from './tasks.js';

/** The operations, found by the mappings `file.tasks.create` … `file.tasks.delete`. */
export const tasks = definePlugin({ create, copy, download, delete: remove });

export type {
  DownloadProperties,
  FileCopyProperties,
  FileProperties,
} from './plugin-types.generated.js';
