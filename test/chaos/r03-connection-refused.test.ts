// R3 — connection refused: the request provably was not sent, so even a tool that is not idempotent is
// retried (full-jitter backoff, inside the deadline, within the budget) or failed over, and the refusing
// replica is ejected.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FaultProxy } from './_fault-proxy.js';
import { call, gwCode, httpMocks, SLACK, startGateway, type Harness } from './_harness.js';

// The deadline is not this file's subject: generous, so a loaded machine cannot turn a slow exit, respawn
// or failover into a GW_TIMEOUT. Outcome codes still tell the mechanism apart (a missed fault ends in GW_TIMEOUT).
const D = 10_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;
const proxies: FaultProxy[] = [];

before(async () => {
  mocks = await httpMocks([{ tools: { create: { latency: 5 } } }]);
  const target = { host: '127.0.0.1', port: Number(new URL(mocks[0]!.url).port) };
  for (let i = 0; i < 2; i++) {
    const p = new FaultProxy(target);
    await p.up();
    proxies.push(p);
  }
  const policies = { timeoutMs: D, retry: { enabled: true, maxAttempts: 3 }, healthCheck: { intervalMs: 0 } };
  h = await startGateway(
    {
      upstreams: {
        one: { url: proxies[0]!.url, policies },
        pair: {
          url: proxies[1]!.url,
          replicas: [{ url: mocks[0]!.url }],
          policies: { ...policies, replicas: { strategy: 'failover', ejection: { consecutiveFailures: 3, baseEjectionMs: 30_000 } } },
        },
      },
    },
    ['one__create', 'pair__create'],
  );
});

after(async () => {
  await h?.stop();
  for (const p of proxies) await p.down();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

test('R3 refused, then back: a non-idempotent call is retried (never sent) and runs exactly once', async (t) => {
  const client = await h.client();
  const retries: { delayMs: number; neverSent: boolean }[] = [];
  const off = h.gateway.pipelines.resilience.get('one').events.retry.on('retry', (e) => {
    retries.push(e);
    void proxies[0]!.up();
  });
  await proxies[0]!.down();
  const before = (await mocks[0]!.stats()).calls.create ?? 0;
  const out = await call(client, 'one__create');
  off();
  assert.equal(out.ok, true, out.message);
  assert.ok(retries.length >= 1 && retries.every((r) => r.neverSent), JSON.stringify(retries));
  // The backoff the retry policy chose (its own record, not a wall-clock reading).
  assert.ok(retries.every((r) => r.delayMs >= 0 && r.delayMs <= 250));
  assert.equal((await mocks[0]!.stats()).calls.create, before + 1, 'executed once');
  t.diagnostic(`${retries.length} retries, answered after ${out.ms.toFixed(0)} ms (D = ${D})`);
  assert.ok(out.ms <= D + SLACK, `${out.ms.toFixed(0)} ms`);
});

test('R3 refused for good: attempts = maxAttempts, then GW_UPSTREAM_UNAVAILABLE maybeExecuted=false within D', async (t) => {
  const client = await h.client();
  const retries: { attempt: number; delayMs: number; neverSent: boolean }[] = [];
  const off = h.gateway.pipelines.resilience.get('one').events.retry.on('retry', (e) => retries.push(e));
  await proxies[0]!.down();
  const out = await call(client, 'one__create');
  off();
  await proxies[0]!.up();
  assert.equal(gwCode(out), 'GW_UPSTREAM_UNAVAILABLE');
  assert.equal(out.data?.maybeExecuted, false);
  assert.deepEqual(
    retries.map((r) => r.attempt),
    [1, 2],
  );
  // Full jitter: retry n waits in [0, min(250, 25·2ⁿ)].
  retries.forEach((r, n) => assert.ok(r.delayMs <= Math.min(250, 25 * 2 ** n), `retry ${n}: ${r.delayMs} ms`));
  // Not GW_TIMEOUT (asserted above): the attempts ran out before the deadline D; the bound only catches a hang.
  t.diagnostic(`gave up after ${out.ms.toFixed(0)} ms (D = ${D}), delays ${retries.map((r) => r.delayMs.toFixed(0)).join(', ')} ms`);
  assert.ok(out.ms <= D + SLACK, `${out.ms.toFixed(0)} ms`);
});

test('R3 replica refusing connections: calls fail over (0 caller errors) and the replica is ejected', async () => {
  const client = await h.client();
  const events = h.gateway.pipelines.resilience.get('pair').events.replica;
  const ejected: number[] = [];
  let failovers = 0;
  const offs = [events.on('ejected', (e) => ejected.push(e.replica)), events.on('failover', () => void failovers++)];
  await proxies[1]!.down();
  const outs = [];
  for (let i = 0; i < 5; i++) outs.push(await call(client, 'pair__create'));
  for (const off of offs) off();
  assert.deepEqual(
    outs.filter((o) => !o.ok).map((o) => o.message),
    [],
  );
  assert.deepEqual(ejected, [0], 'replica 0 ejected after 3 refusals');
  assert.equal(failovers, 3, 'after the ejection calls go straight to replica 1');
});
