// `breakwater guard`: defaults and a tool's configured guards, exit 0/3/2, JSON lines, and corpora on stdin
// (the way CI runs them) through the real CLI entry.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { invoke } from '../../../src/cli/invoke.js';

function collect(): {
  io: { stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean }; env: NodeJS.ProcessEnv };
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) }, env: {} },
    out: () => out,
    err: () => err,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bw-guard-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('breakwater guard', () => {
  void it('sql with defaults: exit 0 when all allowed, 3 when any denied, rule and reason per value', async () => {
    const c = collect();
    assert.equal(await invoke('guard', ['sql', 'SELECT 1', 'SELECT count(*) FROM t'], c.io), 0);
    const d = collect();
    assert.equal(await invoke('guard', ['sql', 'SELECT 1', 'SELECT 1; COMMIT; DELETE FROM t'], d.io), 3);
    assert.match(d.out(), /allow {2}"SELECT 1"/);
    assert.match(d.out(), /deny {3}"SELECT 1; COMMIT; DELETE FROM t" {2}sql.multiple-statements: /);
  });

  void it('url and path with --json', async () => {
    const c = collect();
    assert.equal(await invoke('guard', ['url', '--json', 'http://0x7f000001/'], c.io), 3);
    assert.deepEqual(JSON.parse(c.out()), {
      value: 'http://0x7f000001/',
      decision: 'deny',
      rule: 'url.loopback',
      reason: 'the host is a loopback address',
    });
    const p = collect();
    assert.equal(await invoke('guard', ['path', '--root', dir, '../etc/passwd'], p.io), 3);
    assert.match(p.out(), /path.outside-roots/);
  });

  void it("--config uses the tool's configured guards (monitor mode is reported as such); unknown tool is exit 2", async () => {
    const file = join(dir, 'breakwater.yaml');
    writeFileSync(
      file,
      [
        'upstreams:',
        '  db:',
        '    url: http://127.0.0.1:9/mcp',
        '    guards:',
        '      tools:',
        '        "query*":',
        '          - { type: sql, args: [/sql], tables: { allow: [orders] } }',
        '        audit:',
        '          - { type: sql, args: [/sql], mode: monitor }',
      ].join('\n'),
    );
    const c = collect();
    assert.equal(
      await invoke(
        'guard',
        ['sql', '--config', file, '--upstream', 'db', '--tool', 'query_sales', 'SELECT * FROM orders', 'SELECT * FROM customers'],
        c.io,
      ),
      3,
    );
    assert.match(c.out(), /sql.table-not-allowed/);
    const m = collect();
    assert.equal(await invoke('guard', ['sql', '--config', file, '--upstream', 'db', '--tool', 'audit', 'DELETE FROM t'], m.io), 3);
    assert.match(m.out(), /monitor mode/);
    const none = collect();
    assert.equal(await invoke('guard', ['url', '--config', file, '--upstream', 'db', '--tool', 'query_sales', 'http://x/'], none.io), 2);
    assert.match(none.err(), /no url guard configured/);
  });

  void it('runs a corpus from stdin through the real CLI (bypass corpus exit 3 with every line denied, legit corpus exit 0)', async () => {
    const run = (file: string) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', 'src/main.ts', 'guard', 'sql', '-'],
          { cwd: new URL('../../..', import.meta.url).pathname },
          (err, out) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, out }),
        );
        const lines = readFileSync(new URL(`../../fixtures/guards/${file}`, import.meta.url), 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.startsWith('## ') && !l.includes('⏎'));
        child.stdin!.end(lines.join('\n') + '\n');
      });
    const bad = await run('sql-bypass.txt');
    assert.equal(bad.code, 3);
    assert.ok(
      !/^allow/m.test(bad.out),
      bad.out
        .split('\n')
        .filter((l) => l.startsWith('allow'))
        .join('\n'),
    );
    const good = await run('sql-legit.txt');
    assert.equal(good.code, 0, good.out);
  });
});
