// Issue 7 item 8 with a real HTTP upstream that frames like the MCP conformance reference server:
// several JSON-RPC messages, one per line, under `application/json` (streamed calls, and a
// `subscriptions/listen` body that stays open). Each line is a message; the listen stream is
// acknowledged as its first line arrives; a resource subscription the upstream cannot make fails at once.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.js';
import { GatewayError, UpstreamRpcError } from '../../src/errors/index.js';
import type { JsonRpcNotification } from '../../src/protocol/index.js';
import { createUpstreamConnection, type Connection, type UpstreamConnection, type UpstreamEvents } from '../../src/upstream/index.js';
import { captureLogger, control, nextEvent, startServer, within, type ServerProcess } from '../helpers/upstream-harness.js';

const NDJSON_HTTP = new URL('../fixtures/upstream-raw/ndjson-http-server.mjs', import.meta.url).pathname;
const BOUND = 20_000;
/** Far beyond every bound below: a rejection within BOUND proves no wait for the acknowledgement timeout. */
const ACK_TIMEOUT = 120_000;

const open: UpstreamConnection[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function upstream(
  env: Record<string, string> = {},
): Promise<{ conn: UpstreamConnection; server: ServerProcess; log: ReturnType<typeof captureLogger> }> {
  const server = await startServer([NDJSON_HTTP], env);
  servers.push(server);
  const log = captureLogger();
  const conn = createUpstreamConnection(
    {
      name: 'nd',
      kind: 'streamable-http',
      url: `http://127.0.0.1:${server.port}/mcp`,
      connectTimeoutMs: ACK_TIMEOUT,
      restart: { initialDelayMs: 10, maxDelayMs: 200 },
    },
    { clock: systemClock, log },
  );
  open.push(conn);
  return { conn, server, log };
}

/** Bounds a wait with a ref'd timer (the connection's own timers are unref'd). */
function bounded<T>(promise: Promise<T>, what: string, ms = BOUND): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const established = (conn: UpstreamConnection, match: (e: UpstreamEvents['subscriptions']) => boolean = () => true) =>
  bounded(
    nextEvent<UpstreamEvents['subscriptions']>((l) => conn.events.on('subscriptions', l), match),
    'subscriptions event',
  );

const stats = (conn: UpstreamConnection) => (conn as Connection).stats!;

const rejection = (p: Promise<unknown>) =>
  bounded(
    p.then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    ),
    'rejection',
  );

void describe('newline-delimited JSON-RPC under application/json', { timeout: 60_000 }, () => {
  void it('a streamed call: every line is a message (progress, then the result), counted as an NDJSON body', async () => {
    const { conn, log } = await upstream();
    await conn.start();
    assert.equal(conn.info?.era, 'modern');
    const progress: number[] = [];
    const result = await conn.request(
      'tools/call',
      { name: 'stream', arguments: { count: 3 } },
      { signal: within(BOUND), onProgress: (p) => progress.push(p.progress) },
    );
    assert.deepEqual(result.content, [{ type: 'text', text: 'streamed' }]);
    assert.deepEqual(progress, [1, 2, 3]);
    assert.equal(stats(conn).malformed, 0);
    assert.ok((stats(conn).ndjsonBodies ?? 0) >= 1, `ndjsonBodies ${stats(conn).ndjsonBodies}`);
    assert.ok(!log.lines.some((l) => /malformed/.test(l.msg)), JSON.stringify(log.lines));
  });

  void it('a pretty-printed (multi-line) single JSON body is still one message', async () => {
    const { conn } = await upstream();
    await conn.start();
    const result = await conn.request('tools/call', { name: 'pretty', arguments: {} }, { signal: within(BOUND) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'pretty' }]);
    assert.equal(stats(conn).malformed, 0);
  });

  void it('subscriptions/listen in an open application/json body: acknowledged at its first line; updates flow', async () => {
    const { conn, server } = await upstream();
    const first = established(conn);
    await conn.start();
    const agreed = await first;
    assert.equal(agreed.via, 'listen');
    assert.deepEqual(agreed.notifications, { toolsListChanged: true, resourcesListChanged: true });

    await bounded(conn.subscribeResource('test://watched'), 'subscribe');
    const updated = bounded(
      nextEvent<JsonRpcNotification>(
        (l) => conn.events.on('notification', l),
        (n) => n.method === 'notifications/resources/updated',
      ),
      'resources/updated',
    );
    await control(server.port, '/_update?uri=test://watched', 'POST');
    assert.equal((await updated).params?.uri, 'test://watched');
  });

  void it('a listen stream whose first message is a change (no acknowledgement line) counts as acknowledged', async () => {
    const { conn, server } = await upstream({ NDJSON_LISTEN: 'silent' });
    await conn.start();
    // Wait until the upstream holds the stream open, then let a change be its first message.
    const deadline = Date.now() + BOUND;
    while (((await control(server.port, '/_stats')).open as number) < 1) {
      if (Date.now() > deadline) assert.fail('the listen stream never opened');
      await new Promise((r) => setTimeout(r, 20));
    }
    const acked = established(conn);
    await control(server.port, '/_update?uri=test://x', 'POST');
    assert.equal((await acked).via, 'listen');
  });
});

void describe('a resource subscription the upstream cannot make fails at once', { timeout: 60_000 }, () => {
  void it('listen answered with an error: subscribeResource rejects with it, long before the ack timeout', async (t) => {
    const { conn } = await upstream({ NDJSON_LISTEN: 'error' });
    await conn.start();
    const started = performance.now();
    const err = await rejection(conn.subscribeResource('test://watched'));
    t.diagnostic(`rejected after ${Math.round(performance.now() - started)} ms (ack timeout ${ACK_TIMEOUT} ms)`);
    assert.ok(err instanceof UpstreamRpcError, String(err));
    assert.match(err.message, /Subscription limit reached/);
    assert.deepEqual([...(conn as Connection).resourceSubscriptions], [], 'nothing is kept to replay');
  });

  void it('no resources.subscribe capability: GW_METHOD_NOT_FOUND at once, nothing sent, nothing kept', async () => {
    const { conn, server } = await upstream({ NDJSON_SUBSCRIBE: '0' });
    await conn.start();
    const before = (await control(server.port, '/_stats')).listens as number;
    const err = await rejection(conn.subscribeResource('test://watched'));
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.code, 'GW_METHOD_NOT_FOUND');
    assert.match(err.message, /does not support resource subscriptions/);
    assert.equal((await control(server.port, '/_stats')).listens, before, 'no new listen stream for it');
    assert.deepEqual([...(conn as Connection).resourceSubscriptions], []);
  });
});
