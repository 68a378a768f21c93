// R13 — a long tool that reports progress: progress restarts the per-attempt timer (T) but never the overall
// deadline (MAX): the call is cancelled at the deadline, not retried (it is committed), and the upstream
// receives the cancellation. Control: the same tool without progress times out at T.
// Progress comes every 200 ms against T = 3 s: only a stall of the gateway or the upstream longer than ~3 s
// could let the attempt timer fire between two notifications, so a loaded machine does not decide the verdict.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, gwCode, SLACK, startGateway, stdioUpstream, TIMER_GRAIN, waitFor, type Harness } from './_harness.js';

const T = 3_000;
const MAX = 8_000;
const EVERY = 200;
let h: Harness;
let up: ReturnType<typeof stdioUpstream>;

before(async () => {
  // 12 s of progress: longer than the deadline.
  const progress = { progress: { count: 60, intervalMs: EVERY } };
  up = stdioUpstream({ tools: { report: progress, quiet: progress } });
  h = await startGateway(
    {
      upstreams: {
        m: {
          ...up.config,
          policies: { timeoutMs: MAX, attemptTimeoutMs: T, retry: { enabled: true }, healthCheck: { intervalMs: 0 } },
          toolPolicies: { report: { idempotent: true } },
        },
      },
    },
    ['m__report', 'm__quiet'],
  );
});

after(async () => {
  await h?.stop();
  up.files.cleanup();
});

test('R13 progress every 200 ms extends the 3 s attempt timer, but the call ends at the 8 s deadline, unretried', async (t) => {
  const client = await h.client();
  let progress = 0;
  const out = await call(client, 'm__report', {}, { onprogress: () => void progress++ });
  t.diagnostic(`${progress} progress notifications, ended after ${out.ms.toFixed(0)} ms: ${out.message}`);
  assert.equal(gwCode(out), 'GW_TIMEOUT');
  assert.equal(out.data?.scope, 'deadline');
  assert.equal(out.data?.limitMs, MAX, 'the error names the route deadline, not the time left at the last progress');
  // Not before the deadline (a lower bound holds under any load); the upper bound only catches a hang.
  assert.ok(out.ms >= MAX - TIMER_GRAIN && out.ms <= MAX + SLACK, `${out.ms.toFixed(0)} ms`);
  assert.ok(progress >= 5, 'progress reached the client');
  const s = await waitFor(
    () => (up.files.readStats().cancellations.report === 1 ? up.files.readStats() : undefined),
    20_000,
    'cancellation upstream',
  );
  assert.equal(s.calls.report, 1, 'committed: never retried');
});

test('R13 control: without progress (no progress token) the same tool times out at T', async (t) => {
  const client = await h.client();
  const out = await call(client, 'm__quiet');
  t.diagnostic(`attempt timeout after ${out.ms.toFixed(0)} ms (T = ${T})`);
  assert.equal(gwCode(out), 'GW_TIMEOUT');
  assert.equal(out.data?.scope, 'attempt', 'the attempt timer ended it, not the deadline');
  assert.equal(out.data?.limitMs, T);
  assert.ok(out.ms >= T - TIMER_GRAIN && out.ms <= T + SLACK, `${out.ms.toFixed(0)} ms`);
});
