/**
 * Cairn's built-in script plugin, mapped as Cloudify's: `script.script_runner.tasks.run`, which
 * the blueprint parser also uses for an operation whose implementation is a script path.
 */
import { run } from './run.js';

/** The operations, at Cloudify's module path. */
export const script_runner = {
  tasks: { run },
};
