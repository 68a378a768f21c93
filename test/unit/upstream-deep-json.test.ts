// Issue 6 (items 1, 2, 5, 8b): values nested too deep for JSON.stringify on the way out, upstream messages
// nested too deep on the way in, and floods of malformed upstream messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, systemClock, systemRandom } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import type { JsonRpcMessage, Params } from '../../src/protocol/index.js';
import { classify, failureOutcome, neverSent } from '../../src/resilience/index.js';
import {
  deliverJson,
  guessId,
  HttpChannel,
  JsonRpcPeer,
  StdioChannel,
  type Channel,
  type ChannelHandlers,
  type MalformedInfo,
  type SendOptions,
} from '../../src/upstream/index.js';
import { PostExchange } from '../../src/upstream/post-exchange.js';
import { captureLogger, freePort } from '../helpers/upstream-harness.js';

/** A value nested `depth` objects deep, built without recursion (JSON.stringify overflows near 4,000). */
function deep(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** `{"result":{"deep":[[[…]]]}}`-shaped response text, `depth` arrays deep. */
const deepResponse = (id: number, depth: number) =>
  `{"jsonrpc":"2.0","id":${id},"result":{"content":[],"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

/** An in-memory channel that serialises as the real ones do; `throwSync` makes send throw whatever it gets. */
class FakeChannel implements Channel {
  readonly correlated = false;
  readonly cancelByAbort = false;
  readonly sent: { message: JsonRpcMessage; options: SendOptions | undefined }[] = [];
  handlers!: ChannelHandlers;
  throwSync = false;
  setHandlers(h: ChannelHandlers): void {
    this.handlers = h;
  }
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    if (this.throwSync) throw new RangeError('Maximum call stack size exceeded');
    JSON.parse(options?.body ?? JSON.stringify(message));
    this.sent.push({ message, options });
    return Promise.resolve();
  }
  setWire(): void {}
  handshakeDone(): void {}
  async close(): Promise<void> {
    this.handlers.close('closed');
  }
}

function setup(clock = new ManualClock()) {
  const channel = new FakeChannel();
  const log = captureLogger();
  const peer = new JsonRpcPeer(channel, { name: 'up', log, clock, onNotification: () => {}, fallback: () => undefined });
  return { channel, peer, log, clock };
}

const signal = () => new AbortController().signal;
const params = (args: unknown): Params => ({ name: 't', arguments: args }) as Params;

/** The error is the caller's, says so, and a breaker ignores it. */
function assertCallerLimit(err: unknown): void {
  assert.ok(err instanceof GatewayError, String(err));
  assert.equal(err.code, 'GW_LIMIT_EXCEEDED', err.message);
  assert.equal(err.upstreamFault, false);
  assert.equal(err.data?.limit, 'maxJsonDepth');
  assert.equal(err.data?.maybeExecuted, false);
  assert.equal(classify(err), 'caller-error');
  assert.equal(failureOutcome(err, signal()), 'ignored');
  assert.equal(neverSent(err), false, 'not an "unavailable" error: retrying it cannot help');
}

void describe('JsonRpcPeer: a request that cannot be serialised', () => {
  void it('rejects with GW_LIMIT_EXCEEDED, leaves no pending entry and sends nothing (100 calls)', async () => {
    const { channel, peer } = setup();
    const value = deep(10_000);
    for (let i = 0; i < 100; i++) {
      const err = await peer.request('tools/call', params(value), { signal: signal() }).catch((e: unknown) => e);
      assertCallerLimit(err);
    }
    assert.equal(peer.inFlight, 0);
    assert.equal(channel.sent.length, 0);
    // The peer still works, and hands the channel the text it already serialised.
    const ok = peer.request('ping', undefined, { signal: signal() });
    const sent = channel.sent[0]!;
    assert.equal(sent.options?.body, JSON.stringify(sent.message));
    channel.handlers.message({ jsonrpc: '2.0', id: (sent.message as { id: number }).id, result: {} }, undefined);
    assert.deepEqual(await ok, {});
  });

  void it('turns a channel that throws synchronously into a rejection without a pending entry', async () => {
    const { channel, peer } = setup();
    channel.throwSync = true;
    let pending: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (pending = peer.request('tools/call', params({}), { signal: signal() })));
    assertCallerLimit(await pending!.catch((e: unknown) => e));
    assert.equal(peer.inFlight, 0);
  });

  void it('rejects a notification it cannot serialise instead of throwing', async () => {
    const { peer } = setup();
    let sent: Promise<void> | undefined;
    assert.doesNotThrow(() => (sent = peer.notify('notifications/x', { v: deep(10_000) } as Params)));
    assertCallerLimit(await sent!.catch((e: unknown) => e));
  });
});

void describe('channels: send never throws synchronously', () => {
  void it('stdio: a message too deep to serialise is a rejected promise; the child still answers', async () => {
    const channel = new StdioChannel({
      name: 'cat',
      command: process.execPath,
      args: ['-e', 'process.stdin.pipe(process.stdout)'],
      env: { PATH: process.env.PATH ?? '' },
      cwd: undefined,
      maxMessageBytes: 1 << 20,
      maxJsonDepth: 64,
      killGraceMs: 1_000,
      log: captureLogger(),
      clock: systemClock,
    });
    const seen: unknown[] = [];
    const echoed = new Promise<void>((resolve) =>
      channel.setHandlers({
        message: (m) => (seen.push(m), resolve()),
        malformed: () => {},
        close: () => {},
      }),
    );
    try {
      let sent: Promise<void> | undefined;
      const message = { jsonrpc: '2.0', id: 1, method: 'x', params: deep(10_000) } as JsonRpcMessage;
      assert.doesNotThrow(() => (sent = channel.send(message)));
      assertCallerLimit(await sent!.catch((e: unknown) => e));
      await channel.send({ jsonrpc: '2.0', method: 'ok' });
      await echoed;
      assert.deepEqual(seen, [{ jsonrpc: '2.0', method: 'ok' }]);
    } finally {
      await channel.close();
    }
  });

  void it('HTTP: a message too deep to serialise is the caller’s error, not an upstream failure', async () => {
    const channel = new HttpChannel({
      name: 'ok',
      url: new URL(`http://127.0.0.1:${await freePort()}/mcp`),
      headers: {},
      maxMessageBytes: 1 << 20,
      maxJsonDepth: 64,
      maxConnections: 1,
      log: captureLogger(),
      clock: systemClock,
      random: systemRandom,
      backoff: { initialDelayMs: 10, maxDelayMs: 10, factor: 2, maxRestarts: 1, windowMs: 1000 },
    });
    try {
      const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: deep(10_000) } as JsonRpcMessage;
      assertCallerLimit(await channel.send(message, { requestId: 1 }).catch((e: unknown) => e));
    } finally {
      await channel.close();
    }
  });
});

void describe('upstream JSON depth limit at entry', () => {
  function capture() {
    const messages: unknown[] = [];
    const malformed: MalformedInfo[] = [];
    const handlers: ChannelHandlers = { message: (m) => messages.push(m), malformed: (i) => malformed.push(i), close: () => {} };
    return { handlers, messages, malformed };
  }

  void it('refuses a message deeper than the limit before parsing it, with bounded snippets that carry its id', () => {
    const { handlers, messages, malformed } = capture();
    deliverJson(handlers, deepResponse(7, 20_000), undefined, 128);
    assert.equal(messages.length, 0);
    assert.equal(malformed.length, 1);
    const info = malformed[0]!;
    assert.equal(info.reason, 'too-deep');
    assert.match(info.detail, /maxJsonDepth/);
    assert.ok(info.head!.length <= 256 && info.tail!.length <= 256);
    assert.equal(guessId(info.head, info.tail), 7);
    deliverJson(handlers, deepResponse(8, 20_000), 8, 128);
    assert.equal(malformed[1]!.related, 8);
  });

  void it('delivers a message at the limit, and nests counted by arrays and objects alike', () => {
    const { handlers, messages, malformed } = capture();
    // envelope {…} + result {…} + deep arrays: 2 + 126 = 128 levels.
    deliverJson(handlers, deepResponse(1, 126), undefined, 128);
    deliverJson(handlers, deepResponse(2, 127), undefined, 128);
    assert.equal(messages.length, 1);
    assert.deepEqual(
      malformed.map((m) => m.reason),
      ['too-deep'],
    );
  });

  void it('PostExchange: an error-status body nested too deep is not parsed as the answer', async () => {
    const messages: unknown[] = [];
    const exchange = new PostExchange({
      upstream: 'ok',
      maxMessageBytes: 1 << 20,
      maxJsonDepth: 128,
      related: 3,
      signal: undefined,
      expired: () => false,
      session: () => {},
      deliver: () => {},
      message: (m) => messages.push(m),
      malformed: () => {},
    });
    const controller = { abort() {} } as never;
    exchange.onResponseStart(controller, 400, { 'content-type': 'application/json' });
    const body = `{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"x","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    exchange.onResponseData(controller, Buffer.from(body));
    exchange.onResponseEnd();
    const err = await exchange.done.catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_PROTOCOL', String(err));
    assert.equal(err.data?.status, 400);
    assert.equal(messages.length, 0);
  });

  void it('fails only the request a too-deep response answers, with GW_UPSTREAM_PROTOCOL', async () => {
    const { channel, peer } = setup();
    const a = peer.request('tools/call', params({}), { signal: signal() });
    const b = peer.request('tools/call', params({}), { signal: signal() });
    const [ida, idb] = channel.sent.map((s) => (s.message as { id: number }).id);
    deliverJson(channel.handlers, deepResponse(ida!, 20_000), undefined, 128);
    deliverJson(channel.handlers, JSON.stringify({ jsonrpc: '2.0', id: idb, result: { ok: 1 } }), undefined, 128);
    const err = await a.catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_PROTOCOL', String(err));
    assert.equal(err.data?.reason, 'too-deep');
    assert.deepEqual(await b, { ok: 1 });
    assert.equal(peer.inFlight, 0);
  });
});

void describe('malformed upstream messages: bounded logging', () => {
  void it('a flood of 10,000 malformed lines costs a bounded number of warnings, with the suppressed count', async () => {
    const { channel, peer, log, clock } = setup();
    const warnings = () => log.lines.filter((l) => l.level === 'warn');
    const hostileId = 'x'.repeat(1_000);
    for (let i = 0; i < 10_000; i++) deliverJson(channel.handlers, `{"jsonrpc":"2.0","id":"${hostileId}",` + 'garbage', undefined, 128);
    assert.equal(peer.stats.malformed, 10_000, 'every message is still counted');
    const flood = warnings().length;
    assert.ok(flood >= 1 && flood <= 20, `${flood} warnings for 10,000 malformed lines`);
    for (const w of warnings()) assert.ok(String((w.obj as { requestId?: unknown }).requestId).length < 200, 'ids are clipped');
    clock.advance(10_000);
    deliverJson(channel.handlers, 'garbage', undefined, 128);
    const next = warnings().at(-1)!.obj as { suppressed?: number };
    assert.equal(next.suppressed, 10_000 - flood);
    // What was suppressed at the end of the stream is reported when the channel closes.
    for (let i = 0; i < 100; i++) deliverJson(channel.handlers, 'garbage', undefined, 128);
    const before = warnings().length;
    await channel.close();
    const last = warnings().at(-1)!;
    assert.equal(warnings().length, before + 1);
    assert.equal((last.obj as { suppressed?: number }).suppressed, 100 - (before - flood - 1));
  });

  void it('guessing the id of a huge malformed message looks only at bounded snippets', (t) => {
    const huge = `{"jsonrpc":"2.0","id":${'9'.repeat(1_000_000)}` + ' '.repeat(1_000_000);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) guessId(huge, huge);
    t.diagnostic(`100 guesses on 2 MB snippets: ${Number(process.hrtime.bigint() - started) / 1e6} ms`);
    assert.equal(guessId('{"jsonrpc":"2.0","id":12,"x":', undefined), 12);
    // Whatever a channel hands it, only the ends are read: an id past them is not found.
    const padded = ' '.repeat(100_000);
    assert.equal(guessId(`${padded}{"id":5,`, undefined), undefined);
    assert.equal(guessId(undefined, `"id":6}${padded}`.slice(0, 7)), 6);
    assert.equal(guessId(undefined, `"id":6}${padded}x`), undefined);
  });
});
