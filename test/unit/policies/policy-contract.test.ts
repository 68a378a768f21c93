// Contract: every resilience policy, alone and composed, under every upstream behaviour and aborted at
// many points, settles promptly and leaves nothing behind — no pending timers on the ManualClock, no
// listeners on the caller's signal, no bulkhead slot, retry slot or active request still held.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, flushMicrotasks, seededRandom } from '../../../src/core/index.js';
import type { CallResult, Next, Policy } from '../../../src/pipeline/index.js';
import { compose } from '../../../src/pipeline/index.js';
import { Bulkhead, createBulkheadPolicy } from '../../../src/policies/bulkhead/index.js';
import { createCachePolicy } from '../../../src/policies/cache/index.js';
import { createCircuitBreakerPolicy } from '../../../src/policies/circuit-breaker/index.js';
import { createAttemptTimeoutPolicy, createDeadlinePolicy } from '../../../src/policies/deadline/index.js';
import type { ReplicaStrategy } from '../../../src/policies/replicas/index.js';
import { createFallbackPolicy, createReplicaPolicy } from '../../../src/policies/replicas/index.js';
import { createRetryPolicy } from '../../../src/policies/retry/index.js';
import { CircuitBreaker, RetryBudget } from '../../../src/resilience/index.js';
import { LruCacheStore } from '../../../src/store/memory/lru-cache-store.js';
import { CountingController, makeCtx, ok, serverError } from './_support.js';

type Behaviour = 'succeed' | 'fail' | 'hang';

/** The upstream: answers after 50 ms (or never); on abort it clears its timer and rejects at once. */
function terminal(clock: ManualClock, behaviour: Behaviour): Next {
  return (ctx) =>
    new Promise<CallResult>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      const timer =
        behaviour === 'hang'
          ? undefined
          : clock.setTimeout(() => {
              ctx.signal.removeEventListener('abort', onAbort);
              if (behaviour === 'succeed') resolve(ok());
              else reject(serverError());
            }, 50);
      function onAbort(): void {
        if (timer !== undefined) clock.clearTimeout(timer);
        reject(ctx.signal.reason);
      }
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
}

interface Fixture {
  policies: Policy[];
  /** Shared counters that must return to zero. */
  gauges: () => Record<string, number>;
  /** Concurrent companion calls started with the main one (joiners, a bulkhead blocker). */
  companions?: number;
}

type FixtureFactory = (clock: ManualClock) => Fixture;

function replicas(strategy: ReplicaStrategy): FixtureFactory {
  return (clock) => {
    const budget = new RetryBudget();
    const breakers = [0, 1, 2].map((i) => new CircuitBreaker({ name: `r${i}`, clock, consecutiveFailures: 2, openMs: 100 }));
    const policy = createReplicaPolicy({
      replicas: 3,
      strategy,
      breakers,
      budget,
      isSafe: true,
      hedgeDelayMs: 20,
      maxHedges: 2,
      ejection: { consecutiveFailures: 2, baseEjectionMs: 100 },
      clock,
      random: seededRandom(1),
    });
    return { policies: [policy], gauges: () => ({ requests: budget.activeRequests, retries: budget.activeRetries }) };
  };
}

const fixtures: Record<string, FixtureFactory> = {
  deadline: () => ({ policies: [createDeadlinePolicy({ deadlineMs: 400 })], gauges: () => ({}) }),
  'attempt timeout': () => ({ policies: [createAttemptTimeoutPolicy({ attemptTimeoutMs: 80 })], gauges: () => ({}) }),
  retry: () => {
    const budget = new RetryBudget();
    const policy = createRetryPolicy({
      enabled: true,
      maxAttempts: 4,
      isSafe: true,
      budget,
      baseDelayMs: 40,
      maxDelayMs: 200,
      random: seededRandom(2),
    });
    return { policies: [policy], gauges: () => ({ requests: budget.activeRequests, retries: budget.activeRetries }) };
  },
  'circuit breaker': (clock) => ({
    policies: [createCircuitBreakerPolicy({ breakers: [new CircuitBreaker({ clock, consecutiveFailures: 1 })] })],
    gauges: () => ({}),
  }),
  bulkhead: () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 2, maxQueueWaitMs: 200 });
    return {
      policies: [createBulkheadPolicy({ bulkhead })],
      gauges: () => ({ inFlight: bulkhead.inFlight, queued: bulkhead.queued }),
      companions: 1,
    };
  },
  'replicas failover': replicas('failover'),
  'replicas weighted': replicas('weighted'),
  'replicas least-loaded': replicas('least-loaded'),
  'replicas hedged': replicas('hedged'),
  fallback: () => ({ policies: [createFallbackPolicy({ result: ok('fallback') })], gauges: () => ({}) }),
  cache: (clock) => ({
    policies: [createCachePolicy({ ttlMs: 1000, staleIfErrorMs: 1000, store: new LruCacheStore({ maxBytes: 10_000, clock }) })],
    gauges: () => ({}),
    companions: 2,
  }),
  'full pipeline': (clock) => {
    const budget = new RetryBudget();
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 2, maxQueueWaitMs: 100 });
    const breakers = [0, 1].map((i) => new CircuitBreaker({ name: `r${i}`, clock, consecutiveFailures: 3, openMs: 100 }));
    return {
      policies: [
        createDeadlinePolicy({ deadlineMs: 600 }),
        createCachePolicy({ ttlMs: 1000, store: new LruCacheStore({ maxBytes: 10_000, clock }) }),
        createRetryPolicy({ enabled: true, maxAttempts: 3, isSafe: true, budget, random: seededRandom(3) }),
        createReplicaPolicy({
          replicas: 2,
          strategy: 'hedged',
          hedgeDelayMs: 15,
          breakers,
          budget,
          isSafe: true,
          clock,
          random: seededRandom(4),
        }),
        createBulkheadPolicy({ bulkhead }),
        createAttemptTimeoutPolicy({ attemptTimeoutMs: 80 }),
      ],
      gauges: () => ({
        requests: budget.activeRequests,
        retries: budget.activeRetries,
        inFlight: bulkhead.inFlight,
        queued: bulkhead.queued,
      }),
      companions: 2,
    };
  },
};

const ABORT_AT: (number | 'before' | 'never')[] = ['never', 'before', 0, 1, 10, 20, 35, 49, 50, 51, 60, 90, 130, 210, 399, 400, 650];
const BEHAVIOURS: Behaviour[] = ['succeed', 'fail', 'hang'];
const HORIZON_MS = 3000;

async function scenario(make: FixtureFactory, behaviour: Behaviour, abortAt: number | 'before' | 'never'): Promise<string | undefined> {
  const clock = new ManualClock();
  const fixture = make(clock);
  const pipeline = compose(fixture.policies, terminal(clock, behaviour));
  const main = new CountingController();
  const companions = Array.from({ length: fixture.companions ?? 0 }, () => new CountingController());
  if (abortAt === 'before') main.abort(new Error('aborted before start'));
  const state = { settled: false, error: undefined as unknown };
  const run = (c: AbortController) => pipeline(makeCtx(clock, { signal: c.signal, state: { committed: false, attempts: 0 } }));
  const others = companions.map((c) => run(c).catch(() => undefined));
  run(main).then(
    () => (state.settled = true),
    (e: unknown) => Object.assign(state, { settled: true, error: e }),
  );
  await flushMicrotasks();
  let abortedAt: number | undefined = abortAt === 'before' ? 0 : undefined;
  for (let t = 0; t <= HORIZON_MS && !state.settled; t++) {
    if (t === abortAt) {
      main.abort(new Error(`aborted at ${t}`));
      abortedAt = t;
    }
    await flushMicrotasks();
    if (state.settled) break;
    clock.advance(1);
  }
  await flushMicrotasks();
  if (!state.settled) {
    if (behaviour === 'hang' && abortAt === 'never') main.abort(new Error('test cleanup'));
    else return `did not settle within ${HORIZON_MS} ms`;
    await flushMicrotasks();
    if (!state.settled) return 'did not settle after the abort';
  }
  if (abortedAt !== undefined && clock.now() > abortedAt + 1) return `settled ${clock.now() - abortedAt} ms after the abort`;
  if (behaviour === 'succeed' && abortAt === 'never' && state.error !== undefined) return `a healthy call failed: ${String(state.error)}`;
  if (abortedAt !== undefined && state.error === undefined && behaviour === 'hang')
    return 'an aborted call that never got an answer resolved';
  for (const c of companions) c.abort(new Error('companion cleanup'));
  await Promise.all(others);
  await flushMicrotasks();
  const problems: string[] = [];
  if (clock.pendingTimers !== 0) problems.push(`${clock.pendingTimers} timer(s) pending`);
  if (main.live !== 0) problems.push(`${main.live} listener(s) left on the caller's signal (of ${main.added} added)`);
  companions.forEach((c, i) => c.live !== 0 && problems.push(`${c.live} listener(s) left on companion ${i}`));
  for (const [k, v] of Object.entries(fixture.gauges())) if (v !== 0) problems.push(`${k} = ${v}`);
  return problems.length ? problems.join('; ') : undefined;
}

void describe('policy contract: no leaked timers, listeners or slots, whenever the call ends', () => {
  for (const [name, make] of Object.entries(fixtures)) {
    void it(name, async () => {
      const failures: string[] = [];
      for (const behaviour of BEHAVIOURS)
        for (const abortAt of ABORT_AT) {
          const problem = await scenario(make, behaviour, abortAt);
          if (problem) failures.push(`${behaviour}, abort ${abortAt}: ${problem}`);
        }
      assert.deepEqual(failures, []);
    });
  }
});
