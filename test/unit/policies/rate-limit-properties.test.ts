// GCRA properties under generated arrival schedules (research R9): over any span the store admits at most
// the allowance plus span / T; a refusal's retryAfterMs is exact (refused one ms before, admitted at it);
// and a refusal spends nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GcraRateLimitStore } from '../../../src/store/memory/gcra-rate-limit-store.js';

const schedule = fc.record({
  intervalMs: fc.integer({ min: 1, max: 5_000 }),
  burst: fc.integer({ min: 1, max: 20 }),
  gaps: fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 200 }),
});

test('admitted over any span ≤ burst + span / T', () => {
  fc.assert(
    fc.property(schedule, ({ intervalMs, burst, gaps }) => {
      const store = new GcraRateLimitStore();
      const check = [{ kind: 'gcra' as const, key: 'k', intervalMs, burst }];
      const admitted: number[] = [];
      let now = 0;
      for (const gap of gaps) {
        now += gap;
        if (store.acquire(check, { now, wallNow: now }).allowed) admitted.push(now);
      }
      for (let i = 0; i < admitted.length; i++)
        for (let j = i; j < admitted.length; j++) {
          const span = admitted[j]! - admitted[i]!;
          assert.ok(
            j - i + 1 <= burst + span / intervalMs + 1e-9,
            `${j - i + 1} admitted within ${span} ms (T ${intervalMs}, burst ${burst})`,
          );
        }
    }),
    { numRuns: 300 },
  );
});

test('retryAfterMs is exact: still refused one ms before it, admitted at it; refusals spend nothing', () => {
  fc.assert(
    fc.property(schedule, ({ intervalMs, burst, gaps }) => {
      const store = new GcraRateLimitStore();
      const check = [{ kind: 'gcra' as const, key: 'k', intervalMs, burst }];
      let now = 0;
      for (const gap of gaps) {
        now += gap;
        store.acquire(check, { now, wallNow: now });
      }
      // Exhaust what is left now, then probe the refusal.
      let verdict = store.acquire(check, { now, wallNow: now });
      for (let i = 0; verdict.allowed && i < burst + 1; i++) verdict = store.acquire(check, { now, wallNow: now });
      assert.equal(verdict.allowed, false);
      const r = verdict.retryAfterMs;
      assert.ok(r > 0 && r <= intervalMs, `retryAfterMs ${r} for T ${intervalMs}`);
      if (r > 1) assert.equal(store.acquire(check, { now: now + r - 1, wallNow: now + r - 1 }).allowed, false);
      assert.equal(store.acquire(check, { now: now + r, wallNow: now + r }).allowed, true);
    }),
    { numRuns: 300 },
  );
});
