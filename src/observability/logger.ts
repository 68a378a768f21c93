import { pino, type DestinationStream } from 'pino';
import { scrubSecrets, type Logger } from '../core/index.js';

/** Keys whose values never reach a log line, wherever they appear. */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  '*.env',
  'env',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.secret',
];

export interface LoggerOptions {
  readonly level: string;
  /** Where lines go: stdout by default, stderr for `breakwater stdio` (stdout carries the protocol). */
  readonly destination?: DestinationStream | 1 | 2;
  /** Append to this file instead (created with its folder when missing); `destination` is then ignored. */
  readonly file?: string;
  /**
   * false: no redaction by key (lines whose fields are all known, like access lines: redaction by key
   * costs more than the rest of the line). Secret values are still scrubbed.
   */
  readonly redactKeys?: boolean;
}

/** The process logger: pino JSON, secrets redacted by key and scrubbed by value, one line per event. */
export function createLogger(options: LoggerOptions): Logger {
  const dest = options.destination;
  const stream =
    options.file !== undefined
      ? pino.destination({ dest: options.file, sync: false, mkdir: true })
      : typeof dest === 'number'
        ? pino.destination({ fd: dest, sync: false })
        : dest;
  return pino(
    {
      level: options.level,
      base: { service: 'breakwater' },
      ...(options.redactKeys !== false && { redact: { paths: REDACT_PATHS, censor: '[redacted]' } }),
      // Keys above catch credentials by name; this catches them by value wherever they land (a message, an
      // error string, a URL): known secret values and token shapes (core/secret-scrubber.ts).
      hooks: { streamWrite: scrubSecrets },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  ) as unknown as Logger;
}
