import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import { createChannels, type RateLimitDecisionEvent } from '../../../src/observability/index.js';
import type { Principal, Route } from '../../../src/pipeline/index.js';
import { RateLimiter, type RateLimitsConfig } from '../../../src/policies/rate-limit/index.js';
import { GcraRateLimitStore } from '../../../src/store/memory/gcra-rate-limit-store.js';
import { alice, bob, makeCtx, ManualClock, ok } from './_support.js';

const route: Route = { upstream: 'up', kind: 'tool', name: 'up__echo', target: 'echo' };
const limits = (over: Partial<RateLimitsConfig>): RateLimitsConfig => ({ shadow: false, maxKeys: 100_000, ...over });

/** Offers one call every `everyMs` for `spanMs` and counts what passes. */
async function offer(clock: ManualClock, limiter: RateLimiter, spanMs: number, everyMs: number, principal: Principal = alice) {
  const policy = limiter.policyFor(route);
  let admitted = 0;
  let refused = 0;
  const next = async () => (admitted++, ok());
  for (let t = 0; t < spanMs; t += everyMs) {
    await policy.execute(makeCtx(clock, { route, principal }), next).catch((err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === 'GW_RATE_LIMITED');
      refused++;
    });
    clock.advance(everyMs);
  }
  return { admitted, refused };
}

test('the seed limit (60/min, burst 10) holds within ±5 % over 10 minutes of 10 calls/s, on a manual clock', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(new GcraRateLimitStore(), limits({ principal: { perMinute: 60, perHour: 1000, burst: 10 } }));
  const { admitted } = await offer(clock, limiter, 10 * 60_000, 100);
  const expected = 10 + 600; // the burst, then one per second
  assert.ok(Math.abs(admitted - expected) <= expected * 0.05, `admitted ${admitted}, expected ${expected} ± 5 %`);
  t.diagnostic(`first 10 min: ${admitted} admitted (expected ${expected})`);
});

test('a coarse window holds its sustained rate: 1000/h within ±5 % once its allowance is spent', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(new GcraRateLimitStore(), limits({ principal: { perMinute: 60, perHour: 1000, burst: 10 } }));
  // GCRA banks up to a window's count after a quiet spell (docs/security.md): spend it, then measure an hour.
  await offer(clock, limiter, 60 * 60_000, 500);
  const { admitted } = await offer(clock, limiter, 60 * 60_000, 500);
  assert.ok(Math.abs(admitted - 1000) <= 50, `admitted ${admitted} in the second hour, expected 1000 ± 5 %`);
  t.diagnostic(`second hour: ${admitted} admitted`);
});

test('burst: 10 pass at once, the 11th is refused with retryAfterMs to the next emission', async () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(new GcraRateLimitStore(), limits({ principal: { perMinute: 60, burst: 10 } }));
  const policy = limiter.policyFor(route);
  const next = async () => ok();
  for (let i = 0; i < 10; i++) await policy.execute(makeCtx(clock, { route }), next);
  const err = await policy.execute(makeCtx(clock, { route }), next).catch((e: unknown) => e);
  assert.ok(err instanceof GatewayError);
  assert.equal(err.code, 'GW_RATE_LIMITED');
  assert.equal(err.upstreamFault, false);
  assert.deepEqual(err.data, {
    retryAfterMs: 1000,
    limit: 'principal',
    window: 'perMinute',
    quota: 60,
    windowSeconds: 60,
    remaining: 0,
    resetMs: 10_000,
  });
  // Another principal has its own allowance.
  await policy.execute(makeCtx(clock, { route, principal: bob }), next);
  clock.advance(999);
  await assert.rejects(policy.execute(makeCtx(clock, { route }), next));
  clock.advance(1);
  await policy.execute(makeCtx(clock, { route }), next);
});

test('all or nothing: a call refused by one limit spends nothing from the others', () => {
  const store = new GcraRateLimitStore();
  const times = { now: 0, wallNow: 0 };
  const a = { kind: 'gcra' as const, key: 'a', intervalMs: 1000, burst: 5 };
  const b = { kind: 'gcra' as const, key: 'b', intervalMs: 1000, burst: 1 };
  assert.equal(store.acquire([a, b], times).allowed, true);
  const refused = store.acquire([a, b], times);
  assert.deepEqual([refused.allowed, refused.index, refused.retryAfterMs], [false, 1, 1000]);
  // `a` still has 4 of its 5: the refused call took none.
  assert.equal(store.acquire([a], times).remaining, 3);
});

test('per principal × tool, per upstream and global keys; the tightest limit is reported', async () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(
    new GcraRateLimitStore(),
    limits({ principalTool: { perSecond: 2, burst: 2 }, upstream: { perSecond: 3, burst: 3 }, global: { perSecond: 100 } }),
  );
  const other: Route = { ...route, name: 'up__add', target: 'add' };
  const next = async () => ok();
  const echo = limiter.policyFor(route);
  const add = limiter.policyFor(other);
  await echo.execute(makeCtx(clock, { route }), next);
  await echo.execute(makeCtx(clock, { route }), next);
  const e1 = (await echo.execute(makeCtx(clock, { route }), next).catch((e: unknown) => e)) as GatewayError;
  assert.equal(e1.data?.limit, 'principalTool');
  await add.execute(makeCtx(clock, { route: other }), next);
  const e2 = (await add.execute(makeCtx(clock, { route: other, principal: bob }), next).catch((e: unknown) => e)) as GatewayError;
  assert.equal(e2.data?.limit, 'upstream');
});

test('daily quota: counted per UTC day, reset at midnight', async () => {
  const midnight = Date.UTC(2026, 11, 7);
  const clock = new ManualClock(0, midnight - 60_000);
  const limiter = new RateLimiter(new GcraRateLimitStore(), limits({ principal: { perDay: 3 } }));
  const policy = limiter.policyFor(route);
  const next = async () => ok();
  for (let i = 0; i < 3; i++) await policy.execute(makeCtx(clock, { route }), next);
  const err = (await policy.execute(makeCtx(clock, { route }), next).catch((e: unknown) => e)) as GatewayError;
  assert.deepEqual([err.data?.window, err.data?.retryAfterMs], ['perDay', 60_000]);
  clock.advance(60_000);
  await policy.execute(makeCtx(clock, { route }), next);
});

test('shadow mode: over-limit calls pass, are logged and published as shadow refusals', async () => {
  const clock = new ManualClock();
  const channels = createChannels();
  const events: RateLimitDecisionEvent[] = [];
  channels.rateLimit.subscribe((e) => events.push(e));
  const limiter = new RateLimiter(new GcraRateLimitStore(), limits({ shadow: true, principal: { perSecond: 1, burst: 1 } }));
  const policy = limiter.policyFor(route, channels.rateLimit);
  let upstream = 0;
  const next = async () => (upstream++, ok());
  for (let i = 0; i < 3; i++) await policy.execute(makeCtx(clock, { route }), next);
  assert.equal(upstream, 3);
  assert.deepEqual(
    events.map((e) => [e.allowed, e.shadow, e.limit]),
    [
      [true, false, 'principal'],
      [false, true, 'principal'],
      [false, true, 'principal'],
    ],
  );
});

test('no limit for a route: no policy; keys are bounded', () => {
  assert.equal(
    new RateLimiter(new GcraRateLimitStore(), limits({ principalTool: { perSecond: 1 } })).policyFor({ ...route, kind: 'resource' }).name,
    'noop',
  );
  const store = new GcraRateLimitStore({ maxKeys: 1000 });
  for (let i = 0; i < 5000; i++) store.acquire([{ kind: 'gcra', key: `k${i}`, intervalMs: 60_000, burst: 1 }], { now: i, wallNow: i });
  assert.ok(store.size <= 1000, `store holds ${store.size} keys`);
});

test('config: the seed limit in one line; an empty limit is refused', () => {
  const { config } = parseConfig({ rateLimits: { principal: { perMinute: 60, perHour: 1000, burst: 10 } } });
  assert.deepEqual(config.rateLimits?.principal, { perMinute: 60, perHour: 1000, burst: 10 });
  assert.throws(
    () => parseConfig({ rateLimits: { principal: { burst: 10 } } }),
    /rateLimits\.principal: expected at least one of perSecond/,
  );
});
