// A caller that never reads a large final answer: the answer is written by one end(), so the write-side
// bound (server.limits.maxStreamBufferBytes) never sees it. Without a watchdog the response holds the
// answer's bytes and the socket for as long as the caller likes; with server.timeouts.stallMs it is
// destroyed once that time has passed since end() with more than the bound still queued.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { rawSession } from '../helpers/raw-http.js';
import { captureLogger, mockUpstream, rawConnection, rawPost, startEdgeGateway, waitFor, type EdgeGateway } from './_edge.js';

const LIMIT = 64 * 1024;
const STALL_MS = 3_000;
// More than the kernel takes for a caller that does not read (its receive window plus our send buffer, a
// few MB on loopback), so most of the answer stays queued in the gateway.
const ANSWER_BYTES = 12 * 1024 * 1024;
const up = mockUpstream({ tools: { big: { outputBytes: ANSWER_BYTES } } });
const capture = captureLogger();
let gw: EdgeGateway;

before(async () => {
  gw = await startEdgeGateway(
    { server: { limits: { maxStreamBufferBytes: LIMIT }, timeouts: { stallMs: STALL_MS } }, upstreams: { m: up.config } },
    capture.log,
  );
});

after(async () => {
  await gw?.stop();
  up.files.cleanup();
});

const bigCall = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'm__big', arguments: {} } });

test('a caller that never reads a large final answer loses its response and socket after stallMs; a reader gets it all', async (t) => {
  const session = await rawSession(gw.url);
  const headers = { 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-11-25', accept: 'application/json' };
  const stalled = await rawConnection(gw.port, true);
  stalled.socket.write(rawPost(gw.port, bigCall(1), headers));
  await waitFor(() => up.files.readStats().calls.big === 1 && up.files.readStats().inFlight === 0, 20_000, 'the big answer upstream');
  const answeredAt = performance.now();

  // A caller that reads gets the whole answer meanwhile, under the same settings.
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: bigCall(2),
  });
  const body = (await res.json()) as { id: number; result: { content: { text: string }[] } };
  assert.equal(body.id, 2);
  assert.equal(body.result.content[0]!.text.length, ANSWER_BYTES, 'the reader got every byte');

  // The gateway lets go of the stalled response (a paused caller cannot see the close until it reads).
  const drop = await waitFor(
    () => capture.lines.find((l) => l.msg.startsWith('caller response dropped')),
    60_000,
    'the stalled response dropped by the gateway',
  );
  t.diagnostic(
    `stalled response dropped ${Math.round(performance.now() - answeredAt)} ms after the upstream answered (stallMs ${STALL_MS})`,
  );
  const queued = drop.fields.bufferedBytes as number;
  assert.ok(queued > LIMIT, `more than the bound was still queued (${queued} bytes)`);
  t.diagnostic(`${queued} bytes of the ${ANSWER_BYTES}-byte answer were still queued at the drop`);
  await waitFor(() => gw.gateway.counts().httpActive === 0 || undefined, 20_000, 'no HTTP request left in progress');
  // Reading now, the caller gets what the kernel already held, then the end: never the whole answer.
  let received = 0;
  stalled.socket.on('data', (chunk: Buffer) => void (received += chunk.length));
  stalled.socket.resume();
  await stalled.closed;
  assert.ok(received < ANSWER_BYTES, `the connection ended before the answer did (${received} bytes received)`);
  assert.equal(capture.lines.filter((l) => l.msg.startsWith('caller response dropped')).length, 1, 'one log line for the drop');
  await session.close();
});
