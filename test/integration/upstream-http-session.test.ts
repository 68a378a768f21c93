// Legacy Streamable HTTP session lifecycle against the raw fixture: a GET stream the server refuses or drops
// at once backs off (restart policy) instead of looping, replaced sessions are DELETEd, the re-initialise
// log line is rate-limited, and a stale session answered with 400 (the SDK examples' way) is re-established.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock, systemClock, type Clock } from '../../src/core/index.js';
import { createUpstreamConnection, type UpstreamConnection, type UpstreamSpec } from '../../src/upstream/index.js';
import { waitFor } from '../helpers/mock-upstream.js';
import { captureLogger, control, startServer, within, type ServerProcess } from '../helpers/upstream-harness.js';

const RAW_HTTP = new URL('../fixtures/upstream-raw/http-server.mjs', import.meta.url).pathname;
/** `random() = 1`: every backoff delay is exactly min(max, initial·2ⁿ⁻¹). */
const maxRandom = { next: () => 1 };
const restart = { initialDelayMs: 100, maxDelayMs: 10_000, factor: 2 };

const open: UpstreamConnection[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(env: Record<string, string>): Promise<{ port: number; url: string }> {
  const s = await startServer([RAW_HTTP], env);
  servers.push(s);
  return { port: s.port, url: `http://127.0.0.1:${s.port}/mcp` };
}

function connect(spec: Partial<UpstreamSpec> & { url: string }, clock: Clock) {
  const log = captureLogger();
  const conn = createUpstreamConnection({ name: 'http', kind: 'streamable-http', restart, ...spec }, { clock, log, random: maxRandom });
  open.push(conn);
  return { conn, log, clock };
}

type Stats = { initializes: number; deletes: number; gets: number; sessions: number };
const stats = async (port: number) => (await control(port, '/_stats')) as unknown as Stats;

/**
 * Real time during which nothing may happen (the loop waits on the manual clock). Without backoff the
 * old loop ran dozens of initialize + GET cycles in this time; a slow machine can only make it fewer.
 */
const QUIET_MS = 300;
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));

/** A manual clock that remembers every delay asked of it (to know when the GET loop sleeps). */
class WatchedClock extends ManualClock {
  readonly delays: number[] = [];
  override setTimeout(fn: () => void, ms: number) {
    this.delays.push(ms);
    return super.setTimeout(fn, ms);
  }
}

/** Waits until the GET loop went to sleep for `delay` ms of clock time. */
const sleeping = (clock: WatchedClock, delay: number) =>
  waitFor(() => (clock.delays.includes(delay) ? true : undefined), 10_000, `a ${delay} ms backoff timer`);

/** Waits until the fixture saw `gets` GET requests and the re-initialisation they caused. */
const untilCycle = async (port: number, gets: number): Promise<Stats> => {
  let last: Stats | undefined;
  try {
    return await waitFor(
      async () => {
        const s = (last = await stats(port));
        return s.gets === gets && s.initializes === gets + 1 && s.deletes === gets ? s : undefined;
      },
      10_000,
      `cycle ${gets}`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}`, { cause: err });
  }
};

void describe('legacy HTTP session lifecycle', () => {
  void it('GET answered 404 on a live session: each re-initialise cycle waits out a doubling backoff, DELETEs the old session, logs rarely', async (t) => {
    const { port, url } = await server({ RAW_GET: '404' });
    const clock = new WatchedClock();
    const { conn, log } = connect({ url }, clock);
    await conn.start();
    // GET → 404 → initialize again (the old session DELETEd) → then the GET waits 100 ms of clock time.
    await untilCycle(port, 1);
    await quiet();
    const still = await stats(port);
    assert.deepEqual([still.gets, still.initializes, still.deletes], [1, 2, 1], 'no cycle without the clock moving');
    // Delays 100, 200, 400, 800, 1600, 3200: one cycle each, never one earlier.
    for (let n = 1; n <= 6; n++) {
      const delay = restart.initialDelayMs * 2 ** (n - 1);
      await sleeping(clock, delay);
      await clock.advanceAsync(delay - 1);
      await quiet();
      assert.equal((await stats(port)).gets, n, `cycle ${n + 1} waits its full ${delay} ms`);
      await clock.advanceAsync(1);
      await untilCycle(port, n + 1);
    }
    const s = await stats(port);
    assert.equal(s.sessions, 1, 'every replaced session was DELETEd: the server holds only the current one');
    const lines = log.lines.filter((l) => /re-initialising/.test(l.msg));
    t.diagnostic(`${s.initializes} initializes, ${s.deletes} DELETEs, ${lines.length} info lines`);
    assert.ok(lines.length <= 3, `at most the throttle's burst of lines for ${s.initializes - 1} re-initialisations (got ${lines.length})`);
    // Calls still work throughout (the POST side of each new session is fine).
    const list = await conn.request('tools/list', undefined, { signal: within(5_000) });
    assert.ok(Array.isArray(list.tools));
    // A minute later the next line reports what was suppressed.
    await clock.advanceAsync(60_000);
    await untilCycle(port, 8);
    const last = log.lines.filter((l) => /re-initialising/.test(l.msg)).at(-1)!;
    assert.ok(((last.obj as { suppressed?: number }).suppressed ?? 0) > 0, 'the suppressed count is reported');
  });

  void it('a GET stream that the server closes at once counts as a failure: reconnects back off', async () => {
    const { port, url } = await server({ RAW_GET: 'close' });
    const clock = new WatchedClock();
    const { conn } = connect({ url }, clock);
    await conn.start();
    await waitFor(async () => ((await stats(port)).gets === 1 ? true : undefined), 10_000, 'first GET');
    for (let n = 1; n <= 4; n++) {
      const delay = restart.initialDelayMs * 2 ** (n - 1);
      await sleeping(clock, delay);
      await clock.advanceAsync(delay - 1);
      await quiet();
      assert.equal((await stats(port)).gets, n, `GET ${n + 1} waits its full ${delay} ms`);
      await clock.advanceAsync(1);
      await waitFor(async () => ((await stats(port)).gets === n + 1 ? true : undefined), 10_000, `GET ${n + 1}`);
    }
    assert.equal((await stats(port)).initializes, 1, 'a dropped stream is not a lost session');
  });

  void it('a stale session answered with 400 "No valid session ID provided" (even echoing our id) is re-established, POST and GET', async () => {
    const { port, url } = await server({ RAW_STALE: '400' });
    const { conn } = connect({ url }, systemClock);
    await conn.start();
    await control(port, '/_wait?for=GET');
    await control(port, '/_forget', 'POST');
    const result = await conn.request('tools/call', { name: 'echo', arguments: { message: 'back' } }, { signal: within(10_000) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo:back' }]);
    assert.equal((await stats(port)).initializes, 2, 'one re-initialisation, then the call went through');
    // The GET stream follows the new session.
    await waitFor(async () => ((await stats(port)).gets >= 2 ? true : undefined), 10_000, 'GET on the new session');
  });

  void it('health check down then up: the session is re-established before the next message, the old one DELETEd', async () => {
    const { port, url } = await server({});
    const { conn } = connect({ url, healthCheck: { intervalMs: 50, timeoutMs: 50, method: 'ping' } }, systemClock);
    await conn.start();
    // SIGSTOP the server: probes time out, the check reports down; SIGCONT: the next probe re-initialises.
    const proc = servers.at(-1)!.child;
    proc.kill('SIGSTOP');
    try {
      await waitFor(() => (conn.state === 'down' ? true : undefined), 10_000, 'down');
    } finally {
      proc.kill('SIGCONT');
    }
    await waitFor(() => (conn.state === 'ready' ? true : undefined), 10_000, 'ready again');
    const s = await waitFor(
      async () => {
        const now = await stats(port);
        return now.initializes === 2 && now.deletes === 1 ? now : undefined;
      },
      10_000,
      'the renewal',
    );
    assert.equal(s.sessions, 1, 'the suspect session was DELETEd');
    const result = await conn.request('tools/call', { name: 'echo', arguments: { message: 'ok' } }, { signal: within(10_000) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo:ok' }]);
  });
});
