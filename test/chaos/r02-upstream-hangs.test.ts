// R2 — upstream hangs: the attempt timeout fires at T, the upstream receives the cancellation (seen after
// SIGCONT for a stopped process), the caller's latency stays within D, and timers go back to baseline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, gwCode, httpMocks, signal, SLACK, startGateway, stdioUpstream, TIMER_GRAIN, waitFor, type Harness } from './_harness.js';

const T = 500;
const D = 2_000;
let h: Harness;
let stdio: ReturnType<typeof stdioUpstream>;
let http: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  stdio = stdioUpstream({ tools: { hang: { hang: true }, slow: { latency: 1_500 } } });
  http = await httpMocks([{ tools: { slow: { latency: 1_500 } } }]);
  const policies = { timeoutMs: D, attemptTimeoutMs: T, healthCheck: { intervalMs: 0 } };
  h = await startGateway({ upstreams: { s: { ...stdio.config, policies }, w: { url: http[0]!.url, policies } } }, [
    's__hang',
    's__slow',
    'w__slow',
  ]);
});

after(async () => {
  await h?.stop();
  await Promise.all(http.map((m) => m.stop()));
  for (const f of [stdio, ...http]) f.files.cleanup();
});

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('R2 hung tool: GW_TIMEOUT (scope attempt, limitMs T) no earlier than T, and the upstream sees notifications/cancelled', async (t) => {
  const client = await h.client();
  const baseline = timers();
  const out = await call(client, 's__hang');
  assert.equal(gwCode(out), 'GW_TIMEOUT');
  assert.equal(out.data?.scope, 'attempt');
  assert.equal(out.data?.limitMs, T);
  // scope 'attempt' says the attempt timer ended it, not the deadline D: the upper bound only catches a hang.
  assert.ok(out.ms >= T - TIMER_GRAIN && out.ms <= T + SLACK, `timed out after ${out.ms.toFixed(0)} ms`);
  await waitFor(() => stdio.files.readStats().cancellations.hang === 1, 20_000, 'the upstream to count the cancellation');
  await waitFor(() => timers() <= baseline, 20_000, 'timers back to baseline');
  t.diagnostic(`attempt timeout after ${out.ms.toFixed(0)} ms (T = ${T})`);
});

test('R2 SIGSTOPped stdio upstream: timeout at T, cancellation delivered after SIGCONT, no late answer', async (t) => {
  const client = await h.client();
  const pending = call(client, 's__slow');
  const stats = await waitFor(() => (stdio.files.readStats().calls.slow === 1 ? stdio.files.readStats() : undefined));
  signal(stats.pid, 'SIGSTOP');
  let out;
  try {
    out = await pending;
  } finally {
    signal(stats.pid, 'SIGCONT');
  }
  t.diagnostic(`stdio attempt timeout after ${out.ms.toFixed(0)} ms (T = ${T})`);
  assert.equal(gwCode(out), 'GW_TIMEOUT');
  assert.equal(out.data?.scope, 'attempt', 'the attempt timer fired, before the deadline D');
  assert.equal(out.data?.limitMs, T);
  assert.ok(out.ms >= T - TIMER_GRAIN && out.ms <= T + SLACK, `timed out after ${out.ms.toFixed(0)} ms`);
  await waitFor(() => stdio.files.readStats().cancellations.slow === 1, 20_000, 'cancellation after SIGCONT');
  // The connection survived the stop: the next call is answered normally.
  assert.equal((await call(client, 's__hang')).data?.scope, 'attempt');
});

test('R2 SIGSTOPped HTTP upstream: timeout at T, the upstream sees its request stream closed after SIGCONT', async (t) => {
  const client = await h.client();
  const mock = http[0]!;
  const pending = call(client, 'w__slow');
  await waitFor(async () => ((await mock.stats()).inFlight > 0 ? true : undefined));
  signal(mock.proc.pid!, 'SIGSTOP');
  let out;
  try {
    out = await pending;
  } finally {
    signal(mock.proc.pid!, 'SIGCONT');
  }
  t.diagnostic(`HTTP attempt timeout after ${out.ms.toFixed(0)} ms (T = ${T})`);
  assert.equal(gwCode(out), 'GW_TIMEOUT');
  assert.equal(out.data?.scope, 'attempt', 'the attempt timer fired, before the deadline D');
  assert.equal(out.data?.limitMs, T);
  assert.ok(out.ms >= T - TIMER_GRAIN && out.ms <= T + SLACK, `timed out after ${out.ms.toFixed(0)} ms`);
  const s = await waitFor(
    async () => {
      const st = await mock.stats();
      return (st.disconnects.slow ?? 0) + (st.cancellations.slow ?? 0) >= 1 ? st : undefined;
    },
    20_000,
    'the upstream to see the request closed',
  );
  assert.equal(s.inFlight, 0);
});
