// R14 — graceful shutdown with calls in flight: the listener stops accepting at once, in-flight calls
// complete within the drain grace, stop() resolves, and the stdio upstream's process is reaped.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { call, SLACK, startGateway, stdioUpstream, waitFor, type Outcome } from './_harness.js';

const IN_FLIGHT = 20;
// Each call holds the upstream for LATENCY, long enough that all 20 are in flight together even when a
// loaded machine spreads their arrival over seconds; the grace covers LATENCY with room to spare.
const LATENCY = 3_000;
const GRACE = 15_000;
const up = stdioUpstream({ tools: { work: { latency: LATENCY } } });

after(() => up.files.cleanup());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('R14 stop() with 20 calls in flight: refuses new work at once, drains them, reaps the upstream', async (t) => {
  const h = await startGateway(
    { server: { drainTimeoutMs: GRACE }, upstreams: { m: { ...up.config, policies: { healthCheck: { intervalMs: 0 } } } } },
    ['m__work'],
  );
  const clients = await Promise.all(Array.from({ length: 4 }, () => h.client()));
  const calls: Promise<Outcome>[] = Array.from({ length: IN_FLIGHT }, (_, i) => call(clients[i % clients.length]!, 'm__work'));
  await waitFor(() => up.files.readStats().inFlight === IN_FLIGHT, 20_000, 'all calls upstream');
  const pid = up.files.readStats().pid;
  const t0 = performance.now();
  const stopping = h.gateway.stop();
  // New connections are refused from now on.
  const late = await fetch(h.url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) }).then(
    (r) => `HTTP ${r.status}`,
    (e: unknown) => `refused (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : String(e)})`,
  );
  const outs = await Promise.all(calls);
  await stopping;
  const stopMs = performance.now() - t0;
  await h.stop();
  t.diagnostic(`new request: ${late}; ${outs.filter((o) => o.ok).length}/${IN_FLIGHT} completed; stop() took ${stopMs.toFixed(0)} ms`);
  assert.ok(late.startsWith('refused') || late === 'HTTP 503', late);
  assert.deepEqual(
    outs.filter((o) => !o.ok).map((o) => o.message),
    [],
    'in-flight calls complete within the grace',
  );
  // The grace is the gateway's to enforce; the bound here only catches a stop() that hangs.
  assert.ok(stopMs <= GRACE + SLACK, `stop() took ${stopMs.toFixed(0)} ms`);
  assert.equal(alive(pid), false, 'the upstream process is gone');
});
