// The per-caller connection pool of an isolated upstream: one connection per key, bounded in number
// (refusing a new caller rather than sharing), closed on release, on idle time (never while busy) and on close.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, silentLogger } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { IsolatedPool, type UpstreamConnection, type UpstreamEvents } from '../../src/upstream/index.js';

interface Fake extends UpstreamConnection {
  readonly key: string;
  busy: number;
  closed: number;
}

function fake(key: string): Fake {
  const c = {
    key,
    name: 'fx',
    events: new Emitter<UpstreamEvents>(),
    state: 'idle' as const,
    info: undefined,
    busy: 0,
    closed: 0,
    get inFlight() {
      return c.busy;
    },
    start: () => Promise.resolve(),
    request: () => Promise.resolve({}),
    notify: () => Promise.resolve(),
    subscribeResource: () => Promise.resolve(),
    unsubscribeResource: () => Promise.resolve(),
    setFallbackRequestHandler: () => {},
    close: () => {
      c.closed++;
      return Promise.resolve();
    },
  };
  return c;
}

function pool(max: number, idleTimeoutMs = 60_000) {
  const clock = new ManualClock();
  const made: Fake[] = [];
  const p = new IsolatedPool({
    name: 'fx',
    max,
    idleTimeoutMs,
    clock,
    log: silentLogger,
    create: (key) => {
      const c = fake(key);
      made.push(c);
      return c;
    },
  });
  return { p, clock, made };
}

describe('IsolatedPool', () => {
  it('gives each key its own connection and the same one on every later call', () => {
    const { p, made } = pool(4);
    const a = p.acquire('session:a');
    const b = p.acquire('session:b');
    assert.notEqual(a, b);
    assert.equal(p.acquire('session:a'), a);
    assert.equal(p.size, 2);
    assert.equal(made.length, 2);
  });

  it('when full refuses a new caller with GW_OVERLOADED (retryAfterMs), never lending another caller’s connection', () => {
    const { p, clock, made } = pool(1, 10_000);
    p.acquire('session:a');
    clock.advance(4_000);
    assert.throws(
      () => p.acquire('session:b'),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.code === 'GW_OVERLOADED' &&
        err.upstreamFault === false &&
        err.data?.max === 1 &&
        err.data.limit === 'upstreams.fx.isolationPool.max' &&
        // a's connection is idle: a slot frees when it idles out, 6 s from now
        err.data.retryAfterMs === 6_000,
    );
    assert.equal(made.length, 1);
    made[0]!.busy = 1;
    assert.throws(
      () => p.acquire('session:b'),
      (err: unknown) => err instanceof GatewayError && err.data?.retryAfterMs === 1_000,
    );
    // The existing caller keeps working.
    assert.equal(p.acquire('session:a'), made[0]);
  });

  it('release closes the key’s connection and frees its slot', async () => {
    const { p, made } = pool(1);
    p.acquire('session:a');
    await p.release('session:a');
    assert.equal(made[0]!.closed, 1);
    assert.equal(p.size, 0);
    const b = p.acquire('session:b');
    assert.equal(b, made[1]);
    await p.release('session:unknown');
  });

  it('closes a connection idle for idleTimeoutMs, but not one with a call in flight', () => {
    const { p, clock, made } = pool(4, 10_000);
    p.acquire('session:a');
    p.acquire('session:b');
    made[1]!.busy = 1;
    clock.advance(10_000);
    assert.equal(made[0]!.closed, 1, 'idle one closed');
    assert.equal(made[1]!.closed, 0, 'busy one kept');
    assert.equal(p.size, 1);
    // Its idle time counts from when the sweep last saw it busy.
    made[1]!.busy = 0;
    clock.advance(9_999);
    assert.equal(made[1]!.closed, 0);
    clock.advance(1);
    assert.equal(made[1]!.closed, 1);
    assert.equal(p.size, 0);
    assert.equal(clock.pendingTimers, 0, 'no sweep left behind once empty');
  });

  it('a call resets the idle time', () => {
    const { p, clock, made } = pool(4, 10_000);
    p.acquire('session:a');
    clock.advance(8_000);
    p.acquire('session:a');
    clock.advance(8_000);
    assert.equal(made[0]!.closed, 0);
    clock.advance(2_000);
    assert.equal(made[0]!.closed, 1);
  });

  it('close() closes every connection and refuses new callers', async () => {
    const { p, clock, made } = pool(4);
    p.acquire('session:a');
    p.acquire('session:b');
    await p.close();
    assert.deepEqual(
      made.map((c) => c.closed),
      [1, 1],
    );
    assert.throws(
      () => p.acquire('session:c'),
      (err: unknown) => err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE',
    );
    assert.equal(clock.pendingTimers, 0);
  });
});
