/**
 * The shape of one CLI command (see ADR 0025): its options for `node:util` `parseArgs` (strict), the
 * help text built from them, and `run`. The table in `commands.ts` loads a command's module lazily.
 */

/** Where a command writes and what environment it reads; process.stdout/stderr fit, tests pass collectors. */
export interface CommandIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** How an option's value is checked before `run` sees it (the error names the flag). */
export type OptionKind = 'port' | 'count' | 'ms';

/** One `--flag`. Every option appears in the command's help. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder of the value in the help (`FILE`, `N`). */
  readonly value?: string;
  readonly help: string;
  /** The only values accepted; listed in the help and in the error. */
  readonly choices?: readonly string[];
  readonly kind?: OptionKind;
  /** Shown as "(default …)" in the help; `run` applies it. */
  readonly default?: string;
  /** `--flag` alone is allowed and yields '' (as in `--wait-ready[=MS]`). */
  readonly optionalValue?: boolean;
}

/** Positional arguments a command takes. */
export interface PositionalSpec {
  /** As shown in the usage line, e.g. `[FILE]` or `list|call`. */
  readonly usage: string;
  readonly min?: number;
  readonly max: number;
  /** When set, the first positional must be one of these. */
  readonly choices?: readonly string[];
}

/** What `run` receives: validated option values and positionals. */
export interface ParsedCommand {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** A command's definition, exported as `command` by its module. */
export interface CommandDefinition {
  /** Paragraphs after the usage line. */
  readonly description?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly positionals?: PositionalSpec;
  readonly examples?: readonly string[];
  /** Exit codes beyond the common ones (0, 1, 2), or a different wording of them. */
  readonly exitCodes?: Readonly<Record<number, string>>;
  /** Parses its own argv (it must still answer --help with exit 0 and reject unknown flags with 2). */
  readonly raw?: (argv: string[], io: CommandIo) => Promise<number>;
  readonly run: (args: ParsedCommand, io: CommandIo) => Promise<number>;
}

/** A usage mistake: bad flag or value. Exit 2, one line with the fix. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An expected failure with a one-line message and how to fix it (no stack trace). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The string value of an option, or undefined. */
export function str(args: ParsedCommand, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The numeric value of a validated option (`kind` set), or `fallback`. */
export function num(args: ParsedCommand, name: string, fallback: number): number {
  const v = str(args, name);
  return v === undefined || v === '' ? fallback : Number(v);
}
