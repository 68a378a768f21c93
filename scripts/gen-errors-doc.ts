// Regenerates the table in docs/errors.md from src/errors/codes.ts: `node --import tsx scripts/gen-errors-doc.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors/index.js';

const BEGIN = '<!-- codes:begin -->';
const END = '<!-- codes:end -->';

/** The markdown table of every stable error code. */
export function errorTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.rpc} | ${e.http} | ${e.summary} |`);
  return ['| code (`error.data.code`) | JSON-RPC code | HTTP status | meaning |', '|---|--:|--:|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = new URL('../docs/errors.md', import.meta.url);
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf(BEGIN) + BEGIN.length;
  writeFileSync(file, `${doc.slice(0, start)}\n${errorTable()}\n${doc.slice(doc.indexOf(END))}`);
}
