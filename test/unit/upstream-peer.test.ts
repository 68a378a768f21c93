import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError, UpstreamRpcError } from '../../src/errors/index.js';
import type { JsonRpcMessage, JsonRpcNotification, RequestId } from '../../src/protocol/index.js';
import { JsonRpcPeer, UNATTRIBUTABLE_MESSAGE, type Channel, type ChannelHandlers, type SendOptions } from '../../src/upstream/index.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** An in-memory channel: records what the peer sends, lets the test inject what the upstream says. */
class FakeChannel implements Channel {
  sent: { message: JsonRpcMessage; options: SendOptions | undefined }[] = [];
  handlers!: ChannelHandlers;
  constructor(
    readonly correlated = false,
    readonly cancelByAbort = false,
  ) {}
  setHandlers(h: ChannelHandlers): void {
    this.handlers = h;
  }
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    this.sent.push({ message, options });
    return this.correlated && 'id' in message && 'method' in message ? new Promise(() => {}) : Promise.resolve();
  }
  setWire(): void {}
  handshakeDone(): void {}
  async close(): Promise<void> {
    this.handlers.close('closed');
  }
  in(message: unknown, related?: RequestId): void {
    this.handlers.message(message, related);
  }
  last(): Record<string, unknown> {
    return this.sent.at(-1)!.message as unknown as Record<string, unknown>;
  }
}

function setup(correlated = false, cancelByAbort = false) {
  const channel = new FakeChannel(correlated, cancelByAbort);
  const events: JsonRpcNotification[] = [];
  let fallback: ((r: unknown) => Promise<Record<string, unknown>>) | undefined;
  const peer = new JsonRpcPeer(channel, { name: 'up', log: silent, onNotification: (n) => events.push(n), fallback: () => fallback });
  return { channel, peer, events, setFallback: (f: typeof fallback) => (fallback = f) };
}

const signal = () => new AbortController().signal;

void describe('JsonRpcPeer', () => {
  void it('maps progress by a gateway token, in order, the final one before the result; keeps other _meta keys', async () => {
    const { channel, peer } = setup();
    const seen: string[] = [];
    const done = peer.request(
      'tools/call',
      { name: 't', _meta: { keep: 1, progressToken: 'callers' } },
      { signal: signal(), onProgress: (p) => seen.push(`p${p.progress}`) },
    );
    const sent = channel.last();
    const meta = (sent.params as { _meta: Record<string, unknown> })._meta;
    assert.equal(meta.keep, 1);
    assert.match(String(meta.progressToken), /^bw-\d+$/);
    for (let i = 1; i <= 3; i++)
      channel.in({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: meta.progressToken, progress: i, total: 3 },
      });
    channel.in({ jsonrpc: '2.0', id: sent.id, result: { ok: true } });
    seen.push('returned');
    assert.deepEqual(await done, { ok: true });
    assert.deepEqual(seen, ['p1', 'p2', 'p3', 'returned']);
  });

  void it('rejects with the upstream error verbatim', async () => {
    const { channel, peer } = setup();
    const done = peer.request('x', undefined, { signal: signal() });
    channel.in({ jsonrpc: '2.0', id: channel.last().id, error: { code: -32000, message: 'exact', data: null } });
    const err = await done.catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamRpcError);
    assert.deepEqual([err.rpcCode, err.message, err.data, err.hasData], [-32000, 'exact', null, true]);
  });

  void it('abort: rejects at once with the reason, sends notifications/cancelled, counts the late response', async () => {
    const { channel, peer } = setup();
    const controller = new AbortController();
    const done = peer.request('x', undefined, { signal: controller.signal });
    const id = channel.last().id;
    controller.abort('bye');
    await assert.rejects(done, (e) => e === 'bye');
    assert.deepEqual(channel.last(), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'bye' } });
    channel.in({ jsonrpc: '2.0', id, result: {} });
    channel.in({ jsonrpc: '2.0', id: 4242, result: {} });
    assert.equal(peer.stats.lateResponses, 1);
    assert.equal(peer.stats.unknownResponses, 1);
  });

  void it('modern HTTP cancels by closing the stream: no notification, the send signal is the caller’s', async () => {
    const { channel, peer } = setup(true, true);
    const controller = new AbortController();
    const done = peer.request('x', undefined, { signal: controller.signal });
    assert.equal(channel.sent[0]!.options?.signal, controller.signal);
    controller.abort('gone');
    await assert.rejects(done);
    assert.equal(channel.sent.length, 1);
  });

  void it('a close rejects every pending request at once with GW_UPSTREAM_UNAVAILABLE', async () => {
    const { channel, peer } = setup();
    const a = peer.request('a', undefined, { signal: signal() });
    const b = peer.request('b', undefined, { signal: signal() });
    await channel.close();
    for (const p of [a, b]) {
      const err = await p.catch((e: unknown) => e);
      assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE');
      assert.equal(err.data?.maybeExecuted, true);
    }
    const late = await peer.request('c', undefined, { signal: signal() }).catch((e: unknown) => e);
    assert.ok(late instanceof GatewayError && late.data?.maybeExecuted === false, 'never written');
  });

  void it('attributes an oversized message to its request by the id at either end', async () => {
    const { channel, peer } = setup();
    const done = peer.request('x', undefined, { signal: signal() });
    channel.handlers.malformed({
      reason: 'oversized',
      detail: 'big',
      head: '{"result":{"content":[{"text":"xxxx',
      tail: `xxxx"}]},"jsonrpc":"2.0","id":${channel.last().id}}`,
    });
    const err = await done.catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_PROTOCOL');
    channel.handlers.malformed({ reason: 'malformed', detail: 'junk', head: 'junk', tail: 'junk' });
    assert.equal(peer.stats.malformed, 2);
  });

  void it('answers ping locally; without correlation routes server→client requests to the oldest call of the one caller in flight', async () => {
    const { channel, peer, setFallback } = setup();
    channel.in({ jsonrpc: '2.0', id: 'p', method: 'ping' });
    assert.deepEqual(channel.last(), { jsonrpc: '2.0', id: 'p', result: {} });
    void peer.request('plain', undefined, { signal: signal() });
    void peer.request('first', undefined, { signal: signal(), owner: 's1', onRequest: async () => ({ from: 'first' }) });
    void peer.request('second', undefined, { signal: signal(), owner: 's1', onRequest: async () => ({ from: 'second' }) });
    channel.in({ jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: {} });
    await new Promise(setImmediate);
    assert.deepEqual(channel.last(), { jsonrpc: '2.0', id: 's1', result: { from: 'first' } });
    setFallback(async () => ({ from: 'fallback' }));
    const { channel: c2, setFallback: f2 } = setup();
    f2(async () => ({ from: 'fallback' }));
    c2.in({ jsonrpc: '2.0', id: 9, method: 'roots/list' });
    await new Promise(setImmediate);
    assert.deepEqual(c2.last(), { jsonrpc: '2.0', id: 9, result: { from: 'fallback' } });
  });

  void it('with correlation, routes by the carrying request; unrelated messages go to the fallback and events', async () => {
    const { channel, peer, events } = setup(true);
    const logs: string[] = [];
    void peer.request('a', undefined, {
      signal: signal(),
      onRequest: async () => ({ from: 'a' }),
      onNotification: (n) => logs.push(`a:${n.method}`),
    });
    void peer.request('b', undefined, {
      signal: signal(),
      onRequest: async () => ({ from: 'b' }),
      onNotification: (n) => logs.push(`b:${n.method}`),
    });
    channel.in({ jsonrpc: '2.0', method: 'notifications/message', params: {} }, 2);
    channel.in({ jsonrpc: '2.0', method: 'notifications/message', params: {} });
    channel.in({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }, 1);
    assert.deepEqual(logs, ['b:notifications/message']);
    assert.deepEqual(
      events.map((e) => e.method),
      ['notifications/message', 'notifications/tools/list_changed'],
    );
    channel.in({ jsonrpc: '2.0', id: 'r', method: 'elicitation/create', params: {} }, 2);
    channel.in({ jsonrpc: '2.0', id: 'u', method: 'elicitation/create', params: {} });
    await new Promise(setImmediate);
    const replies = channel.sent.map((s) => s.message).filter((m) => 'result' in m || 'error' in m);
    replies.sort((x, y) => String((x as { id: string }).id).localeCompare(String((y as { id: string }).id)));
    assert.deepEqual(replies, [
      { jsonrpc: '2.0', id: 'r', result: { from: 'b' } },
      // On the server's own stream, with two callers in flight: nobody can tell whose it is.
      {
        jsonrpc: '2.0',
        id: 'u',
        error: { code: -32603, message: UNATTRIBUTABLE_MESSAGE, data: { code: 'GW_UNATTRIBUTABLE', method: 'elicitation/create' } },
      },
    ]);
  });

  void it('the upstream’s notifications/cancelled aborts the handler and suppresses its reply', async () => {
    const { channel, peer } = setup();
    let aborted: unknown;
    void peer.request('a', undefined, {
      signal: signal(),
      onRequest: (_req, s) => new Promise((_, reject) => s.addEventListener('abort', () => reject((aborted = s.reason)))),
    });
    channel.in({ jsonrpc: '2.0', id: 7, method: 'sampling/createMessage', params: {} });
    channel.in({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'timeout' } });
    await new Promise(setImmediate);
    assert.equal(aborted, 'timeout');
    assert.equal(channel.sent.filter((s) => 'id' in s.message && s.message.id === 7).length, 0);
  });

  void it('adds baseMeta (modern envelope) over the caller’s _meta, without copying params otherwise', async () => {
    const { channel, peer } = setup();
    const params = { name: 'x' };
    void peer.request('tools/call', params, { signal: signal() });
    assert.equal((channel.last() as { params: unknown }).params, params, 'legacy, no progress: params passed as is');
    peer.baseMeta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
    void peer.request(
      'tools/call',
      { name: 'x', _meta: { 'io.modelcontextprotocol/protocolVersion': 'forged', k: 1 } },
      { signal: signal() },
    );
    assert.deepEqual((channel.last() as { params: unknown }).params, {
      name: 'x',
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', k: 1 },
    });
  });
});
