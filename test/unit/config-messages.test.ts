// Issue 8 item 4: config messages that teach. The inputs are the ones a newcomer wrote (issue 8, "Why").
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, formatProblem, loadConfig, parseConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'config-messages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes `text` to a fresh file named like `name` and loads it; returns the error's formatted lines. */
function problems(name: string, text: string, env: Record<string, string> = {}): { kind: string; lines: string[]; error: ConfigError } {
  const file = join(dir, `${n++}-${name}`);
  writeFileSync(file, text);
  try {
    loadConfig(file, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return { kind: err.kind, lines: err.problems.map(formatProblem), error: err };
  }
  assert.fail(`${name} loaded without a problem`);
}

void describe('config messages that teach', () => {
  void it('an unquoted ${…} in a flow mapping: the first error only, its line, a code frame and the hint to quote it', () => {
    const { kind, error, lines } = problems('flow.yaml', 'server: { host: 127.0.0.1, port: ${env:PORT} }\nupstreams: {}\n');
    assert.equal(kind, 'parse');
    assert.equal(error.problems.length, 1, `one problem, not a cascade: ${lines.join('\n')}`);
    const [p] = error.problems;
    assert.equal(p?.line, 1);
    assert.match(p?.frame ?? '', /1 \| server: \{ host: 127\.0\.0\.1, port: \$\{env:PORT\} \}\n\s+\|\s+\^/);
    assert.match(p?.hint ?? '', /must be quoted, e\.g\. "\$\{env:PORT\}"/);
    const text = lines.join('\n');
    assert.ok(text.split('\n').length <= 4, `short: ${text}`);
    // Quoted as the hint says, it loads.
    const file = join(dir, 'flow-fixed.yaml');
    writeFileSync(file, 'server: { host: 127.0.0.1, port: "${env:PORT}" }\nupstreams: {}\n');
    assert.equal(loadConfig(file, { PORT: '8123' }).config.server.port, 8123);
  });

  void it('a JSON syntax error has its line and a code frame', () => {
    const { error } = problems('broken.json', '{\n  "upstreams": {\n    "fs": { "command": "npx" "args": [] }\n  }\n}\n');
    assert.equal(error.problems.length, 1);
    assert.ok(error.problems[0]?.line !== undefined);
    assert.match(error.problems[0]?.frame ?? '', /\^/);
  });

  void it('duplicate keys are each reported (every one is a real mistake)', () => {
    const { error } = problems('dup.yaml', 'upstreams:\n  a: { command: x }\n  a: { command: y }\nserver: {}\nserver: {}\n');
    assert.equal(error.problems.length, 2);
    assert.ok(error.problems.every((p) => p.message.includes('duplicate key')));
  });

  void it('timeoutMs directly on an upstream says it belongs in upstreams.fs.policies.timeoutMs', () => {
    const { lines } = problems('misplaced.yaml', 'upstreams:\n  fs:\n    command: npx\n    timeoutMs: 5000\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /upstreams\.fs\.timeoutMs: unknown key "timeoutMs": .*belongs in upstreams\.fs\.policies\.timeoutMs \(line 4:5\)/,
    );
  });

  void it('a top-level toolPolicies says it belongs to an upstream', () => {
    const { lines } = problems('tool-policies.yaml', 'upstreams:\n  fs: { command: npx }\ntoolPolicies:\n  "read_*": { timeoutMs: 5 }\n');
    assert.match(
      lines.join('\n'),
      /toolPolicies: unknown key "toolPolicies": toolPolicies belong to one upstream: upstreams\.<name>\.toolPolicies/,
    );
  });

  void it('a policy at the root points at defaults; an upstream key at the root points at upstreams.<name>', () => {
    const { lines } = problems('root-keys.yaml', 'timeoutMs: 100\ncommand: npx\nupstreams: {}\n');
    assert.match(lines.join('\n'), /unknown key "timeoutMs": .*defaults\.timeoutMs/);
    assert.match(lines.join('\n'), /unknown key "command": "command" describes an upstream: write it under upstreams\.<name>\.command/);
  });

  void it('native keys inside an mcpServers file explain the two shapes', () => {
    const { lines } = problems('claude.json', JSON.stringify({ mcpServers: { fs: { command: 'npx', prefix: 'files', timeoutMs: 4 } } }));
    const text = lines.join('\n');
    assert.match(
      text,
      /mcpServers\.fs\.prefix: unknown key "prefix": "prefix" is a Breakwater setting, not part of the mcpServers format; a config file has one of two shapes/,
    );
    assert.match(text, /upstreams\.fs/);
    assert.match(text, /mcpServers\.fs\.timeoutMs: .*upstreams\.fs\.policies\.timeoutMs/);
  });

  void it('mcpServers beside native keys explains the two shapes', () => {
    const { lines } = problems('mixed.json', JSON.stringify({ mcpServers: { fs: { command: 'npx' } }, upstreams: {} }));
    assert.match(lines.join('\n'), /unknown key "mcpServers": a config file has one of two shapes.*this one mixes them/);
  });

  void it('an empty file (or one with only comments) says so and shows a minimal config', () => {
    for (const text of ['', '# just a comment\n']) {
      const { lines } = problems('empty.yaml', text);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /the file is empty \(or only comments\)/);
      assert.doesNotMatch(lines[0]!, /expected an object, got null/);
    }
  });

  void it('$HOME without braces is flagged with the ${env:HOME} spelling; $ in a password is not', () => {
    const file = join(dir, 'home.yaml');
    writeFileSync(
      file,
      'upstreams:\n  fs:\n    command: ls\n    args: ["$HOME/data", "pa$$word", "^end$"]\n    env: { TOKEN: "a$secret" }\n',
    );
    const { warnings } = loadConfig(file, { HOME: '/home/u' });
    assert.deepEqual(warnings, ['upstreams.fs.args[0]: "$HOME" is not expanded (commands run without a shell): write ${env:HOME}']);
  });

  void it('a bad value from the environment names the variable (PORT=abc), without echoing it', () => {
    const { lines } = problems('port.yaml', 'server:\n  port: ${env:PORT}\nupstreams: {}\n', { PORT: 'abc' });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /server\.port: expected a number, got the value of PORT \(from the environment\)/);
    assert.doesNotMatch(lines[0]!, /abc/);
  });

  void it('a secret reference is not taken for a variable name', async () => {
    const { envRefsAt } = await import('../../src/config/env-refs.js');
    assert.deepEqual(envRefsAt({ a: '${secret:db} ${env:PORT} ${HOME:-x}' }, ['a']), ['PORT', 'HOME']);
  });

  void it('duration keys say they are milliseconds, converting a value written with a unit', () => {
    const { lines } = problems(
      'dur.yaml',
      'upstreams:\n  fs:\n    command: npx\n    policies: { timeoutMs: 30s, retry: { baseDelayMs: "2 m" } }\n',
    );
    const text = lines.join('\n');
    assert.match(text, /timeoutMs: expected a number, got "30s" \(durations are whole milliseconds: write timeoutMs: 30000\)/);
    assert.match(text, /baseDelayMs: .*write baseDelayMs: 120000/);
  });

  void it('the root cause comes first: an unset variable is reported, not the placeholder it left behind', () => {
    const { lines } = problems('unset.yaml', 'server:\n  port: ${env:GW_PORT}\nupstreams: {}\n');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /environment variable GW_PORT is not set/);
  });

  void it('parseConfig (config in code) gets the same hints', () => {
    assert.throws(
      () => parseConfig({ upstreams: { fs: { command: 'npx', retry: { enabled: true } } } }),
      /upstreams\.fs\.retry: unknown key "retry": "retry" is a policy: it belongs in upstreams\.fs\.policies\.retry/,
    );
  });
});
