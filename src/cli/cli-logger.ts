import { PinoPretty } from 'pino-pretty';
import type { Logger } from '../core/index.js';
import { createLogger } from '../observability/logger.js';
import type { OptionSpec } from './command.js';

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

/**
 * The CLI's logger: always on stderr (stdout carries human output, or the protocol for `stdio`); on a
 * terminal readable lines by pino-pretty, elsewhere pino JSON (one object per line, for collectors).
 */
export function cliLogger(level: string, format: string | undefined): Logger {
  const pretty = format === 'pretty' || (format === undefined && process.stderr.isTTY === true);
  if (!pretty) return createLogger({ level, destination: 2 });
  const stream = PinoPretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return createLogger({ level, destination: stream });
}
