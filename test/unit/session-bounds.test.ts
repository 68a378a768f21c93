// Issue 6, items 3, 9, 10, 14 at the store level (manual clock): admission protects established sessions,
// per-client cap, bounded per-session state and maps, GET streams tied to their session, duplicate ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { SessionStore, type LegacySession } from '../../src/session/index.js';

const V = '2025-11-25';

function codeOf(fn: () => unknown): { code: string; data: Record<string, unknown> | undefined } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    return { code: err.code, data: err.data };
  }
  assert.fail('expected a refusal');
}

describe('session admission', () => {
  it('a flood of initializes never evicts an established session (maxSessions 20, 5 working, 100 new)', () => {
    const clock = new ManualClock();
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 20, clock });
    const working: LegacySession[] = [];
    for (let i = 0; i < 5; i++) {
      const s = store.create(V, {}, undefined, { client: 'address:10.0.0.1', stateBytes: 100 });
      store.establish(s); // what the layer does on the first request
      working.push(s);
    }
    // Established long ago: the old policy (least recently seen idle) would pick exactly these.
    clock.advance(50_000);
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      try {
        store.create(V, {}, undefined, { client: 'address:10.6.6.6', stateBytes: 100 });
      } catch {
        refused++;
      }
      clock.advance(1);
    }
    for (const s of working) {
      assert.equal(s.closed, false);
      assert.equal(store.get(s.id), s);
    }
    assert.equal(store.size, 20);
    assert.equal(refused, 0, 'the flooder churns through its own unused sessions');
    store.closeAll();
  });

  it('refuses (GW_OVERLOADED, 503, retryAfterMs) when every session is established', () => {
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 3, clock: new ManualClock() });
    for (let i = 0; i < 3; i++) store.establish(store.create(V, {}, undefined));
    const { code, data } = codeOf(() => store.create(V, {}, undefined));
    assert.equal(code, 'GW_OVERLOADED');
    assert.equal(data?.limit, 'server.sessions.maxSessions');
    assert.equal(typeof data?.retryAfterMs, 'number');
    assert.equal(new GatewayError('GW_OVERLOADED', '').httpStatus, 503);
    store.closeAll();
  });

  it('caps sessions per client; a DELETE frees the slot; other clients are unaffected', () => {
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 100, maxPerClient: 2, clock: new ManualClock() });
    const a = { client: 'principal:alice', stateBytes: 10 };
    const first = store.create(V, {}, undefined, a);
    store.create(V, {}, undefined, a);
    const refusal = codeOf(() => store.create(V, {}, undefined, a));
    assert.equal(refusal.code, 'GW_OVERLOADED');
    assert.equal(refusal.data?.limit, 'server.sessions.maxPerClient');
    assert.ok(store.create(V, {}, undefined, { client: 'principal:bob', stateBytes: 10 }));
    store.delete(first.id);
    assert.ok(store.create(V, {}, undefined, a));
    store.closeAll();
  });
});

describe('bounded per-session state', () => {
  it('refuses an initialize larger than maxStateBytes, naming the limit', () => {
    const store = new SessionStore({
      idleTimeoutMs: 1000,
      maxSessions: 10,
      limits: limits({ maxStateBytes: 2048 }),
      clock: new ManualClock(),
    });
    const { code, data } = codeOf(() => store.create(V, {}, undefined, { client: 'c', stateBytes: 2049 }));
    assert.equal(code, 'GW_LIMIT_EXCEEDED');
    assert.equal(data?.limit, 'server.sessions.maxStateBytes');
    assert.equal(store.size, 0);
    store.closeAll();
  });

  it('bounds in-flight requests per session', () => {
    const store = new SessionStore({ idleTimeoutMs: 1000, maxSessions: 10, limits: limits({ maxInFlight: 2 }), clock: new ManualClock() });
    const s = store.create(V, {}, undefined);
    s.track(1, new AbortController());
    const untrack = s.track(2, new AbortController());
    const { code, data } = codeOf(() => s.track(3, new AbortController()));
    assert.equal(code, 'GW_OVERLOADED');
    assert.equal(data?.limit, 'server.sessions.maxInFlight');
    untrack();
    assert.doesNotThrow(() => s.track(3, new AbortController()));
    store.closeAll();
  });

  it('refuses a request id already in flight; the first stays cancellable', () => {
    const store = new SessionStore({ idleTimeoutMs: 1000, maxSessions: 10, clock: new ManualClock() });
    const s = store.create(V, {}, undefined);
    const first = new AbortController();
    s.track(7, first);
    const second = new AbortController();
    const { code } = codeOf(() => s.track(7, second));
    assert.equal(code, 'GW_INVALID_REQUEST');
    // Tracking the same controller again (layer, then dispatcher) is a no-op whose untrack keeps the entry.
    s.track(7, first)();
    assert.ok(s.cancel(7, 'user'));
    assert.ok(first.signal.aborted);
    assert.ok(!second.signal.aborted);
    store.closeAll();
  });

  it('bounds pending server→client requests, and a failed write leaves nothing behind', async () => {
    const store = new SessionStore({
      idleTimeoutMs: 1000,
      maxSessions: 10,
      limits: limits({ maxPendingClientRequests: 2 }),
      clock: new ManualClock(),
    });
    const s = store.create(V, {}, undefined);
    const closed = () => false;
    // A closed stream fails the request at once; before the fix its entry stayed in the map for good.
    for (let i = 0; i < 5; i++)
      await assert.rejects(s.request(closed, 'roots/list', undefined, new AbortController().signal), /stream is closed/);
    const open = () => true;
    const signal = new AbortController().signal;
    const a = s.request(open, 'roots/list', undefined, signal);
    const b = s.request(open, 'roots/list', undefined, signal);
    await assert.rejects(s.request(open, 'roots/list', undefined, signal), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.data?.limit, 'server.sessions.maxPendingClientRequests');
      return true;
    });
    assert.ok(s.resolve({ jsonrpc: '2.0', id: 'bw-6', result: { roots: [] } }));
    await a;
    const c = s.request(open, 'roots/list', undefined, signal); // the slot the answer freed
    store.closeAll();
    await assert.rejects(b, /Session closed/);
    await assert.rejects(c, /Session closed/);
  });

  it('bounds subscriptions in count and bytes', () => {
    const store = new SessionStore({
      idleTimeoutMs: 1000,
      maxSessions: 10,
      limits: limits({ maxSubscriptions: 2, maxStateBytes: 4096 }),
      clock: new ManualClock(),
    });
    const s = store.create(V, {}, undefined, { client: 'c', stateBytes: 100 });
    assert.equal(s.subscribe('file:///a'), true);
    assert.equal(s.subscribe('file:///a'), false);
    assert.equal(s.subscribe('file:///b'), true);
    assert.equal(codeOf(() => s.subscribe('file:///c')).data?.limit, 'server.sessions.maxSubscriptions');
    assert.ok(s.unsubscribe('file:///b'));
    assert.equal(codeOf(() => s.subscribe(`file:///${'x'.repeat(5000)}`)).data?.limit, 'server.sessions.maxStateBytes');
    store.closeAll();
  });
});

describe('GET streams tied to their session', () => {
  it('an open stream keeps its session from idling out; closing the session ends the stream', () => {
    const clock = new ManualClock();
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 10, clock });
    const streaming = store.create(V, {}, undefined);
    const quiet = store.create(V, {}, undefined);
    let ended = 0;
    const write = () => true;
    const detach = store.openStream(streaming, write, () => ended++);
    clock.advance(10 * 60_000);
    assert.equal(store.get(quiet.id), undefined, 'the session without a stream idled out');
    assert.equal(store.get(streaming.id), streaming, 'the session with an open stream is alive');
    store.delete(streaming.id);
    assert.equal(ended, 1, 'DELETE ends the stream');
    detach(); // the response's close event
    assert.equal(store.streams, 0);
    store.closeAll();
  });

  it('idle eviction starts once the stream closes, and the stream count is bounded', () => {
    const clock = new ManualClock();
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 10, maxStreams: 2, clock });
    const live = (s: LegacySession) => [...store.values()].includes(s);
    const [a, b] = [store.create(V, {}, undefined), store.create(V, {}, undefined)];
    const closeA = store.openStream(
      a,
      () => true,
      () => {},
    );
    store.openStream(
      b,
      () => true,
      () => {},
    );
    clock.advance(120_000);
    assert.ok(live(a) && live(b), 'open streams kept both alive');
    const c = store.create(V, {}, undefined);
    const refusal = codeOf(() =>
      store.openStream(
        c,
        () => true,
        () => {},
      ),
    );
    assert.equal(refusal.code, 'GW_OVERLOADED');
    assert.equal(refusal.data?.limit, 'server.sessions.maxStreams');
    closeA();
    assert.equal(store.streams, 1);
    assert.ok(
      store.openStream(
        c,
        () => true,
        () => {},
      ),
    );
    clock.advance(30_000);
    assert.ok(live(a), 'the idle clock restarted when the stream closed');
    clock.advance(45_000);
    assert.ok(!live(a));
    assert.ok(a.closed);
    store.closeAll();
    assert.equal(clock.pendingTimers, 0);
  });
});

function limits(over: Partial<Record<'maxStateBytes' | 'maxInFlight' | 'maxPendingClientRequests' | 'maxSubscriptions', number>>) {
  return { maxStateBytes: 16 * 1024, maxInFlight: 256, maxPendingClientRequests: 64, maxSubscriptions: 256, ...over };
}
