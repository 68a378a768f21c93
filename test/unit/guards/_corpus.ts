// Reads a guard corpus from test/fixtures/guards: one value per line, "## " comments, "⏎" for a newline.
import { readFileSync } from 'node:fs';

/** The values of a corpus file. */
export function readCorpus(name: string): string[] {
  const text = readFileSync(new URL(`../../fixtures/guards/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('## '))
    .map((line) => line.replace(/⏎/g, '\n'));
}
