// What a syntax error shows beside its message: the line it is on (with the one before, for context) and a
// caret under the column, plus a hint for the mistakes that produce the most confusing parser messages.

/** The lines around `line` (1-based) with a caret under `column`, gutter-numbered like a compiler's. */
export function codeFrame(text: string, line: number, column: number): string {
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, line - 1);
  const width = String(line).length;
  const out: string[] = [];
  for (let n = first; n <= Math.min(line, lines.length); n++) out.push(`  ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
  out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  return out.join('\n');
}

/**
 * A hint for the error on `line`: an unquoted `${…}` inside a flow collection (`{ port: ${env:PORT} }`)
 * is read as a nested mapping, and the parser reports a cascade about tokens that says nothing of quotes.
 */
export function syntaxHint(text: string, line: number): string | undefined {
  const source = text.split(/\r?\n/)[line - 1] ?? '';
  const ref = /(?<!["'])\$\{[^}]*\}/.exec(source);
  if (ref === null) return undefined;
  const before = source.slice(0, ref.index);
  const open = (before.match(/[{[]/g) ?? []).length - (before.match(/[}\]]/g) ?? []).length;
  if (open <= 0 && !/^\s*-?\s*[{[]/.test(source)) return undefined;
  return `inside { … } or [ … ] a \${…} must be quoted, e.g. "${ref[0]}" (or write the mapping one key per line)`;
}
