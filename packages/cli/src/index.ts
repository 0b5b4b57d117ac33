/**
 * `@cairn/cli` — the `cairn` command line.
 */
export { main } from './main.js';
export { EXIT, exitStatusFor, type ExitStatus } from './exit-codes.js';
