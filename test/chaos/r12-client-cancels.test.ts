// R12 — the client cancels (legacy notifications/cancelled) or drops its connection (modern: closes the
// stream): the upstream sees the cancellation while the call still runs (the matrix's 100 ms is reported),
// and no retry or hedge starts after it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { call, startGateway, stdioUpstream, waitFor, type Harness, type Outcome } from './_harness.js';

const LATENCY = 10_000;
let h: Harness;
let up: ReturnType<typeof stdioUpstream>;

before(async () => {
  // Long enough that the call is still running when a loaded machine gets round to cancelling it.
  up = stdioUpstream({ tools: { long: { latency: LATENCY } } });
  h = await startGateway(
    {
      upstreams: {
        m: {
          ...up.config,
          policies: { timeoutMs: 3 * LATENCY, retry: { enabled: true }, healthCheck: { intervalMs: 0 } },
          toolPolicies: { long: { idempotent: true } },
        },
      },
    },
    ['m__long'],
  );
});

after(async () => {
  await h?.stop();
  up.files.cleanup();
});

async function cancelMidCall(client: Client, n: number): Promise<number> {
  let retries = 0;
  const off = h.gateway.pipelines.resilience.get('m').events.retry.on('retry', () => void retries++);
  const controller = new AbortController();
  let early: Outcome | undefined;
  const pending = call(client, 'm__long', {}, { signal: controller.signal }).then((o) => (early = o));
  await waitFor(() => (up.files.readStats().calls.long === n || early ? true : undefined), 20_000, 'the call upstream');
  assert.equal(early, undefined, `the call ended before it was cancelled: ${early?.message}`);
  const abortedAt = performance.now();
  controller.abort();
  await pending;
  // The mock counts a cancellation only for a call still running: one that arrived after the tool's 10 s
  // would find nothing to cancel. So the count proves the cancellation came in time, under any load.
  const s = await waitFor(
    () => {
      const st = up.files.readStats();
      return (st.cancellations.long ?? 0) + (st.disconnects.long ?? 0) >= n ? st : undefined;
    },
    20_000,
    'the upstream to count the cancellation',
  );
  const ms = performance.now() - abortedAt;
  off();
  assert.equal(retries, 0, 'no retry after a cancel');
  assert.equal(s.calls.long, n, 'one attempt per call');
  assert.equal(s.inFlight, 0);
  return ms;
}

test('R12 legacy client cancels: notifications/cancelled reaches the running upstream call, no retry', async (t) => {
  const ms = await cancelMidCall(await h.client(), 1);
  t.diagnostic(`upstream saw the cancellation ${ms.toFixed(0)} ms after the client aborted (target 100 ms)`);
});

test('R12 modern client drops the request stream: the running upstream call is cancelled, no retry', async (t) => {
  const client = new Client({ name: 'chaos-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(h.url)));
  try {
    const ms = await cancelMidCall(client, 2);
    t.diagnostic(`upstream saw the cancellation ${ms.toFixed(0)} ms after the client dropped the stream (target 100 ms)`);
  } finally {
    await client.close();
  }
});
