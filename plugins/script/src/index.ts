/**
 * Cairn's built-in script plugin, mapped as Cloudify's: `script.script_runner.tasks.run`, which
 * the blueprint parser also uses for an operation whose implementation is a script path, and
 * `script.script_runner.tasks.execute_workflow`, which it uses for a workflow mapped to a script.
 */
import { run } from './run.js';
import { execute_workflow } from './workflow.js';

/** The operation and the workflow function, at Cloudify's module path. */
export const script_runner = {
  tasks: { run, execute_workflow },
};
