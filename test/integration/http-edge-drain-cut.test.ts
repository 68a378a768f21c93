// Calls still running at the drain deadline get an answer: GW_SHUTTING_DOWN with their own id, on their
// own response (plain JSON, or the SSE stream it had become), before the gateway closes the connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rawSession } from '../helpers/raw-http.js';
import { captureLogger, mockUpstream, startEdgeGateway, waitFor, type EdgeGateway } from './_edge.js';

const up = mockUpstream({ tools: { slow: { latency: 30_000 }, busy: { progress: { count: 300, intervalMs: 100 } } } });
let gw: EdgeGateway;

before(async () => {
  gw = await startEdgeGateway({ server: { drainTimeoutMs: 300 }, upstreams: { m: up.config } }, captureLogger().log);
});
after(async () => {
  await gw?.stop();
  up.files.cleanup();
});

/** The JSON-RPC messages of a response body: one JSON document, or the data lines of an SSE stream. */
function messages(contentType: string, text: string): Record<string, unknown>[] {
  if (!contentType.includes('text/event-stream')) return [JSON.parse(text) as Record<string, unknown>];
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6) // an empty data line: a priming event (SEP-1699)
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

test('calls cut at the drain deadline are answered GW_SHUTTING_DOWN with their id (JSON and SSE)', async (t) => {
  const s = await rawSession(gw.url);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': s.id,
    'mcp-protocol-version': '2025-11-25',
  };
  const call = (id: number, name: string, meta?: object) =>
    fetch(gw.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, ...(meta && { _meta: meta }) } }),
    });
  const plain = call(41, 'm__slow');
  const streamed = await call(42, 'm__busy', { progressToken: 'p' });
  assert.match(streamed.headers.get('content-type') ?? '', /text\/event-stream/, 'progress made it an SSE stream');
  const reader = streamed.body!.getReader();
  const first = await reader.read();
  assert.match(Buffer.from(first.value!).toString(), /notifications\/progress/);
  await waitFor(() => up.files.readStats().inFlight === 2, 10_000, 'both calls upstream');

  const stopping = gw.gateway.stop();
  const plainRes = await plain;
  const plainBody = messages(plainRes.headers.get('content-type') ?? '', await plainRes.text());
  let rest = Buffer.from(first.value!).toString();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += Buffer.from(value).toString();
  }
  await stopping;
  const sseBody = messages('text/event-stream', rest);

  const answer = (list: Record<string, unknown>[]) =>
    list.filter((m) => 'id' in m).at(-1) as { id: unknown; error?: { code: number; data?: { code?: string } } };
  const a = answer(plainBody);
  const b = answer(sseBody);
  t.diagnostic(`JSON answer: ${JSON.stringify(a)}; SSE: ${sseBody.length - 1} progress then ${JSON.stringify(b)}`);
  assert.match(plainRes.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(a.id, 41);
  assert.equal(a.error?.data?.code, 'GW_SHUTTING_DOWN');
  assert.equal(a.error?.code, -32000);
  assert.equal(b.id, 42);
  assert.equal(b.error?.data?.code, 'GW_SHUTTING_DOWN');
});
