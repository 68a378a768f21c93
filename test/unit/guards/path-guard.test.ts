// The path guard on a real folder tree (symlinks inside and outside, a FIFO): the bypass corpus is refused,
// legitimate paths pass, and a fast-check property: every accepted path really resolves inside the root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { checkStandalone, createPathGuard, type GuardVerdict } from '../../../src/policies/guards/index.js';
import { readCorpus } from './_corpus.js';

const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 400;
let base: string;
let root: string;
let outside: string;

function substitute(line: string): string {
  return line
    .replace(/\{root\}/g, root)
    .replace(/\{rootname\}/g, basename(root))
    .replace(/\{outside\}/g, outside)
    .replace(/\{nul\}/g, '\0')
    .replace(/\{empty\}/g, '')
    .replace(/\{long\}/g, 'a/'.repeat(3000));
}

const rule = (v: GuardVerdict): string => (v.decision === 'allow' ? 'allow' : v.rule);

void describe('path guard', () => {
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'bw-path-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'docs'), { recursive: true });
    mkdirSync(outside);
    mkdirSync(`${root}-sibling`);
    writeFileSync(join(root, 'a.csv'), 'a,b\n');
    writeFileSync(join(root, 'docs', 'readme.md'), '# hi\n');
    writeFileSync(join(root, 'café.txt'), 'x');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    writeFileSync(join(`${root}-sibling`, 'secret.txt'), 'secret');
    symlinkSync(outside, join(root, 'link-out'));
    symlinkSync(join(root, 'docs'), join(root, 'link-in'));
    symlinkSync(join(base, 'nowhere'), join(root, 'dangling'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  const guard = () => createPathGuard({ roots: [root], extensions: ['.csv', '.md', '.txt'], decodePercent: true, maxLength: 4096 });

  void it('refuses every traversal attempt of the corpus', async (t) => {
    const g = guard();
    const corpus = readCorpus('path-bypass.txt').map(substitute);
    assert.ok(corpus.length >= 50, `corpus has ${corpus.length}`);
    const rules = new Map<string, number>();
    for (const p of corpus) {
      const v = await checkStandalone(g, p);
      assert.equal(v.decision, 'deny', `accepted: ${JSON.stringify(p)}`);
      rules.set(rule(v), (rules.get(rule(v)) ?? 0) + 1);
    }
    t.diagnostic(`${corpus.length} refused; by rule ${JSON.stringify(Object.fromEntries(rules))}`);
  });

  void it('accepts legitimate paths (existing, new files, decoded, symlinks that stay inside)', async () => {
    const g = guard();
    for (const p of readCorpus('path-legit.txt').map(substitute)) assert.equal(rule(await checkStandalone(g, p)), 'allow', p);
  });

  void it('names the rule', async () => {
    const g = guard();
    assert.equal(rule(await checkStandalone(g, '/etc/passwd')), 'path.outside-roots');
    assert.equal(rule(await checkStandalone(g, 'link-out/secret.txt')), 'path.symlink-escape');
    assert.equal(rule(await checkStandalone(g, 'fifo')), 'path.special-file');
    assert.equal(rule(await checkStandalone(g, 'a.exe')), 'path.extension');
    assert.equal(rule(await checkStandalone(g, 'a\0.csv')), 'path.nul');
    assert.equal(rule(await checkStandalone(g, '%c0%ae%c0%ae/x')), 'path.bad-encoding');
    assert.equal(rule(await checkStandalone(g, 7)), 'path.not-a-string');
  });

  void it('property: every accepted path resolves (symlinks followed) inside the root', async () => {
    const g = guard();
    const segment = fc.constantFrom(
      '..',
      '.',
      'docs',
      'a.csv',
      'readme.md',
      'link-out',
      'link-in',
      'secret.txt',
      'new.txt',
      '%2e%2e',
      '%252e%252e',
      '．．',
      '..\\..',
      '',
      'etc',
      'passwd',
      '%2f',
      '‥',
      'café.txt',
      'fifo',
    );
    const arb = fc.tuple(
      fc.constantFrom('', '/', `${root}/`, `${outside}/`, `${root}-sibling/`),
      fc.array(segment, { minLength: 1, maxLength: 6 }),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(arb, async ([prefix, segments]) => {
        const p = prefix + segments.join('/');
        const v = await checkStandalone(g, p);
        if (v.decision !== 'allow') return;
        accepted++;
        // Independently: every interpretation the guard claims safe, with symlinks followed, is inside root.
        for (const form of new Set([p, decodeURIComponent(decodeURIComponent(p)), p.normalize('NFKC'), p.replace(/\\/g, '/')])) {
          const abs = isAbsolute(form) ? resolve(form) : resolve(root, form);
          let real = abs;
          for (let cur = abs, rest: string[] = []; ; rest.unshift(basename(cur)), cur = dirname(cur)) {
            try {
              real = join(realpathSync(cur), ...rest);
              break;
            } catch {
              if (dirname(cur) === cur) break;
            }
          }
          assert.ok(real === root || real.startsWith(root + sep), `${JSON.stringify(p)} → ${real}`);
        }
      }),
      { numRuns: RUNS, seed: 7 },
    );
    assert.ok(accepted > 0);
  });
});
