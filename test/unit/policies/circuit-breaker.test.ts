import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, seededRandom } from '../../../src/core/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import { createCircuitBreakerPolicy } from '../../../src/policies/circuit-breaker/index.js';
import type { BreakerEvents, BreakerTransition, CircuitBreakerOptions } from '../../../src/resilience/index.js';
import { CircuitBreaker, createInProcessBreakerStateStore } from '../../../src/resilience/index.js';
import { crashed, instantUpstream, invalidParams, makeCtx, ok, overloaded, serverError } from './_support.js';

function breaker(clock: ManualClock, options: CircuitBreakerOptions = {}) {
  const events = new Emitter<BreakerEvents>();
  const transitions: BreakerTransition[] = [];
  events.on('transition', (t) => transitions.push(t));
  const b = new CircuitBreaker({ name: 'up#0', clock, random: seededRandom(1), openJitter: 0, events, ...options });
  return { b, transitions };
}

/** Runs one call through the breaker taking `ms`. */
function call(clock: ManualClock, b: CircuitBreaker, outcome: 'success' | 'failure' | 'ignored', ms = 0): boolean {
  const permit = b.tryAcquire();
  if (!permit) return false;
  clock.advance(ms);
  b.release(permit, outcome);
  return true;
}

void describe('CircuitBreaker: closed → open', () => {
  void it('opens after N consecutive failures; a success resets the streak; ignored outcomes change nothing', () => {
    const clock = new ManualClock();
    const { b, transitions } = breaker(clock, { consecutiveFailures: 3, failureRateThreshold: 0 });
    call(clock, b, 'failure');
    call(clock, b, 'failure');
    call(clock, b, 'success');
    call(clock, b, 'failure');
    call(clock, b, 'ignored');
    call(clock, b, 'failure');
    assert.equal(b.state, 'closed');
    call(clock, b, 'failure');
    assert.equal(b.state, 'open');
    assert.deepEqual(transitions, [{ name: 'up#0', from: 'closed', to: 'open', reason: 'consecutive-failures', retryAfterMs: 5000 }]);
  });

  void it('failure rate opens only with minimumCalls in the window (no opossum first-failure trip)', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, { consecutiveFailures: 0, failureRateThreshold: 0.5, minimumCalls: 10 });
    call(clock, b, 'failure');
    assert.equal(b.state, 'closed', 'one failure of one call is 100 % but below minimumCalls');
    for (let i = 0; i < 5; i++) call(clock, b, 'success');
    for (let i = 0; i < 3; i++) call(clock, b, 'failure');
    assert.equal(b.state, 'closed', '4 of 9');
    call(clock, b, 'failure');
    assert.equal(b.state, 'open', '5 of 10 ≥ 50 % (inclusive)');
  });

  void it('the window is time-based: old buckets slide out', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, {
      consecutiveFailures: 0,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      windowMs: 10_000,
      windowBuckets: 10,
    });
    for (let i = 0; i < 3; i++) call(clock, b, 'failure');
    clock.advance(10_000);
    call(clock, b, 'failure');
    assert.equal(b.state, 'closed', 'the first three failures left the window');
    assert.deepEqual(b.snapshot().window, { total: 1, failures: 1, slow: 0 });
    for (let i = 0; i < 2; i++) {
      clock.advance(1_000);
      call(clock, b, 'success');
    }
    clock.advance(7_999);
    assert.deepEqual(b.snapshot().window, { total: 3, failures: 1, slow: 0 }, 'at t = 19 999 the failure at t = 10 000 is still inside');
    call(clock, b, 'failure');
    assert.equal(b.state, 'open', '2 failures of 4 inside 10 s');
  });

  void it('slow-call rate opens even when calls succeed', () => {
    const clock = new ManualClock();
    const { b, transitions } = breaker(clock, {
      consecutiveFailures: 0,
      failureRateThreshold: 0.5,
      minimumCalls: 5,
      slowCallMs: 1000,
      slowCallRateThreshold: 0.8,
    });
    call(clock, b, 'success', 10);
    for (let i = 0; i < 3; i++) call(clock, b, 'success', 1001);
    assert.equal(b.state, 'closed');
    call(clock, b, 'success', 1001);
    assert.equal(b.state, 'open', '4 of 5 slow = 80 %');
    assert.equal(transitions[0]?.reason, 'slow-call-rate');
  });

  void it('outcomes of calls admitted before a state change are dropped', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, { consecutiveFailures: 1, halfOpenProbes: 1, openMs: 100 });
    const old = b.tryAcquire()!;
    call(clock, b, 'failure');
    clock.advance(100);
    assert.equal(b.state, 'half-open');
    b.release(old, 'success');
    assert.equal(b.state, 'half-open', 'a pre-open success cannot close it');
  });
});

void describe('CircuitBreaker: open → half-open → closed/open', () => {
  void it('fast-fails while open with GW_CIRCUIT_OPEN and retryAfterMs', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, { consecutiveFailures: 1, openMs: 5000 });
    call(clock, b, 'failure');
    clock.advance(1200);
    assert.equal(b.tryAcquire(), undefined);
    assert.throws(
      () => b.acquire(),
      (e: unknown) =>
        e instanceof GatewayError && e.code === 'GW_CIRCUIT_OPEN' && e.data?.retryAfterMs === 3800 && e.upstreamFault === false,
    );
  });

  void it('half-open admits exactly N probes; others fast-fail; closes after N successes', () => {
    const clock = new ManualClock();
    const { b, transitions } = breaker(clock, { consecutiveFailures: 1, halfOpenProbes: 3, openMs: 1000 });
    call(clock, b, 'failure');
    clock.advance(1000);
    const probes = [b.tryAcquire(), b.tryAcquire(), b.tryAcquire()];
    assert.ok(probes.every((p) => p?.probe === true));
    assert.equal(b.tryAcquire(), undefined, 'the fourth concurrent call is refused');
    b.release(probes[0]!, 'success');
    assert.equal(b.tryAcquire(), undefined, 'still exactly N probes per half-open period');
    b.release(probes[1]!, 'success');
    assert.equal(b.state, 'half-open');
    b.release(probes[2]!, 'success');
    assert.equal(b.state, 'closed');
    assert.deepEqual(
      transitions.map((t) => `${t.from}→${t.to}:${t.reason}`),
      ['closed→open:consecutive-failures', 'open→half-open:open-elapsed', 'half-open→closed:probes-succeeded'],
    );
  });

  void it('an ignored probe (cancelled, caller error) frees its slot without deciding', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, { consecutiveFailures: 1, halfOpenProbes: 1, openMs: 1000 });
    call(clock, b, 'failure');
    clock.advance(1000);
    const p = b.tryAcquire()!;
    assert.equal(b.tryAcquire(), undefined);
    b.release(p, 'ignored');
    assert.equal(b.state, 'half-open');
    assert.ok(b.tryAcquire(), 'another probe may go');
  });

  void it('a probe failure reopens; open time grows base × 2^k with jitter, capped, and resets after closing', () => {
    const clock = new ManualClock();
    const { b, transitions } = breaker(clock, {
      consecutiveFailures: 1,
      halfOpenProbes: 1,
      openMs: 1000,
      maxOpenMs: 5000,
      openJitter: 0.2,
      random: seededRandom(3),
    });
    call(clock, b, 'failure');
    const durations: number[] = [];
    for (let k = 0; k < 5; k++) {
      durations.push(b.retryAfterMs());
      clock.advance(b.retryAfterMs());
      assert.equal(b.state, 'half-open');
      call(clock, b, 'failure');
    }
    const nominal = [1000, 2000, 4000, 5000, 5000];
    durations.forEach((d, k) => {
      assert.ok(d >= nominal[k]! * 0.8 - 1 && d <= Math.min(5000, nominal[k]! * 1.2) + 1, `open #${k}: ${d} ms vs nominal ${nominal[k]}`);
    });
    assert.equal(transitions.filter((t) => t.reason === 'probe-failed').length, 5);
    clock.advance(b.retryAfterMs());
    call(clock, b, 'success');
    assert.equal(b.state, 'closed');
    call(clock, b, 'failure');
    assert.ok(b.retryAfterMs() <= 1200, 'back to the base open time after a close');
  });

  void it('jitter bounds hold for many seeds', () => {
    for (let seed = 0; seed < 200; seed++) {
      const clock = new ManualClock();
      const { b } = breaker(clock, {
        consecutiveFailures: 1,
        openMs: 1000,
        maxOpenMs: 60_000,
        openJitter: 0.2,
        random: seededRandom(seed),
      });
      call(clock, b, 'failure');
      const d = b.retryAfterMs();
      assert.ok(d >= 800 && d <= 1200, `seed ${seed}: ${d}`);
    }
  });

  void it('a slow probe reopens when slow-call tracking is on', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, { consecutiveFailures: 1, halfOpenProbes: 1, openMs: 100, slowCallMs: 50 });
    call(clock, b, 'failure');
    clock.advance(100);
    call(clock, b, 'success', 60);
    assert.equal(b.state, 'open');
  });

  void it('trip() and reset() for supervisors and operators', () => {
    const clock = new ManualClock();
    const { b } = breaker(clock);
    b.trip('crash-loop');
    assert.equal(b.state, 'open');
    b.reset();
    assert.equal(b.state, 'closed');
  });
});

void describe('CircuitBreaker: clocks and state store', () => {
  void it('R19: a wall-clock jump of ±1 h changes nothing', () => {
    const run = (jump: number) => {
      const clock = new ManualClock();
      const { b, transitions } = breaker(clock, {
        consecutiveFailures: 0,
        failureRateThreshold: 0.5,
        minimumCalls: 4,
        openMs: 1000,
        halfOpenProbes: 1,
      });
      const states: string[] = [];
      for (let i = 0; i < 12; i++) {
        clock.jumpWall(i % 2 ? jump : -jump);
        call(clock, b, i % 3 === 0 ? 'success' : 'failure', 300);
        states.push(b.state);
      }
      return { states, transitions: transitions.map((t) => `${t.to}:${t.reason}`) };
    };
    assert.deepEqual(run(3_600_000), run(0));
    assert.deepEqual(run(-3_600_000), run(0));
  });

  void it('saves every transition and hydrates an open breaker from the store', () => {
    const clock = new ManualClock();
    const store = createInProcessBreakerStateStore();
    const { b } = breaker(clock, { consecutiveFailures: 1, openMs: 1000, store });
    call(clock, b, 'failure');
    assert.equal(store.load('up#0')?.state, 'open');
    const rebuilt = new CircuitBreaker({ name: 'up#0', clock, store, openMs: 1000 });
    assert.equal(rebuilt.state, 'open');
    clock.advance(1000);
    assert.equal(rebuilt.state, 'half-open');
  });
});

void describe('createCircuitBreakerPolicy', () => {
  void it('counts only upstream failures: caller errors, rejections and isError results never open it (R6/R8 control)', async () => {
    const clock = new ManualClock();
    const { b } = breaker(clock, { consecutiveFailures: 2 });
    const policy = createCircuitBreakerPolicy({ breakers: [b] });
    for (const answer of [invalidParams(), overloaded(), invalidParams(), overloaded()]) {
      const up = instantUpstream(() => answer);
      await assert.rejects(policy.execute(makeCtx(clock), up.next));
    }
    const isError = instantUpstream(() => ({ content: [], isError: true }));
    for (let i = 0; i < 5; i++) await policy.execute(makeCtx(clock), isError.next);
    assert.equal(b.state, 'closed');
    const failing = instantUpstream(() => crashed());
    await assert.rejects(policy.execute(makeCtx(clock), failing.next));
    await assert.rejects(policy.execute(makeCtx(clock), failing.next));
    assert.equal(b.state, 'open');
    await assert.rejects(
      policy.execute(makeCtx(clock), failing.next),
      (e: unknown) => e instanceof GatewayError && e.code === 'GW_CIRCUIT_OPEN',
    );
    assert.equal(failing.calls.length, 2, 'the open breaker kept the third call from the upstream');
  });

  void it('picks the breaker of ctx.replica', async () => {
    const clock = new ManualClock();
    const b0 = breaker(clock, { consecutiveFailures: 1 }).b;
    const b1 = breaker(clock, { consecutiveFailures: 1, name: 'up#1' }).b;
    const policy = createCircuitBreakerPolicy({ breakers: [b0, b1] });
    await assert.rejects(policy.execute(makeCtx(clock, { replica: 1 }), instantUpstream(() => serverError()).next));
    assert.equal(b1.state, 'open');
    assert.equal(b0.state, 'closed');
    assert.deepEqual(await policy.execute(makeCtx(clock, { replica: 0 }), instantUpstream(() => ok()).next), ok());
  });
});
