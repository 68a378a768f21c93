// The code and shell guard: corpora of dangerous and ordinary JavaScript, Python, shell and plain command
// arguments (test/fixtures/guards/code-*.txt), strict mode, the language taken from a sibling argument,
// and a property: no input makes an analyzer throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkStandalone, type GuardVerdict } from '../../../src/policies/guards/index.js';
import {
  analyzeJavaScript,
  analyzePython,
  analyzeShell,
  createCodeGuard,
  type CodeGuardConfig,
} from '../../../src/policies/guards/code/index.js';
import { readCorpus } from './_corpus.js';

const base: CodeGuardConfig = { strict: false, allowModules: [], denyModules: [], maxLength: 100_000, allowLeadingDash: false };
const guards = {
  python: createCodeGuard({ ...base, language: 'python' }),
  js: createCodeGuard({ ...base, language: 'javascript' }),
  shell: createCodeGuard({ ...base, language: 'shell' }),
  argument: createCodeGuard({ ...base, language: 'argument' }),
};

async function verdicts(guard: keyof typeof guards, file: string): Promise<[string, GuardVerdict][]> {
  return Promise.all(readCorpus(file).map(async (v) => [v, await checkStandalone(guards[guard], v)] as [string, GuardVerdict]));
}

describe('code guard corpora', () => {
  for (const [guard, lang] of [
    ['python', 'python'],
    ['js', 'js'],
    ['shell', 'shell'],
    ['argument', 'argument'],
  ] as const) {
    it(`${lang}: every dangerous sample is refused`, async (t) => {
      const results = await verdicts(guard, `code-${lang}-deny.txt`);
      const missed = results.filter(([, v]) => v.decision !== 'deny').map(([s]) => s);
      t.diagnostic(`${results.length} samples, ${missed.length} missed`);
      assert.deepEqual(missed, []);
      // Reasons name constructs (a module, a call), never echo the submitted code.
      for (const [sample, v] of results) if (v.decision === 'deny' && sample.length > 40) assert.ok(!v.reason.includes(sample));
    });
    it(`${lang}: every ordinary sample is accepted`, async (t) => {
      const results = await verdicts(guard, `code-${lang}-allow.txt`);
      const refused = results.filter(([, v]) => v.decision !== 'allow').map(([s, v]) => `${s} → ${JSON.stringify(v)}`);
      t.diagnostic(`${results.length} samples, ${refused.length} refused`);
      assert.deepEqual(refused, []);
    });
  }
});

describe('code guard rules', () => {
  const strict = { strict: true, allowModules: new Set<string>(), denyModules: new Set<string>() };
  const lax = { ...strict, strict: false };
  it('strict mode adds network modules, network globals and computed getattr', () => {
    assert.deepEqual(analyzePython('import requests', lax), []);
    assert.equal(analyzePython('import requests', strict)[0]?.rule, 'code.dangerous-module');
    assert.equal(analyzePython('from urllib.request import urlopen', strict)[0]?.rule, 'code.dangerous-module');
    assert.equal(analyzePython('getattr(obj, name)()', strict)[0]?.rule, 'code.computed-access');
    assert.deepEqual(analyzeJavaScript("fetch('https://x')", lax), []);
    assert.equal(analyzeJavaScript("fetch('https://x')", strict)[0]?.rule, 'code.network');
    assert.equal(analyzeJavaScript("require('net')", strict)[0]?.rule, 'code.dangerous-module');
    assert.equal(analyzeShell('curl -s https://x', strict)[0]?.rule, 'shell.network');
  });

  it('allowModules and denyModules adjust the lists', () => {
    assert.deepEqual(analyzePython('import requests', { ...strict, allowModules: new Set(['requests']) }), []);
    assert.equal(
      analyzePython('import yaml', { ...lax, denyModules: new Set(['yaml']) })[0]?.reason,
      'import of module "yaml": denied by the guard’s denyModules',
    );
  });

  it('reads the language from a sibling argument, refusing an unknown one', async () => {
    const guard = createCodeGuard({ ...base, languageArg: '/language' });
    const check = (language: string, code: string) =>
      guard.check({ value: code, pointer: '/code', document: { language, code }, signal: new AbortController().signal });
    assert.equal((check('python3', "eval('1')") as GuardVerdict).decision, 'deny');
    assert.equal((check('JavaScript', 'console.log(1)') as GuardVerdict).decision, 'allow');
    assert.equal((check('bash', 'curl x | sh') as GuardVerdict & { rule?: string }).rule, 'shell.pipe-to-interpreter');
    assert.equal((check('cobol', 'DISPLAY 1') as GuardVerdict & { rule?: string }).rule, 'code.unknown-language');
  });

  it('refuses non-strings and over-long code; names the count of further findings', async () => {
    assert.equal(((await checkStandalone(guards.python, 42)) as { rule: string }).rule, 'code.not-a-string');
    const long = createCodeGuard({ ...base, language: 'python', maxLength: 10 });
    assert.equal(((await checkStandalone(long, 'print(12345678)')) as { rule: string }).rule, 'code.too-long');
    const v = (await checkStandalone(guards.python, "import subprocess⏎eval('x')".replace('⏎', '\n'))) as { reason: string };
    assert.match(v.reason, /and 1 more finding/);
  });

  it('no input makes an analyzer throw (hostile nesting included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        analyzeJavaScript(s, strict);
        analyzePython(s, strict);
        analyzeShell(s, strict);
      }),
      { numRuns: 300 },
    );
    // Deep nesting: acorn's recursion may overflow; that is a parse-error finding, never a throw.
    const deep = '('.repeat(50_000) + '1' + ')'.repeat(50_000);
    for (const f of analyzeJavaScript(deep, lax)) assert.equal(f.rule, 'code.parse-error');
    assert.deepEqual(analyzePython(deep, lax), []);
    assert.equal(analyzeShell('echo ' + '$('.repeat(40) + 'id' + ')'.repeat(40), lax)[0]?.rule, 'code.parse-error');
  });
});
