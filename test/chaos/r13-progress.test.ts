// R13 — a long tool that reports progress: progress restarts the per-attempt timer (T = 500 ms) but never
// the overall deadline (3 s): the call is cancelled at the deadline, not retried (it is committed), and the
// upstream receives the cancellation. Control: the same tool without progress times out at T.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, gwCode, SLACK, startGateway, stdioUpstream, TIMER_GRAIN, waitFor, type Harness } from './_harness.js';

const T = 500;
const MAX = 3_000;
let h: Harness;
let up: ReturnType<typeof stdioUpstream>;

before(async () => {
  const progress = { progress: { count: 20, intervalMs: 300 } };
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

test('R13 progress every 300 ms extends the 500 ms attempt timer, but the call ends at the 3 s deadline, unretried', async (t) => {
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
