// Loading native breakwater.yaml / JSON: defaults, inference, interpolation, freezing.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig, upstreamReplicas } from '../../src/config/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

void describe('loadConfig: native YAML', () => {
  const env = { SEARCH_TOKEN: 's3cret' };
  const { config, format, skipped, warnings } = loadConfig(fixture('native.yaml'), env);

  void it('reads every section as written', () => {
    assert.equal(format, 'native');
    assert.deepEqual(warnings, []);
    assert.equal(config.server.port, 0);
    assert.equal(config.server.name, 'breakwater-test');
    assert.deepEqual(
      { idleTimeoutMs: config.server.sessions.idleTimeoutMs, maxSessions: config.server.sessions.maxSessions },
      { idleTimeoutMs: 600_000, maxSessions: 100 },
    );
    assert.equal(config.logging.level, 'debug');
    assert.equal(config.namespace.separator, '.');
  });

  void it('fills the global policy scope with defaults under what the file sets', () => {
    assert.equal(config.defaults.timeoutMs, 20_000);
    assert.equal(config.defaults.retry.enabled, true);
    assert.equal(config.defaults.retry.maxAttempts, 2);
    assert.equal(config.defaults.retry.baseDelayMs, 25);
    assert.equal(config.defaults.breaker.consecutiveFailures, 3);
    assert.equal(config.defaults.breaker.minimumCalls, 20);
    assert.equal(config.defaults.replicas.ejection.baseEjectionMs, 30_000);
    assert.equal(config.defaults.cache.enabled, false);
    assert.equal(config.defaults.fallback, undefined);
  });

  void it('keeps upstream and tool scopes partial (no defaults that would mask the global scope)', () => {
    const everything = config.upstreams.everything!;
    assert.deepEqual(everything.policies, { bulkhead: { maxConcurrent: 8 } });
    assert.deepEqual(everything.toolPolicies['get*'], { idempotent: true, cache: { enabled: true, ttlMs: 5000 } });
    assert.deepEqual(everything.toolPolicies.longRunningOperation, { timeoutMs: 120_000, retry: { enabled: false } });
  });

  void it('resolves transport, prefix, env interpolation and scalar coercion', () => {
    const { everything, search, legacy } = config.upstreams;
    assert.equal(everything?.transport, 'stdio');
    assert.equal(everything?.prefix, 'everything');
    assert.deepEqual(everything?.env, { LOG_LEVEL: 'warn', WORKERS: '2' });
    assert.deepEqual(everything?.tools, { allow: ['get*', 'echo'], deny: ['getTinyImage'] });
    assert.equal(everything?.restart.maxRestarts, 3);
    // Unset restart fields stay unset: their defaults depend on the transport (upstream/spec.ts).
    assert.equal(everything?.restart.initialDelayMs, undefined);
    assert.equal(search?.transport, 'streamable-http');
    assert.equal(search?.prefix, 'web');
    assert.equal(search?.headers.Authorization, 'Bearer s3cret');
    assert.equal(legacy?.transport, 'sse');
    assert.equal(legacy?.prefix, '');
    assert.deepEqual(skipped, [{ name: 'legacy', reason: 'disabled' }]);
  });

  void it('lists replicas with the upstream endpoint first and shared headers inherited', () => {
    const replicas = upstreamReplicas(config.upstreams.search!);
    assert.deepEqual(
      replicas.map((r) => [r.url, r.weight, r.headers.Authorization]),
      [
        ['https://search.internal/mcp', 1, 'Bearer s3cret'],
        ['https://search-2.internal/mcp', 2, 'Bearer s3cret'],
      ],
    );
  });

  void it('deep-freezes the result', () => {
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.upstreams.everything!.args));
    assert.ok(Object.isFrozen(config.defaults.replicas.ejection));
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.upstreams.everything!.args as string[]).push('x');
    }, TypeError);
    assert.throws(() => {
      (config.upstreams as Record<string, unknown>).evil = {};
    }, TypeError);
  });
});

void describe('loadConfig: native JSON and defaults', () => {
  void it('accepts the native shape in JSON', () => {
    const { config, format } = loadConfig(fixture('native.json'), {});
    assert.equal(format, 'native');
    assert.equal(config.server.port, 9090);
    assert.equal(config.upstreams.api?.transport, 'sse');
    assert.equal(config.upstreams.memory?.transport, 'stdio');
  });

  void it('gives an empty document every default', () => {
    const { config } = parseConfig({}, 'empty.yaml', {});
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.path, '/mcp');
    assert.equal(config.server.maxBodyBytes, 4_194_304);
    assert.equal(config.server.drainTimeoutMs, 10_000);
    assert.equal(config.namespace.separator, '__');
    assert.equal(config.logging.level, 'info');
    assert.deepEqual(config.upstreams, {});
  });
});

void describe('transport inference', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ command: 'node' }, 'stdio'],
    [{ url: 'http://127.0.0.1:3000/mcp' }, 'streamable-http'],
    [{ url: 'http://127.0.0.1:3000/sse' }, 'sse'],
    [{ url: 'https://example.com/v1/sse/?token=1' }, 'sse'],
    [{ url: 'https://example.com/sse-api/mcp' }, 'streamable-http'],
    [{ url: 'http://127.0.0.1:3000/events', transport: 'sse' }, 'sse'],
    [{ replicas: [{ url: 'http://a.internal/mcp' }, { url: 'http://b.internal/mcp' }] }, 'streamable-http'],
    [{ replicas: [{ command: 'node' }] }, 'stdio'],
  ];
  for (const [upstream, transport] of cases)
    void it(`${JSON.stringify(upstream)} → ${transport}`, () => {
      assert.equal(parseConfig({ upstreams: { u: upstream } }, 'x', {}).config.upstreams.u?.transport, transport);
    });
});

void describe('interpolation in a loaded config', () => {
  const doc = {
    server: { port: '${env:BW_PORT:-8123}', host: '${env:BW_HOST:-0.0.0.0}' },
    // A non-loopback bind needs an auth decision (auth-schema.ts checkAnonymousBind).
    auth: { anonymous: true },
    upstreams: { u: { command: '${env:BW_NODE}', args: ['--name=${env:BW_NAME:-anon}', '$${env:LITERAL}'] } },
  };

  void it('substitutes variables and defaults, coercing numeric strings where numbers are expected', () => {
    const { config } = parseConfig(doc, 'x.yaml', { BW_NODE: '/usr/bin/node', BW_HOST: '' });
    assert.equal(config.server.port, 8123);
    assert.equal(config.server.host, '0.0.0.0', ':- uses the default for an empty variable');
    assert.equal(config.upstreams.u?.command, '/usr/bin/node');
    assert.deepEqual(config.upstreams.u?.args, ['--name=anon', '${env:LITERAL}']);
  });

  void it('reports a missing variable without a default, naming the path', () => {
    assert.throws(
      () => parseConfig(doc, 'x.yaml', {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.kind, 'invalid');
        assert.deepEqual(
          err.problems.map((p) => [p.path, p.message]),
          [['upstreams.u.command', 'environment variable BW_NODE is not set (write ${env:BW_NODE:-default} to give a default)']],
        );
        return true;
      },
    );
  });
});
