/**
 * The `cairn` program: its commands, their options and help, and the mapping of failures to exit
 * statuses (0 success, 1 invalid or failed, 2 usage error).
 */
import { Command, CommanderError, Option } from 'commander';
import { isCairnError, serializeError } from '@cairn/errors';
import { registerBlueprintCommands } from './commands/blueprints.js';
import { registerLocalCommands } from './commands/local-commands.js';
import { registerManagerCommands } from './commands/manager.js';
import { registerPluginCommands } from './commands/plugins.js';
import { EXIT, exitStatusFor } from './exit-codes.js';
import { processOutput, type Output } from './output.js';

import { VERSION } from './version.js';

export { VERSION };

/** Builds the program; commands write to `output` and record their exit status in `state`. */
export function createProgram(output: Output, state: { status: number }): Command {
  const program = new Command('cairn')
    .description(
      'Cairn: run Cloudify blueprints.\n\nLocal mode: install and run workflows on this machine, state in $CAIRN_HOME (default ~/.cairn).',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        output.out(s.replace(/\n$/, ''));
      },
      writeErr: (s) => {
        output.err(s.replace(/\n$/, ''));
      },
      outputError: (s, write) => {
        write(output.style.error(s));
      },
    });
  program.addHelpText(
    'after',
    `
Examples:
  $ cairn install examples/hello-world -i port=9000
  $ cairn node-instances list
  $ cairn uninstall
  $ cairn blueprints validate examples/hello-world/blueprint.yaml
  $ cairn <command> --help`,
  );
  registerBlueprintCommands(program, output, state);
  registerLocalCommands(program, output, state);
  registerPluginCommands(program, output, state);
  registerManagerCommands(program, output);
  program.addOption(new Option('--no-color', 'never use colours (also: NO_COLOR=1)').hideHelp());
  return program;
}

/** Runs the CLI with `argv` (without `node` and the script name); resolves to the exit status. */
export async function main(
  argv: readonly string[],
  output: Output = processOutput(),
): Promise<number> {
  const state = { status: EXIT.OK as number };
  const program = createProgram(output, state);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.status;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.OK;
      }
      return EXIT.USAGE;
    }
    if (isCairnError(error)) {
      output.err(`${output.style.error('error')}: ${error.message}`);
      return exitStatusFor(error.code);
    }
    const serialized = serializeError(error);
    output.err(
      `${output.style.error('internal error')}: ${serialized.message}\n${serialized.stack ?? ''}`,
    );
    return EXIT.FAILED;
  }
}
