// R1 — upstream killed mid-call: the caller gets GW_UPSTREAM_UNAVAILABLE (maybeExecuted) fast and within the
// deadline, an unsafe tool is not retried, a safe one fails over to the other replica, N failures open the
// breaker which then fails fast without reaching the upstream, the stdio child is respawned, the gateway stays up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import {
  assertDecidedFast,
  call,
  gwCode,
  httpMocks,
  signal,
  SLACK,
  startGateway,
  stdioUpstream,
  timeDecisions,
  waitFor,
  watchUnhandled,
  type Harness,
} from './_harness.js';

// The deadline is not this file's subject: generous, so a loaded machine cannot turn a slow exit, respawn
// or failover into a GW_TIMEOUT. Outcome codes still tell the mechanism apart (a missed fault ends in GW_TIMEOUT).
const D = 10_000;
const breaker = { consecutiveFailures: 5, openMs: 1_000, halfOpenProbes: 3 };
const restart = { initialDelayMs: 50, maxDelayMs: 200, maxRestarts: 50, windowMs: 60_000 };

let h: Harness;
let solo: ReturnType<typeof stdioUpstream>;
let loop: ReturnType<typeof stdioUpstream>;
let duo: Awaited<ReturnType<typeof httpMocks>>;
const unhandled = watchUnhandled();

before(async () => {
  solo = stdioUpstream({ tools: { slow: { latency: 1_000 }, crashy: { crashAfterCalls: 0 } } });
  loop = stdioUpstream({ tools: { crashy: { crashAfterCalls: 0 } } });
  duo = await httpMocks([{ tools: { slow: { latency: 1_000 } } }, { tools: { slow: { latency: 1_000 } } }]);
  h = await startGateway(
    {
      upstreams: {
        // A long open time: waiting for the respawned child must not let the breaker go half-open.
        solo: { ...solo.config, restart, policies: { timeoutMs: D, retry: { enabled: true }, breaker: { ...breaker, openMs: 30_000 } } },
        // A crash loop (more than one restart a minute) must open the breaker on its own.
        loop: {
          ...loop.config,
          restart: { ...restart, maxRestarts: 1 },
          policies: { timeoutMs: D, breaker: { ...breaker, consecutiveFailures: 100 } },
        },
        duo: {
          url: duo[0]!.url,
          replicas: [{ url: duo[1]!.url }],
          policies: { timeoutMs: D, retry: { enabled: true }, breaker, replicas: { strategy: 'failover' } },
          toolPolicies: { slow: { idempotent: true } },
        },
      },
    },
    ['solo__slow', 'solo__crashy', 'loop__crashy', 'duo__slow'],
  );
});

after(async () => {
  await h?.stop();
  await Promise.all(duo.map((m) => m.stop()));
  for (const f of [solo, loop, ...duo]) f.files.cleanup();
  unhandled.dispose();
});

test('R1 unsafe tool: SIGKILL mid-call → GW_UPSTREAM_UNAVAILABLE maybeExecuted (the exit ends the call, not the deadline), no retry, child respawned', async (t) => {
  const client = await h.client();
  let retries = 0;
  const off = h.gateway.pipelines.resilience.get('solo').events.retry.on('retry', () => void retries++);
  const exits: unknown[] = [];
  const offExit = h.gateway.upstreams.get('solo')![0]!.events.on('exit', (e) => exits.push(e));
  const pending = call(client, 'solo__slow');
  const before = await waitFor(
    () => (solo.files.readStats().calls.slow === 1 ? solo.files.readStats() : undefined),
    20_000,
    'the call upstream',
  );
  const killedAt = performance.now();
  signal(before.pid, 'SIGKILL');
  const out = await pending;
  const sinceKill = performance.now() - killedAt;
  off();
  assert.equal(out.ok, false);
  assert.equal(gwCode(out), 'GW_UPSTREAM_UNAVAILABLE');
  assert.equal(out.data?.maybeExecuted, true);
  // The exit ends the call: had the gateway missed it, the call would wait for the deadline (GW_TIMEOUT).
  t.diagnostic(`error ${sinceKill.toFixed(0)} ms after the kill (target 200 ms), ${out.ms.toFixed(0)} ms after the call`);
  assert.ok(out.ms <= D + SLACK, `error after ${out.ms.toFixed(0)} ms`);
  assert.equal(retries, 0, 'a tool that may have run is never retried');
  // The supervisor respawns the child once; the new child never saw the call (no retry reached it).
  const respawned = await waitFor(
    () => {
      const s = solo.files.readStats();
      return s.pid !== before.pid ? s : undefined;
    },
    20_000,
    'the respawned child',
  );
  assert.equal(respawned.calls.slow, undefined);
  await waitFor(() => h.gateway.upstreams.get('solo')![0]!.state === 'ready', 20_000, 'ready again');
  offExit();
  assert.equal(exits.length, 1, 'one exit, one respawn');
  const again = await call(client, 'solo__slow');
  assert.equal(again.ok, true, 'the gateway stays up and serves the respawned child');
});

test('R1 safe tool with 2 replicas: SIGKILL of the serving replica → the call succeeds through the other (2 attempts)', async (t) => {
  const client = await h.client();
  const pending = call(client, 'duo__slow');
  await waitFor(async () => ((await duo[0]!.stats()).inFlight > 0 ? true : undefined), 20_000, 'the call on replica 0');
  signal(duo[0]!.proc.pid!, 'SIGKILL');
  const out = await pending;
  assert.equal(out.ok, true, `expected failover, got ${out.message}`);
  t.diagnostic(`failover call took ${out.ms.toFixed(0)} ms (D = ${D})`);
  assert.ok(out.ms <= D + SLACK, `took ${out.ms.toFixed(0)} ms`);
  assert.equal(duo[0]!.files.readStats().calls.slow, 1);
  assert.equal((await duo[1]!.stats()).calls.slow, 1, 'attempts = 2: one per replica');
});

test('R1 breaker: N = 5 crashes open it; the next calls fail fast in the gateway (GW_CIRCUIT_OPEN) without reaching the upstream', async (t) => {
  const client = await h.client();
  const breakerOf = h.gateway.pipelines.resilience.get('solo').breakers[0]!;
  const conn = h.gateway.upstreams.get('solo')![0]!;
  for (let i = 0; i < breaker.consecutiveFailures; i++) {
    // Each crash is met by a ready child: a call that waited for a respawn could meet the deadline D on a
    // loaded machine (spawning node with tsx takes seconds there) and fail with GW_TIMEOUT instead.
    await waitFor(() => conn.state === 'ready', 20_000, `ready before crash ${i + 1}`);
    const out = await call(client, 'solo__crashy');
    assert.equal(gwCode(out), 'GW_UPSTREAM_UNAVAILABLE', `crash ${i + 1}: ${out.message}`);
    assert.ok(out.ms <= D + SLACK, `crash ${i + 1} took ${out.ms.toFixed(0)} ms`);
  }
  assert.equal(breakerOf.state, 'open');
  await waitFor(() => conn.state === 'ready', 20_000, 'respawn');
  // Every call first waits for in-flight list refreshes (the respawned child's tools/list): let them settle.
  await h.gateway.aggregator.whenLoaded(20_000);
  const callsBefore = solo.files.readStats().calls.slow ?? 0;
  const d = await timeDecisions(h, 'solo__slow', 50);
  assert.deepEqual([...d.codes], ['GW_CIRCUIT_OPEN']);
  // The slow tool takes 1 s upstream: a bound of 250 ms proves the gateway did not wait for it.
  assertDecidedFast(t, 'fast-fail', d);
  const viaClient = await call(client, 'solo__slow');
  assert.equal(gwCode(viaClient), 'GW_CIRCUIT_OPEN');
  assert.equal(typeof viaClient.data?.retryAfterMs, 'number');
  t.diagnostic(`the client saw the fast-fail after ${viaClient.ms.toFixed(1)} ms (target 5 ms)`);
  assert.equal(solo.files.readStats().calls.slow ?? 0, callsBefore, 'no call reached the upstream: 0 attempts while open');
});

test('R1 crash loop: a stdio upstream reported down opens its breaker, so calls fail fast', async () => {
  const client = await h.client();
  const conn = h.gateway.upstreams.get('loop')![0]!;
  for (let i = 0; i < 2; i++) {
    // As above: crash a ready child, so the deadline never races a slow respawn.
    await waitFor(() => conn.state === 'ready', 20_000, `ready before crash ${i + 1}`);
    const out = await call(client, 'loop__crashy');
    assert.equal(gwCode(out), 'GW_UPSTREAM_UNAVAILABLE', `crash ${i + 1}: ${out.message}`);
  }
  await waitFor(() => conn.state === 'down', 20_000, 'crash-loop verdict');
  const b = h.gateway.pipelines.resilience.get('loop').breakers[0]!;
  assert.equal(b.state, 'open', 'tripped by the supervisor, not by 100 failures');
  const out = await call(client, 'loop__crashy');
  assert.equal(gwCode(out), 'GW_CIRCUIT_OPEN');
  assert.equal(unhandled.count, 0, 'no unhandled rejection in the whole file');
});
