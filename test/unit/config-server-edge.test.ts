// The listener's edge settings: defaults, and a header timeout longer than the request timeout refused
// at load (Node would throw when the server is created).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.js';

test('server edge settings have safe defaults', () => {
  const { server } = parseConfig({}, '<t>').config;
  assert.deepEqual(server.timeouts, { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000, stallMs: 60_000 });
  assert.equal(server.maxConnections, 1024);
  assert.equal(server.limits.maxStreamBufferBytes, 4 * 1024 * 1024);
});

test('headersMs above requestMs is reported with its path', () => {
  assert.throws(
    () => parseConfig({ server: { timeouts: { headersMs: 5_000, requestMs: 1_000 } } }, '<t>'),
    (err: unknown) =>
      err instanceof ConfigError && err.problems.some((p) => p.path === 'server.timeouts.headersMs' && /requestMs/.test(p.message)),
  );
});
