// CPU µs per value of the code and content guards (issue 10 items 4 and 6), called directly (the guard
// policy's own cost is in bench/guard-cost.ts). Run: `npx tsx bench/code-content-guard-cost.ts`.
import { createCodeGuard } from '../src/policies/guards/code/index.js';
import { createContentGuard, SECRET_KINDS } from '../src/policies/guards/content/index.js';
import type { Guard } from '../src/policies/guards/index.js';

const PY = "import json\nrows = [r for r in data if r['team'] == 'T1']\nprint(json.dumps(sorted(rows, key=lambda r: r['pts'])[:10]))";
const JS = "const rows = data.filter((r) => r.team === 'T1'); console.log(JSON.stringify(rows.sort((a, b) => b.pts - a.pts).slice(0, 10)))";
const SH = "grep -r 'T1' reports/ | sort -k2 -n | head -10 > out.txt";
const PROSE =
  'The build finished in 42.7 seconds with 0 errors. Player T1-23 scored 31 points in 34 minutes; the team shot 48 % from the field. ';
const TEXT_1K = PROSE.repeat(8).slice(0, 1024);
const TEXT_16K = PROSE.repeat(130).slice(0, 16_384);
const HTML_1K = `<p>${TEXT_1K.slice(0, 900)}</p><ul><li>a</li><li>b</li></ul>`;

const base = { strict: false, allowModules: [], denyModules: [], maxLength: 100_000, allowLeadingDash: false };
const content = createContentGuard({ html: 'sanitize', secrets: 'redact', detect: SECRET_KINDS, maxLength: 16 << 20 });
const signal = new AbortController().signal;

function cost(guard: Guard, value: (i: number) => string, calls: number): number {
  // Both guards answer synchronously (no I/O): the verdict is never a promise here.
  for (let i = 0; i < Math.min(calls, 200); i++) void guard.check({ value: value(i), pointer: '', document: {}, signal });
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) void guard.check({ value: value(i), pointer: '', document: {}, signal });
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const rows: [string, number][] = [
  ['code python, repeated (cached verdict)', cost(createCodeGuard({ ...base, language: 'python' }), () => PY, 50_000)],
  [
    'code python, new each call (tokenize + analyse)',
    cost(createCodeGuard({ ...base, language: 'python' }), (i) => `${PY}\nx = ${i}`, 5_000),
  ],
  [
    'code javascript, new each call (acorn + walk)',
    cost(createCodeGuard({ ...base, language: 'javascript' }), (i) => `${JS}; const x = ${i}`, 5_000),
  ],
  ['code shell, new each call (lex + analyse)', cost(createCodeGuard({ ...base, language: 'shell' }), (i) => `${SH} # ${i}`, 5_000)],
  [
    'code argument (plain command argument)',
    cost(createCodeGuard({ ...base, language: 'argument' }), (i) => `reports/t1-${i}.csv`, 50_000),
  ],
  ['content, 1 KiB text, nothing found', cost(content, (i) => `${TEXT_1K}${i}`, 5_000)],
  ['content, 1 KiB HTML, nothing removed (parse5)', cost(content, (i) => `${HTML_1K}${i}`, 5_000)],
  ['content, 1 KiB text with one AWS key (redact)', cost(content, (i) => `${TEXT_1K.slice(0, 990)} AKIAZ7XQ3MPLR2D5VW4Q ${i}`, 5_000)],
  ['content, 16 KiB text, nothing found', cost(content, (i) => `${TEXT_16K}${i}`, 1_000)],
];
for (const [name, us] of rows) process.stdout.write(`${name.padEnd(52)} ${us.toFixed(1).padStart(8)} µs\n`);
