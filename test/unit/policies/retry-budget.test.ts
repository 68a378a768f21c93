import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock, seededRandom } from '../../../src/core/index.js';
import type { CallResult, Next } from '../../../src/pipeline/index.js';
import { createRetryPolicy } from '../../../src/policies/retry/index.js';
import { RetryBudget } from '../../../src/resilience/index.js';
import { makeCtx, serverError } from './_support.js';

const calls = (budget: RetryBudget, n: number): (() => void)[] => Array.from({ length: n }, () => budget.enter({}));

void describe('RetryBudget: concurrency gate (Envoy)', () => {
  void it('limit = max(minConcurrency, ⌊percent% × activeRequests⌋)', () => {
    const budget = new RetryBudget({ percent: 20, minConcurrency: 3 });
    assert.equal(budget.limit, 3);
    calls(budget, 14);
    assert.equal(budget.limit, 3, '20% of 14 = 2.8 → floor 2, the floor 3 wins');
    calls(budget, 1);
    assert.equal(budget.limit, 3);
    calls(budget, 5);
    assert.equal(budget.limit, 4, '20% of 20');
    calls(budget, 80);
    assert.equal(budget.limit, 20, '20% of 100');
  });

  void it('allows retries while activeRetries < limit, and releasing frees a slot', () => {
    const budget = new RetryBudget({ percent: 20, minConcurrency: 3, ratio: false });
    calls(budget, 10);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => budget.tryAcquireRetry()),
      [true, true, true, false],
    );
    assert.equal(budget.activeRetries, 3);
    budget.releaseRetry();
    assert.equal(budget.tryAcquireRetry(), true);
  });

  void it('a call is one active request however often it enters (keyed by its state object)', () => {
    const budget = new RetryBudget();
    const state = {};
    const leave1 = budget.enter(state);
    const leave2 = budget.enter(state);
    assert.equal(budget.activeRequests, 1);
    leave2();
    assert.equal(budget.activeRequests, 1, 'only the first enter owns the request');
    leave1();
    leave1();
    assert.equal(budget.activeRequests, 0);
  });

  void it('concurrency gate never exceeded under random enter/leave/acquire/release (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('enter', 'leave', 'acquire', 'release'), { maxLength: 300 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        (ops, percent, min) => {
          const budget = new RetryBudget({ percent, minConcurrency: min, ratio: false });
          const leaves: (() => void)[] = [];
          let held = 0;
          for (const op of ops) {
            if (op === 'enter') leaves.push(budget.enter({}));
            if (op === 'leave') leaves.pop()?.();
            if (op === 'acquire') {
              const limitBefore = Math.max(min, Math.floor((percent * budget.activeRequests) / 100));
              const ok = budget.tryAcquireRetry();
              assert.equal(ok, held < limitBefore);
              if (ok) held++;
            }
            if (op === 'release' && held > 0) {
              budget.releaseRetry();
              held--;
            }
            assert.equal(budget.activeRetries, held);
          }
        },
      ),
    );
  });
});

void describe('RetryBudget: ratio gate', () => {
  void it('starts with minConcurrency tokens; each call deposits percent% of one; a retry spends one', () => {
    const budget = new RetryBudget({ percent: 20, minConcurrency: 3 });
    assert.equal(budget.tokens, 3, 'the cap (limit 3) keeps the first deposit out');
    for (let i = 0; i < 3; i++) {
      assert.equal(budget.tryAcquireRetry(), true);
      budget.releaseRetry();
    }
    assert.equal(budget.tryAcquireRetry(), false, 'tokens spent');
    calls(budget, 4);
    assert.equal(budget.tryAcquireRetry(), false, '4 × 0.2 < 1');
    calls(budget, 1);
    assert.equal(budget.tryAcquireRetry(), true, '5 × 0.2 = 1 exactly (integer arithmetic)');
  });

  void it('over any sequence, retries ≤ minConcurrency + percent% × calls (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('call', 'retry', 'end'), { maxLength: 500 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        (ops, percent, min) => {
          const budget = new RetryBudget({ percent, minConcurrency: min });
          const leaves: (() => void)[] = [];
          let started = 0;
          let retries = 0;
          for (const op of ops) {
            if (op === 'call') {
              started++;
              leaves.push(budget.enter({}));
            } else if (op === 'end') leaves.shift()?.();
            else if (budget.tryAcquireRetry()) {
              retries++;
              budget.releaseRetry();
            }
            assert.ok(retries <= min + (percent * started) / 100 + 1e-9, `${retries} retries after ${started} calls`);
          }
        },
      ),
    );
  });
});

/**
 * R6 in miniature: 100 % of attempts fail with -32603; calls arrive at a fixed rate; every call is
 * safe to retry with up to 3 attempts. Upstream attempts must stay ≤ 1.2 × offered + 3.
 */
async function storm(
  ratePerSec: number,
  failAfterMs: number,
  seconds: number,
  ratio = true,
): Promise<{ offered: number; attempts: number }> {
  const clock = new ManualClock();
  const budget = new RetryBudget({ percent: 20, minConcurrency: 3, ratio });
  const policy = createRetryPolicy({ enabled: true, maxAttempts: 3, isSafe: true, budget, random: seededRandom(7) });
  let attempts = 0;
  const next: Next = () =>
    new Promise<CallResult>((_, reject) => {
      attempts++;
      clock.setTimeout(() => reject(serverError()), failAfterMs);
    });
  const stepMs = 1000 / ratePerSec;
  const done: Promise<unknown>[] = [];
  let offered = 0;
  for (let t = 0; t < seconds * 1000; t += stepMs) {
    offered++;
    done.push(policy.execute(makeCtx(clock, { state: { committed: false, attempts: 0 } }), next).catch(() => {}));
    await clock.advanceAsync(stepMs);
  }
  await clock.advanceAsync(2000, 1);
  await Promise.all(done);
  assert.equal(budget.activeRequests, 0);
  assert.equal(budget.activeRetries, 0);
  return { offered, attempts };
}

void describe('error storm (R6): retries stay within budget', () => {
  for (const [rate, failAfter] of [
    [100, 0],
    [100, 50],
    [100, 400],
    [20, 5],
  ] as const) {
    void it(`${rate} req/s failing after ${failAfter} ms: attempts ≤ 1.2 × offered + 3`, async () => {
      const { offered, attempts } = await storm(rate, failAfter, 5);
      assert.ok(attempts <= 1.2 * offered + 3, `${attempts} attempts for ${offered} calls`);
      assert.ok(attempts > offered, 'some retries still happen');
    });
  }

  void it('the concurrency gate alone does not hold that bound for fast failures (why the ratio gate exists)', async () => {
    const { offered, attempts } = await storm(100, 0, 5, false);
    assert.ok(attempts > 1.5 * offered, `${attempts} attempts for ${offered} calls`);
  });
});
