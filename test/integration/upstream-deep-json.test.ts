// Issue 6 (items 1, 2, 5) with real upstream processes: arguments too deep to serialise never leak a
// pending request nor count against an upstream; a result nested too deep fails only its own call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { CircuitBreaker, classify, failureOutcome } from '../../src/resilience/index.js';
import { createUpstreamConnection, type UpstreamConnection } from '../../src/upstream/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawSession } from '../helpers/raw-http.js';
import { RAW_SERVER, captureLogger, rawStdioConnection, startServer, within, type ServerProcess } from '../helpers/upstream-harness.js';

const RAW_HTTP = new URL('../fixtures/upstream-raw/http-server.mjs', import.meta.url).pathname;

const open: UpstreamConnection[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

/** A value nested `depth` objects deep, built without recursion (JSON.stringify overflows near 4,000). */
function deep(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

const call = (conn: UpstreamConnection, name: string, args: Record<string, unknown> = {}) =>
  conn.request('tools/call', { name, arguments: args }, { signal: within(10_000) });

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );

function assertCode(err: unknown, code: string): asserts err is GatewayError {
  assert.ok(err instanceof GatewayError, String(err));
  assert.equal(err.code, code, err.message);
}

void describe('stdio upstream: deep JSON', () => {
  void it('100 calls with arguments nested 10,000 deep: each GW_LIMIT_EXCEEDED, nothing left in flight', async (t) => {
    const { conn } = rawStdioConnection(open);
    await conn.start();
    const args = { v: deep(10_000) };
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      const err = await errorOf(call(conn, 'echo', args));
      assertCode(err, 'GW_LIMIT_EXCEEDED');
      assert.equal(err.upstreamFault, false);
      assert.equal(classify(err), 'caller-error');
    }
    t.diagnostic(`100 deep calls in ${Math.round(performance.now() - started)} ms`);
    t.diagnostic(`heap ${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)} MB higher (before GC)`);
    assert.equal(conn.inFlight, 0);
    assert.equal(conn.state, 'ready');
    const ok = await call(conn, 'echo', { message: 'still here' });
    assert.deepEqual(ok.content, [{ type: 'text', text: 'echo:still here' }]);
  });

  void it('a result nested 20,000 deep fails that call with GW_UPSTREAM_PROTOCOL; a concurrent call succeeds', async () => {
    const { conn, log } = rawStdioConnection(open);
    await conn.start();
    const deepCall = errorOf(call(conn, 'deep', { depth: 20_000 }));
    const echo = call(conn, 'echo', { message: 'beside' });
    assert.equal(conn.inFlight, 2, 'both calls are in flight together');
    const err = await deepCall;
    assertCode(err, 'GW_UPSTREAM_PROTOCOL');
    assert.equal(err.data?.reason, 'too-deep');
    assert.deepEqual((await echo).content, [{ type: 'text', text: 'echo:beside' }]);
    assert.equal(conn.inFlight, 0);
    assert.equal(conn.state, 'ready');
    assert.ok(log.lines.some((l) => l.msg === 'malformed upstream message' && (l.obj as { reason?: string }).reason === 'too-deep'));
  });

  void it('maxJsonDepth is per upstream: a higher limit lets a deeper result through', async () => {
    const { conn } = rawStdioConnection(open, { maxJsonDepth: 600 });
    await conn.start();
    const result = await call(conn, 'deep', { depth: 500 });
    assert.ok(Array.isArray(result.deep));
    assertCode(await errorOf(call(conn, 'deep', { depth: 700 })), 'GW_UPSTREAM_PROTOCOL');
  });
});

void describe('Streamable HTTP upstream: deep JSON', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer([RAW_HTTP]);
    servers.push(server);
  });

  function connect(name: string) {
    const conn = createUpstreamConnection(
      { name, kind: 'streamable-http', url: `http://127.0.0.1:${server.port}/mcp`, restart: { initialDelayMs: 10, maxDelayMs: 50 } },
      { clock: systemClock, log: captureLogger() },
    );
    open.push(conn);
    return conn;
  }

  void it('arguments too deep to serialise never count against the upstream: its breaker stays closed', async () => {
    const conn = connect('ok');
    await conn.start();
    const breaker = new CircuitBreaker({ name: 'ok', consecutiveFailures: 5, minimumCalls: 5 });
    const args = { v: deep(10_000) };
    for (let i = 0; i < 20; i++) {
      const permit = breaker.acquire();
      const signal = within(10_000);
      const err = await errorOf(conn.request('tools/call', { name: 'echo', arguments: args }, { signal }));
      assertCode(err, 'GW_LIMIT_EXCEEDED');
      assert.equal(err.upstreamFault, false);
      assert.match(err.message, /nested too deep/);
      breaker.release(permit, failureOutcome(err, signal));
    }
    assert.equal(breaker.state, 'closed');
    assert.equal(conn.inFlight, 0);
    assert.deepEqual((await call(conn, 'echo', { message: 'x' })).content, [{ type: 'text', text: 'echo:x' }]);
  });

  for (const tool of ['deep', 'deep-sse'])
    void it(`a result nested 20,000 deep (${tool === 'deep' ? 'JSON body' : 'SSE event'}) fails only its call`, async () => {
      const conn = connect('deep');
      await conn.start();
      const deepCall = errorOf(call(conn, tool, { depth: 20_000 }));
      const echo = call(conn, 'echo', { message: 'beside' });
      const err = await deepCall;
      assertCode(err, 'GW_UPSTREAM_PROTOCOL');
      assert.equal(err.data?.reason, 'too-deep');
      assert.deepEqual((await echo).content, [{ type: 'text', text: 'echo:beside' }]);
      assert.equal(conn.inFlight, 0);
    });
});

void describe('gateway: an upstream result nested too deep', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({ upstreams: { raw: { command: process.execPath, args: [RAW_SERVER] } } });
  });
  after(async () => {
    await gw.stop();
  });

  void it('answers that call with GW_UPSTREAM_PROTOCOL under its own id; a concurrent call succeeds', async () => {
    const session = await rawSession(gw.url);
    try {
      const [deepReply, echoReply] = await Promise.all([
        session.call('tools/call', { name: 'raw__deep', arguments: { depth: 20_000 } }),
        session.call('tools/call', { name: 'raw__echo', arguments: { message: 'beside' } }),
      ]);
      assert.equal(deepReply.id, 1);
      assert.equal((deepReply.error?.data as { code?: string } | undefined)?.code, 'GW_UPSTREAM_PROTOCOL', JSON.stringify(deepReply));
      assert.equal(echoReply.id, 2);
      assert.deepEqual(echoReply.result?.content, [{ type: 'text', text: 'echo:beside' }]);
    } finally {
      await session.close();
    }
  });
});
