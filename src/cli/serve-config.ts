import { existsSync } from 'node:fs';
import { ConfigError, formatProblem, loadConfig, parseConfig, type BreakwaterConfig } from '../config/index.js';
import { CliError, str, type CommandIo, type OptionSpec, type ParsedCommand } from './command.js';
import { secretOpener } from '../app/secret-wiring.js';

/** `--config`, shared by the commands that load a config file. */
export const CONFIG_OPTION: Readonly<Record<string, OptionSpec>> = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the config file (same as FILE)', default: 'breakwater.yaml' },
};

/**
 * Loads the config named by FILE / --config (or ./breakwater.yaml), applying --port/--host/--log-level.
 * A config problem is printed (every problem, one per line) and thrown as a CliError with exit 1.
 */
export function loadServeConfig(args: ParsedCommand, io: CommandIo): BreakwaterConfig {
  if (str(args, 'config') !== undefined && args.positionals.length > 0)
    throw new CliError('give the config once, as FILE or --config FILE', 2);
  const file = serveConfigFile(args);
  if (file === undefined)
    throw new CliError(
      'no config: pass --config FILE, or run `breakwater init` to write breakwater.yaml (`breakwater demo` needs none)',
      2,
    );
  let config: BreakwaterConfig;
  try {
    const loaded = loadConfig(file, io.env, { secrets: secretOpener });
    for (const w of loaded.warnings) io.stderr.write(`${file}: warning: ${w}\n`);
    config = loaded.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) io.stderr.write(`${formatProblem(problem)}\n`);
    throw new CliError(`${file}: fix the config (check it with: breakwater check-config ${file})`, 1);
  }
  const port = str(args, 'port');
  const host = str(args, 'host');
  const level = str(args, 'log-level');
  if (port === undefined && host === undefined && level === undefined) return config;
  // Re-validated so the overridden config is checked and frozen like any other (the flags are checked already).
  // Environment overrides were applied by the load: applying them again would beat the flags.
  const server = { ...config.server, ...(port !== undefined && { port: Number(port) }), ...(host !== undefined && { host }) };
  const logging = { ...config.logging, ...(level !== undefined && { level }) };
  return parseConfig({ ...config, server, logging }, file, io.env, undefined, { envOverrides: false }).config;
}

/** The config file `serve`/`stdio` use (FILE, --config, or ./breakwater.yaml when present): stores live beside it. */
export function serveConfigFile(args: ParsedCommand): string | undefined {
  return str(args, 'config') ?? args.positionals[0] ?? (existsSync('breakwater.yaml') ? 'breakwater.yaml' : undefined);
}
