// `breakwater check-config`: output and exit codes (0 valid, 1 invalid, 2 unreadable/unparsable/usage).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runCheckConfig } from '../../src/cli/check-config.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCheckConfig(
    argv,
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
    env,
  );
  return { code, stdout, stderr };
}

void describe('check-config', () => {
  void it('prints OK with the upstreams and their transports, exit 0', async () => {
    const file = fixture('native.json');
    assert.deepEqual(await run([file]), { code: 0, stdout: `${file}: OK (2 upstreams: memory (stdio), api (sse))\n`, stderr: '' });
  });

  void it('mentions skipped upstreams and warnings of an mcpServers file', async () => {
    const file = fixture('claude-desktop.json');
    const { code, stdout, stderr } = await run(['--config', file], { GITHUB_TOKEN: 'x' });
    assert.equal(code, 0);
    assert.equal(
      stdout,
      `${file}: skipped upstream "brave.search" (disabled)\n` +
        `${file}: OK (4 upstreams: filesystem (stdio), github (stdio), linear (sse), My-Notes (streamable-http))\n`,
    );
    assert.match(stderr, /warning: ignored top-level key "globalShortcut"/);
  });

  void it('counts only enabled upstreams', async () => {
    const file = fixture('native.yaml');
    const { code, stdout } = await run([file], { SEARCH_TOKEN: 'x' });
    assert.equal(code, 0);
    assert.match(stdout, /: OK \(2 upstreams: everything \(stdio\), search \(streamable-http\)\)\n$/);
  });

  void it('prints every problem on its own line, exit 1', async () => {
    const file = fixture('broken.yaml');
    const { code, stdout, stderr } = await run([file]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 14, stderr);
    assert.equal(lines.at(-1), `${file}: 13 problems`);
    assert.ok(
      lines.slice(0, -1).every((l) => l.startsWith(`${file}: `) && / \(line \d+:\d+\)$/.test(l)),
      stderr,
    );
    assert.ok(lines.includes(`${file}: upstreams.fs.command: expected a string, got 42 (line 9:14)`), stderr);
    assert.ok(
      lines.some((l) => l.includes('unknown key "timout" (did you mean "timeoutMs"?)')),
      stderr,
    );
  });

  void it('exit 2 with line:col for a parse error', async () => {
    const file = fixture('parse-error.json');
    assert.deepEqual(await run([file]), {
      code: 2,
      stdout: '',
      stderr:
        `${file}:4:5: invalid JSON: Expected ',' or '}' after property value\n` +
        `  3 |     "a": { "command": "x" }\n  4 |     "b": {}\n    |     ^\n`,
    });
  });

  void it('exit 2 for an unreadable file', async () => {
    const file = fixture('missing.yaml');
    assert.deepEqual(await run([file]), { code: 2, stdout: '', stderr: `${file}: file not found\n` });
  });

  void it('exit 2 with usage for bad arguments; --help is exit 0', async () => {
    for (const argv of [['a.yaml', 'b.yaml'], ['--config'], ['--bogus']]) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, /^breakwater check-config: .*\(see breakwater check-config --help\)\n$/);
    }
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: breakwater check-config/);
  });
});
