import { CliError, UsageError, type CommandIo } from './command.js';
import { findCommand, type CommandEntry } from './commands.js';
import { renderHelp } from './help.js';
import { parseCommand, wantsHelp } from './parse.js';

/**
 * Runs one command: `--help` prints its help (exit 0, nothing started); options are parsed strictly;
 * usage mistakes (exit 2) and expected failures (CliError) become one line on stderr. Anything else
 * propagates to the top level, which prints it without a stack unless `--debug`.
 */
export async function invoke(name: string, argv: string[], io: CommandIo): Promise<number> {
  const entry = findCommand(name);
  if (entry === undefined) throw new Error(`no command ${name}`);
  const def = (await entry.load()).command;
  try {
    if (def.raw !== undefined) return await def.raw(argv, io);
    if (wantsHelp(argv)) {
      io.stdout.write(renderHelp(entry, def));
      return 0;
    }
    return await def.run(parseCommand(def, argv), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`breakwater ${name}: ${err.message} (see breakwater ${name} --help)\n`);
      return 2;
    }
    if (err instanceof CliError) {
      io.stderr.write(`breakwater ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/** The help text of a table entry (loads its module). */
export async function helpFor(entry: CommandEntry): Promise<string> {
  return renderHelp(entry, (await entry.load()).command);
}
