// The per-upstream `roots` setting (issue 7.4): optional, file:// URIs only, carried into the upstream spec.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upstreamSpecs } from '../../src/app/upstream-specs.js';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const base = { command: 'server' };

void describe('upstreams.*.roots', () => {
  void it('is absent by default and carried into the spec when set (even empty)', () => {
    const { config } = parseConfig({
      upstreams: { a: base, b: { ...base, roots: [] }, c: { ...base, roots: [{ uri: 'file:///srv', name: 'srv' }] } },
    });
    assert.equal(config.upstreams.a!.roots, undefined);
    assert.equal(upstreamSpecs('a', config.upstreams.a!)[0]!.roots, undefined);
    assert.deepEqual(upstreamSpecs('b', config.upstreams.b!)[0]!.roots, []);
    assert.deepEqual(upstreamSpecs('c', config.upstreams.c!)[0]!.roots, [{ uri: 'file:///srv', name: 'srv' }]);
  });

  void it('rejects a root that is not a file:// URI, or has unknown keys, naming the path', () => {
    const err = (() => {
      try {
        parseConfig({ upstreams: { a: { ...base, roots: [{ uri: 'https://x' }, { uri: 'file:///ok', extra: 1 }] } } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ConfigError);
    const text = err.message;
    assert.match(text, /upstreams\.a\.roots\[?\.?0\]?\.uri|roots.*0.*uri/);
    assert.match(text, /file:\/\/ URI/);
    assert.match(text, /extra/);
  });
});
