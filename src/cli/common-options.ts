import type { OptionSpec } from './command.js';

// Option sets shared by several commands. Kept free of heavy imports: a command's options are read for
// --help and for argument errors, which must not load the gateway.

/** `--config`, for the commands that load a config file. */
export const CONFIG_OPTION: Readonly<Record<string, OptionSpec>> = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the config file (same as FILE)', default: 'breakwater.yaml' },
};

/** Log levels `--log-level` accepts (those of `logging.level`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** The `--log-level` and `--log-format` options of the commands that run a gateway. */
export const LOG_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'log-level': { type: 'string', value: 'LEVEL', choices: LOG_LEVELS, help: 'log level, overrides logging.level of the config' },
  'log-format': {
    type: 'string',
    choices: ['json', 'pretty'],
    help: 'log line format on stderr',
    default: 'pretty on a terminal, else json',
  },
};
