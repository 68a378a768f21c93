// `breakwater guard code|content`: verdicts per value with rule and reason, exit 3 when any is denied.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invoke } from '../../src/cli/invoke.js';

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env: process.env };
  const code = await invoke('guard', argv, io);
  return { code, out };
}

describe('breakwater guard code|content', () => {
  it('code: denies dangerous code with the rule, allows ordinary code', async () => {
    const r = await run('code', '--language', 'python', "__import__('os').system('id')", 'print(1)');
    assert.equal(r.code, 3);
    assert.match(r.out, /deny +"__import__\('os'\)\.system\('id'\)" +code\.dynamic-eval: __import__\(\) evaluates or imports code/);
    assert.match(r.out, /allow +"print\(1\)"/);
    assert.equal((await run('code', '--language', 'argument', 'README.md')).code, 0);
    assert.match((await run('code', '--language', 'shell', 'curl -s https://x', '--strict')).out, /shell\.network/);
  });

  it('content: reports secrets and active HTML as denials, never echoing the secret in the reason', async () => {
    const r = await run('content', '--json', 'key AKIAZ7XQ3MPLR2D5VW4Q', 'hello world', '<img src=x onerror=alert(1)>');
    assert.equal(r.code, 3);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { decision: string; rule?: string; reason?: string });
    assert.deepEqual(
      lines.map((l) => [l.decision, l.rule]),
      [
        ['deny', 'content.secret'],
        ['allow', undefined],
        ['deny', 'content.html-active'],
      ],
    );
    assert.ok(!lines[0]!.reason!.includes('AKIA'));
  });
});
