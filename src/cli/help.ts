import type { CommandDefinition, OptionSpec } from './command.js';
import type { CommandEntry } from './commands.js';
import { COMMON_OPTIONS } from './parse.js';

/** Exit codes every command shares; a command may add or reword some (`exitCodes`). */
export const COMMON_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'the command ran and failed (see the message)',
  2: 'usage error: unknown command or option, bad value',
};

/** The `--help` text of a command: usage, description, every option, examples, exit codes. */
export function renderHelp(entry: CommandEntry, def: CommandDefinition): string {
  const positional = def.positionals ? ` ${def.positionals.usage}` : '';
  const lines = [
    `Usage: breakwater ${entry.name}${positional} [options]`,
    '',
    `${entry.summary[0]!.toUpperCase()}${entry.summary.slice(1)}.`,
  ];
  if (def.description !== undefined) lines.push('', def.description);
  lines.push('', 'Options:');
  const rows = Object.entries({ ...def.options, ...COMMON_OPTIONS }).map(([name, s]) => [flagColumn(name, s), describe(s)] as const);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(width)}${d}`);
  if (def.examples && def.examples.length > 0) lines.push('', 'Examples:', ...def.examples.map((e) => `  ${e}`));
  lines.push('', 'Exit codes:');
  for (const [code, text] of Object.entries({ ...COMMON_EXIT_CODES, ...def.exitCodes })) lines.push(`  ${code.padEnd(4)}${text}`);
  return `${lines.join('\n')}\n`;
}

function flagColumn(name: string, s: OptionSpec): string {
  const short = s.short !== undefined ? `-${s.short}, ` : '    ';
  const value = s.type === 'boolean' ? '' : s.optionalValue ? `[=${s.value ?? 'VALUE'}]` : ` ${s.value ?? s.choices?.join('|') ?? 'VALUE'}`;
  return `${short}--${name}${value}`;
}

function describe(s: OptionSpec): string {
  const choices = s.value !== undefined && s.choices !== undefined ? `; one of ${s.choices.join(', ')}` : '';
  return `${s.help}${choices}${s.default !== undefined ? ` (default ${s.default})` : ''}`;
}
