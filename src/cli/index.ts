import type { CommandIo } from './command.js';
import { COMMANDS, findCommand } from './commands.js';
import { COMMON_EXIT_CODES } from './help.js';
import { helpFor, invoke } from './invoke.js';
import { closest } from './values.js';

/** The top-level help: every command of the table with its summary. */
export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'breakwater — a production MCP gateway',
    '',
    'Usage: breakwater <command> [options]        breakwater <command> --help for its options',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options: -h, --help   -v, --version   --debug (stack traces of unexpected errors)',
    '',
    'Exit codes:',
    ...Object.entries(COMMON_EXIT_CODES).map(([code, text]) => `  ${code.padEnd(4)}${text}`),
    '  130 stopped by a second Ctrl-C (forced, no drain)',
    '',
  ].join('\n');
}

/** Dispatches a command line; resolves with the process exit code. */
export async function runCli(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  const debug = argv.includes('--debug') || io.env.BREAKWATER_DEBUG === '1';
  try {
    if (command === undefined) {
      io.stderr.write(usage());
      return 2;
    }
    if (command === '--help' || command === '-h') {
      io.stdout.write(usage());
      return 0;
    }
    if (command === '--version' || command === '-v') return await invoke('version', [], io);
    if (command === 'help') {
      const entry = rest[0] === undefined ? undefined : findCommand(rest[0]);
      io.stdout.write(entry === undefined ? usage() : await helpFor(entry));
      return rest[0] === undefined || entry !== undefined ? 0 : 2;
    }
    if (findCommand(command) === undefined) {
      const guess = closest(
        command,
        COMMANDS.map((c) => c.name),
      );
      io.stderr.write(
        `breakwater: unknown command ${JSON.stringify(command)}${guess ? ` (did you mean ${guess}?)` : ''}; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see breakwater --help)\n`,
      );
      return 2;
    }
    return await invoke(command, rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(
      `breakwater ${command ?? ''}: unexpected error: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for the stack trace)'}\n`,
    );
    if (debug && err instanceof Error && err.stack !== undefined) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** The real process streams; a closed stdout (`breakwater client list | head`) ends the process quietly. */
export function processIo(): CommandIo {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // The reader went away: nothing more can be shown, so stop as `head` expects, without a trace.
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
