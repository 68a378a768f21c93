// Backpressure toward callers: a caller that stops reading while a tool streams progress cannot grow the
// gateway. Its stream is dropped once server.limits.maxStreamBufferBytes is queued, its call is cancelled
// upstream, and a well-behaved caller is served meanwhile.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { rawSession } from '../helpers/raw-http.js';
import { captureLogger, mockUpstream, rawConnection, rawPost, startEdgeGateway, waitFor, type EdgeGateway } from './_edge.js';

const LIMIT = 256 * 1024;
// Each progress notification echoes the caller's token: a 16 kB token makes the stream fast to fill.
const TOKEN = 't'.repeat(16 * 1024);
const up = mockUpstream({
  tools: { chatty: { progress: { count: 5000, intervalMs: 1 } }, steady: { progress: { count: 50, intervalMs: 2 } } },
});
const capture = captureLogger();
let gw: EdgeGateway;
let peak = 0;
let largestWrite = 0;

before(async () => {
  gw = await startEdgeGateway({ server: { limits: { maxStreamBufferBytes: LIMIT } }, upstreams: { m: up.config } }, capture.log);
  // Measured from outside the gateway's own check: what every response holds queued after each write.
  gw.gateway.listener!.prependListener('request', (_req, res: ServerResponse) => {
    const write = res.write;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      largestWrite = Math.max(largestWrite, typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).length);
      const ok = (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      peak = Math.max(peak, this.writableLength);
      return ok;
    } as typeof res.write;
  });
});

after(async () => {
  await gw?.stop();
  up.files.cleanup();
});

test('a caller that stops reading a progress stream is dropped at the bound, its call cancelled, others served', async (t) => {
  const session = await rawSession(gw.url);
  const headers = { 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-11-25' };
  const slow = await rawConnection(gw.port, true);
  const call = {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'm__chatty', arguments: {}, _meta: { progressToken: TOKEN } },
  };
  const t0 = performance.now();
  slow.socket.write(rawPost(gw.port, JSON.stringify(call), headers));
  await waitFor(() => up.files.readStats().calls.chatty === 1, 10_000, 'the chatty call upstream');

  // A well-behaved caller, served while the slow one's stream fills.
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'm__steady', arguments: {}, _meta: { progressToken: 'p' } },
    }),
  });
  const text = await res.text();
  assert.equal(text.match(/notifications\/progress/g)?.length, 50, 'every progress notification reached the good caller');
  assert.match(text, /"id":2,"result"/);

  const stats = await waitFor(
    () => (up.files.readStats().cancellations.chatty === 1 ? up.files.readStats() : undefined),
    20_000,
    'the slow caller’s call cancelled upstream',
  );
  const dropMs = performance.now() - t0;
  const drops = capture.lines.filter((l) => l.msg.startsWith('caller stream dropped'));
  assert.equal(drops.length, 1, 'one log line for the drop');
  assert.equal(drops[0]!.fields.limitBytes, LIMIT);
  assert.ok(
    peak <= LIMIT + largestWrite,
    `queued at most the bound plus one message: peak ${peak}, bound ${LIMIT}, message ${largestWrite}`,
  );

  // The dropped stream ends without an answer: read what the kernel had buffered, then the end.
  slow.socket.resume();
  let got = 0;
  let tail = '';
  slow.socket.on('data', (chunk: Buffer) => {
    got += chunk.length;
    tail = (tail + chunk.toString('latin1')).slice(-200);
  });
  await waitFor(() => slow.isClosed(), 10_000, 'the slow connection closed');
  assert.doesNotMatch(tail, /"id":1,"result"/);
  t.diagnostic(
    `dropped after ${dropMs.toFixed(0)} ms; peak queued ${peak} B (bound ${LIMIT} B, largest message ${largestWrite} B); ` +
      `the slow caller received ${got} B before the end; chatty progress steps upstream: ${JSON.stringify(stats.calls)}`,
  );
  await session.close();
});
