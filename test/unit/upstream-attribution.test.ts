// Issue 7.1/7.4: server→client requests and logs reach a caller only when they are certainly its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/index.js';
import type { JsonRpcMessage, JsonRpcNotification, RequestId } from '../../src/protocol/index.js';
import {
  clientCapabilitiesFor,
  JsonRpcPeer,
  type Channel,
  type ChannelHandlers,
  type Root,
  type UpstreamRequestOptions,
} from '../../src/upstream/index.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

class FakeChannel implements Channel {
  sent: JsonRpcMessage[] = [];
  handlers!: ChannelHandlers;
  readonly cancelByAbort = false;
  constructor(readonly correlated: boolean) {}
  setHandlers(h: ChannelHandlers): void {
    this.handlers = h;
  }
  send(message: JsonRpcMessage): Promise<void> {
    this.sent.push(message);
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
  replyTo(id: RequestId): Record<string, unknown> | undefined {
    return this.sent.find((m) => 'id' in m && m.id === id && !('method' in m)) as Record<string, unknown> | undefined;
  }
}

/** A caller's call: records what reached it. */
function caller(owner: string | undefined, seen: string[], answer: UpstreamRequestOptions['onRequest'] = async () => ({ from: owner })) {
  return {
    signal: new AbortController().signal,
    ...(owner !== undefined && { owner }),
    onRequest: (r: { method: string }, s: AbortSignal) => (seen.push(`${owner}:${r.method}`), answer!(r as never, s)),
    onNotification: (n: JsonRpcNotification) => void seen.push(`${owner}:${n.method}`),
  };
}

function setup(correlated = false, roots?: readonly Root[]) {
  const channel = new FakeChannel(correlated);
  const events: JsonRpcNotification[] = [];
  const peer = new JsonRpcPeer(channel, {
    name: 'up',
    log: silent,
    onNotification: (n) => events.push(n),
    fallback: () => undefined,
    ...(roots !== undefined && { roots }),
  });
  return { channel, peer, events };
}

const settle = () => new Promise(setImmediate);
const log = (data: string, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { level: 'info', data, ...(meta && { _meta: meta }) },
});
const sampling = (id: string, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'sampling/createMessage',
  params: { messages: [], maxTokens: 1, ...(meta && { _meta: meta }) },
});

void describe('attribution of server→client traffic on a shared channel', () => {
  void it('two callers in flight (no correlation): a request is refused and a log dropped, both counted, neither reaches anyone', async () => {
    const { channel, peer, events } = setup();
    const seen: string[] = [];
    void peer.request('tools/call', {}, caller('session-a', seen));
    void peer.request('tools/call', {}, caller('session-b', seen));
    channel.in(sampling('s1'));
    channel.in(log('b’s secret'));
    await settle();
    assert.deepEqual(seen, []);
    assert.deepEqual(events, [], 'a call’s log is never broadcast either');
    const reply = channel.replyTo('s1') as { error: { code: number; message: string; data: { code: string } } };
    assert.equal(reply.error.code, -32603);
    assert.equal(reply.error.data.code, 'GW_UNATTRIBUTABLE');
    assert.match(reply.error.message, /several callers share this upstream connection.*isolation: per-session/);
    assert.equal(peer.stats.unattributedRequests, 1);
    assert.equal(peer.stats.unattributedNotifications, 1);
  });

  void it('several calls of one caller: the oldest of them gets it; the gateway’s own requests never cast doubt', async () => {
    const { channel, peer } = setup();
    const seen: string[] = [];
    void peer.request('tools/list', undefined, { signal: new AbortController().signal });
    void peer.request('tools/call', {}, caller('session-a', seen));
    void peer.request('tools/call', {}, caller('session-a', seen));
    channel.in(sampling('s1'));
    channel.in(log('mine'));
    await settle();
    assert.deepEqual(seen, ['session-a:sampling/createMessage', 'session-a:notifications/message']);
    assert.deepEqual((channel.replyTo('s1') as { result: unknown }).result, { from: 'session-a' });
  });

  void it('a progress token names the call among several callers', async () => {
    const { channel, peer } = setup();
    const seen: string[] = [];
    void peer.request('tools/call', {}, caller('session-a', seen));
    void peer.request('tools/call', {}, { ...caller('session-b', seen), onProgress: () => {} });
    const sent = channel.sent[1] as unknown as { params: { _meta: { progressToken: string } } };
    const token = sent.params._meta.progressToken;
    channel.in(sampling('s1', { progressToken: token }));
    channel.in(log('b’s', { progressToken: token }));
    channel.in(sampling('s2', { progressToken: 'bw-unknown' }));
    await settle();
    assert.deepEqual(seen, ['session-b:sampling/createMessage', 'session-b:notifications/message']);
    assert.equal((channel.replyTo('s2') as { error: { data: { code: string } } }).error.data.code, 'GW_UNATTRIBUTABLE');
  });

  void it('calls without an owner but with handlers are each their own caller (never guessed between)', async () => {
    const { channel, peer } = setup();
    const seen: string[] = [];
    void peer.request('a', undefined, caller(undefined, seen));
    void peer.request('b', undefined, caller(undefined, seen));
    channel.in(sampling('s1'));
    await settle();
    assert.deepEqual(seen, []);
    assert.equal(peer.stats.unattributedRequests, 1);
  });

  void it('no call in flight: a log goes to the connection (for those who asked), a request is refused and counted', async () => {
    const { channel, peer, events } = setup();
    channel.in(log('server-wide'));
    channel.in(sampling('s1'));
    await settle();
    assert.deepEqual(
      events.map((e) => e.params?.data),
      ['server-wide'],
    );
    const reply = channel.replyTo('s1') as { error: { code: number; message: string } };
    assert.equal(reply.error.code, -32603);
    assert.match(reply.error.message, /no caller's call is in flight/);
    assert.equal(peer.stats.unattributedRequests, 1);
  });

  void it('with correlation: a log on a cancelled call’s stream is dropped; one on the server’s own stream goes to the connection', async () => {
    const { channel, peer, events } = setup(true);
    const seen: string[] = [];
    const controller = new AbortController();
    void peer.request('tools/call', {}, { ...caller('session-a', seen), signal: controller.signal }).catch(() => {});
    void peer.request('tools/call', {}, caller('session-b', seen));
    controller.abort('gone');
    channel.in(log('a’s late line'), 1);
    channel.in(log('server-wide'));
    channel.in(log('b’s line'), 2);
    await settle();
    assert.deepEqual(seen, ['session-b:notifications/message']);
    assert.deepEqual(
      events.map((e) => e.params?.data),
      ['server-wide'],
    );
    assert.equal(peer.stats.unattributedNotifications, 1);
  });
});

void describe('roots/list', () => {
  const ROOTS: Root[] = [{ uri: 'file:///srv/data', name: 'data' }];

  void it('configured roots answer when no caller can be told (several in flight, or none)', async () => {
    const { channel, peer } = setup(false, ROOTS);
    channel.in({ jsonrpc: '2.0', id: 'r0', method: 'roots/list' });
    const seen: string[] = [];
    void peer.request('tools/call', {}, caller('session-a', seen));
    void peer.request('tools/call', {}, caller('session-b', seen));
    channel.in({ jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
    await settle();
    assert.deepEqual(seen, []);
    assert.deepEqual((channel.replyTo('r0') as { result: unknown }).result, { roots: ROOTS });
    assert.deepEqual((channel.replyTo('r1') as { result: unknown }).result, { roots: ROOTS });
  });

  void it('the attributed caller answers with its roots; if it did not declare roots, the configured ones answer', async () => {
    const { channel, peer } = setup(false, ROOTS);
    const seen: string[] = [];
    const declared = caller('session-a', seen, async () => ({ roots: [{ uri: 'file:///home/a' }] }));
    const first = peer.request('tools/call', {}, declared);
    channel.in({ jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
    await settle();
    assert.deepEqual((channel.replyTo('r1') as { result: unknown }).result, { roots: [{ uri: 'file:///home/a' }] });
    channel.in({ jsonrpc: '2.0', id: (channel.sent[0] as { id: number }).id, result: {} });
    await first;
    const lacking = caller('session-b', seen, () => Promise.reject(new GatewayError('GW_MISSING_CLIENT_CAPABILITY', 'no roots')));
    void peer.request('tools/call', {}, lacking);
    channel.in({ jsonrpc: '2.0', id: 'r2', method: 'roots/list' });
    await settle();
    assert.deepEqual((channel.replyTo('r2') as { result: unknown }).result, { roots: ROOTS });
  });

  void it('without configured roots, an unattributable roots/list is refused', async () => {
    const { channel, peer } = setup();
    const seen: string[] = [];
    void peer.request('tools/call', {}, caller('session-a', seen));
    void peer.request('tools/call', {}, caller('session-b', seen));
    channel.in({ jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
    await settle();
    assert.equal((channel.replyTo('r1') as { error: { data: { code: string } } }).error.data.code, 'GW_UNATTRIBUTABLE');
  });

  void it('the roots capability is declared upstream only where roots are configured', () => {
    assert.equal(clientCapabilitiesFor({}).roots, undefined);
    assert.deepEqual(clientCapabilitiesFor({ roots: [] }).roots, { listChanged: true });
    assert.ok(clientCapabilitiesFor({}).sampling);
    assert.deepEqual(clientCapabilitiesFor({ clientCapabilities: { x: {} }, roots: [] }), { x: {} });
  });
});
