// R17 — upstream pushback (HTTP 503 + Retry-After, JSON-RPC data.retryAfterMs): no retry before the delay;
// a delay beyond the remaining deadline returns at once with retryAfterMs; pushback never counts against
// the breaker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, gwCode, httpMocks, SLACK, startGateway, type Harness } from './_harness.js';

// Retry-After 3 s inside a 5 s deadline: one retry fits, a second would not. The 2 s between the retry and
// the deadline absorb a loaded machine's slow round trips.
const D = 5_000;
const SOON = 3_000;
const LATER = 10_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  mocks = await httpMocks([{ tools: { soon: { retryAfterMs: SOON, httpStatus: 503 }, later: { retryAfterMs: LATER, httpStatus: 503 } } }]);
  h = await startGateway(
    {
      upstreams: {
        m: {
          url: mocks[0]!.url,
          policies: {
            timeoutMs: D,
            retry: { enabled: true, maxAttempts: 3 },
            breaker: { consecutiveFailures: 2 },
            healthCheck: { intervalMs: 0 },
          },
          toolPolicies: { '*': { idempotent: true } },
        },
      },
    },
    ['m__soon', 'm__later'],
  );
});

after(async () => {
  await h?.stop();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

test('R17 Retry-After: 3 s → the retry waits at least 3 s; the next would pass the deadline, so the error returns', async (t) => {
  const client = await h.client();
  const delays: number[] = [];
  const off = h.gateway.pipelines.resilience.get('m').events.retry.on('retry', (e) => delays.push(e.delayMs));
  const out = await call(client, 'm__soon');
  off();
  assert.equal(out.ok, false);
  assert.equal(out.data?.retryAfterMs, SOON, 'the pushback reaches the caller');
  assert.deepEqual(delays.length, 1);
  assert.ok(delays[0]! >= SOON, `retried after ${delays[0]} ms`);
  t.diagnostic(`pushback returned after ${out.ms.toFixed(0)} ms (D = ${D})`);
  assert.notEqual(gwCode(out), 'GW_TIMEOUT', 'the pushback error returns before the deadline, not a timeout');
  // At least the pushback delay (a lower bound holds under any load); the upper bound only catches a hang.
  assert.ok(out.ms >= SOON && out.ms <= D + SLACK, `${out.ms.toFixed(0)} ms`);
  assert.equal((await mocks[0]!.stats()).calls.soon, 2);
});

test('R17 Retry-After beyond the deadline → returned at once with retryAfterMs, one attempt', async (t) => {
  const client = await h.client();
  let retries = 0;
  const off = h.gateway.pipelines.resilience.get('m').events.retry.on('retry', () => void retries++);
  const out = await call(client, 'm__later');
  off();
  t.diagnostic(`returned after ${out.ms.toFixed(0)} ms (target 100 ms)`);
  // "At once": no retry was scheduled, and the caller got the pushback itself, not the deadline's GW_TIMEOUT
  // that waiting for the 10 s Retry-After would have produced at D.
  assert.equal(out.data?.retryAfterMs, LATER);
  assert.notEqual(gwCode(out), 'GW_TIMEOUT');
  assert.equal(retries, 0, 'no retry scheduled');
  assert.equal((await mocks[0]!.stats()).calls.later, 1);
  assert.ok(out.ms <= D + SLACK, `${out.ms.toFixed(0)} ms`);
});

test('R17 pushback is not a breaker failure (a breaker opening on 2 failures stays closed)', async () => {
  const client = await h.client();
  for (let i = 0; i < 3; i++) await call(client, 'm__later');
  const snap = h.gateway.pipelines.resilience.get('m').breakers[0]!.snapshot();
  assert.equal(snap.state, 'closed');
  assert.equal(snap.window.failures, 0);
});
