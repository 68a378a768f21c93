// Supervisor integration: an active health check that fails reports the replica 'down', which opens its
// breaker, so calls skip it at once (no attempt timeout paid); once it passes again the replica is 'ready',
// the breaker probes half-open after its open time, and the replica is back in rotation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, httpMocks, signal, startGateway, waitFor, type Harness } from './_harness.js';

const ATTEMPT = 1_000;
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
            timeoutMs: 3_000,
            attemptTimeoutMs: ATTEMPT,
            healthCheck: { intervalMs: 100, timeoutMs: 100, method: 'ping' },
            breaker: { openMs: 500, maxOpenMs: 500, halfOpenProbes: 1 },
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

test('health check: a hung replica goes down → breaker open → calls skip it; healthy again → back in rotation', async () => {
  const client = await h.client();
  const [a, b] = mocks as [(typeof mocks)[0], (typeof mocks)[0]];
  const conn = h.gateway.upstreams.get('pair')![0]!;
  const breaker = h.gateway.pipelines.resilience.get('pair').breakers[0]!;
  assert.equal((await call(client, 'pair__read')).ok, true);
  assert.equal((await a.stats()).calls.read, 1, 'failover strategy: replica 0 serves');

  signal(a.proc.pid!, 'SIGSTOP');
  await waitFor(() => conn.state === 'down', 5_000, 'health check verdict');
  assert.equal(breaker.state, 'open', 'down opens the breaker');
  const bBefore = (await b.stats()).calls.read ?? 0;
  for (let i = 0; i < 3; i++) {
    const out = await call(client, 'pair__read');
    assert.equal(out.ok, true);
    assert.ok(out.ms < ATTEMPT, `served by replica 1 without waiting for replica 0 (${out.ms.toFixed(0)} ms)`);
  }
  assert.equal((await b.stats()).calls.read, bBefore + 3);

  signal(a.proc.pid!, 'SIGCONT');
  await waitFor(() => conn.state === 'ready', 5_000, 'health check passes again');
  const aBefore = (await a.stats()).calls.read ?? 0;
  await waitFor(
    async () => {
      assert.equal((await call(client, 'pair__read')).ok, true);
      return ((await a.stats()).calls.read ?? 0) > aBefore ? true : undefined;
    },
    5_000,
    'replica 0 back in rotation',
  );
  assert.equal(breaker.state, 'closed');
});
