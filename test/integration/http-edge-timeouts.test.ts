// Connections cannot be held forever: header, request (body) and keep-alive timeouts fire when configured
// (300 ms here, not at Node's 30 s sweep), a request rejected before its body was read closes its
// connection, and server.maxConnections caps open connections. The request timeout never cuts a response.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawSession } from '../helpers/raw-http.js';
import { captureLogger, mockUpstream, rawConnection, rawPost, startEdgeGateway, waitFor, type EdgeGateway } from './_edge.js';

const TIMEOUTS = { headersMs: 300, requestMs: 600, keepAliveMs: 300 };
// Generous: the server must close well before this, on a busy machine too (Node's own sweep is 30 s).
const CLOSED_WITHIN = 10_000;

describe('HTTP edge timeouts', () => {
  const up = mockUpstream({ tools: { slowly: { progress: { count: 10, intervalMs: 150 } } } });
  let gw: EdgeGateway;
  before(async () => {
    gw = await startEdgeGateway(
      { server: { timeouts: TIMEOUTS, maxBodyBytes: 4096, drainTimeoutMs: 0 }, upstreams: { m: up.config } },
      captureLogger().log,
    );
  });
  after(async () => {
    await gw?.stop();
    up.files.cleanup();
  });

  test('a connection that sends nothing is closed after the header timeout', async (t) => {
    const c = await rawConnection(gw.port);
    const ms = await waitFor(() => (c.isClosed() ? c.closed : undefined), CLOSED_WITHIN, 'server closes the silent connection');
    t.diagnostic(`closed after ${ms.toFixed(0)} ms (headersMs ${TIMEOUTS.headersMs})`);
    assert.match(c.received(), /^(HTTP\/1\.1 408 |$)/);
  });

  test('headers trickled one line at a time are cut at the header timeout', async (t) => {
    const c = await rawConnection(gw.port);
    c.socket.write('POST /mcp HTTP/1.1\r\n');
    const drip = setInterval(() => c.socket.write('x-drip: 1\r\n'), 50);
    try {
      const ms = await waitFor(() => (c.isClosed() ? c.closed : undefined), CLOSED_WITHIN, 'server closes the trickling connection');
      t.diagnostic(`closed after ${ms.toFixed(0)} ms (headersMs ${TIMEOUTS.headersMs})`);
    } finally {
      clearInterval(drip);
    }
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
  });

  test('a body trickled one byte at a time is cut at the request timeout', async (t) => {
    const c = await rawConnection(gw.port);
    c.socket.write(rawPost(gw.port, '').replace('content-length: 0', 'content-length: 1000'));
    const drip = setInterval(() => c.socket.write('{'), 50);
    try {
      const ms = await waitFor(() => (c.isClosed() ? c.closed : undefined), CLOSED_WITHIN, 'server closes the trickling body');
      t.diagnostic(`closed after ${ms.toFixed(0)} ms (requestMs ${TIMEOUTS.requestMs})`);
    } finally {
      clearInterval(drip);
    }
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
    const c = await rawConnection(gw.port);
    c.socket.write(`GET /healthz HTTP/1.1\r\nhost: 127.0.0.1:${gw.port}\r\n\r\n`);
    await waitFor(() => c.received().includes('"status":"ok"'), CLOSED_WITHIN, 'the health answer');
    assert.match(c.received(), /keep-alive/i, 'the answer keeps the connection alive');
    const ms = await waitFor(() => (c.isClosed() ? c.closed : undefined), CLOSED_WITHIN, 'server closes the idle connection');
    t.diagnostic(`closed ${ms.toFixed(0)} ms after connect (keepAliveMs ${TIMEOUTS.keepAliveMs})`);
  });

  test('413 before the body is read: Connection: close, and the server closes the socket', async () => {
    const c = await rawConnection(gw.port);
    // The declared length is over the limit; the body is never sent.
    c.socket.write(rawPost(gw.port, '').replace('content-length: 0', 'content-length: 100000'));
    await waitFor(() => (c.isClosed() ? true : undefined), CLOSED_WITHIN, 'server closes after 413');
    assert.match(c.received(), /^HTTP\/1\.1 413 /);
    assert.match(c.received(), /\r\nconnection: close\r\n/i);
    assert.match(c.received(), /"GW_PAYLOAD_TOO_LARGE"/);
  });

  test('413 in the middle of a chunked body: the rest is not drained, the socket is closed', async () => {
    const c = await rawConnection(gw.port);
    c.socket.write(rawPost(gw.port, '').replace('content-length: 0', 'transfer-encoding: chunked'));
    c.socket.write(`1400\r\n${'x'.repeat(0x1400)}\r\n`);
    // Keeps sending: a server that drained the body would keep the connection open for as long as this runs.
    const drip = setInterval(() => c.socket.write(`10\r\n${'x'.repeat(16)}\r\n`), 20);
    try {
      await waitFor(() => (c.isClosed() ? true : undefined), CLOSED_WITHIN, 'server closes after 413');
    } finally {
      clearInterval(drip);
    }
    assert.match(c.received(), /^HTTP\/1\.1 413 /);
    assert.match(c.received(), /\r\nconnection: close\r\n/i);
  });

  test('the request timeout bounds receiving a request, never a response streaming longer than it', async (t) => {
    const s = await rawSession(gw.url);
    const headers = { 'mcp-session-id': s.id, 'mcp-protocol-version': '2025-11-25' };
    const started = Date.now();
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'm__slowly', arguments: {}, _meta: { progressToken: 1 } },
      }),
    });
    const text = await res.text();
    const ms = Date.now() - started;
    t.diagnostic(`the response streamed for ${ms} ms (requestMs ${TIMEOUTS.requestMs})`);
    assert.match(text, /"id":7,"result"/);
    assert.equal(text.match(/notifications\/progress/g)?.length, 10);
    await s.close();
  });
});

describe('server.maxConnections', () => {
  const capture = captureLogger();
  let gw: EdgeGateway;
  before(async () => {
    gw = await startEdgeGateway({ server: { maxConnections: 3, timeouts: { headersMs: 30_000, requestMs: 30_000 } } }, capture.log);
  });
  after(() => gw?.stop());

  test('connections beyond the cap are closed at once; a freed slot is usable again', async () => {
    const held = await Promise.all([1, 2, 3].map(() => rawConnection(gw.port)));
    const extra = await rawConnection(gw.port);
    await waitFor(() => (extra.isClosed() ? true : undefined), CLOSED_WITHIN, 'the 4th connection refused');
    assert.equal(extra.received(), '');
    assert.deepEqual(
      held.map((c) => c.isClosed()),
      [false, false, false],
      'the first three stay open',
    );
    assert.ok(capture.lines.some((l) => l.msg.includes('server.maxConnections')));
    held[0]!.socket.destroy();
    await waitFor(
      async () => ((await fetch(gw.url.replace(/\/mcp$/, '/healthz')).catch(() => undefined))?.status === 200 ? true : undefined),
      CLOSED_WITHIN,
      'a new connection accepted once one closed',
    );
    for (const c of held) c.socket.destroy();
  });
});
