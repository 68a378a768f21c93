import { PinoPretty } from 'pino-pretty';
import type { Logger } from '../core/index.js';
import { createLogger } from '../observability/logger.js';

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

// The option definitions live in common-options.ts (light to import); re-exported for existing importers.
export { LOG_LEVELS, LOG_OPTIONS } from './common-options.js';
