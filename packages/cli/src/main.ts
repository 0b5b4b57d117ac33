import { EXIT } from './exit-codes.js';

/** Runs the CLI with `argv` (without `node` and the script name); resolves to the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  void argv;
  return Promise.resolve(EXIT.OK);
}
