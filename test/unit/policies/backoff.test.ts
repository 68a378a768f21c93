import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { seededRandom } from '../../../src/core/index.js';
import { backoffCeiling, fullJitterDelay, withJitter } from '../../../src/resilience/index.js';

/** A Random that replays given values (fast-check draws them). */
const replay = (values: number[]) => {
  let i = 0;
  return { next: () => values[i++ % values.length]! };
};

void describe('full-jitter backoff', () => {
  void it('every delay lies in [0, min(cap, base·2^n)] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0, max: 100_000, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, base, cap, r) => {
          const d = fullJitterDelay(n, base, cap, replay([r]));
          const ceiling = Math.min(cap, base * 2 ** n);
          assert.ok(Number.isFinite(d));
          assert.ok(d >= 0, `delay ${d} < 0`);
          assert.ok(d <= ceiling, `delay ${d} > ceiling ${ceiling}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  void it('ceilings double from the base up to the cap (Envoy defaults 25/250)', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => backoffCeiling(n, 25, 250)),
      [25, 50, 100, 200, 250, 250],
    );
    assert.equal(backoffCeiling(10_000, 25, 250), 250, 'no overflow to Infinity or NaN');
    assert.equal(backoffCeiling(3, 0, 250), 0);
  });

  void it('actually spreads: a seeded run covers the range', () => {
    const random = seededRandom(42);
    const samples = Array.from({ length: 1000 }, () => fullJitterDelay(3, 25, 250, random));
    assert.ok(Math.min(...samples) < 20 && Math.max(...samples) > 180);
  });

  void it('symmetric jitter stays within ±fraction (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (ms, f, r) => {
          const d = withJitter(ms, f, replay([r]));
          assert.ok(d >= ms * (1 - f) - 1e-6 && d <= ms * (1 + f) + 1e-6);
        },
      ),
    );
  });
});
