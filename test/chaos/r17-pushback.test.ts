// R17 — upstream pushback (HTTP 503 + Retry-After, JSON-RPC data.retryAfterMs): no retry before the delay;
// a delay beyond the remaining deadline returns at once with retryAfterMs; pushback never counts against
// the breaker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, EPS, httpMocks, startGateway, type Harness } from './_harness.js';

const D = 2_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  mocks = await httpMocks([{ tools: { soon: { retryAfterMs: 1_000, httpStatus: 503 }, later: { retryAfterMs: 5_000, httpStatus: 503 } } }]);
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

test('R17 Retry-After: 1 s → the retry waits at least 1 s; the next would pass the deadline, so the error returns', async () => {
  const client = await h.client();
  const delays: number[] = [];
  const off = h.gateway.pipelines.resilience.get('m').events.retry.on('retry', (e) => delays.push(e.delayMs));
  const out = await call(client, 'm__soon');
  off();
  assert.equal(out.ok, false);
  assert.equal(out.data?.retryAfterMs, 1_000, 'the pushback reaches the caller');
  assert.deepEqual(delays.length, 1);
  assert.ok(delays[0]! >= 1_000, `retried after ${delays[0]} ms`);
  assert.ok(out.ms >= 1_000 && out.ms <= D + EPS, `${out.ms.toFixed(0)} ms`);
  assert.equal((await mocks[0]!.stats()).calls.soon, 2);
});

test('R17 Retry-After beyond the deadline → returned at once with retryAfterMs, one attempt', async () => {
  const client = await h.client();
  const out = await call(client, 'm__later');
  assert.equal(out.data?.retryAfterMs, 5_000);
  assert.ok(out.ms <= 100 + EPS, `${out.ms.toFixed(0)} ms`);
  assert.equal((await mocks[0]!.stats()).calls.later, 1);
});

test('R17 pushback is not a breaker failure (a breaker opening on 2 failures stays closed)', async () => {
  const client = await h.client();
  for (let i = 0; i < 3; i++) await call(client, 'm__later');
  const snap = h.gateway.pipelines.resilience.get('m').breakers[0]!.snapshot();
  assert.equal(snap.state, 'closed');
  assert.equal(snap.window.failures, 0);
});
