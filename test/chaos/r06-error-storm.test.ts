// R6 — error storm: every call fails with -32603 at 100 calls/s. The retry budget keeps upstream attempts
// ≤ 1.2 × offered + 3; the breaker opens, fails fast while open (the upstream sees only the K probes of
// each half-open period), admits exactly K concurrent probes half-open, and closes after K successes.
// Control: the same load answered with isError results keeps the breaker closed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import {
  assertDecidedFast,
  call,
  countRequests,
  gwCode,
  httpMocks,
  openLoop,
  quantile,
  signal,
  startGateway,
  timeDecisions,
  waitFor,
  type Harness,
  type Outcome,
} from './_harness.js';

const RATE = 100;
const K = 3;
const H = 1_000;
let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;

before(async () => {
  const script = { tools: { storm: { error: { code: -32603, message: 'boom' } }, toolerr: { isError: true }, probe: { latency: 200 } } };
  mocks = await httpMocks([script, script]);
  // A deadline far beyond the storm: these tests count attempts and outcomes, and on a loaded machine a
  // 2 s deadline would turn queued calls into GW_TIMEOUTs that say nothing about retries or the breaker.
  const common = { timeoutMs: 30_000, retry: { enabled: true, maxAttempts: 3 }, healthCheck: { intervalMs: 0 } };
  const toolPolicies = { storm: { idempotent: true } };
  h = await startGateway(
    {
      upstreams: {
        nobrk: { url: mocks[0]!.url, policies: { ...common, breaker: { enabled: false } }, toolPolicies },
        brk: {
          url: mocks[1]!.url,
          policies: {
            ...common,
            breaker: { consecutiveFailures: 5, openMs: H, maxOpenMs: 4 * H, halfOpenProbes: K },
            // No bulkhead queue between the breaker's admission and the send: an attempt admitted while
            // closed but queued could otherwise be sent while open, blurring "nothing sent while open".
            bulkhead: { enabled: false },
          },
          toolPolicies,
        },
      },
    },
    ['nobrk__storm', 'brk__storm', 'brk__toolerr', 'brk__probe'],
  );
});

after(async () => {
  for (const m of mocks ?? []) signal(m.proc.pid!, 'SIGCONT');
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
  const other = outs.filter((o) => o.code !== -32603).map((o) => `${o.code} ${o.message}`);
  assert.deepEqual(other, [], 'every caller sees the upstream error unchanged');
  assert.ok(attempts <= 1.2 * outs.length + 3, `${attempts} attempts for ${outs.length} calls`);
  assert.ok(attempts > outs.length, 'some calls were retried');
});

test('R6 breaker: opens, sends nothing while open, fails fast in the gateway, only K probes per half-open', async (t) => {
  const cs = await clients();
  const mock = mocks[1]!;
  const breaker = h.gateway.pipelines.resilience.get('brk').breakers[0]!;
  // The attempts the gateway has sent, noted synchronously at each transition: the count when the breaker
  // opens must still be the count when it goes half-open (a probe is admitted only after that transition).
  // How many were in flight at the opening depends on the machine's load, so it is reported, not bounded.
  const counter = countRequests(h, 'brk');
  const marks: { to: string; reason: string; sent: number; settled: number }[] = [];
  const off = breaker.events.on(
    'transition',
    (e) => void marks.push({ to: e.to, reason: e.reason, sent: counter.sent, settled: counter.settled }),
  );
  let outs: Outcome[];
  try {
    outs = await openLoop(RATE, 1_500, (i) => call(cs[i % cs.length]!, 'brk__storm'));
  } finally {
    off();
    counter.restore();
  }
  const total = counter.sent;
  const attempts = (await mock.stats()).calls.storm ?? 0;
  const fastFails = outs.filter((o) => gwCode(o) === 'GW_CIRCUIT_OPEN');
  const halfOpens = marks.filter((m) => m.to === 'half-open').length;
  t.diagnostic(
    `${outs.length} offered: ${fastFails.length} fast-failed (client p50 ${quantile(
      fastFails.map((o) => o.ms),
      0.5,
    ).toFixed(1)} ms); attempts sent/settled at each transition ${marks.map((m) => `${m.to}@${m.sent}/${m.settled}`).join(' → ')}; ` +
      `${total} sent, ${attempts} seen upstream, ${halfOpens} half-open period(s)`,
  );
  assert.equal(marks[0]?.to, 'open');
  assert.equal(marks[0]!.reason, 'consecutive-failures');
  assert.ok(marks[0]!.settled >= 5, `it opened after 5 failed attempts had come back: ${marks[0]!.settled}`);
  assert.equal(attempts, total, 'the upstream saw exactly the attempts the gateway sent');
  marks.forEach((m, i) => {
    const upTo = marks[i + 1]?.sent ?? total;
    if (m.to === 'open') assert.equal(upTo, m.sent, `no attempt sent while open (period ${i}: ${m.sent} → ${upTo})`);
    if (m.to === 'half-open') assert.ok(upTo - m.sent <= K, `at most K probes in half-open period ${i}: ${upTo - m.sent}`);
  });
  // Every call either failed fast or had an attempt sent (each sent attempt serves at most one call).
  assert.ok(fastFails.length > 0, 'calls failed fast');
  assert.ok(outs.length - fastFails.length <= total, `${outs.length - fastFails.length} calls not failed fast, ${total} sent`);
  assert.ok(
    outs.every((o) => o.code === -32603 || gwCode(o) === 'GW_CIRCUIT_OPEN'),
    'each caller got the upstream error or the fast-fail',
  );
  // The rejection's cost, timed in the gateway. On a loaded box the storm may end with the breaker half-open:
  // open it again so the timing always runs (it is the rejection path being timed, not how it opened).
  if (breaker.state !== 'open') breaker.trip('timing the fast-fail');
  const before = (await mock.stats()).calls.storm ?? 0;
  const d = await timeDecisions(h, 'brk__storm', 200);
  assert.deepEqual([...d.codes], ['GW_CIRCUIT_OPEN']);
  assert.equal((await mock.stats()).calls.storm ?? 0, before, 'fast-fails never reach the upstream');
  assertDecidedFast(t, 'gateway fast-fail', d);
});

test('R6 half-open admits exactly K concurrent probes; K successes close it', async (t) => {
  const cs = await clients();
  const mock = mocks[1]!;
  const breaker = h.gateway.pipelines.resilience.get('brk').breakers[0]!;
  await waitFor(() => breaker.state === 'half-open', 20_000, 'half-open');
  const halfOpenAt = performance.now();
  const before = (await mock.stats()).calls.probe ?? 0;
  // The upstream is stopped while the 10 calls arrive, so no probe can answer (and close the breaker)
  // before the last call has been decided, however the machine schedules them.
  signal(mock.proc.pid!, 'SIGSTOP');
  let outs: Outcome[];
  try {
    let settled = 0;
    const pending = Array.from({ length: 10 }, (_, i) => call(cs[i % cs.length]!, 'brk__probe').finally(() => void settled++));
    await waitFor(() => settled >= 10 - K || undefined, 20_000, `${10 - K} calls refused while K probes are in flight`);
    assert.equal(settled, 10 - K, 'the probes are still waiting for the stopped upstream');
    signal(mock.proc.pid!, 'SIGCONT');
    outs = await Promise.all(pending);
  } finally {
    signal(mock.proc.pid!, 'SIGCONT');
  }
  t.diagnostic(`closed ${(performance.now() - halfOpenAt).toFixed(0)} ms after going half-open (H = ${H})`);
  assert.equal(((await mock.stats()).calls.probe ?? 0) - before, K, 'exactly K probes reached the upstream');
  assert.equal(outs.filter((o) => o.ok).length, K);
  assert.equal(outs.filter((o) => gwCode(o) === 'GW_CIRCUIT_OPEN').length, 10 - K);
  assert.equal(breaker.state, 'closed');
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
