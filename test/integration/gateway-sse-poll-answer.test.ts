import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/gateway.js';
import { captureLogger, mockUpstream, startEdgeGateway, waitFor, type EdgeGateway } from './_edge.js';
import { call, initialize, messagesOf, post, readEvents, resume, seqOf, type SseEvent } from './_sse.js';

// SSE polling (server.streams.pollAfterMs) must not lose the answer of a call that outlives several poll
// closes. An SDK v2 client resumes with the newest id seen on the stream that just closed, so every resumed
// response must carry an id of its own: once a resumed GET was polled again before the answer came, the
// client had no id left and its next GET (without Last-Event-ID) was refused with 409; the call timed out.
const up = mockUpstream({
  tools: {
    slow: { latency: 1_500 },
    slower: { latency: 2_000 },
    stepsThenSlow: { progress: { count: 2, intervalMs: 50 }, latency: 1_500 },
    stepsThenAnswer: { progress: { count: 2, intervalMs: 50 }, latency: 600 },
  },
});
let gw: EdgeGateway;
const clients: Client[] = [];

before(async () => {
  gw = await startEdgeGateway(
    {
      server: { streams: { pollAfterMs: 330, sse: 'always', retryMs: 40 } },
      upstreams: { m: { ...up.config, prefix: '', era: 'legacy' } },
    },
    captureLogger().log,
  );
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.stop();
  up.files.cleanup();
});

async function sdkClient(): Promise<Client> {
  const client = await connect(gw.url, 'legacy');
  clients.push(client);
  return client;
}

/** One resumed response after another, each GET naming the newest id of the previous one only (the SDK's rule). */
async function resumeLikeSdk(session: string, from: string, callId: number): Promise<SseEvent[][]> {
  const streams: SseEvent[][] = [];
  let last = from;
  for (let gets = 1; gets <= 40; gets++) {
    const res = await resume(gw.url, session, last);
    assert.equal(res.status, 200, `GET ${gets} with Last-Event-ID ${last}`);
    const events = await readEvents(res);
    streams.push(events);
    if (messagesOf(events).some((m) => m.id === callId)) return streams;
    const newest = events.findLast((e) => e.id !== undefined)?.id;
    assert.ok(newest, `resumed response ${gets} closed without giving the caller an id to resume with: ${JSON.stringify(events)}`);
    last = newest;
  }
  assert.fail(`no answer to ${callId} after 40 resumes`);
}

void describe('gateway: SSE polling keeps the answer of a long legacy call', () => {
  void it('an SDK v2 client gets the answer of a silent call that outlives several poll closes', async (t) => {
    const client = await sdkClient();
    const t0 = performance.now();
    const result = (await client.callTool({ name: 'slow', arguments: {} }, { timeout: 20_000 })) as { content: unknown[] };
    assert.ok(Array.isArray(result.content), JSON.stringify(result));
    t.diagnostic(`1.5 s call polled every 330 ms answered after ${Math.round(performance.now() - t0)} ms`);
  });

  void it('an SDK v2 client gets the progress and the answer of a call that wrote progress before the poll close', async () => {
    const client = await sdkClient();
    const progress: number[] = [];
    const result = (await client.callTool(
      { name: 'stepsThenSlow', arguments: {} },
      { timeout: 20_000, onprogress: (p) => progress.push(p.progress) },
    )) as { content: unknown[] };
    assert.ok(Array.isArray(result.content), JSON.stringify(result));
    assert.deepEqual(progress, [1, 2]);
  });

  void it('raw HTTP: every resumed response starts with a priming event; ids count up across streams; the answer comes last, once', async (t) => {
    const session = await initialize(gw.url);
    const first = await readEvents(await post(gw.url, session, call(21, 'slower')));
    assert.deepEqual(
      first.map((e) => [seqOf(e), e.data, e.retry]),
      [[0, '', 40]],
      'the POST stream: the priming event, then the poll close',
    );
    const streams = await resumeLikeSdk(session, first[0]!.id!, 21);
    t.diagnostic(`${streams.length} GET(s) for a 2 s call polled every 330 ms`);
    // A GET that finds the call answered gets the answer alone (replayed, then the end); any other starts primed.
    for (const [i, events] of streams.entries()) {
      const answerOnly = events.length === 1 && messagesOf(events)[0]?.id === 21;
      assert.ok(answerOnly || events[0]?.data === '', `resumed response ${i + 1} starts with a priming event: ${JSON.stringify(events)}`);
    }
    const all = [first, ...streams].flat();
    assert.deepEqual(
      all.map(seqOf),
      all.map((_, i) => i),
      'ids count up by one across the POST and every resumed response',
    );
    const messages = messagesOf(all);
    assert.equal(messages.length, 1, 'the answer, once, and nothing else');
    assert.equal(messages[0]?.id, 21);
    assert.ok(messages[0]?.result);
    assert.equal(all.at(-1)?.data !== '', true, 'the answer is the last event');
  });

  void it('raw HTTP: progress before the poll close, answer while nobody listens: one GET replays the answer and ends', async () => {
    const session = await initialize(gw.url);
    const first = await readEvents(await post(gw.url, session, call(22, 'stepsThenAnswer', { progressToken: 'p' })));
    assert.equal(first[0]?.data, '', 'primed');
    assert.ok(
      messagesOf(first).every((m) => m.method === 'notifications/progress'),
      JSON.stringify(first),
    );
    // The upstream has answered and the gateway has nobody to write to: the answer waits in the replay buffer.
    await waitFor(
      () => {
        const stats = up.files.readStats();
        return stats.calls.stepsThenAnswer === 1 && stats.inFlight === 0 && gw.gateway.counts().upstreamInFlight === 0;
      },
      20_000,
      'the upstream answered',
    );
    const last = first.at(-1)!.id!;
    const replayed = await readEvents(await resume(gw.url, session, last));
    const all = [...first, ...replayed];
    assert.deepEqual(
      all.map(seqOf),
      all.map((_, i) => i),
      `ids count up without gaps or repeats: ${all.map((e) => e.id).join(' ')}`,
    );
    const messages = messagesOf(all);
    assert.deepEqual(
      messages.map((m) => m.method ?? m.id),
      ['notifications/progress', 'notifications/progress', 22],
      'both progress events, then the answer',
    );
    assert.ok(messages.at(-1)?.result);
    assert.notEqual(replayed.at(-1)?.data, '', 'the replayed response ends with the answer');
    const again = await resume(gw.url, session, last);
    assert.equal(again.status, 400, 'a delivered answer is not kept: the stream is gone');
    await again.text();
  });
});
