// The 2024-11-05 HTTP+SSE transport downstream (`GET /sse` + `POST /messages?sessionId=`), driven by the
// real SDK v1 `SSEClientTransport` (what Inspector `--transport sse` and mcp-remote `sse-only` use) and
// at the wire level for the guards.
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { post } from '../helpers/raw-http.js';

/** An SDK v1 client connected over the old transport. */
async function sseClient(base: string, name: string, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  await client.connect(new SSEClientTransport(new URL('/sse', base)));
  return client;
}

/** Polls `check` until it returns true (a state, not a time, is what tests wait for). */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface SseEvent {
  event: string;
  data: string;
}

/** A raw `GET /sse`: its events as they arrive, and the response for pausing or closing it. */
function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ res: IncomingMessage; events: SseEvent[]; raw: () => string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      let text = '';
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const lines = block.split('\n').filter((l) => !l.startsWith(':'));
          if (lines.length === 0) continue;
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
          const data = lines
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          events.push({ event, data });
        }
      });
      resolve({ res, events, raw: () => text });
    });
    req.on('error', reject);
    req.end();
  });
}

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw-sse', version: '1' } },
};

/** Opens a raw stream and initializes it; returns the messages URL. */
async function rawSseSession(origin: string, path = '/sse') {
  const sse = await openSse(`${origin}${path}`);
  await until(() => sse.events.length > 0, 'the endpoint event');
  const messages = new URL(sse.events[0]!.data, origin).href;
  assert.equal((await post(messages, INIT)).status, 202);
  await until(() => sse.events.length > 1, 'the initialize result');
  await post(messages, { jsonrpc: '2.0', method: 'notifications/initialized' });
  return { sse, messages };
}

describe('2024-11-05 HTTP+SSE transport (downstream)', () => {
  let gw: TestGateway;
  let origin: string;
  before(async () => {
    gw = await startGateway({
      server: { maxBodyBytes: 64 * 1024, limits: { maxStreamBufferBytes: 16 * 1024 } },
      upstreams: { everything: everythingStdio() },
    });
    origin = new URL(gw.url).origin;
  });
  after(() => gw?.stop());

  it('SDK v1 SSEClientTransport lists and calls tools', async () => {
    const client = await sseClient(origin, 'v1-basic');
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'everything__echo'));
      const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'over sse' } });
      assert.match(JSON.stringify(result.content), /over sse/);
    } finally {
      await client.close();
    }
  });

  it('relays progress notifications to the SSE caller, in order, before the result', async (t) => {
    // On the wire: every progress notification, in order, then the result, all on the caller's stream.
    const { sse, messages } = await rawSseSession(origin);
    try {
      const from = sse.events.length;
      const call = {
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 0.2, steps: 4 },
        _meta: { progressToken: 'tok' },
      };
      assert.equal((await post(messages, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: call })).status, 202);
      await until(() => sse.events.slice(from).some((e) => (JSON.parse(e.data) as { id?: number }).id === 7), 'the result');
      const wire = sse.events
        .slice(from)
        .map((e) => JSON.parse(e.data) as { id?: number; params?: { progress: number; progressToken: string } });
      assert.deepEqual(
        wire.map((m) => (m.id === undefined ? `${m.params?.progressToken}:${m.params?.progress}` : `result:${m.id}`)),
        ['tok:1', 'tok:2', 'tok:3', 'tok:4', 'result:7'],
      );
    } finally {
      sse.res.destroy();
    }
    // Through SDK v1: its Protocol runs notification handlers a microtask late but responses at once, so
    // a last progress arriving in the same chunk as the result is dropped by the client itself.
    const client = await sseClient(origin, 'v1-progress');
    try {
      const seen: number[] = [];
      const result = await client.callTool(
        { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.2, steps: 4 } },
        undefined,
        { onprogress: (p) => void seen.push(p.progress) },
      );
      t.diagnostic(`SDK v1 client saw progress ${JSON.stringify(seen)}`);
      assert.ok(seen.length >= 1);
      assert.deepEqual(seen, [1, 2, 3, 4].slice(0, seen.length));
      assert.match(JSON.stringify(result.content), /completed/);
    } finally {
      await client.close();
    }
  });

  it('relays a sampling request to the SSE caller that caused it, and no other (no crosstalk)', async () => {
    const asked: string[] = [];
    const answer = (who: string) => () => {
      asked.push(who);
      return { role: 'assistant' as const, content: { type: 'text' as const, text: `sampled by ${who}` }, model: 'test-model' };
    };
    const a = await sseClient(origin, 'v1-a', { sampling: {} });
    a.setRequestHandler(CreateMessageRequestSchema, answer('a'));
    const b = await sseClient(origin, 'v1-b', { sampling: {} });
    b.setRequestHandler(CreateMessageRequestSchema, answer('b'));
    try {
      // A's call after B connected: its sampling request reaches A only, its result comes back to A.
      const fromA = await a.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'meaning?' } });
      assert.match(JSON.stringify(fromA.content), /sampled by a/);
      assert.deepEqual(asked, ['a']);
      // Concurrent calls on both streams: each caller gets its own answers.
      const [ea, eb] = await Promise.all([
        a.callTool({ name: 'everything__echo', arguments: { message: 'from-a' } }),
        b.callTool({ name: 'everything__echo', arguments: { message: 'from-b' } }),
      ]);
      assert.match(JSON.stringify(ea.content), /from-a/);
      assert.doesNotMatch(JSON.stringify(ea.content), /from-b/);
      assert.match(JSON.stringify(eb.content), /from-b/);
      const fromB = await b.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'again?' } });
      assert.match(JSON.stringify(fromB.content), /sampled by b/);
      assert.deepEqual(asked, ['a', 'b']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('opens with `event: endpoint` naming /messages?sessionId=…; POST answers 202 and the reply goes down the stream', async () => {
    const sse = await openSse(`${origin}/sse`);
    try {
      assert.equal(sse.res.statusCode, 200);
      assert.match(sse.res.headers['content-type'] ?? '', /text\/event-stream/);
      await until(() => sse.events.length > 0, 'the endpoint event');
      assert.equal(sse.events[0]!.event, 'endpoint');
      assert.match(sse.events[0]!.data, /^\/messages\?sessionId=[0-9a-f-]{36}$/);
      const messages = new URL(sse.events[0]!.data, origin).href;
      // Before initialize: accepted, and answered on the stream with a clear error.
      assert.equal((await post(messages, { jsonrpc: '2.0', id: 'early', method: 'tools/list' })).status, 202);
      await until(() => sse.events.length > 1, 'the early error');
      const early = JSON.parse(sse.events[1]!.data) as { id: string; error: { data: { code: string } } };
      assert.equal(early.id, 'early');
      assert.equal(early.error.data.code, 'GW_SESSION_REQUIRED');
      const accepted = await post(messages, INIT);
      assert.equal(accepted.status, 202);
      await until(() => sse.events.length > 2, 'the initialize result');
      const init = JSON.parse(sse.events[2]!.data) as { id: number; result: { protocolVersion: string } };
      assert.equal(init.id, 0);
      assert.equal(init.result.protocolVersion, '2024-11-05');
      assert.equal(gw.gateway.layer.sessions.size, 1);
    } finally {
      sse.res.destroy();
    }
    await until(() => gw.gateway.layer.sessions.size === 0, 'the session to end with its stream');
  });

  it('closing the stream ends the session: its sessionId is then unknown (404)', async () => {
    const { sse, messages } = await rawSseSession(origin);
    assert.equal(gw.gateway.layer.sessions.size, 1);
    sse.res.destroy();
    await until(() => gw.gateway.layer.sessions.size === 0, 'the session to end');
    const late = await post(messages, { jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal(late.status, 404);
    assert.equal((late.body.error?.data as { code?: string }).code, 'GW_SESSION_NOT_FOUND');
  });

  it('guards /sse and /messages like /mcp: Origin, batches, body size, JSON depth, unknown session', async () => {
    const foreign = await openSse(`${origin}/sse`, { origin: 'http://evil.example' });
    assert.equal(foreign.res.statusCode, 403);
    foreign.res.resume();
    const { sse, messages } = await rawSseSession(origin);
    try {
      const forged = await post(messages, { jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'http://evil.example' });
      assert.equal(forged.status, 403);
      const batch = await post(messages, [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: 2, method: 'ping' },
      ]);
      assert.equal(batch.status, 400);
      assert.match(batch.body.error?.message ?? '', /batch/i);
      const big = await post(messages, { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100 * 1024) } });
      assert.equal(big.status, 413);
      const deep = await post(messages, `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${'['.repeat(1000)}${']'.repeat(1000)}}}`);
      assert.equal(deep.status, 400);
      assert.equal((deep.body.error?.data as { code?: string }).code, 'GW_LIMIT_EXCEEDED');
      const garbage = await post(messages, '{"jsonrpc":');
      assert.equal(garbage.status, 400);
      assert.equal(garbage.body.error?.code, -32700);
      const unknown = await post(`${origin}/messages?sessionId=00000000-0000-0000-0000-000000000000`, {
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
      });
      assert.equal(unknown.status, 404);
      const wrongMethod = await fetch(`${origin}/sse`, { method: 'POST', body: '{}' });
      assert.equal(wrongMethod.status, 405);
      // Nothing refused reached the stream; a good call still works.
      const before = sse.events.length;
      assert.equal((await post(messages, { jsonrpc: '2.0', id: 'ok', method: 'ping' })).status, 202);
      await until(() => sse.events.length > before, 'the ping reply');
      assert.deepEqual(JSON.parse(sse.events.at(-1)!.data), { jsonrpc: '2.0', id: 'ok', result: {} });
    } finally {
      sse.res.destroy();
    }
  });

  it('a caller that stops reading its stream is dropped, and its session ends', async (t) => {
    const { sse, messages } = await rawSseSession(origin);
    sse.res.pause();
    const message = 'y'.repeat(48 * 1024);
    let calls = 0;
    // Each reply is ~48 KB; once the kernel's socket buffers are full, Node queues and the bound trips.
    while (gw.gateway.layer.sessions.size > 0 && calls < 2000) {
      const reply = await post(messages, {
        jsonrpc: '2.0',
        id: ++calls,
        method: 'tools/call',
        params: { name: 'everything__echo', arguments: { message } },
      });
      if (reply.status !== 202) break;
      if (calls % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => gw.gateway.layer.sessions.size === 0, 'the stalled caller to be dropped');
    t.diagnostic(`dropped after ${calls} calls of ${message.length} bytes`);
    assert.ok(calls < 2000);
    sse.res.destroy();
  });

  it('GET /mcp without a session id is a 405 whose JSON body names both transports', async () => {
    const res = await fetch(gw.url, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST, DELETE');
    const body = (await res.json()) as { error: { message: string; data: { streamableHttp: string; sse: string } } };
    assert.equal(body.error.data.streamableHttp, 'POST /mcp');
    assert.equal(body.error.data.sse, 'GET /sse');
  });
});

describe('2024-11-05 HTTP+SSE transport: paths and drain', () => {
  it('lives beside a prefixed MCP path, and is off when disabled', async () => {
    const gw = await startGateway({ server: { path: '/gw/mcp' }, upstreams: { everything: everythingStdio() } });
    try {
      const origin = new URL(gw.url).origin;
      const { sse, messages } = await rawSseSession(origin, '/gw/sse');
      assert.match(messages, /\/gw\/messages\?sessionId=/);
      sse.res.destroy();
      assert.equal((await fetch(`${origin}/sse`)).status, 404);
    } finally {
      await gw.stop();
    }
    const off = await startGateway({ server: { legacySse: { enabled: false } }, upstreams: { everything: everythingStdio() } });
    try {
      const res = await fetch(`${new URL(off.url).origin}/sse`);
      assert.equal(res.status, 404);
      await res.body?.cancel();
      const get = (await (await fetch(off.url)).json()) as { error: { data: Record<string, unknown> } };
      assert.equal(get.error.data.sse, undefined);
    } finally {
      await off.stop();
    }
  });

  it('a graceful stop lets an SSE caller’s call finish and delivers its result before the stream ends', async () => {
    const gw = await startGateway({ server: { drainTimeoutMs: 20_000 }, upstreams: { everything: everythingStdio() } });
    const client = await sseClient(new URL(gw.url).origin, 'v1-drain');
    let progressed = 0;
    const call = client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 2 } }, undefined, {
      onprogress: () => void progressed++,
      timeout: 30_000,
    });
    await until(() => progressed > 0, 'the call to be under way');
    const stopped = gw.stop();
    const result = await call;
    assert.match(JSON.stringify(result.content), /completed/);
    await stopped;
    await client.close();
  });
});
