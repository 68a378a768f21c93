// R20 — an HTTP upstream restarts: an SDK-based server (server-everything, Streamable HTTP) is SIGKILLed and
// started again on the same port. The new process answers our old Mcp-Session-Id with 400 "Bad Request: No
// valid session ID provided" (not the spec's 404), echoing the request id. The health check reports the upstream
// down while it is gone; once it is back, the gateway re-establishes the session by itself (one new session,
// no loop) and calls succeed again within one health interval, without a gateway restart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import type { UpstreamState } from '../../src/upstream/index.js';
import { EVERYTHING, LOOPBACK, startServer, type ServerProcess } from '../helpers/upstream-harness.js';
import { call, freePort, gwCode, SLACK, startGateway, waitFor, watchUnhandled, type Harness } from './_harness.js';

const HEALTH_MS = 1_000;
let port = 0;
let server: ServerProcess;
let h: Harness;
const unhandled = watchUnhandled();

/** server-everything on `port`, counting the sessions it creates (its stdout says so for each). */
async function everything(): Promise<ServerProcess & { sessions: () => number }> {
  const s = await startServer(['--import', LOOPBACK, EVERYTHING, 'streamableHttp'], { PORT: String(port) });
  let sessions = 0;
  s.child.stdout!.on('data', (c: Buffer) => void (sessions += c.toString().split('Session initialized').length - 1));
  return Object.assign(s, { sessions: () => sessions });
}

before(async () => {
  port = await freePort();
  server = await everything();
  h = await startGateway(
    {
      upstreams: {
        ev: {
          url: `http://127.0.0.1:${port}/mcp`,
          policies: {
            timeoutMs: 5_000,
            healthCheck: { intervalMs: HEALTH_MS, timeoutMs: 500, method: 'ping' },
            // Short, so the breaker opened by 'down' is not what the test waits for.
            breaker: { openMs: 100, maxOpenMs: 100 },
          },
        },
      },
    },
    ['ev__echo'],
  );
});

after(async () => {
  await h?.stop();
  await server?.stop();
  unhandled.dispose();
});

test('R20 HTTP upstream killed and restarted on the same port (stale session → 400): calls succeed again within one health interval', async (t) => {
  const client = await h.client();
  const conn = h.gateway.upstreams.get('ev')![0]!;
  assert.equal((await call(client, 'ev__echo', { message: 'before' })).ok, true);

  await server.stop();
  await waitFor(() => conn.state === 'down', 5 * HEALTH_MS + SLACK, 'the health check reports down');
  const down = await call(client, 'ev__echo', { message: 'while down' });
  assert.equal(down.ok, false, 'nothing answers while the server is gone');

  const states: UpstreamState[] = [];
  const off = conn.events.on('state', (e) => void states.push(e.state));
  const restarted = await everything();
  server = restarted;
  const t0 = performance.now();
  // No call is made: the health check alone must bring the upstream back, session included.
  await waitFor(() => conn.state === 'ready', 3 * HEALTH_MS + SLACK, 'ready again');
  const readyMs = performance.now() - t0;
  off();
  const outcomes = [await call(client, 'ev__echo', { message: 'after 0' })];
  const firstOkMs = performance.now() - t0;
  for (let i = 1; i < 5; i++) outcomes.push(await call(client, 'ev__echo', { message: `after ${i}` }));
  t.diagnostic(
    `restart → ready in ${readyMs.toFixed(0)} ms, first successful call ${firstOkMs.toFixed(0)} ms after the restart (health interval ${HEALTH_MS} ms)`,
  );

  assert.ok(readyMs <= HEALTH_MS + SLACK, `ready ${readyMs.toFixed(0)} ms after the restart (one interval, plus slack for a loaded box)`);
  for (const o of outcomes) assert.equal(o.ok, true, `call after recovery failed: ${gwCode(o) ?? ''} ${o.message ?? ''}`);
  assert.deepEqual(
    (outcomes[0]!.result?.content as { text: string }[]).map((c) => c.text),
    ['Echo: after 0'],
  );
  assert.deepEqual(states, ['ready'], 'down → ready once, by the first passing probe: no flapping');
  assert.equal(restarted.sessions(), 1, 'exactly one new upstream session: re-initialised once, no loop');
  assert.equal(unhandled.count, 0);
});
