import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type CommandDefinition, type OptionSpec, type ParsedCommand } from './command.js';
import { checkValue, closest } from './values.js';

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
  debug: { type: 'boolean', help: 'print the stack trace of an unexpected error' },
};

/** True when argv asks for help (`--help`/`-h` before any `--`): help wins over every other mistake. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Parses argv strictly against the command's options; throws UsageError naming the flag and the fix. */
export function parseCommand(def: CommandDefinition, argv: readonly string[]): ParsedCommand {
  const specs = { ...def.options, ...COMMON_OPTIONS };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, s] of Object.entries(specs)) options[name] = { type: s.type, ...(s.short !== undefined && { short: s.short }) };
  // `--wait-ready` alone means "with the default": give parseArgs an explicit empty value.
  const args = argv.map((a) => (specs[a.slice(2)]?.optionalValue === true && a.startsWith('--') ? `${a}=` : a));
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(explain(specs, err));
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, v] of Object.entries(parsed.values)) {
    if (typeof v !== 'string' && typeof v !== 'boolean') continue;
    const spec = specs[name]!;
    const problem = typeof v === 'string' ? checkValue(`--${name}`, spec, v) : undefined;
    if (problem !== undefined) throw new UsageError(problem);
    values[name] = v;
  }
  checkPositionals(def, parsed.positionals);
  return { values, positionals: parsed.positionals };
}

function checkPositionals(def: CommandDefinition, positionals: readonly string[]): void {
  const p = def.positionals;
  const max = p?.max ?? 0;
  if (positionals.length > max) {
    const extra = positionals[max]!;
    throw new UsageError(
      max === 0
        ? `unexpected argument ${JSON.stringify(extra)} (this command takes options only)`
        : `unexpected extra argument ${JSON.stringify(extra)} (usage: ${p!.usage})`,
    );
  }
  if (p === undefined) return;
  if (positionals.length < (p.min ?? 0)) throw new UsageError(`missing argument: ${p.usage}`);
  const first = positionals[0];
  if (p.choices !== undefined && first !== undefined && !p.choices.includes(first)) {
    const guess = closest(first, p.choices);
    throw new UsageError(
      `unknown action ${JSON.stringify(first)}${guess ? ` (did you mean ${guess}?)` : ''}; expected one of ${p.choices.join(', ')}`,
    );
  }
}

/** Turns a parseArgs error into one line naming the flag and what to do. */
function explain(specs: Readonly<Record<string, OptionSpec>>, err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  const names = Object.keys(specs).map((n) => `--${n}`);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const bare = flag.split('=')[0]!;
    const guess = closest(bare.replace(/^-+/, ''), Object.keys(specs));
    return `unknown option ${bare}${guess ? ` (did you mean --${guess}?)` : ''}; valid options: ${names.join(', ')}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '-p, --port <value>' argument missing" / "Option '--port' argument is ambiguous": the long name.
    const name = /--([\w-]+)/.exec(message)?.[1] ?? flag.replace(/^-+/, '');
    const long = Object.entries(specs).find(([n, s]) => n === name || s.short === name);
    const spec = long?.[1];
    if (spec?.type === 'boolean') return `--${long![0]} is a switch and takes no value`;
    const hint = spec?.choices ? ` (one of ${spec.choices.join(', ')})` : spec?.value ? ` ${spec.value}` : '';
    // A value starting with "-" is taken for a flag unless attached: --port=-1.
    const dash = message.includes('ambiguous') ? ` (a value starting with "-" must be attached: --${long?.[0] ?? name}=VALUE)` : '';
    return `--${long?.[0] ?? name} needs a value${hint}${dash}`;
  }
  return message.split('. ')[0]!;
}
