// Every ```ts block in README.md and docs/*.md type-checks against the real sources (strict, as the
// project compiles): an example that names a renamed export or a changed field fails here. Imports of
// `./config/index.js`-style paths are read as relative to src/, where the docs say the code lives.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../..');
const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function tsBlocks(file: string): { line: number; code: string }[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !lines[i + 1]!.startsWith('```')) i++;
    out.push({ line: start, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return out;
}

test('every TypeScript block in the docs type-checks against src/', (t) => {
  const blocks = files.flatMap((file) => tsBlocks(file).map((b) => ({ file, ...b })));
  t.diagnostic(`${blocks.length} TypeScript block(s)`);
  assert.ok(blocks.length >= 1, 'the docs show at least one TypeScript example');
  const dir = mkdtempSync(join(tmpdir(), 'bw-docs-ts-'));
  try {
    const names = blocks.map((b, i) => {
      const name = join(dir, `block-${i}.mts`);
      const code = b.code.replace(/from '\.\/([^']+)'/g, (_, p: string) => `from '${join(root, 'src', p)}'`);
      writeFileSync(name, `export {};\n${code}\n`);
      return name;
    });
    const program = ts.createProgram(names, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      verbatimModuleSyntax: true,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && names.includes(d.file.fileName))
      .map((d) => {
        const i = names.indexOf(d.file!.fileName);
        const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line - 1; // minus the added first line
        return `${blocks[i]!.file}:${blocks[i]!.line + line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    assert.deepEqual(problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
