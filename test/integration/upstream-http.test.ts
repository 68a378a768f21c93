import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.js';
import { GatewayError, UpstreamRpcError } from '../../src/errors/index.js';
import type { JsonRpcNotification } from '../../src/protocol/index.js';
import { createUpstreamConnection, type UpstreamConnection, type UpstreamSpec } from '../../src/upstream/index.js';
import {
  captureLogger,
  control,
  freePort,
  nextEvent,
  startEverythingHttp,
  startServer,
  within,
  type ServerProcess,
} from '../helpers/upstream-harness.js';

const RAW_HTTP = new URL('../fixtures/upstream-raw/http-server.mjs', import.meta.url).pathname;
const MODERN_SDK = new URL('../fixtures/upstream-raw/modern-sdk-http.mjs', import.meta.url).pathname;

const open: UpstreamConnection[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

function connect(spec: Partial<UpstreamSpec> & { url: string }) {
  const conn = createUpstreamConnection(
    { name: 'http', kind: 'streamable-http', restart: { initialDelayMs: 10, maxDelayMs: 50 }, ...spec },
    { clock: systemClock, log: captureLogger() },
  );
  open.push(conn);
  return conn;
}

const call = (conn: UpstreamConnection, name: string, args: Record<string, unknown> = {}, extra = {}) =>
  conn.request('tools/call', { name, arguments: args }, { signal: within(10_000), ...extra });

void describe('Streamable HTTP upstream: server-everything', () => {
  let url = '';
  let server: ServerProcess;
  before(async () => {
    const s = await startEverythingHttp('streamableHttp');
    servers.push(s);
    server = s;
    url = s.url;
  });

  void it('negotiates legacy (the modern probe gets a 4xx), lists and calls tools', async () => {
    const conn = connect({ url });
    await conn.start();
    assert.equal(conn.info?.era, 'legacy');
    assert.equal(conn.info?.protocolVersion, '2025-11-25');
    const list = await conn.request('tools/list', undefined, { signal: within(10_000) });
    assert.ok((list.tools as { name: string }[]).some((t) => t.name === 'trigger-sampling-request'));
    assert.deepEqual((await call(conn, 'echo', { message: 'hi' })).content, [{ type: 'text', text: 'Echo: hi' }]);
  });

  void it('delivers progress on the POST stream in order, the final one included', async () => {
    const conn = connect({ url });
    await conn.start();
    const seen: number[] = [];
    await call(
      conn,
      'trigger-long-running-operation',
      { duration: 0.2, steps: 5 },
      { onProgress: (p: { progress: number }) => seen.push(p.progress) },
    );
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  });

  void it('routes a sampling request on the call’s stream to its onRequest and POSTs the reply', async () => {
    const conn = connect({ url });
    await conn.start();
    const asked: string[] = [];
    const result = await call(
      conn,
      'trigger-sampling-request',
      { prompt: 'hello', maxTokens: 5 },
      {
        onRequest: async (req: { method: string }) => {
          asked.push(req.method);
          return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled!' } };
        },
      },
    );
    assert.deepEqual(asked, ['sampling/createMessage']);
    assert.match(JSON.stringify(result.content), /sampled!/);
  });

  void it('passes an upstream error through unchanged', async () => {
    const conn = connect({ url });
    await conn.start();
    const err = await conn.request('prompts/get', { name: 'no-such-prompt' }, { signal: within(10_000) }).catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamRpcError);
    assert.equal(err.rpcCode, -32602);
    assert.doesNotMatch(err.message, /MCP error -32602: MCP error/);
  });

  void it('connection refused: maybeExecuted false, at start and after the server died', async () => {
    const conn = connect({ url });
    await conn.start();
    await server.stop();
    const err = await call(conn, 'echo', { message: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE', String(err));
    assert.equal(err.data?.maybeExecuted, false);
    const fresh = connect({ url: `http://127.0.0.1:${await freePort()}/mcp`, restart: { maxRestarts: 0 } });
    const startErr = await fresh.start().catch((e: unknown) => e);
    assert.ok(startErr instanceof GatewayError && startErr.code === 'GW_UPSTREAM_UNAVAILABLE', String(startErr));
    assert.equal(startErr.data?.maybeExecuted, false);
  });
});

void describe('Streamable HTTP upstream: raw legacy fixture', () => {
  let port = 0;
  let url = '';
  before(async () => {
    const s = await startServer([RAW_HTTP]);
    servers.push(s);
    port = s.port;
    url = `http://127.0.0.1:${port}/mcp`;
  });

  void it('re-initialises an expired session (404) transparently, once', async () => {
    const conn = connect({ url });
    await conn.start();
    const before = (await control(port, '/_stats')).initializes as number;
    await control(port, '/_forget', 'POST');
    assert.deepEqual((await call(conn, 'echo', { message: 'again' })).content, [{ type: 'text', text: 'echo:again' }]);
    assert.equal((await control(port, '/_stats')).initializes, before + 1);
    assert.equal(conn.info?.protocolVersion, '2025-06-18', 'accepts the older legacy version the server chose');
  });

  void it('100 progress notifications over SSE, in order, none dropped', async () => {
    const conn = connect({ url });
    await conn.start();
    const seen: number[] = [];
    await call(conn, 'progress', { count: 100 }, { onProgress: (p: { progress: number }) => seen.push(p.progress) });
    assert.deepEqual(
      seen,
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  void it('abort: the caller is released at once, the upstream gets notifications/cancelled', async () => {
    const conn = connect({ url });
    await conn.start();
    const controller = new AbortController();
    const pending = call(conn, 'hang', {}, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(pending, /stop/);
    await control(port, '/_wait?for=notifications/cancelled');
  });

  void it('opens the GET stream for unrelated notifications and DELETEs the session on close', async () => {
    const conn = connect({ url });
    await conn.start();
    await control(port, '/_wait?for=GET');
    const changed = nextEvent<JsonRpcNotification>((l) => conn.events.on('notification', l));
    await control(port, '/_notify', 'POST');
    assert.equal((await changed).method, 'notifications/tools/list_changed');
    const deletes = (await control(port, '/_stats')).deletes as number;
    await conn.close();
    assert.equal((await control(port, '/_stats')).deletes, deletes + 1);
  });

  void it('routes a sampling request on a POST stream to the owning call', async () => {
    const conn = connect({ url });
    await conn.start();
    const result = await call(conn, 'sample', {}, { onRequest: async () => ({ answer: 42 }) });
    assert.deepEqual((result.structuredContent as { reply: unknown }).reply, { answer: 42 });
  });
});

void describe('Streamable HTTP upstream: modern SDK server', () => {
  let url = '';
  before(async () => {
    const s = await startServer([MODERN_SDK]);
    servers.push(s);
    url = `http://127.0.0.1:${s.port}/mcp`;
  });

  void it('probes modern, caches the verdict, and calls with the envelope and Mcp-* headers', async () => {
    const conn = connect({ url });
    await conn.start();
    assert.equal(conn.info?.era, 'modern');
    assert.equal(conn.info?.serverInfo.name, 'sdk-modern');
    const list = await conn.request('tools/list', undefined, { signal: within(10_000) });
    assert.ok((list.tools as { name: string }[]).some((t) => t.name === 'echo'));
    assert.deepEqual((await call(conn, 'echo', { message: 'm' })).content, [{ type: 'text', text: 'echo:m' }]);
  });

  void it('abort closes the request stream (modern cancellation) and releases the caller at once', async () => {
    const conn = connect({ url });
    await conn.start();
    const controller = new AbortController();
    const pending = call(conn, 'hang', {}, { signal: controller.signal, onProgress: () => controller.abort(new Error('modern stop')) });
    await assert.rejects(pending, /modern stop/);
    assert.deepEqual((await call(conn, 'aborted')).content, [{ type: 'text', text: '1' }]);
  });

  void it('era: modern configured skips the probe but still learns the server facts', async () => {
    const conn = connect({ url, era: 'modern' });
    await conn.start();
    assert.equal(conn.info?.era, 'modern');
    assert.equal(conn.info?.serverInfo.version, '2.0.0');
    assert.deepEqual((await call(conn, 'echo', { message: 'pinned' })).content, [{ type: 'text', text: 'echo:pinned' }]);
  });

  void it('era: legacy against a modern-only server fails the handshake', async () => {
    const conn = connect({ url, era: 'legacy', restart: { maxRestarts: 0 } });
    await assert.rejects(conn.start());
  });
});
