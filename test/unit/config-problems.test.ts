// A broken config reports every problem at once, each with file, path, friendly message and line.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem, loadConfig, parseConfig, parseSource, type ConfigProblem } from '../../src/config/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

function caught(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

const short = (p: ConfigProblem) => `${p.path}: ${p.message}`;

void describe('broken.yaml', () => {
  const file = fixture('broken.yaml');
  const err = caught(() => loadConfig(file, { BW_TEST_SECRET: 'hunter2' }));

  void it('reports all problems, in file order', () => {
    assert.equal(err.kind, 'invalid');
    assert.deepEqual(err.problems.map(short), [
      'server.port: expected a number <= 65535, got 99999',
      'server.timout: unknown key "timout" (did you mean "timeouts"?)',
      'logging.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
      'upstreams.fs.command: expected a string, got 42',
      'upstreams.fs.policies.timout: unknown key "timout" (did you mean "timeoutMs"?)',
      'upstreams.fs.policies.retry.maxAttempts: expected a number >= 1, got 0',
      'upstreams.api.url: environment variable BW_TEST_API_URL is not set (write ${env:BW_TEST_API_URL:-default} to give a default)',
      'upstreams.api.policies.timeoutMs: expected a number, got the value of BW_TEST_SECRET (from the environment) (durations are whole milliseconds: 30000 is 30 s)',
      'upstreams["bad name!"]: invalid upstream name: expected 1 to 64 of A-Z a-z 0-9 _ -',
      'upstreams.nothing: expected a command (stdio) or a url (streamable-http, sse)',
      'upstreams.both.url: set either command (stdio) or url (HTTP), not both',
      'upstreams.both.transport: expected one of "stdio", "streamable-http", "sse", got "carrier-pigeon"',
    ]);
  });

  void it('names the file and the line of each problem', () => {
    for (const p of err.problems) {
      assert.equal(p.file, file);
      assert.ok(p.line !== undefined && p.column !== undefined, `no position for ${p.path}`);
    }
    const at = (path: string) => err.problems.find((p) => p.path === path);
    assert.deepEqual([at('server.timout')?.line, at('server.timout')?.column], [4, 3]);
    assert.deepEqual([at('upstreams.fs.command')?.line, at('upstreams.fs.command')?.column], [9, 14]);
    assert.equal(at('upstreams.nothing')?.line, 20, 'a missing key points at its parent key');
    assert.equal(formatProblem(at('upstreams.fs.command')!), `${file}: upstreams.fs.command: expected a string, got 42 (line 9:14)`);
  });

  void it('never echoes values that came from the environment', () => {
    assert.doesNotMatch(err.message, /hunter2/);
  });

  void it('puts one problem per line in the error message', () => {
    assert.equal(err.message.split('\n').length, err.problems.length);
    assert.ok(err.message.split('\n').every((line) => line.startsWith(`${file}: `)));
  });
});

void describe('cross-field checks', () => {
  const problems = (doc: unknown) => caught(() => parseConfig(doc, 'c.yaml', {})).problems.map(short);

  void it('rejects fields the transport would ignore and mixed replica kinds', () => {
    assert.deepEqual(
      problems({
        upstreams: {
          h: { url: 'http://a/mcp', args: ['x'], cwd: '/tmp', replicas: [{ command: 'node' }] },
          s: { command: 'node', headers: { A: 'b' }, transport: 'sse' },
        },
      }),
      [
        'upstreams.h.args: only applies to stdio (command) upstreams',
        'upstreams.h.cwd: only applies to stdio (command) upstreams',
        'upstreams.h.replicas[0]: expected a url replica like the rest of this upstream',
        'upstreams.s.transport: transport sse needs url, not command',
        'upstreams.s.headers: only applies to HTTP (url) upstreams',
      ],
    );
  });

  void it('rejects ambiguous prefixes', () => {
    assert.deepEqual(
      problems({
        upstreams: {
          a: { command: 'x', prefix: 'tools' },
          b: { command: 'x', prefix: 'tools' },
          my__srv: { command: 'x' },
          c: { command: 'x', prefix: '' },
          d: { command: 'x', prefix: '' },
        },
      }),
      [
        'upstreams.b.prefix: prefix "tools" is already used by upstream "a"',
        'upstreams.my__srv: prefix "my__srv" contains the namespace separator "__"; set a prefix without it',
      ],
    );
  });

  void it('keeps per-upstream settings out of tool scopes and checks fallbacks', () => {
    assert.deepEqual(
      problems({
        upstreams: {
          u: {
            command: 'x',
            policies: { fallback: { result: { text: 'down' } }, cache: { scope: 'shared' } },
            toolPolicies: { 'get*': { healthCheck: { intervalMs: 1000 } } },
          },
        },
      }),
      [
        'upstreams.u.policies.cache.scope: expected one of "public", "private", got "shared"',
        'upstreams.u.policies.fallback.result.content: missing: expected a list',
        'upstreams.u.toolPolicies["get*"].healthCheck: healthCheck applies to a whole upstream; set it in the upstream\'s policies',
      ],
    );
  });

  void it('validates server settings', () => {
    assert.deepEqual(
      problems({
        server: { path: 'mcp', allowedOrigins: ['https://ok.example', 'https://bad.example/path'], maxBodyBytes: 10 },
        namespace: { separator: '::' },
      }),
      [
        'server.path: expected a path starting with "/"',
        'server.allowedOrigins[1]: expected an origin like https://app.example.com (scheme, host and optional port, no path)',
        'server.maxBodyBytes: expected a number >= 1024, got 10',
        'namespace.separator: expected 1 to 8 of A-Z a-z 0-9 _ . -',
      ],
    );
  });

  void it('rejects a document that is not an object', () => {
    assert.deepEqual(problems(['a']), ['(root): expected an object, got a list']);
    assert.deepEqual(problems(null), ['(root): expected an object, got null']);
    assert.deepEqual(problems({ upstreams: { a: 'node', b: { command: 'x', replicas: [1, null] } } }), [
      'upstreams.a: expected an object, got "node"',
      'upstreams.b.replicas[0]: expected an object, got 1',
      'upstreams.b.replicas[1]: expected an object, got null',
    ]);
  });
});

void describe('unreadable and unparsable files', () => {
  void it('a missing file is a read error', () => {
    const err = caught(() => loadConfig(fixture('nope.yaml'), {}));
    assert.equal(err.kind, 'read');
    assert.match(err.message, /nope\.yaml: file not found$/);
  });

  void it('YAML syntax errors carry line:col', () => {
    const file = fixture('parse-error.yaml');
    const err = caught(() => loadConfig(file, {}));
    assert.equal(err.kind, 'parse');
    // One line per problem, each followed by its code frame (indented).
    assert.deepEqual(
      err.message.split('\n').filter((line) => !line.startsWith('  ')),
      [
        `${file}:3:3: invalid YAML: duplicate key`,
        `${file}:5:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      ],
    );
    assert.ok(err.problems.every((p) => p.frame?.includes('^')));
  });

  void it('JSON duplicate keys are syntax errors too', () => {
    const err = caught(() => parseSource('{\n  "upstreams": {},\n  "upstreams": {}\n}', 'dup.json'));
    assert.equal(err.kind, 'parse');
    assert.equal(err.message.split('\n')[0], 'dup.json:3:3: invalid JSON: duplicate key');
  });

  void it('JSON syntax errors carry line:col', () => {
    const file = fixture('parse-error.json');
    const err = caught(() => loadConfig(file, {}));
    assert.equal(err.kind, 'parse');
    assert.equal(err.message.split('\n')[0], `${file}:4:5: invalid JSON: Expected ',' or '}' after property value`);
  });
});
