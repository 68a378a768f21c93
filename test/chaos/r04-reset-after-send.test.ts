// R4 — connection reset after the request was sent: the call may have run, so a non-idempotent tool is not
// retried (error with maybeExecuted: true) while an idempotent one is retried once on another replica.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FaultProxy } from './_fault-proxy.js';
import { call, gwCode, httpMocks, SLACK, startGateway, waitFor, type Harness } from './_harness.js';

// The deadline is not this file's subject: generous, so a loaded machine cannot turn a slow exit, respawn
// or failover into a GW_TIMEOUT. Outcome codes still tell the mechanism apart (a missed fault ends in GW_TIMEOUT).
const D = 10_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;
let proxy: FaultProxy;

before(async () => {
  // Long enough that a poll on a loaded machine still finds the call running upstream before it ends.
  const script = { tools: { create: { latency: 1_500 }, read: { latency: 1_500 } } };
  mocks = await httpMocks([script, script]);
  proxy = new FaultProxy({ host: '127.0.0.1', port: Number(new URL(mocks[0]!.url).port) });
  await proxy.up();
  const policies = { timeoutMs: D, retry: { enabled: true }, healthCheck: { intervalMs: 0 } };
  h = await startGateway(
    {
      upstreams: {
        solo: { url: proxy.url, policies },
        duo: { url: proxy.url, replicas: [{ url: mocks[1]!.url }], policies, toolPolicies: { read: { idempotent: true } } },
      },
    },
    ['solo__create', 'duo__read'],
  );
});

after(async () => {
  await h?.stop();
  await proxy.down();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

/** Starts a call, resets the proxied connection once the upstream is running it, and returns the outcome. */
async function resetMidCall(tool: string) {
  const client = await h.client();
  const pending = call(client, tool);
  await waitFor(async () => ((await mocks[0]!.stats()).inFlight > 0 ? true : undefined), 20_000, 'the call upstream');
  proxy.resetPeers();
  return pending;
}

test('R4 non-idempotent: reset after send → maybeExecuted: true, exactly one attempt', async (t) => {
  let retries = 0;
  const off = h.gateway.pipelines.resilience.get('solo').events.retry.on('retry', () => void retries++);
  const out = await resetMidCall('solo__create');
  off();
  assert.equal(gwCode(out), 'GW_UPSTREAM_UNAVAILABLE', out.message);
  assert.equal(out.data?.maybeExecuted, true);
  assert.equal(retries, 0);
  t.diagnostic(`failed ${out.ms.toFixed(0)} ms after the call (D = ${D})`);
  assert.ok(out.ms <= D + SLACK, `${out.ms.toFixed(0)} ms`);
  assert.equal((await mocks[0]!.stats()).calls.create, 1);
  assert.equal((await mocks[1]!.stats()).calls.create, undefined);
});

test('R4 idempotent: reset after send → retried once on the other replica, which answers', async (t) => {
  const out = await resetMidCall('duo__read');
  assert.equal(out.ok, true, out.message);
  t.diagnostic(`answered by the other replica after ${out.ms.toFixed(0)} ms (D = ${D})`);
  assert.ok(out.ms <= D + SLACK, `${out.ms.toFixed(0)} ms`);
  assert.equal((await mocks[0]!.stats()).calls.read, 1);
  assert.equal((await mocks[1]!.stats()).calls.read, 1);
});
