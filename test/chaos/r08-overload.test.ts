// R8 — overload at 5× capacity: the bulkhead sheds the excess at once with GW_OVERLOADED (retryAfterMs),
// admitted calls keep their unloaded latency, memory and event-loop delay stay sane, and — the Envoy #25487
// invariant — the gateway's own rejections never count against the breaker, which stays closed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  assertDecidedFast,
  call,
  countRequests,
  gwCode,
  httpMocks,
  quantile,
  startGateway,
  timeDecisions,
  waitFor,
  type Harness,
  type Outcome,
} from './_harness.js';

const CAPACITY = 4;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  // Each admitted call holds its slot for half a second, so a wave's 20 calls overlap even when a loaded
  // machine spreads their arrival.
  mocks = await httpMocks([{ tools: { work: { latency: 500 } } }]);
  h = await startGateway(
    {
      upstreams: {
        up: {
          url: mocks[0]!.url,
          policies: {
            timeoutMs: 30_000, // not the subject here: a loaded machine must not turn slow calls into GW_TIMEOUTs
            healthCheck: { intervalMs: 0 },
            bulkhead: { maxConcurrent: CAPACITY, maxQueue: 0 },
            breaker: { consecutiveFailures: 1, failureRateThreshold: 0.01, minimumCalls: 1 },
          },
        },
      },
    },
    ['up__work'],
  );
});

after(async () => {
  await h?.stop();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

test('R8 5× overload: excess shed fast with GW_OVERLOADED, breaker stays closed, latency reported', async (t) => {
  const clients = await Promise.all(Array.from({ length: 5 * CAPACITY }, () => h.client()));
  const wave = async (n: number): Promise<Outcome[]> => Promise.all(clients.slice(0, n).map((c) => call(c, 'up__work')));
  const unloaded: number[] = [];
  for (let i = 0; i < 5; i++) for (const o of await wave(CAPACITY)) unloaded.push(o.ms);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const outs: Outcome[] = [];
  const sent = countRequests(h, 'up');
  try {
    for (let i = 0; i < 5; i++) outs.push(...(await wave(5 * CAPACITY)));
  } finally {
    sent.restore();
    loop.disable();
  }
  const admitted = outs.filter((o) => o.ok);
  const shed = outs.filter((o) => !o.ok);
  const loopP99 = loop.percentile(99) / 1e6;
  const rss = process.memoryUsage().rss;
  t.diagnostic(
    `unloaded p99 ${quantile(unloaded, 0.99).toFixed(1)} ms; ${admitted.length} admitted (p99 ${quantile(
      admitted.map((o) => o.ms),
      0.99,
    ).toFixed(1)} ms), ${shed.length} shed (client p50 ${quantile(
      shed.map((o) => o.ms),
      0.5,
    ).toFixed(1)} ms); event-loop p99 ${loopP99.toFixed(1)} ms; RSS ${(rss0 / 2 ** 20).toFixed(0)} → ${(rss / 2 ** 20).toFixed(0)} MB`,
  );
  // How many arrive while the bulkhead is full depends on the machine (the matrix expects ~80 of 100 shed,
  // reported above). What holds under any load: never more than CAPACITY attempts upstream at once, each
  // wave (started on an empty bulkhead) admits at least CAPACITY, the excess is shed, and only with GW_OVERLOADED.
  assert.ok(sent.maxInFlight <= CAPACITY, `${sent.maxInFlight} attempts upstream at once`);
  assert.ok(admitted.length >= 5 * CAPACITY, `${admitted.length} admitted`);
  assert.ok(shed.length > 0, 'the excess was shed');
  for (const o of shed) {
    assert.equal(gwCode(o), 'GW_OVERLOADED');
    assert.equal(o.code, -32000);
    assert.equal(typeof o.data?.retryAfterMs, 'number');
  }
  // Admitted-latency and event-loop-delay figures are reported above, not asserted: on a shared 2-core CI
  // machine they measure the neighbours. The shedding itself is timed inside the gateway (r08 shed-cost test).
  assert.ok(rss < 1.5 * rss0, 'memory');
  const snap = h.gateway.pipelines.resilience.get('up').breakers[0]!.snapshot();
  assert.equal(snap.state, 'closed', 'a breaker that opens on 1 failure stays closed: shedding is not a failure');
  assert.equal(snap.window.failures, 0);
  assert.equal((await mocks[0]!.stats()).calls.work, 5 * CAPACITY + admitted.length, 'shed calls never reached the upstream');
});

test('R8 shedding is decided in the gateway, at once, while the bulkhead is full', async (t) => {
  const clients = await Promise.all(Array.from({ length: CAPACITY }, () => h.client()));
  const before = (await mocks[0]!.stats()).calls.work ?? 0;
  const busy = Promise.all(clients.map((c) => call(c, 'up__work')));
  const bulkhead = h.gateway.pipelines.resilience.get('up').bulkhead!;
  await waitFor(() => (bulkhead.inFlight === CAPACITY ? true : undefined), 20_000, 'a full bulkhead');
  const d = await timeDecisions(h, 'up__work', 50);
  const outs = await busy;
  assert.deepEqual([...d.codes], ['GW_OVERLOADED']);
  assert.ok(
    outs.every((o) => o.ok),
    'the calls holding the bulkhead complete',
  );
  assert.equal((await mocks[0]!.stats()).calls.work, before + CAPACITY, 'shed calls never reached the upstream');
  // A shed call that waited for a slot would take the upstream's 100 ms at least.
  assertDecidedFast(t, 'shed decision', d);
});
