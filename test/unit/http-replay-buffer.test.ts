import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ManualClock, seededRandom } from '../../src/core/index.js';
import type { GatewayError } from '../../src/errors/index.js';
import { ReplayBuffer } from '../../src/transport/http/replay-buffer.js';
import { StreamRegistry, type StreamSettings } from '../../src/transport/http/resumable-streams.js';

const SETTINGS: StreamSettings = { replayBytes: 100, replayAgeMs: 1_000, pollAfterMs: 0, retryMs: 500, sse: 'auto' };

/** Enough of a ServerResponse for the stream: what was written, and whether it ended. */
function fakeResponse(): ServerResponse & { text: string } {
  const res = new EventEmitter() as EventEmitter & Record<string, unknown>;
  res.text = '';
  res.destroyed = false;
  res.writableEnded = false;
  res.write = (chunk: string) => ((res.text += chunk), true);
  res.end = (chunk?: string) => {
    if (chunk !== undefined) res.text += chunk;
    res.writableEnded = true;
    res.emit('close');
  };
  return res as unknown as ServerResponse & { text: string };
}

const message = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progress: n } });

void describe('ReplayBuffer', () => {
  void it('replays the events after an id, and refuses an id whose followers were dropped (bytes, then age)', () => {
    const clock = new ManualClock();
    const buffer = new ReplayBuffer(SETTINGS, clock);
    for (let i = 1; i <= 3; i++) buffer.push(`event-${i}:${'x'.repeat(20)}\n`);
    assert.deepEqual(buffer.after(1)?.length, 2);
    assert.equal(buffer.after(0)?.length, 3, 'all three fit in 100 bytes');
    buffer.push(`event-4:${'x'.repeat(20)}\n`);
    assert.equal(buffer.after(0), undefined, 'event 1 was dropped for bytes: resuming from 0 would skip it');
    assert.equal(buffer.after(1)?.length, 3);
    assert.equal(buffer.after(9), undefined, 'an id from the future is unknown');
    clock.advance(1_001);
    assert.equal(buffer.after(3)?.length, 1, 'the newest event is kept whatever its age');
    assert.equal(buffer.after(2), undefined);
  });

  void it('keeps the newest event even when it alone exceeds replayBytes', () => {
    const buffer = new ReplayBuffer(SETTINGS, new ManualClock());
    buffer.push('y'.repeat(500));
    assert.deepEqual(buffer.after(0), ['y'.repeat(500)]);
  });
});

void describe('ResumableStream', () => {
  void it('primes, ids every event, survives its response and cancels the call when nobody resumes within replayAgeMs', () => {
    const clock = new ManualClock();
    const registry = new StreamRegistry(SETTINGS, clock, seededRandom(1));
    const first = fakeResponse();
    const stream = registry.open('session-a', first, false);
    let cancelled: GatewayError | undefined;
    stream.cancel = (err) => (cancelled = err);
    assert.match(first.text, /^id: [0-9a-z]+:0\nretry: 500\ndata: \n\n$/);
    stream.send(message(1));
    first.end(); // the caller's connection went away
    stream.send(message(2)); // kept while nobody listens
    const found = registry.find('session-a', `${stream.id}:1`);
    assert.equal(found?.stream, stream);
    assert.equal(registry.find('session-b', `${stream.id}:1`), undefined, 'another session cannot resume it');
    const second = fakeResponse();
    stream.attach(second, found.seq);
    assert.equal(
      second.text,
      `id: ${stream.id}:2\nevent: message\ndata: ${JSON.stringify(message(2))}\n\nid: ${stream.id}:3\nretry: 500\ndata: \n\n`,
      'the missed event, then a priming event of its own',
    );
    second.end();
    clock.advance(999);
    assert.equal(cancelled, undefined);
    clock.advance(1);
    assert.equal((cancelled as GatewayError | undefined)?.code, 'GW_CANCELLED');
    assert.equal(registry.size, 0, 'an abandoned stream is dropped');
  });

  void it('a finished stream whose answer was delivered live is dropped at once', () => {
    const registry = new StreamRegistry(SETTINGS, new ManualClock());
    const res = fakeResponse();
    const stream = registry.open('s', res, false);
    stream.finish({ jsonrpc: '2.0', id: 1, result: {} });
    assert.equal(res.writableEnded, true);
    assert.equal(registry.size, 0);
  });

  void it('SSE polling ends the live response with a retry hint after pollAfterMs, and again on each resume', () => {
    const clock = new ManualClock();
    const registry = new StreamRegistry({ ...SETTINGS, pollAfterMs: 200 }, clock);
    const res = fakeResponse();
    const stream = registry.open('s', res, false);
    clock.advance(200);
    assert.equal(res.writableEnded, true);
    assert.ok(res.text.endsWith('retry: 500\n\n'));
    const again = fakeResponse();
    stream.attach(again, 0);
    clock.advance(199);
    assert.equal(again.writableEnded, false);
    clock.advance(1);
    assert.equal(again.writableEnded, true);
  });

  void it('a resumed response polled before anything happened still leaves the caller an id: the answer reaches the next GET', () => {
    const clock = new ManualClock();
    const registry = new StreamRegistry({ ...SETTINGS, pollAfterMs: 200 }, clock, seededRandom(2));
    const post = fakeResponse();
    const stream = registry.open('s', post, false);
    clock.advance(200);
    // Like an SDK client: each GET names the newest id of the response that just closed.
    const newestId = (res: { text: string }) => [...res.text.matchAll(/^id: (\S+)$/gm)].at(-1)?.[1];
    let last = newestId(post);
    for (let round = 1; round <= 3; round++) {
      const found = registry.find('s', last ?? '');
      assert.ok(found, `round ${round}: the caller still holds an id naming the call (${last})`);
      const get = fakeResponse();
      stream.attach(get, found.seq);
      assert.match(get.text, /^id: \S+:\d+\nretry: 500\ndata: \n\n$/, 'a priming event of its own, nothing else');
      clock.advance(200);
      assert.ok(get.text.endsWith('retry: 500\n\n'), 'polled again');
      last = newestId(get);
    }
    stream.finish({ jsonrpc: '2.0', id: 1, result: {} }); // answered while nobody listens
    const found = registry.find('s', last ?? '');
    assert.ok(found);
    const get = fakeResponse();
    stream.attach(get, found.seq);
    assert.equal(get.text, `id: ${stream.id}:4\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n`, 'the answer alone');
    assert.equal(get.writableEnded, true);
    assert.equal(registry.size, 0, 'delivered: dropped');
  });
});
