import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { SessionStore, decorateModernResult } from '../../src/session/index.js';
import { forwardParams } from '../../src/session/params.js';
import { createOriginGuard } from '../../src/transport/http/origin-guard.js';

describe('SessionStore', () => {
  it('evicts idle sessions after the timeout but never a busy one', () => {
    const clock = new ManualClock();
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 10, clock });
    const idle = store.create('2025-11-25', {}, undefined);
    const busy = store.create('2025-11-25', {}, undefined);
    busy.track(1, new AbortController());
    clock.advance(61_000);
    store.sweep();
    assert.equal(store.get(idle.id), undefined);
    assert.ok(store.get(busy.id));
    store.closeAll();
    assert.equal(clock.pendingTimers, 0);
  });

  it('bounds the number of sessions: the oldest never-used one makes room, else refuse', () => {
    const clock = new ManualClock();
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 2, clock });
    const first = store.create('2025-11-25', {}, undefined);
    clock.advance(10);
    const second = store.create('2025-11-25', {}, undefined);
    clock.advance(10);
    store.create('2025-11-25', {}, undefined);
    assert.equal(store.size, 2);
    assert.equal(store.get(first.id), undefined);
    for (const s of store.values()) s.track(1, new AbortController());
    assert.throws(() => store.create('2025-11-25', {}, undefined), /Session limit/);
    assert.ok(!second.closed, 'a busy session is never evicted to make room');
    store.closeAll();
  });

  it('a caller cancellation aborts the tracked request', () => {
    const store = new SessionStore({ idleTimeoutMs: 1000, maxSessions: 1, clock: new ManualClock() });
    const s = store.create('2025-11-25', {}, undefined);
    const c = new AbortController();
    s.track('r1', c);
    assert.ok(s.cancel('r1', 'user'));
    assert.ok(c.signal.aborted);
    store.closeAll();
  });
});

describe('forwardParams', () => {
  it('takes out the progress token and modern envelope keys, keeps the rest', () => {
    const { params, progressToken } = forwardParams({
      name: 'x',
      arguments: { a: 1 },
      _meta: { progressToken: 7, 'io.modelcontextprotocol/protocolVersion': '2026-07-28', traceparent: 't' },
    });
    assert.equal(progressToken, 7);
    assert.deepEqual(params, { name: 'x', arguments: { a: 1 }, _meta: { traceparent: 't' } });
  });
});

describe('decorateModernResult', () => {
  const info = { name: 'bw', version: '1' };
  it('stamps resultType, cache hints and serverInfo; keeps input_required untouched', () => {
    const list = decorateModernResult('tools/list', { tools: [] }, info, { ttlMs: 0, cacheScope: 'private' });
    assert.equal(list.resultType, 'complete');
    assert.equal(list.ttlMs, 0);
    assert.equal(list.cacheScope, 'private');
    assert.deepEqual((list._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo'], info);
    const mrtr = decorateModernResult('tools/call', { resultType: 'input_required', inputRequests: {} }, info, {
      ttlMs: 0,
      cacheScope: 'private',
    });
    assert.equal(mrtr.resultType, 'input_required');
    assert.equal(mrtr.ttlMs, undefined);
  });
});

describe('origin guard', () => {
  const guard = createOriginGuard({ loopback: true, allowedHosts: [], allowedOrigins: ['https://app.example.com'] });
  it('allows loopback hosts and origins, and configured origins', () => {
    assert.equal(guard('127.0.0.1:8080', undefined), undefined);
    assert.equal(guard('localhost:8080', 'http://localhost:3000'), undefined);
    assert.equal(guard('[::1]:8080', 'https://app.example.com'), undefined);
  });
  it('refuses foreign hosts and origins (DNS rebinding)', () => {
    assert.match(guard('evil.example', undefined) ?? '', /Invalid Host/);
    assert.match(guard('127.0.0.1:8080', 'http://evil.example') ?? '', /Invalid Origin/);
    assert.match(guard(undefined, undefined) ?? '', /Missing Host/);
  });
});
