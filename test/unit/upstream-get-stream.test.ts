// GetStream backoff bookkeeping on a manual clock with a scripted pool: a stream that ends at once is a
// failure (the delay doubles), one that stayed open GET_STABLE_MS or carried an event proves the endpoint
// (the delay starts over), a stale-session answer (404, 400 naming the session) re-establishes it first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pool } from 'undici';
import { ManualClock, flushMicrotasks } from '../../src/core/index.js';
import { GET_STABLE_MS, GetStream } from '../../src/upstream/http-get-stream.js';

type Script = { status: number; body?: string; open?: Promise<void>; events?: string };
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** A pool whose n-th GET gets the n-th scripted answer (an SSE body ends when `open` resolves). */
function rig(script: Script[]) {
  const clock = new ManualClock();
  const delays: number[] = [];
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => (delays.push(ms), setTimeout(fn, ms));
  const expired: (string | undefined)[] = [];
  let gets = 0;
  const pool = {
    request: async () => {
      const s = script[gets++] ?? { status: 405 };
      const sse = s.status === 200;
      async function* body() {
        if (s.events !== undefined) yield Buffer.from(s.events);
        await s.open;
        if (s.body !== undefined) yield Buffer.from(s.body);
      }
      const it = body();
      return {
        statusCode: s.status,
        headers: sse ? { 'content-type': 'text/event-stream' } : { 'content-type': 'application/json' },
        body: Object.assign(it, { dump: async () => {}, destroy: () => {} }),
      };
    },
  } as unknown as Pool;
  const stream = new GetStream({
    name: 'u',
    pool,
    path: '/mcp',
    headers: () => ({ 'mcp-session-id': 's1' }),
    maxMessageBytes: 1 << 20,
    log: quiet,
    clock,
    random: { next: () => 1 },
    backoff: { initialDelayMs: 100, maxDelayMs: 10_000, factor: 2, maxRestarts: 5, windowMs: 60_000 },
    deliver: () => {},
    session: async () => {},
    expired: async (s) => void expired.push(s),
  });
  return { clock, delays, expired, stream, gets: () => gets };
}

/** Lets the loop run until it sleeps (or ends). */
const settle = () => flushMicrotasks(200);

void describe('GetStream backoff', () => {
  void it('streams that end at once double the delay; one open long enough starts it over', async () => {
    let close!: () => void;
    const open = new Promise<void>((r) => (close = r));
    const { clock, delays, stream } = rig([{ status: 200 }, { status: 200 }, { status: 200 }, { status: 200, open }, { status: 200 }]);
    stream.start();
    await settle();
    await clock.advanceAsync(100);
    await settle();
    await clock.advanceAsync(200);
    await settle();
    assert.deepEqual(delays, [100, 200, 400], 'three streams closed at once: 100, 200, 400');
    await clock.advanceAsync(400);
    await settle();
    await clock.advanceAsync(GET_STABLE_MS);
    close();
    await settle();
    assert.deepEqual(delays.at(-1), 100, 'a stream that stayed open proves the endpoint: back to the first delay');
    assert.equal(stream.failures, 1);
    stream.stop();
  });

  void it('an event proves the stream even if it ends at once', async () => {
    const { delays, stream, clock } = rig([{ status: 200 }, { status: 200, events: 'id: 1\ndata: \n\n' }]);
    stream.start();
    await settle();
    await clock.advanceAsync(100);
    await settle();
    assert.deepEqual(delays, [100, 100]);
    stream.stop();
  });

  void it('404 and a 400 naming the session re-establish it, then back off; another 400 is a plain failure', async () => {
    const stale400 = JSON.stringify({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
    });
    const other400 = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Bad Request: bad header' } });
    const { clock, delays, expired, stream } = rig([
      { status: 404, body: '' },
      { status: 400, body: stale400 },
      { status: 400, body: other400 },
    ]);
    stream.start();
    await settle();
    await clock.advanceAsync(100);
    await settle();
    await clock.advanceAsync(200);
    await settle();
    assert.deepEqual(expired, ['s1', 's1'], 'two stale-session answers, two renewals');
    assert.deepEqual(delays, [100, 200, 400], 'each of the three counts as a failure');
    stream.stop();
  });
});
