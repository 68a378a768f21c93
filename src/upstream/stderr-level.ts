/** The log level a child's stderr line deserves. */
export type StderrLevel = 'error' | 'warn' | 'info';

// Matched at the start of the line (after an optional timestamp or bracketed tag): servers print their
// own level first ("Error: …", "[ERROR] …", "WARN …", "TypeError: …", "panic: …", "Traceback …").
const PREFIX = String.raw`^\s*(?:\[?\d{4}-\d\d-\d\d[T ][\d:.]+Z?\]?\s*)?(?:\[[^\]]{1,40}\]\s*)?`;
const ERROR = new RegExp(
  `${PREFIX}(?:\\[?(?:error|err|fatal|critical|crit|panic|emerg|alert)\\]?\\b|uncaught\\b|unhandled\\b|traceback\\b|\\w*(?:error|exception)\\b\\s*:)`,
  'i',
);
const WARN = new RegExp(`${PREFIX}\\[?(?:warn|warning|deprecat\\w*)\\]?\\b`, 'i');
const JSON_LEVEL = /"(?:level|severity|levelname)"\s*:\s*"?(\w+)"?/i;
const STACK_FRAME = /^\s+(?:at\s|\.\.\.\s*\d+\s+more|File\s+")/;

/**
 * Classifies one stderr line: `Error: …`, `[ERROR]`, `TypeError: …`, `panic:` and JSON lines with an
 * error level are errors; `WARN`/`Warning:`/deprecations warnings; the rest info (many servers print
 * their start banner on stderr). A stack frame takes the level of the line it follows (`previous`).
 */
export function stderrLevel(line: string, previous: StderrLevel = 'info'): StderrLevel {
  if (STACK_FRAME.test(line)) return previous;
  const json = line.trimStart().startsWith('{') ? JSON_LEVEL.exec(line)?.[1]?.toLowerCase() : undefined;
  if (json !== undefined) {
    if (/^(error|fatal|critical|50|60)$/.test(json)) return 'error';
    if (/^(warn|warning|40)$/.test(json)) return 'warn';
    return 'info';
  }
  if (ERROR.test(line)) return 'error';
  if (WARN.test(line)) return 'warn';
  return 'info';
}
