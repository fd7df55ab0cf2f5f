#!/usr/bin/env node
/** The `loom` command line. Exit codes: 0 success, 1 invalid or failed, 2 usage error, 130 interrupted. */
import { Command, CommanderError } from 'commander';
import { LoomError } from '../errors.js';
import { EXIT, UsageError, withLoom } from './common.js';
import { listPlugins } from './listings.js';
import { registerKeysCommands } from './keys-commands.js';
import { registerModelsCommands } from './models-commands.js';
import { registerPluginCommands } from './plugin-commands.js';
import { registerPreviewCommand, registerRunCommands } from './run-commands.js';
import { registerServeCommand } from './serve-command.js';
import { registerTemporalCommands } from './temporal-commands.js';

function program(setExit: (code: number) => void): Command {
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await fn(...args));
  const cli = new Command('loom')
    .description('Loom: visual low-code workflows for ML teams')
    .option('--home <dir>', 'data home (journal, artifacts, cache); default $LOOM_HOME or ./.loom')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerRunCommands(cli, act);
  registerTemporalCommands(cli, act);
  registerPreviewCommand(cli, act);
  registerModelsCommands(cli, act);
  registerServeCommand(cli, act);
  registerKeysCommands(cli, act);
  registerPluginCommands(cli, act);
  cli
    .command('plugins')
    .description('list the installed plugins')
    .option('--json', 'print JSON, with each config schema')
    .action(
      act(async (opts: { json?: boolean }) =>
        withLoom(cli, async (loom) => {
          process.stdout.write(listPlugins(loom.registry, opts.json === true));
          return EXIT.ok;
        }),
      ),
    );
  // Commander stops at the first failing subcommand; make every level exit through main() below.
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(cli);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const cli = program((c) => (code = c));
  try {
    await cli.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError || (error instanceof LoomError && error.code === 'USAGE')) {
      process.stderr.write(`loom: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`loom: ${error instanceof LoomError ? error.message : ((error as Error).stack ?? String(error))}\n`);
    return EXIT.failed;
  }
}

// A reader that stops early (`loom runs --json | head`) closes the pipe: that is the end of the output, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
