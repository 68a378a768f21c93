// R6 — error storm: every call fails with -32603 at 100 calls/s. The retry budget keeps upstream attempts
// ≤ 1.2 × offered + 3; the breaker opens, fails fast while open (the upstream sees only the K probes of
// each half-open period), admits exactly K concurrent probes half-open, and closes after K successes.
// Control: the same load answered with isError results keeps the breaker closed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { call, gwCode, httpMocks, openLoop, quantile, startGateway, timeDecisions, waitFor, type Harness } from './_harness.js';

const RATE = 100;
const K = 3;
const H = 1_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  const script = { tools: { storm: { error: { code: -32603, message: 'boom' } }, toolerr: { isError: true }, probe: { latency: 200 } } };
  mocks = await httpMocks([script, script]);
  const common = { timeoutMs: 2_000, retry: { enabled: true, maxAttempts: 3 }, healthCheck: { intervalMs: 0 } };
  const toolPolicies = { storm: { idempotent: true } };
  h = await startGateway(
    {
      upstreams: {
        nobrk: { url: mocks[0]!.url, policies: { ...common, breaker: { enabled: false } }, toolPolicies },
        brk: {
          url: mocks[1]!.url,
          policies: { ...common, breaker: { consecutiveFailures: 5, openMs: H, maxOpenMs: 4 * H, halfOpenProbes: K } },
          toolPolicies,
        },
      },
    },
    ['nobrk__storm', 'brk__storm', 'brk__toolerr', 'brk__probe'],
  );
});

after(async () => {
  await h?.stop();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const m of mocks) m.files.cleanup();
});

const clients = () => Promise.all([h.client(), h.client(), h.client(), h.client()]);

test('R6 retry budget holds: upstream attempts ≤ 1.2 × offered + 3 (breaker off)', async (t) => {
  const cs = await clients();
  const outs = await openLoop(RATE, 2_000, (i) => call(cs[i % cs.length]!, 'nobrk__storm'));
  const attempts = (await mocks[0]!.stats()).calls.storm ?? 0;
  t.diagnostic(`${outs.length} offered, ${attempts} upstream attempts`);
  assert.ok(
    outs.every((o) => o.code === -32603),
    'every caller sees the upstream error unchanged',
  );
  assert.ok(attempts <= 1.2 * outs.length + 3, `${attempts} attempts for ${outs.length} calls`);
  assert.ok(attempts > outs.length, 'some calls were retried');
});

test('R6 breaker: opens, fails fast (p99 < 5 ms in the gateway), upstream sees only K probes per half-open', async (t) => {
  const cs = await clients();
  const mock = mocks[1]!;
  const breaker = h.gateway.pipelines.resilience.get('brk').breakers[0]!;
  const transitions: string[] = [];
  // Upstream counts inside the first open period: once the attempts in flight at the opening have
  // landed, and shortly before the first probe is due. They must be equal: nothing reaches it while open.
  let whileOpen: Promise<[number, number]> | undefined;
  const off = breaker.events.on('transition', (e) => {
    transitions.push(e.to);
    if (e.to !== 'open' || whileOpen) return;
    const probeDue = performance.now() + (e.retryAfterMs ?? H);
    whileOpen = (async () => {
      const settled = await waitFor(async () => {
        const st = await mock.stats();
        return st.inFlight === 0 ? (st.calls.storm ?? 0) : undefined;
      });
      await waitFor(() => performance.now() >= probeDue - 150 || undefined, 5_000);
      return [settled, (await mock.stats()).calls.storm ?? 0];
    })();
  });
  const outs = await openLoop(RATE, 1_500, (i) => call(cs[i % cs.length]!, 'brk__storm'));
  off();
  const [atOpen, beforeProbe] = await whileOpen!;
  const attempts = (await mock.stats()).calls.storm ?? 0;
  const halfOpens = transitions.filter((s) => s === 'half-open').length;
  const fastFails = outs.filter((o) => gwCode(o) === 'GW_CIRCUIT_OPEN');
  t.diagnostic(
    `${outs.length} offered: ${fastFails.length} fast-failed (client p50 ${quantile(
      fastFails.map((o) => o.ms),
      0.5,
    ).toFixed(1)} ms); upstream attempts ${atOpen} when open, ${beforeProbe} before the first probe, ${attempts} in all; ` +
      `transitions ${transitions.join('→')}`,
  );
  assert.equal(transitions[0], 'open');
  assert.ok(atOpen <= 5 + 20, `5 failures open it (plus the attempts already in flight): ${atOpen}`);
  assert.equal(beforeProbe, atOpen, 'no upstream call while open');
  assert.ok(attempts - beforeProbe <= K * halfOpens, `${attempts - beforeProbe} attempts in ${halfOpens} half-open period(s)`);
  assert.ok(fastFails.length >= outs.length - 30, 'almost every call failed fast');
  if (breaker.state === 'open') {
    const d = await timeDecisions(h, 'brk__storm', 200);
    t.diagnostic(`gateway fast-fail: p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms wall, p99 ${d.cpuP99.toFixed(2)} ms CPU`);
    assert.deepEqual([...d.codes], ['GW_CIRCUIT_OPEN']);
    assert.ok(d.cpuP99 < 5 && d.p50 < 5, 'fast-fail < 5 ms');
  }
});

test('R6 half-open admits exactly K concurrent probes; K successes close it within H + 1 s', async () => {
  const cs = await clients();
  const breaker = h.gateway.pipelines.resilience.get('brk').breakers[0]!;
  await waitFor(() => breaker.state === 'half-open', 10_000, 'half-open');
  const halfOpenAt = performance.now();
  const before = (await mocks[1]!.stats()).calls.probe ?? 0;
  const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => call(cs[i % cs.length]!, 'brk__probe')));
  assert.equal(((await mocks[1]!.stats()).calls.probe ?? 0) - before, K, 'exactly K probes reached the upstream');
  assert.equal(outs.filter((o) => o.ok).length, K);
  assert.equal(outs.filter((o) => gwCode(o) === 'GW_CIRCUIT_OPEN').length, 10 - K);
  assert.equal(breaker.state, 'closed');
  assert.ok(performance.now() - halfOpenAt <= H + 1_000);
  assert.equal((await call(cs[0]!, 'brk__probe')).ok, true);
});

test('R6 control: the same load answered with isError results keeps the breaker closed', async () => {
  const cs = await clients();
  const breaker = h.gateway.pipelines.resilience.get('brk').breakers[0]!;
  const outs = await openLoop(RATE, 1_000, (i) => call(cs[i % cs.length]!, 'brk__toolerr'));
  assert.ok(outs.every((o) => o.ok && o.result?.isError === true));
  const snap = breaker.snapshot();
  assert.equal(snap.state, 'closed');
  assert.equal(snap.window.failures, 0);
  assert.equal(snap.consecutiveFailures, 0);
});
