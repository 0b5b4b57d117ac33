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
import {
  describeProfile,
  registerManagerModeCommands,
  registerProfileCommands,
  resolveMode,
  type CliMode,
} from './manager-mode/index.js';
import { processOutput, type Output } from './output.js';

import { VERSION } from './version.js';

export { VERSION };

/** The group named `name`, registered by a shared command module. */
function group(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (found === undefined) throw new Error(`the command group '${name}' is not registered`);
  return found;
}

/**
 * Builds the program; commands write to `output` and record their exit status in `state`. The
 * mode is decided first: in manager mode (a manager profile is active, or CAIRN_MANAGER_URL is
 * set) the same verbs are registered with implementations that call the manager.
 */
export function createProgram(
  output: Output,
  state: { status: number },
  mode: CliMode = resolveMode(),
): Command {
  const program = new Command('cairn')
    .description(
      mode.kind === 'local'
        ? 'Cairn: run Cloudify blueprints.\n\nLocal mode: install and run workflows on this machine, state in $CAIRN_HOME (default ~/.cairn). Work with a manager instead: cairn profiles use URL -u USER -p PASSWORD.'
        : `Cairn: run Cloudify blueprints.\n\nManager mode: commands work on ${describeProfile(mode.profile)}. Back to local mode: cairn profiles use local.`,
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
    mode.kind === 'local'
      ? `
Examples:
  $ cairn install examples/hello-world -i port=9000
  $ cairn node-instances list
  $ cairn uninstall
  $ cairn blueprints validate examples/hello-world/blueprint.yaml
  $ cairn profiles use http://10.0.0.5:8100 -u admin -p s3cret
  $ cairn <command> --help`
      : `
Examples:
  $ cairn plugins upload cairn-file-plugin-0.1.0-any.cairn.tgz
  $ cairn secrets create greeting -s hello
  $ cairn install my-app/ -d my-app-1 -i inputs.yaml
  $ cairn deployments outputs my-app-1
  $ cairn uninstall my-app-1
  $ cairn profiles use local
  $ cairn <command> --help`,
  );
  registerBlueprintCommands(program, output, state);
  if (mode.kind === 'local') registerLocalCommands(program, output, state);
  registerPluginCommands(program, output, state, { localStore: mode.kind === 'local' });
  if (mode.kind === 'manager') {
    registerManagerModeCommands(
      program,
      { blueprints: group(program, 'blueprints'), plugins: group(program, 'plugins') },
      { profile: mode.profile, output, state },
    );
  }
  registerProfileCommands(program, output);
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
  try {
    let mode: CliMode;
    try {
      mode = resolveMode();
    } catch (error) {
      // A profile setting gone wrong must not lock out the commands that repair it.
      if (argv[0] !== 'profiles') throw error;
      mode = { kind: 'local' };
    }
    const program = createProgram(output, state, mode);
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.USAGE;
    }
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
