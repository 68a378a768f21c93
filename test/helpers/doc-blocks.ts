// The fenced code blocks of README.md and docs/*.md, with the marker comment written just before each
// (`<!-- fragment: upstreams.example -->`, `<!-- not-config: why -->`, `<!-- needs-network -->`, …), for the
// tests that keep the docs true (test/unit/docs-config-blocks.test.ts, test/e2e/docs-cli.test.ts).
import { readdirSync, readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);

/** One fenced block. */
export interface DocBlock {
  /** `README.md:33`: the file and the line of the opening fence. */
  readonly where: string;
  readonly file: string;
  readonly line: number;
  /** The fence's info string (`yaml`, `json`, `console`, …; '' when none). */
  readonly lang: string;
  readonly text: string;
  /** The marker comment's body (`fragment: upstreams.example`), when the block has one. */
  readonly marker: string | undefined;
}

/** README.md and every docs/*.md, relative to the repository root. */
export function docFiles(): string[] {
  const docs = readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md'));
  return ['README.md', ...docs.sort().map((f) => `docs/${f}`)];
}

/** Every fenced block of `file` (relative to the repository root). */
export function blocksOf(file: string): DocBlock[] {
  const lines = readFileSync(new URL(file, ROOT), 'utf8').split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence)) end++;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const marker = prev >= 0 ? /^<!--\s*(.*?)\s*-->$/.exec(lines[prev]!.trim())?.[1] : undefined;
    out.push({
      where: `${file}:${i + 1}`,
      file,
      line: i + 1,
      lang: open[3]!.toLowerCase(),
      text: lines.slice(i + 1, end).join('\n'),
      marker,
    });
    i = end;
  }
  return out;
}

/** Every block of every doc file. */
export function allBlocks(): DocBlock[] {
  return docFiles().flatMap(blocksOf);
}
