// Supervisor integration: an active health check that fails reports the replica 'down', which opens its
// breaker, so calls skip it at once (no attempt timeout paid); once it passes again the replica is 'ready',
// the breaker probes half-open after its open time, and the replica is back in rotation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, httpMocks, signal, startGateway, waitFor, type Harness } from './_harness.js';

const ATTEMPT = 1_000;
const OPEN = 60_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  const script = { tools: { read: { latency: 2 } } };
  mocks = await httpMocks([script, script]);
  h = await startGateway(
    {
      upstreams: {
        pair: {
          url: mocks[0]!.url,
          replicas: [{ url: mocks[1]!.url }],
          policies: {
            timeoutMs: 30_000, // not the subject here: a loaded machine must not turn slow calls into GW_TIMEOUTs
            attemptTimeoutMs: ATTEMPT,
            // A ping on loopback never takes 2 s, even on a loaded machine: only the stopped replica fails.
            healthCheck: { intervalMs: 100, timeoutMs: 2_000, method: 'ping' },
            // Open for a minute: the breaker must not probe the stopped replica while the test makes its
            // calls, however slowly; the test ends the open time itself with the clock once it is healthy.
            breaker: { openMs: OPEN, maxOpenMs: OPEN, halfOpenProbes: 1 },
            replicas: { strategy: 'failover' },
          },
          toolPolicies: { read: { idempotent: true } },
        },
      },
    },
    ['pair__read'],
  );
});

after(async () => {
  signal(mocks[0]!.proc.pid!, 'SIGCONT');
  await h?.stop();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

test('health check: a hung replica goes down → breaker open → calls skip it; healthy again → back in rotation', async (t) => {
  const client = await h.client();
  const [a, b] = mocks as [(typeof mocks)[0], (typeof mocks)[0]];
  const conn = h.gateway.upstreams.get('pair')![0]!;
  const breaker = h.gateway.pipelines.resilience.get('pair').breakers[0]!;
  assert.equal((await call(client, 'pair__read')).ok, true);
  assert.equal((await a.stats()).calls.read, 1, 'failover strategy: replica 0 serves');

  signal(a.proc.pid!, 'SIGSTOP');
  await waitFor(() => conn.state === 'down', 20_000, 'health check verdict');
  assert.equal(breaker.state, 'open', 'down opens the breaker');
  const bBefore = (await b.stats()).calls.read ?? 0;
  // A call that tried replica 0 first would pay the attempt timeout and then fail over: counting failovers
  // shows the skip under any load, where the latency would only show it on a quiet machine.
  let failovers = 0;
  const offFailover = h.gateway.pipelines.resilience.get('pair').events.replica.on('failover', () => void failovers++);
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = await call(client, 'pair__read');
    assert.equal(out.ok, true);
    ms.push(out.ms);
  }
  offFailover();
  t.diagnostic(`served by replica 1 in ${ms.map((x) => x.toFixed(0)).join(', ')} ms (attempt timeout ${ATTEMPT} ms)`);
  assert.equal(failovers, 0, 'replica 0 was skipped, not tried and timed out');
  assert.equal((await b.stats()).calls.read, bBefore + 3);

  signal(a.proc.pid!, 'SIGCONT');
  await waitFor(() => conn.state === 'ready', 20_000, 'health check passes again');
  assert.equal(breaker.state, 'open', 'a ready verdict does not close the breaker: its probes will');
  h.clock.skip(OPEN + 1); // the open time is over: the next call to replica 0 is the half-open probe
  const aBefore = (await a.stats()).calls.read ?? 0;
  await waitFor(
    async () => {
      assert.equal((await call(client, 'pair__read')).ok, true);
      return ((await a.stats()).calls.read ?? 0) > aBefore ? true : undefined;
    },
    20_000,
    'replica 0 back in rotation',
  );
  assert.equal(breaker.state, 'closed');
});
