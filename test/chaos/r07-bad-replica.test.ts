// R7 — one bad replica of three (50 % errors): safe calls fail over, so callers see 0 errors; the bad replica
// is ejected after consecutive failures, never more than maxEjectionPercent are out at once, and it comes
// back into rotation when its ejection time is over.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, httpMocks, startGateway, waitFor, type Harness } from './_harness.js';

let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  const good = { tools: { read: { latency: 2 } } };
  mocks = await httpMocks([good, { seed: 3, tools: { read: { latency: 2, errorRate: 0.5 } } }, good]);
  h = await startGateway(
    {
      upstreams: {
        trio: {
          url: mocks[0]!.url,
          replicas: [{ url: mocks[1]!.url }, { url: mocks[2]!.url }],
          policies: {
            timeoutMs: 30_000, // not the subject here: a loaded machine must not turn slow calls into GW_TIMEOUTs
            healthCheck: { intervalMs: 0 },
            // The breaker stays out of the way (R6 covers it): this row is about outlier ejection.
            breaker: { consecutiveFailures: 20, failureRateThreshold: 0.9 },
            retry: { budgetPercent: 50 },
            replicas: { strategy: 'weighted', ejection: { consecutiveFailures: 3, baseEjectionMs: 1_000, maxEjectionPercent: 50 } },
          },
          toolPolicies: { read: { idempotent: true } },
        },
      },
    },
    ['trio__read'],
  );
});

after(async () => {
  await h?.stop();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

test('R7 bad replica: ejected, 0 caller errors, at most one replica out, and it returns after its ejection time', async (t) => {
  const clients = await Promise.all([h.client(), h.client(), h.client(), h.client()]);
  const events = h.gateway.pipelines.resilience.get('trio').events.replica;
  const log: string[] = [];
  let out = 0;
  let maxOut = 0;
  const offs = [
    events.on('ejected', (e) => {
      log.push(`ejected ${e.replica}`);
      maxOut = Math.max(maxOut, ++out);
    }),
    events.on('returned', (e) => {
      log.push(`returned ${e.replica}`);
      out--;
    }),
  ];
  const failures: string[] = [];
  let calls = 0;
  const until = async (done: () => boolean, limit: number): Promise<void> => {
    await Promise.all(
      clients.map(async (c) => {
        while (!done() && calls < limit) {
          calls++;
          const o = await call(c, 'trio__read');
          if (!o.ok) failures.push(String(o.message));
        }
      }),
    );
  };
  await until(() => log.includes('ejected 1'), 400);
  const bAtEjection = (await mocks[1]!.stats()).calls.read ?? 0;
  await until(() => log.includes('returned 1'), 4_000);
  await waitFor(() => log.includes('returned 1'), 20_000, 'replica 1 back in rotation');
  const bAtReturn = (await mocks[1]!.stats()).calls.read ?? 0;
  await until(() => false, calls + 30);
  for (const off of offs) off();
  const bAfter = (await mocks[1]!.stats()).calls.read ?? 0;
  t.diagnostic(`${calls} calls, ${failures.length} failed; ${log.join(', ')}; B answered ${bAtEjection} → ${bAtReturn} → ${bAfter}`);
  assert.deepEqual(failures, [], 'safe calls never fail: they fail over to a good replica');
  assert.ok(log.includes('ejected 1'), 'the bad replica is ejected');
  assert.ok(!log.some((l) => l === 'ejected 0' || l === 'ejected 2'), 'good replicas are never ejected');
  assert.equal(maxOut, 1, 'never more than maxEjectionPercent (1 of 3) out at once');
  assert.ok(bAfter > bAtReturn, 'after its ejection the replica takes traffic again');
});
