import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, seededRandom } from '../../../src/core/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import { noopPolicy } from '../../../src/pipeline/index.js';
import type { ReplicaEvents, ReplicaOptions } from '../../../src/policies/replicas/index.js';
import { createFallbackPolicy, createReplicaGroup, createReplicaPolicy } from '../../../src/policies/replicas/index.js';
import { CircuitBreaker, RetryBudget } from '../../../src/resilience/index.js';
import {
  crashed,
  instantUpstream,
  invalidParams,
  makeCtx,
  ok,
  outcome,
  overloaded,
  refused,
  scriptedUpstream,
  serverError,
} from './_support.js';

function setup(clock: ManualClock, options: Partial<ReplicaOptions> & { replicas: number }) {
  const events = new Emitter<ReplicaEvents>();
  const log: string[] = [];
  events.on('failover', (e) => log.push(`failover ${e.from}→${e.to}`));
  events.on('hedge', (e) => log.push(`hedge ${e.replica}`));
  events.on('ejected', (e) => log.push(`ejected ${e.replica} x${e.times}`));
  events.on('returned', (e) => log.push(`returned ${e.replica}`));
  events.on('panic', () => log.push('panic'));
  events.on('budget-exhausted', () => log.push('budget-exhausted'));
  const policy = createReplicaPolicy({ clock, random: seededRandom(9), events, ejection: false, ...options });
  return { policy, log };
}

const breakers = (clock: ManualClock, n: number) =>
  Array.from(
    { length: n },
    (_, i) => new CircuitBreaker({ name: `up#${i}`, clock, consecutiveFailures: 1, openMs: 1000, openJitter: 0, halfOpenProbes: 1 }),
  );

void describe('replica policy: failover', () => {
  void it('is off for one replica without breakers', () => {
    assert.equal(createReplicaPolicy({ replicas: 1 }), noopPolicy);
  });

  void it('sets ctx.replica and tries replicas in order on safe upstream failures', async () => {
    const clock = new ManualClock();
    const { policy, log } = setup(clock, { replicas: 3, isSafe: true });
    const up = instantUpstream((r) => (r === 2 ? ok(`r${r}`) : crashed()));
    assert.deepEqual(await policy.execute(makeCtx(clock), up.next), ok('r2'));
    assert.deepEqual(up.calls, [0, 1, 2]);
    assert.deepEqual(log, ['failover 0→1', 'failover 1→2']);
  });

  void it('fails over an unsafe call only when it never reached the upstream (R1 vs R3)', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 2, isSafe: false });
    const crash = instantUpstream((r) => (r === 0 ? crashed() : ok()));
    await assert.rejects(
      policy.execute(makeCtx(clock), crash.next),
      (e: unknown) => e instanceof GatewayError && e.data?.maybeExecuted === true,
    );
    assert.deepEqual(crash.calls, [0]);
    const refuse = instantUpstream((r) => (r === 0 ? refused() : ok()));
    assert.deepEqual(await policy.execute(makeCtx(clock), refuse.next), ok());
    assert.deepEqual(refuse.calls, [0, 1]);
  });

  void it('does not fail over on caller errors or after the call is committed; throws the last failure when all fail', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 3, isSafe: true });
    const bad = instantUpstream(() => invalidParams());
    await assert.rejects(policy.execute(makeCtx(clock), bad.next));
    assert.deepEqual(bad.calls, [0]);
    const ctx = makeCtx(clock);
    const committed = instantUpstream(() => ((ctx.state.committed = true), serverError()));
    await assert.rejects(policy.execute(ctx, committed.next));
    assert.deepEqual(committed.calls, [0]);
    const all = instantUpstream(
      (r) => new GatewayError('GW_UPSTREAM_UNAVAILABLE', `r${r}`, { upstreamFault: true, data: { maybeExecuted: true } }),
    );
    await assert.rejects(policy.execute(makeCtx(clock), all.next), /r2/);
  });

  void it('skips replicas with open breakers; all open → GW_CIRCUIT_OPEN with the soonest retryAfterMs', async () => {
    const clock = new ManualClock();
    const bs = breakers(clock, 2);
    const { policy } = setup(clock, { replicas: 2, isSafe: true, breakers: bs });
    const up = instantUpstream((r) => (r === 0 ? serverError() : ok()));
    await policy.execute(makeCtx(clock), up.next);
    assert.equal(bs[0]!.state, 'open');
    await policy.execute(makeCtx(clock), up.next);
    assert.deepEqual(up.calls, [0, 1, 1], 'the open replica is skipped without a call');
    bs[1]!.trip();
    clock.advance(300);
    await assert.rejects(
      policy.execute(makeCtx(clock), up.next),
      (e: unknown) => e instanceof GatewayError && e.code === 'GW_CIRCUIT_OPEN' && e.data?.retryAfterMs === 700,
    );
  });

  void it('failovers draw from the retry budget', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 0, minConcurrency: 0 });
    const { policy, log } = setup(clock, { replicas: 2, isSafe: true, budget });
    const up = instantUpstream(() => crashed());
    await assert.rejects(policy.execute(makeCtx(clock), up.next));
    assert.deepEqual(up.calls, [0]);
    assert.deepEqual(log, ['budget-exhausted']);
    assert.equal(budget.activeRequests, 0);
  });
});

void describe('replica policy: weighted and least-loaded', () => {
  void it('smooth weighted round robin spreads 5:1:1 without bursts', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 3, strategy: 'weighted', weights: [5, 1, 1] });
    const up = instantUpstream(() => ok());
    for (let i = 0; i < 14; i++) await policy.execute(makeCtx(clock), up.next);
    assert.deepEqual(up.calls.slice(0, 7), [0, 0, 1, 0, 2, 0, 0], 'nginx’s sequence');
    assert.deepEqual(up.calls.slice(7), up.calls.slice(0, 7));
  });

  void it('weighted skips an open replica and keeps the others’ proportions', async () => {
    const clock = new ManualClock();
    const bs = breakers(clock, 3);
    bs[0]!.trip();
    const { policy } = setup(clock, { replicas: 3, strategy: 'weighted', weights: [5, 2, 1], breakers: bs });
    const up = instantUpstream(() => ok());
    for (let i = 0; i < 9; i++) await policy.execute(makeCtx(clock), up.next);
    assert.equal(up.calls.filter((r) => r === 1).length, 6);
    assert.equal(up.calls.filter((r) => r === 2).length, 3);
  });

  void it('least-loaded takes the fewest in flight, ties to the higher weight', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 3, strategy: 'least-loaded', weights: [1, 3, 2] });
    const up = scriptedUpstream(clock);
    for (let i = 0; i < 4; i++) outcome(policy.execute(makeCtx(clock), up.next));
    assert.deepEqual(
      up.calls.map((c) => c.replica),
      [1, 2, 0, 1],
    );
    up.calls[1]!.settle.resolve(ok());
    await clock.advanceAsync(0);
    outcome(policy.execute(makeCtx(clock), up.next));
    assert.equal(up.calls.at(-1)!.replica, 2, 'replica 2 now has 0 in flight');
    for (const c of up.calls) c.settle.resolve(ok());
  });
});

void describe('replica policy: outlier ejection', () => {
  void it('R7: a bad replica is ejected after N consecutive failures, comes back after base × k + jitter, k grows', async () => {
    const clock = new ManualClock();
    const { policy, log } = setup(clock, {
      replicas: 3,
      strategy: 'weighted',
      isSafe: true,
      ejection: { consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 10_000, jitter: 0.1, maxEjectionPercent: 50 },
    });
    let bad = true;
    const up = instantUpstream((r) => (r === 1 && bad ? serverError() : ok()));
    let failures = 0;
    for (let i = 0; i < 100; i++) await policy.execute(makeCtx(clock), up.next).catch(() => failures++);
    assert.equal(failures, 0, 'every call succeeded through failover');
    assert.equal(up.calls.filter((r) => r === 1).length, 3, 'replica 1 took exactly 3 calls, then was ejected');
    assert.deepEqual(
      log.filter((l) => l.startsWith('ejected')),
      ['ejected 1 x1'],
    );
    clock.advance(1100);
    for (let i = 0; i < 20 && !log.includes('ejected 1 x2'); i++) await policy.execute(makeCtx(clock), up.next);
    assert.ok(log.includes('returned 1'));
    assert.ok(log.includes('ejected 1 x2'), `re-ejected soon after returning, so k = 2: ${log}`);
    const before = up.calls.length;
    clock.advance(1999);
    for (let i = 0; i < 6; i++) await policy.execute(makeCtx(clock), up.next);
    assert.ok(!up.calls.slice(before).includes(1), 'k = 2: still out after 1 999 ms');
    bad = false;
    clock.advance(101);
    for (let i = 0; i < 6; i++) await policy.execute(makeCtx(clock), up.next);
    assert.ok(up.calls.slice(before).includes(1), 'back after 2 000 ms + jitter (≤ 100 ms)');
    assert.equal(log.filter((l) => l === 'returned 1').length, 2);
  });

  void it('never ejects more than maxEjectionPercent, and always leaves one replica in rotation', async () => {
    const clock = new ManualClock();
    const { policy, log } = setup(clock, {
      replicas: 3,
      isSafe: false,
      ejection: { consecutiveFailures: 1, baseEjectionMs: 10_000, maxEjectionPercent: 100 },
    });
    const up = instantUpstream(() => serverError());
    for (let i = 0; i < 10; i++) await policy.execute(makeCtx(clock), up.next).catch(() => {});
    assert.deepEqual(
      log.filter((l) => l.startsWith('ejected')),
      ['ejected 0 x1', 'ejected 1 x1'],
      '100 % of 3 still leaves one',
    );
    const capped = setup(clock, { replicas: 4, isSafe: false, ejection: { consecutiveFailures: 1, maxEjectionPercent: 10 } });
    for (let i = 0; i < 10; i++) await capped.policy.execute(makeCtx(clock), up.next).catch(() => {});
    assert.deepEqual(
      capped.log.filter((l) => l.startsWith('ejected')),
      ['ejected 0 x1'],
      '10 % of 4 rounds down, but one is always allowed',
    );
  });

  void it('panic: when every admissible replica is ejected, they are used anyway', async () => {
    const clock = new ManualClock();
    const bs = breakers(clock, 2);
    const { policy, log } = setup(clock, { replicas: 2, breakers: bs, ejection: { consecutiveFailures: 1, maxEjectionPercent: 50 } });
    bs[0]!.trip();
    const timeout = new GatewayError('GW_TIMEOUT', 'slow', { upstreamFault: true, data: { scope: 'attempt' } });
    await assert.rejects(policy.execute(makeCtx(clock), instantUpstream(() => timeout).next));
    assert.ok(log.includes('ejected 1 x1'), 'replica 1 took the call (0 was open) and was ejected');
    bs[0]!.reset();
    bs[1]!.reset();
    const up = instantUpstream(() => ok());
    await policy.execute(makeCtx(clock), up.next);
    assert.deepEqual(up.calls, [0], 'replica 0 is healthy and preferred');
    bs[0]!.trip();
    await policy.execute(makeCtx(clock), up.next);
    assert.deepEqual(up.calls, [0, 1], 'only ejected replica 1 is admissible: panic uses it');
    assert.ok(log.includes('panic'));
  });

  void it('routes of one upstream share a replica group: an ejection learnt on one tool applies to all', async () => {
    const clock = new ManualClock();
    const events = new Emitter<ReplicaEvents>();
    const group = createReplicaGroup({ replicas: 2, ejection: { consecutiveFailures: 2 }, clock, events });
    const toolA = createReplicaPolicy({ group, isSafe: true });
    const toolB = createReplicaPolicy({ group, strategy: 'least-loaded' });
    const up = instantUpstream((r) => (r === 0 ? serverError() : ok()));
    await toolA.execute(makeCtx(clock), up.next);
    await toolA.execute(makeCtx(clock), up.next);
    assert.deepEqual(up.calls, [0, 1, 0, 1]);
    await toolB.execute(makeCtx(clock, { route: { upstream: 'up', kind: 'tool', name: 'up.other', target: 'other' } }), up.next);
    assert.deepEqual(up.calls, [0, 1, 0, 1, 1], 'tool B skips replica 0, ejected by tool A’s failures');
  });

  void it('Envoy #25487: local overload (GW_OVERLOADED) never ejects and never opens a breaker (R8)', async () => {
    const clock = new ManualClock();
    const bs = breakers(clock, 2);
    const { policy, log } = setup(clock, { replicas: 2, breakers: bs, isSafe: true, ejection: { consecutiveFailures: 1 } });
    const up = instantUpstream(() => overloaded());
    for (let i = 0; i < 20; i++) await assert.rejects(policy.execute(makeCtx(clock), up.next));
    assert.deepEqual(log, []);
    assert.ok(bs.every((b) => b.state === 'closed'));
    assert.equal(up.calls.length, 20, 'no failover on a local rejection either');
  });
});

void describe('replica policy: hedging', () => {
  void it('R5: hedges a safe call after hedgeDelayMs; the first success wins, the loser is aborted, the budget charged', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget();
    const { policy, log } = setup(clock, { replicas: 2, strategy: 'hedged', hedgeDelayMs: 100, maxHedges: 1, isSafe: true, budget });
    const up = scriptedUpstream(clock);
    const res = outcome(policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(99);
    assert.equal(up.calls.length, 1);
    await clock.advanceAsync(1);
    assert.deepEqual(
      up.calls.map((c) => c.replica),
      [0, 1],
    );
    assert.deepEqual(log, ['hedge 1']);
    assert.equal(budget.activeRetries, 1, 'the hedge holds a retry slot');
    assert.equal(budget.tokens, 2, 'and spent a token');
    up.calls[1]!.settle.resolve(ok('hedge'));
    await clock.advanceAsync(0);
    assert.deepEqual(res.value, ok('hedge'));
    assert.equal(up.calls[0]!.signal.aborted, true, 'the loser was cancelled');
    assert.equal(up.cancelled(), 1);
    assert.equal(budget.activeRetries, 0);
    assert.equal(budget.activeRequests, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  void it('an upstream failure starts the hedge at once; all failing → the last failure', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 3, strategy: 'hedged', hedgeDelayMs: 1000, maxHedges: 2, isSafe: true });
    const up = scriptedUpstream(clock);
    const res = outcome(policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(0);
    up.calls[0]!.settle.reject(serverError());
    await clock.advanceAsync(0);
    assert.deepEqual(
      up.calls.map((c) => [c.replica, c.at]),
      [
        [0, 0],
        [1, 0],
      ],
    );
    await clock.advanceAsync(1000);
    assert.equal(up.calls.length, 3);
    up.calls[1]!.settle.reject(serverError());
    up.calls[2]!.settle.reject(crashed());
    await clock.advanceAsync(0);
    assert.equal((res.error as GatewayError).code, 'GW_UPSTREAM_UNAVAILABLE');
    assert.equal(clock.pendingTimers, 0);
  });

  void it('a caller error from any attempt is the answer; the others are aborted', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 2, strategy: 'hedged', hedgeDelayMs: 10, isSafe: true });
    const up = scriptedUpstream(clock);
    const res = outcome(policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(10);
    up.calls[0]!.settle.reject(invalidParams());
    await clock.advanceAsync(0);
    assert.equal((res.error as Error).message, 'bad params');
    assert.equal(up.calls[1]!.signal.aborted, true);
  });

  void it('never hedges an unsafe call (R5), nor without budget, nor once committed', async () => {
    const clock = new ManualClock();
    const unsafe = setup(clock, { replicas: 2, strategy: 'hedged', hedgeDelayMs: 10, isSafe: false });
    const up = scriptedUpstream(clock);
    outcome(unsafe.policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(100);
    assert.equal(up.calls.length, 1);

    const broke = setup(clock, {
      replicas: 2,
      strategy: 'hedged',
      hedgeDelayMs: 10,
      isSafe: true,
      budget: new RetryBudget({ percent: 0, minConcurrency: 0 }),
    });
    outcome(broke.policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(100);
    assert.equal(up.calls.length, 2);
    assert.deepEqual(broke.log, ['budget-exhausted']);

    const committed = setup(clock, { replicas: 2, strategy: 'hedged', hedgeDelayMs: 10, isSafe: true });
    const ctx = makeCtx(clock);
    outcome(committed.policy.execute(ctx, up.next));
    ctx.state.committed = true;
    await clock.advanceAsync(100);
    assert.equal(up.calls.length, 3);
    for (const c of up.calls) c.settle.resolve(ok());
  });

  void it('a caller abort aborts every attempt and clears the hedge timer', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { replicas: 2, strategy: 'hedged', hedgeDelayMs: 10, isSafe: true });
    const up = scriptedUpstream(clock);
    const caller = new AbortController();
    const res = outcome(policy.execute(makeCtx(clock, { signal: caller.signal }), up.next));
    await clock.advanceAsync(10);
    caller.abort(new Error('bye'));
    await clock.advanceAsync(0);
    assert.equal((res.error as Error).message, 'bye');
    assert.ok(up.calls.every((c) => c.signal.aborted));
    assert.equal(clock.pendingTimers, 0);
  });
});

void describe('fallback policy', () => {
  const result = { content: [{ type: 'text', text: 'service unavailable, try later' }] };

  void it('is off without a result', () => assert.equal(createFallbackPolicy({}), noopPolicy));

  void it('replaces upstream failures and an open circuit, with a fresh copy each time', async () => {
    const clock = new ManualClock();
    const policy = createFallbackPolicy({ result });
    const a = await policy.execute(makeCtx(clock), instantUpstream(() => crashed()).next);
    const b = await policy.execute(makeCtx(clock), instantUpstream(() => new GatewayError('GW_CIRCUIT_OPEN', 'open')).next);
    assert.deepEqual(a, result);
    assert.deepEqual(b, result);
    assert.notEqual(a, b);
  });

  void it('lets caller errors, local overload and cancellations through', async () => {
    const clock = new ManualClock();
    const policy = createFallbackPolicy({ result });
    await assert.rejects(policy.execute(makeCtx(clock), instantUpstream(() => invalidParams()).next));
    await assert.rejects(policy.execute(makeCtx(clock), instantUpstream(() => overloaded()).next));
    const c = new AbortController();
    c.abort();
    await assert.rejects(policy.execute(makeCtx(clock, { signal: c.signal }), instantUpstream(() => crashed()).next));
  });
});
