// Progress and error messages of the harness (stderr; stdout carries only the report).

/** Writes one progress line to stderr. */
export function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

/** The message of an error-like value. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
