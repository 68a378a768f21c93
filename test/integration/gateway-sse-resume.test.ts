import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type ServerProcess } from '../helpers/upstream-harness.js';
import { captureLogger, mockUpstream, startEdgeGateway, waitFor, type EdgeGateway } from './_edge.js';
import * as sse from './_sse.js';
import { call, messagesOf, parse, readEvents, type SseEvent } from './_sse.js';

// SEP-1699 on the caller side, through a real gateway on 127.0.0.1: priming events, ids on every event,
// a replay buffer per stream, GET + Last-Event-ID, SSE polling (server.streams.pollAfterMs).
const POLLING = new URL('../fixtures/upstream-raw/polling-server.mjs', import.meta.url).pathname;
const up = mockUpstream({ tools: { slow: { latency: 700 }, steps: { progress: { count: 4, intervalMs: 150 } }, quick: {} } });
let gw: EdgeGateway;
/** No polling, every answer of a resumable caller on a primed SSE stream. */
let always: EdgeGateway;
/** sse: auto without polling. */
let plain: EdgeGateway;
let polling: ServerProcess;

const initialize = (version = '2025-11-25', url = gw.url) => sse.initialize(url, version);
const post = (session: string, body: object, signal?: AbortSignal, url = gw.url) => sse.post(url, session, body, signal);
const resume = (session: string, lastEventId: string, url = gw.url) => sse.resume(url, session, lastEventId);

before(async () => {
  polling = await startServer([POLLING]);
  gw = await startEdgeGateway(
    {
      server: { streams: { pollAfterMs: 250, retryMs: 40 } },
      upstreams: {
        m: { ...up.config, prefix: '' },
        p: { url: `http://127.0.0.1:${polling.port}/mcp`, prefix: 'p', policies: { healthCheck: { intervalMs: 0 } } },
      },
    },
    captureLogger().log,
  );
  always = await startEdgeGateway(
    { server: { streams: { sse: 'always', retryMs: 40 } }, upstreams: { m: { ...up.config, prefix: '' } } },
    captureLogger().log,
  );
  plain = await startEdgeGateway(
    { server: { streams: { retryMs: 40 } }, upstreams: { m: { ...up.config, prefix: '' } } },
    captureLogger().log,
  );
});
after(async () => {
  await gw?.stop();
  await always?.stop();
  await plain?.stop();
  await polling?.stop();
  up.files.cleanup();
});

/** Resumes like an SDK client: GET with the newest id until the answer to `callId` arrives (polling may close each GET). */
async function resumeUntil(session: string, from: string, callId: number, url = gw.url): Promise<{ events: SseEvent[]; gets: number }> {
  const events: SseEvent[] = [];
  let last = from;
  for (let gets = 1; gets <= 20; gets++) {
    const res = await resume(session, last, url);
    assert.equal(res.status, 200, `resume ${gets} from ${last}`);
    for (const e of await readEvents(res)) {
      events.push(e);
      if (e.id !== undefined) last = e.id;
      if (e.data !== '' && parse(e).id === callId) return { events, gets };
    }
  }
  assert.fail(`no answer to ${callId} after 20 resumes: ${JSON.stringify(events)}`);
}

void describe('gateway: resumable SSE streams for legacy callers (SEP-1699)', () => {
  void it('closes a long call’s stream after pollAfterMs (primed, with retry) and answers it on GET + Last-Event-ID', async (t) => {
    const session = await initialize();
    const res = await post(session, call(7, 'slow'));
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const first = await readEvents(res);
    assert.equal(first.length, 1, 'only the priming event before the poll close');
    const priming = first[0]!;
    assert.equal(priming.data, '');
    assert.match(priming.id ?? '', /^[0-9a-z]+:0$/);
    assert.equal(priming.retry, 40);
    const { events: rest, gets } = await resumeUntil(session, priming.id!, 7);
    assert.ok(messagesOf(rest).find((m) => m.id === 7)?.result, 'the result arrives on a resumed stream');
    t.diagnostic(`${gets} GET(s) to get the answer of a 700 ms call polled every 250 ms`);
    const streamId = priming.id!.split(':')[0];
    assert.ok(
      rest.every((e) => e.id?.startsWith(`${streamId}:`)),
      'every event carries an id of the same stream',
    );
  });

  void it('a caller that drops its connection mid-call has not cancelled: the missed events are replayed, in order, once', async () => {
    const session = await initialize('2025-11-25', always.url);
    const abort = new AbortController();
    const res = await post(session, call(8, 'steps', { progressToken: 'tok' }), abort.signal, always.url);
    const seen = await readEvents(res, (events) => events.length >= 2).catch(() => [] as SseEvent[]);
    abort.abort();
    assert.equal(seen.length, 2, 'priming + the first progress before leaving');
    const last = seen[1]!;
    assert.equal(parse(last).method, 'notifications/progress');
    const { events: rest, gets } = await resumeUntil(session, last.id!, 8, always.url);
    assert.equal(gets, 1, 'no polling here: one GET carries the rest');
    const messages = messagesOf(rest);
    const seqs = [...seen, ...rest].map((e) => Number(e.id!.split(':')[1]));
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
      `ids count up from the priming event without gaps or repeats: ${seqs.join(',')}`,
    );
    assert.equal(messages.at(-1)?.id, 8, 'the result comes last');
    assert.ok(messages.at(-1)?.result);
  });

  void it('Last-Event-ID of another session, or of an unknown stream, is refused with 400', async () => {
    const a = await initialize();
    const b = await initialize();
    const res = await post(a, call(9, 'slow'));
    const [priming] = await readEvents(res);
    assert.ok(priming?.id);
    const foreign = await resume(b, priming.id);
    assert.equal(foreign.status, 400);
    assert.equal(((await foreign.json()) as { error: { data: { code: string } } }).error.data.code, 'GW_INVALID_PARAMS');
    const unknown = await resume(a, 'nope:3');
    assert.equal(unknown.status, 400);
    await unknown.text();
    // The rightful session still gets its answer.
    const { events } = await resumeUntil(a, priming.id, 9);
    assert.ok(messagesOf(events).find((m) => m.id === 9)?.result);
  });

  void it('callers of 2025-06-18 get plain SSE: no priming event, no ids, no poll close', async () => {
    const session = await initialize('2025-06-18');
    const events = await readEvents(await post(session, call(10, 'steps', { progressToken: 't' })));
    assert.ok(events.length >= 2);
    assert.ok(
      events.every((e) => e.id === undefined && e.data !== ''),
      JSON.stringify(events),
    );
    assert.equal(parse(events.at(-1)!).id, 10);
  });

  void it('a quick call stays plain JSON (sse: auto), and is a primed SSE stream with sse: always', async () => {
    // On `plain` (auto, no polling): on `gw` a busy machine can stretch a quick call past pollAfterMs,
    // and a polled call is rightly an SSE stream.
    const session = await initialize('2025-11-25', plain.url);
    const res = await post(session, call(11, 'quick'), undefined, plain.url);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await res.json()) as { id: number }).id, 11);
    const other = await initialize('2025-11-25', always.url);
    const events = await readEvents(await post(other, call(12, 'quick'), undefined, always.url));
    assert.deepEqual(
      events.map((e) => [e.id?.split(':')[1], e.data === '' ? 'priming' : parse(e).id]),
      [
        ['0', 'priming'],
        ['1', 12],
      ],
    );
  });

  void it('an upstream that polls its own POST stream is resumed by the gateway: the call succeeds', async () => {
    const session = await initialize();
    const res = await post(session, call(12, 'p__poll'));
    let answer: unknown;
    if ((res.headers.get('content-type') ?? '').includes('application/json')) answer = await res.json();
    else {
      const first = await readEvents(res);
      answer = messagesOf(first).find((m) => m.id === 12);
      // On a busy machine the call can outlive pollAfterMs: the gateway then polls its own caller too
      // (priming + close); resume like an SDK client until the answer comes.
      if (answer === undefined) {
        const last = first.filter((e) => e.id !== undefined).at(-1)?.id;
        assert.ok(last, `a primed stream: ${JSON.stringify(first)}`);
        answer = messagesOf((await resumeUntil(session, last, 12)).events).find((m) => m.id === 12);
      }
    }
    assert.match(JSON.stringify(answer), /resumed:s\d+/, JSON.stringify(answer));
    const stats = (await (await fetch(`http://127.0.0.1:${polling.port}/_stats`)).json()) as { resumes: string[] };
    await waitFor(() => stats.resumes.length >= 1 || undefined, 5_000, 'the upstream saw a resume');
  });
});
