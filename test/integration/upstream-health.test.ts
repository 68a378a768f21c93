// The optional upstream health check: the monitor's logic on a manual clock, and real HTTP upstreams
// (the conformance fixture, both eras) reported 'down' when killed and 'ready' again once restarted.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock, flushMicrotasks, systemClock } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import {
  HealthMonitor,
  createUpstreamConnection,
  type UpstreamConnection,
  type UpstreamSpec,
  type UpstreamState,
} from '../../src/upstream/index.js';
import { captureLogger, nextEvent, within } from '../helpers/upstream-harness.js';
import { startFixture, type Fixture } from '../helpers/fixture-http.js';

// A suite bound only catches a hang: on a loaded 2-core CI box these suites can take minutes.
const opts = { timeout: 300_000 };
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const open: UpstreamConnection[] = [];
const fixtures: Fixture[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(fixtures.map((f) => f.stop()));
});

void describe('HealthMonitor (manual clock)', () => {
  function monitor(outcomes: (boolean | Error)[]) {
    const clock = new ManualClock();
    const changes: { healthy: boolean; reason?: string }[] = [];
    const signals: AbortSignal[] = [];
    const m = new HealthMonitor({
      name: 'u',
      log: quiet,
      clock,
      intervalMs: 100,
      timeoutMs: 30,
      failuresToDown: 2,
      probe: async (signal) => {
        signals.push(signal);
        const next = outcomes.shift();
        if (next instanceof Error) throw next;
        if (next === undefined) return new Promise<boolean>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        return next;
      },
      changed: (healthy, reason) => changes.push(reason === undefined ? { healthy } : { healthy, reason }),
    });
    return { clock, changes, signals, m };
  }

  void it('two consecutive failures report unhealthy once; one success reports healthy again', async () => {
    const { clock, changes, m } = monitor([
      new Error('refused'),
      true,
      new Error('refused'),
      new Error('refused'),
      new Error('again'),
      true,
    ]);
    m.start();
    await clock.advanceAsync(200, 100); // fail, succeed: the count starts over
    assert.equal(changes.length, 0);
    await clock.advanceAsync(200, 100); // fail, fail
    assert.equal(m.healthy, false);
    assert.equal(changes.length, 1);
    assert.match(changes[0]!.reason ?? '', /health check failed 2 times: refused/);
    await clock.advanceAsync(100); // still failing: no second report
    assert.equal(changes.length, 1);
    await clock.advanceAsync(100);
    assert.deepEqual(changes.at(-1), { healthy: true });
    assert.equal(m.healthy, true);
    m.stop();
    assert.equal(clock.pendingTimers, 0, 'stop clears every timer');
  });

  void it('a probe that hangs is cut at timeoutMs and counts as a failure; "nothing to probe" counts as neither', async () => {
    const { clock, changes, signals, m } = monitor([false, false]);
    m.start();
    await clock.advanceAsync(200, 100);
    assert.equal(changes.length, 0);
    await clock.advanceAsync(130, 10); // hangs → cut at 30 ms
    const cut = signals.at(-1);
    assert.ok(cut !== undefined);
    const reason: unknown = cut.reason;
    assert.equal(cut.aborted, true);
    assert.ok(reason instanceof GatewayError);
    await clock.advanceAsync(130, 10);
    assert.equal(m.healthy, false);
    m.stop();
    await flushMicrotasks();
    assert.equal(clock.pendingTimers, 0);
  });
});

function connect(spec: Partial<UpstreamSpec> & { url: string }): UpstreamConnection {
  const conn = createUpstreamConnection(
    {
      name: 'fixture',
      kind: 'streamable-http',
      restart: { initialDelayMs: 10, maxDelayMs: 200 },
      healthCheck: { intervalMs: 50, timeoutMs: 2_000, method: 'ping' },
      ...spec,
    },
    { clock: systemClock, log: captureLogger() },
  );
  open.push(conn);
  return conn;
}

/**
 * Waits for an event under a ref'd deadline: it bounds the wait, and it keeps the event loop alive
 * while only the connection's (unref'd) probe timers are pending. Generous: the wait for 'ready' spans
 * starting the fixture (a tsx child), which took over 15 s on a 2-core box at load 22.
 */
function bounded<T>(promise: Promise<T>, ms = 90_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const becomes = (conn: UpstreamConnection, state: UpstreamState) =>
  bounded(
    nextEvent<{ state: UpstreamState; reason?: string }>(
      (l) => conn.events.on('state', l),
      (e) => e.state === state,
    ),
  );

for (const era of ['modern', 'legacy'] as const) {
  void describe(`health check of a ${era} HTTP upstream`, opts, () => {
    void it('a killed server turns the upstream down; calls still go out; a restart on the same port makes it ready', async () => {
      const fixture = await startFixture();
      fixtures.push(fixture);
      const conn = connect({ url: fixture.url, era });
      await conn.start();
      assert.equal(conn.state, 'ready');

      const down = becomes(conn, 'down');
      await fixture.stop();
      const event = await down;
      assert.equal(conn.state, 'down');
      assert.match(event.reason ?? '', /health check failed 2 times/);

      // 'down' only reports: the call is still attempted (and fails on the wire, not fast as 'down').
      const err = await conn.request('tools/list', undefined, { signal: within(5_000) }).catch((e: unknown) => e);
      assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE', String(err));
      assert.match(err.message, /ECONNREFUSED/);

      const ready = becomes(conn, 'ready');
      const again = await startFixture(fixture.port);
      fixtures.push(again);
      await ready;
      assert.equal(conn.state, 'ready');
      const list = await conn.request('tools/list', undefined, { signal: within(5_000) });
      assert.ok(Array.isArray(list.tools));
    });
  });
}

void describe('without a health check', opts, () => {
  void it('a killed HTTP upstream stays ready (only callers see the failure)', async () => {
    const fixture = await startFixture();
    fixtures.push(fixture);
    const conn = connect({ url: fixture.url, healthCheck: { intervalMs: 0, timeoutMs: 0, method: 'ping' } });
    await conn.start();
    const states: UpstreamState[] = [];
    conn.events.on('state', ({ state }) => states.push(state));
    await fixture.stop();
    await assert.rejects(conn.request('tools/list', undefined, { signal: within(5_000) }), /ECONNREFUSED/);
    assert.equal(conn.state, 'ready');
    assert.deepEqual(states, []);
  });
});
