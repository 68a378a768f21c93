// Every config key overridable from the environment: BREAKWATER_SERVER__PORT-style, validated like the file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const file = { server: { port: 8080 }, upstreams: { fs: { command: 'node', args: ['x.js'] } } };

function problems(data: unknown, env: Record<string, string>): string[] {
  try {
    parseConfig(data, 'breakwater.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

void describe('environment overrides', () => {
  void it('sets numbers, booleans, strings and lists, matching keys case-insensitively', () => {
    const { config } = parseConfig(file, 'f', {
      BREAKWATER_SERVER__PORT: '9000',
      BREAKWATER_SERVER__LEGACYSSE__ENABLED: 'false',
      BREAKWATER_SERVER__NAME: '0123',
      BREAKWATER_SERVER__ALLOWEDHOSTS: '[a.example, b.example]',
      BREAKWATER_UPSTREAMS__FS__POLICIES__TIMEOUTMS: '1500',
      BREAKWATER_LOGGING__LEVEL: 'debug',
    });
    assert.equal(config.server.port, 9000);
    assert.equal(config.server.legacySse.enabled, false);
    assert.equal(config.server.name, '0123', 'a string key keeps the text as written');
    assert.deepEqual(config.server.allowedHosts, ['a.example', 'b.example']);
    assert.equal(config.upstreams.fs?.policies.timeoutMs, 1500);
    assert.equal(config.logging.level, 'debug');
  });

  void it('wins over the file, and leaves the file document untouched', () => {
    const data = structuredClone(file);
    assert.equal(parseConfig(data, 'f', { BREAKWATER_SERVER__PORT: '1' }).config.server.port, 1);
    assert.equal(data.server.port, 8080);
  });

  void it('names the variable, not the file, when the value is invalid', () => {
    const lines = problems(file, { BREAKWATER_SERVER__PORT: 'ninety' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^BREAKWATER_SERVER__PORT: server\.port: /);
    assert.doesNotMatch(lines[0] ?? '', /breakwater\.yaml/);
  });

  void it('reports a variable matching no key, with a did-you-mean', () => {
    const lines = problems(file, { BREAKWATER_SERVR__PORT: '1', BREAKWATER_SERVER__PROT: '2' });
    assert.equal(lines.length, 2);
    assert.match(lines.join('\n'), /BREAKWATER_SERVER__PROT: .*"PROT".*did you mean port\?/);
    assert.match(lines.join('\n'), /BREAKWATER_SERVR__PORT: .*did you mean server\?/);
  });

  void it('reports file and environment problems together', () => {
    const lines = problems({ ...file, server: { port: 'x' } }, { BREAKWATER_LOGGING__LEVEL: 'loud' });
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => l.startsWith('breakwater.yaml: server.port')));
    assert.ok(lines.some((l) => l.startsWith('BREAKWATER_LOGGING__LEVEL: logging.level')));
  });

  void it('ignores the variables the CLI reads and those the file references with ${env:…}', () => {
    const data = { ...file, server: { port: 8080, name: '${env:BREAKWATER_NAME}' } };
    const env = { BREAKWATER_MASTER_KEY: 'k', BREAKWATER_ADMIN_TOKEN: 't', BREAKWATER_DEBUG: '1', BREAKWATER_NAME: 'gw' };
    assert.equal(parseConfig(data, 'f', env).config.server.name, 'gw');
  });

  void it('reaches into an upstream named in the file, and a JSON object value', () => {
    const { config } = parseConfig(file, 'f', {
      BREAKWATER_UPSTREAMS__FS__POLICIES__RETRY: '{"maxAttempts": 3}',
      BREAKWATER_UPSTREAMS__FS__ARGS__0: 'y.js',
    });
    assert.equal(config.upstreams.fs?.policies.retry?.maxAttempts, 3);
    assert.deepEqual(config.upstreams.fs?.args, ['y.js']);
  });
});

void describe('environment overrides: secrecy', () => {
  void it('never repeats the value of a variable in a problem', () => {
    const lines = problems(file, { BREAKWATER_SERVER__PORT: 'hunter2' });
    assert.doesNotMatch(lines.join('\n'), /hunter2/);
    assert.match(lines[0] ?? '', /BREAKWATER_SERVER__PORT \(from the environment\)/);
  });
});

void describe('environment overrides: re-validation', () => {
  void it('envOverrides: false leaves the document as given (a command-line flag applied after the load wins)', () => {
    const env = { BREAKWATER_SERVER__PORT: '9000' };
    const loaded = parseConfig(file, 'f', env).config;
    assert.equal(loaded.server.port, 9000);
    const flagged = { ...loaded, server: { ...loaded.server, port: 7000 } };
    assert.equal(parseConfig(flagged, 'f', env, undefined, { envOverrides: false }).config.server.port, 7000);
  });
});
