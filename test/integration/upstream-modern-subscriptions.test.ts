// Change feeds of upstream connections against the real conformance fixture: modern `subscriptions/listen`
// (list changes and resource updates, filter changes, reopening after the server restarts) and the legacy
// equivalent (GET stream + resources/subscribe, replayed after a session re-initialisation).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ManualClock, flushMicrotasks, systemClock } from '../../src/core/index.js';
import { META, type JsonRpcMessage, type JsonRpcNotification } from '../../src/protocol/index.js';
import {
  JsonRpcPeer,
  ListenStream,
  UPSTREAM_DEFAULTS,
  createUpstreamConnection,
  type Channel,
  type ChannelHandlers,
  type UpstreamConnection,
  type UpstreamEvents,
  type UpstreamLogger,
  type UpstreamSpec,
} from '../../src/upstream/index.js';
import { ROOT, captureLogger, nextEvent, within } from '../helpers/upstream-harness.js';
import { startFixture, type Fixture } from '../helpers/fixture-http.js';

const STDIO_FIXTURE = 'test/fixtures/conformance-server/stdio.ts';
const WATCHED = 'test://watched-resource';
const BOUND = 20_000;
// A suite bound only catches a hang: on a loaded 2-core CI box these suites can take minutes.
const opts = { timeout: 300_000 };

/** The HTTP conformance fixture on `port` (0: any); `stop` kills it hard, like a crash. */

const open: UpstreamConnection[] = [];
const fixtures: Fixture[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(fixtures.map((f) => f.stop()));
});

function connect(spec: Partial<UpstreamSpec>, log: UpstreamLogger = captureLogger()): UpstreamConnection {
  const conn = createUpstreamConnection(
    { name: 'fixture', kind: 'streamable-http', restart: { initialDelayMs: 10, maxDelayMs: 200 }, ...spec },
    { clock: systemClock, log },
  );
  open.push(conn);
  return conn;
}

const call = (conn: UpstreamConnection, name: string) => conn.request('tools/call', { name, arguments: {} }, { signal: within(BOUND) });

/**
 * Waits for an event under a ref'd deadline: it bounds the wait, and it keeps the event loop alive
 * while only the connection's (unref'd) reopen timers are pending.
 */
function bounded<T>(promise: Promise<T>, what: string, ms = BOUND): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const notified = (conn: UpstreamConnection, method: string, match: (n: JsonRpcNotification) => boolean = () => true) =>
  bounded(
    nextEvent<JsonRpcNotification>(
      (l) => conn.events.on('notification', l),
      (n) => n.method === method && match(n),
    ),
    method,
  );

const established = (conn: UpstreamConnection, match: (e: UpstreamEvents['subscriptions']) => boolean = () => true) =>
  bounded(
    nextEvent<UpstreamEvents['subscriptions']>((l) => conn.events.on('subscriptions', l), match),
    'subscriptions event',
  );

/** Resolves with every notification seen until (and including) the first `method` one. */
function collectUntil(conn: UpstreamConnection, method: string): Promise<JsonRpcNotification[]> {
  const seen: JsonRpcNotification[] = [];
  return bounded(
    new Promise((resolve) => {
      const off = conn.events.on('notification', (n) => {
        seen.push(n);
        if (n.method !== method) return;
        off();
        resolve(seen);
      });
    }),
    method,
  );
}

const tagOf = (n: JsonRpcNotification) => (n.params?._meta as Record<string, unknown> | undefined)?.[META.subscriptionId];

void describe('modern upstream over HTTP: subscriptions/listen', opts, () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture();
    fixtures.push(fixture);
  });

  void it('opens one listen for every announced list change and emits list_changed without the tag', async () => {
    const conn = connect({ url: fixture.url });
    const ack = established(conn);
    await conn.start();
    assert.equal(conn.info?.era, 'modern');
    const agreed = await ack;
    assert.deepEqual(agreed.notifications, { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true });
    assert.deepEqual(agreed.uris, []);

    const changed = notified(conn, 'notifications/tools/list_changed');
    await call(conn, 'test_trigger_tool_change');
    const n = await changed;
    assert.equal(tagOf(n), undefined, 'the subscription tag is stripped');
  });

  void it('subscribeResource joins the listen filter: resources/updated arrives; unsubscribe stops it', async () => {
    const conn = connect({ url: fixture.url });
    const first = established(conn);
    await conn.start();
    await first;

    const joined = established(conn, (e) => e.uris.includes(WATCHED));
    await conn.subscribeResource(WATCHED); // resolves once a stream carrying the URI is acknowledged
    const agreed = await joined;
    assert.deepEqual(agreed.notifications?.resourceSubscriptions, [WATCHED]);

    const updated = notified(conn, 'notifications/resources/updated');
    await call(conn, 'test_touch_watched_resource');
    const n = await updated;
    assert.equal(n.params?.uri, WATCHED);
    assert.equal(tagOf(n), undefined);

    await conn.unsubscribeResource(WATCHED);
    // One stream delivers in order: a touch then a tool change must show the change with no update before it.
    const seen = collectUntil(conn, 'notifications/tools/list_changed');
    await call(conn, 'test_touch_watched_resource');
    await call(conn, 'test_trigger_tool_change');
    assert.deepEqual(
      (await seen).map((x) => x.method),
      ['notifications/tools/list_changed'],
    );
  });

  void it('coalesces a burst of (un)subscriptions into one new stream that carries the final set', async () => {
    const conn = connect({ url: fixture.url });
    const first = established(conn);
    await conn.start();
    await first;
    const acks: UpstreamEvents['subscriptions'][] = [];
    conn.events.on('subscriptions', (e) => acks.push(e));
    await Promise.all([conn.subscribeResource('test://a'), conn.subscribeResource(WATCHED), conn.subscribeResource('test://b')]);
    await conn.unsubscribeResource('test://a');
    assert.deepEqual(acks[0]?.uris, ['test://a', 'test://b', WATCHED]);
    assert.deepEqual(acks.at(-1)?.uris, ['test://b', WATCHED]);
    assert.ok(acks.length <= 2, `one stream per debounced burst, got ${acks.length}`);
  });

  void it('re-establishes the listen stream and its resource subscriptions after the server restarts on the same port', async () => {
    const own = await startFixture();
    fixtures.push(own);
    const log = captureLogger();
    const conn = connect({ url: own.url }, log);
    await conn.start();
    await conn.subscribeResource(WATCHED);

    await own.stop();
    const reopened = established(conn, (e) => e.uris.includes(WATCHED));
    const again = await startFixture(own.port);
    fixtures.push(again);
    await reopened;
    assert.ok(log.lines.some((l) => /subscriptions\/listen stream ended/.test(l.msg)));

    const updated = notified(conn, 'notifications/resources/updated', (n) => n.params?.uri === WATCHED);
    const listChanged = notified(conn, 'notifications/tools/list_changed');
    await call(conn, 'test_touch_watched_resource');
    await call(conn, 'test_trigger_tool_change');
    await Promise.all([updated, listChanged]);
  });
});

void describe('legacy upstream over HTTP: GET stream + resources/subscribe', opts, () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture();
    fixtures.push(fixture);
  });

  void it('subscribeResource sends resources/subscribe; updates and list changes arrive as notification events', async () => {
    const conn = connect({ url: fixture.url, era: 'legacy' });
    await conn.start();
    assert.equal(conn.info?.era, 'legacy');
    // The GET stream was requested at the handshake, before the subscribe and touch POSTs below.
    await conn.subscribeResource(WATCHED);

    const updated = notified(conn, 'notifications/resources/updated', (n) => n.params?.uri === WATCHED);
    await call(conn, 'test_touch_watched_resource');
    await updated;
    const changed = notified(conn, 'notifications/tools/list_changed');
    await call(conn, 'test_trigger_tool_change');
    await changed;

    await conn.unsubscribeResource(WATCHED);
    const seen = collectUntil(conn, 'notifications/tools/list_changed');
    await call(conn, 'test_touch_watched_resource');
    await call(conn, 'test_trigger_tool_change');
    assert.deepEqual(
      (await seen).map((x) => x.method),
      ['notifications/tools/list_changed'],
    );
  });

  void it('replays resources/subscribe on the new session after the server restarts on the same port', async () => {
    const own = await startFixture();
    fixtures.push(own);
    const conn = connect({ url: own.url, era: 'legacy' });
    await conn.start();
    await conn.subscribeResource(WATCHED);

    await own.stop();
    // The GET stream's reconnect meets 404 for the forgotten session: re-initialise, replay, reopen GET.
    const replayed = established(conn, (e) => e.via === 'subscribe' && e.uris.includes(WATCHED));
    const again = await startFixture(own.port);
    fixtures.push(again);
    // The new GET stream is requested right after the re-initialisation, before the replay's POSTs.
    await replayed;

    const updated = notified(conn, 'notifications/resources/updated', (n) => n.params?.uri === WATCHED);
    await call(conn, 'test_touch_watched_resource');
    await updated;
  });
});

void describe('stdio upstreams', opts, () => {
  const stdio = (era: 'legacy' | 'modern') =>
    connect({ kind: 'stdio', command: process.execPath, args: ['--import', 'tsx', STDIO_FIXTURE], cwd: ROOT, era });

  void it('modern: the listen request stays in flight and leaves other calls’ notifications to them', async () => {
    const conn = stdio('modern');
    const ack = established(conn);
    await conn.start();
    assert.equal(conn.info?.era, 'modern');
    const agreed = await ack;
    assert.equal(agreed.via, 'listen');
    assert.equal(agreed.notifications?.toolsListChanged, true);
    const joined = established(conn, (e) => e.uris.includes(WATCHED));
    await conn.subscribeResource(WATCHED);
    assert.deepEqual((await joined).notifications?.resourceSubscriptions, [WATCHED]);
    // stdio has no per-request streams: untagged log messages go to the oldest call that takes them,
    // which must be this call and never the (older) listen request.
    const logs: JsonRpcNotification[] = [];
    const stray: JsonRpcNotification[] = [];
    const off = conn.events.on('notification', (n) => stray.push(n));
    await conn.request(
      'tools/call',
      { name: 'test_tool_with_logging', arguments: {} },
      { signal: within(BOUND), meta: { [META.logLevel]: 'debug' }, onNotification: (n) => logs.push(n) },
    );
    off();
    assert.equal(logs.filter((n) => n.method === 'notifications/message').length, 3);
    assert.deepEqual(stray, []);
    await conn.close();
  });

  void it('legacy: resources/updated arrives and the subscription survives a child restart', async () => {
    const conn = stdio('legacy');
    await conn.start();
    await conn.subscribeResource(WATCHED);
    const updated = notified(conn, 'notifications/resources/updated', (n) => n.params?.uri === WATCHED);
    await call(conn, 'test_touch_watched_resource');
    await updated;

    // Restart: ask the fixture to exit is not available, so kill the child through the supervisor's view.
    const replayed = established(conn, (e) => e.via === 'subscribe' && e.uris.includes(WATCHED));
    const exited = bounded(
      nextEvent<UpstreamEvents['exit']>((l) => conn.events.on('exit', l)),
      'exit',
    );
    const pid = await childPid(conn);
    process.kill(pid, 'SIGKILL');
    await exited;
    await replayed;
    const again = notified(conn, 'notifications/resources/updated', (n) => n.params?.uri === WATCHED);
    await call(conn, 'test_touch_watched_resource');
    await again;
  });
});

/** The pid of the (only) stdio fixture child of this test process. */
async function childPid(conn: UpstreamConnection): Promise<number> {
  assert.equal(conn.state, 'ready');
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  const lines = out.split('\n').filter((l) => l.includes(STDIO_FIXTURE));
  assert.equal(lines.length, 1, `one stdio fixture child expected in:\n${out}`);
  return Number(lines[0]!.trim().split(/\s+/)[0]);
}

/** An in-memory stdio-like channel (uncorrelated, cancels by notification): records what is sent. */
class FakeChannel implements Channel {
  readonly correlated = false;
  readonly cancelByAbort = false;
  readonly sent: Record<string, unknown>[] = [];
  handlers!: ChannelHandlers;
  setHandlers(h: ChannelHandlers): void {
    this.handlers = h;
  }
  send(message: JsonRpcMessage): Promise<void> {
    this.sent.push(message as unknown as Record<string, unknown>);
    return Promise.resolve();
  }
  setWire(): void {}
  handshakeDone(): void {}
  async close(): Promise<void> {
    this.handlers.close('closed');
  }
  listens(): { id: number; notifications: Record<string, unknown> }[] {
    return this.sent
      .filter((m) => m.method === 'subscriptions/listen')
      .map((m) => ({ id: m.id as number, notifications: (m.params as { notifications: Record<string, unknown> }).notifications }));
  }
  cancelled(): number[] {
    return this.sent.filter((m) => m.method === 'notifications/cancelled').map((m) => (m.params as { requestId: number }).requestId);
  }
  /** The upstream sends a notification tagged with subscription `id`. */
  tagged(id: number, method: string, params: Record<string, unknown> = {}): void {
    this.handlers.message({ jsonrpc: '2.0', method, params: { ...params, _meta: { [META.subscriptionId]: id } } }, undefined);
  }
}

void describe('ListenStream (manual clock, in-memory channel)', () => {
  function setup() {
    const clock = new ManualClock();
    const channel = new FakeChannel();
    const stray: JsonRpcNotification[] = [];
    const peer = new JsonRpcPeer(channel, {
      name: 'u',
      log: captureLogger(),
      onNotification: (n) => stray.push(n),
      fallback: () => undefined,
    });
    const emitted: JsonRpcNotification[] = [];
    const acks: UpstreamEvents['subscriptions'][] = [];
    const uris = new Set<string>();
    const listen = new ListenStream(
      {
        name: 'u',
        log: captureLogger(),
        clock,
        random: { next: () => 0.5 },
        backoff: { ...UPSTREAM_DEFAULTS.restart, initialDelayMs: 100, maxDelayMs: 1_000 },
        debounceMs: 25,
        ackTimeoutMs: 5_000,
        emit: (n) => emitted.push(n),
        established: (e) => acks.push(e),
      },
      () => uris,
    );
    const caps = { tools: { listChanged: true }, resources: { subscribe: true } };
    return { clock, channel, peer, stray, emitted, acks, uris, listen, caps };
  }

  void it('closes the old stream only after its successor is acknowledged; stale tags are dropped, not duplicated', async () => {
    const { clock, channel, peer, stray, emitted, acks, uris, listen, caps } = setup();
    listen.attach(peer, caps);
    assert.deepEqual(channel.listens(), [{ id: 1, notifications: { toolsListChanged: true } }]);
    channel.tagged(1, 'notifications/subscriptions/acknowledged', { notifications: { toolsListChanged: true } });
    assert.equal(acks.length, 1);

    uris.add('test://a');
    let settled = false;
    const changed = listen.changed().then(() => (settled = true));
    await clock.advanceAsync(24);
    assert.equal(channel.listens().length, 1, 'debounced');
    await clock.advanceAsync(1);
    assert.deepEqual(channel.listens()[1], { id: 2, notifications: { toolsListChanged: true, resourceSubscriptions: ['test://a'] } });
    // Until the successor is acknowledged the old stream stays open and keeps delivering.
    channel.tagged(1, 'notifications/tools/list_changed');
    assert.deepEqual(channel.cancelled(), []);
    assert.equal(emitted.length, 1);
    await flushMicrotasks();
    assert.equal(settled, false);

    channel.tagged(2, 'notifications/subscriptions/acknowledged', {
      notifications: { toolsListChanged: true, resourceSubscriptions: ['test://a'] },
    });
    await changed;
    assert.deepEqual(channel.cancelled(), [1], 'the old stream is cancelled after the ack');
    channel.tagged(1, 'notifications/tools/list_changed'); // in flight before the server saw the cancel
    assert.equal(emitted.length, 1);
    assert.equal(peer.stats.staleSubscription, 1);
    channel.tagged(2, 'notifications/resources/updated', { uri: 'test://a' });
    assert.deepEqual(emitted.at(-1), { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'test://a' } });
    assert.deepEqual(stray, [], 'nothing tagged leaks to the untagged path');
    listen.close();
    assert.deepEqual(channel.cancelled(), [1, 2]);
    assert.equal(clock.pendingTimers, 0);
  });

  void it('a failed stream is reopened with backoff; an unsupported method stops it', async () => {
    const { clock, channel, peer, listen, caps } = setup();
    listen.attach(peer, caps);
    channel.handlers.message({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'boom' } }, undefined);
    await flushMicrotasks();
    assert.equal(channel.listens().length, 1);
    await clock.advanceAsync(100, 10); // backoff 1: 50..100 ms with equal jitter
    assert.equal(channel.listens().length, 2);
    channel.handlers.message({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } }, undefined);
    await clock.advanceAsync(5_000, 100);
    assert.equal(channel.listens().length, 2, 'no reopen for a server without subscriptions/listen');
    assert.equal(clock.pendingTimers, 0);
    listen.close();
  });
});
