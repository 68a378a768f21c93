// breakwater mock-upstream on the wire: malformed variants produce exactly the bytes they claim, HTTP framing
// (JSON vs SSE, 503 + Retry-After, sessions, batches) and what the SDK v2 client makes of the broken frames.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { httpClient, httpMock, mockFiles, nodeArgs, stdioMock, waitFor, type HttpMock } from '../helpers/mock-upstream.js';

const SCRIPT = {
  tools: {
    invalid: { malformed: 'invalid-json' },
    wrongver: { malformed: 'wrong-version' },
    stray: { malformed: 'unknown-id' },
    dup: { malformed: 'duplicate-response' },
    pushback: { retryAfterMs: 1500, httpStatus: 503 },
  },
};
const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};
const call = (id: number, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name } });

/** A mock on raw stdio pipes: send frames, take answer lines one by one. */
function rawStdio(flags: string[]) {
  const proc = spawn(process.execPath, nodeArgs(flags), { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => lines.push(l));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    exit,
    send: (m: object) => void proc.stdin.write(JSON.stringify(m) + '\n'),
    next: () => waitFor(() => lines.shift(), 10_000, 'a line from the mock'),
    stop: () => (proc.stdin.end(), exit),
  };
}

void describe('mock-upstream malformed frames on raw stdio', { timeout: 300_000 }, () => {
  const files = mockFiles(SCRIPT);
  const io = rawStdio(files.flags);
  after(async () => (await io.stop(), files.cleanup()));

  void test('each variant writes what it claims', async () => {
    io.send(INIT);
    assert.equal(JSON.parse(await io.next()).result.protocolVersion, '2025-06-18');
    io.send(call(1, 'invalid'));
    const broken = await io.next();
    assert.ok(broken.startsWith('{"jsonrpc":"2.0","id":1,'));
    assert.throws(() => JSON.parse(broken), SyntaxError);
    io.send(call(2, 'wrongver'));
    assert.deepEqual(pick(JSON.parse(await io.next())), { jsonrpc: '1.0', id: 2 });
    io.send(call(3, 'stray'));
    assert.deepEqual(pick(JSON.parse(await io.next())), { jsonrpc: '2.0', id: 'mock-unknown-3' });
    assert.deepEqual(pick(JSON.parse(await io.next())), { jsonrpc: '2.0', id: 3 });
    io.send(call(4, 'dup'));
    const first = await io.next();
    assert.equal(await io.next(), first);
    assert.deepEqual(pick(JSON.parse(first)), { jsonrpc: '2.0', id: 4 });
    io.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'pushback' } });
    assert.deepEqual(JSON.parse(await io.next()).error, {
      code: -32000,
      message: 'mock-upstream: overloaded, retry later',
      data: { retryAfterMs: 1500 },
    });
  });
});

const pick = (m: { jsonrpc: unknown; id: unknown }) => ({ jsonrpc: m.jsonrpc, id: m.id });

void describe('mock-upstream malformed frames through the SDK client over stdio', { timeout: 300_000 }, () => {
  void test('duplicate and unknown ids: the call succeeds, the client reports the stray frame', async () => {
    const files = mockFiles(SCRIPT);
    const { client } = await stdioMock(files.flags);
    const errors: string[] = [];
    client.onerror = (e) => void errors.push(e.message);
    try {
      assert.ok(await client.callTool({ name: 'dup' }));
      assert.ok(await client.callTool({ name: 'stray' }));
      await waitFor(() => errors.length >= 2, 20_000, 'two client errors');
      // Invalid JSON and a wrong jsonrpc version never resolve the call: only a client timeout ends it.
      await assert.rejects(client.callTool({ name: 'invalid' }, { timeout: 300 }), /timed out/i);
      await assert.rejects(client.callTool({ name: 'wrongver' }, { timeout: 300 }), /timed out/i);
      assert.ok(errors.length >= 3, `client saw the broken frames: ${errors.join(' | ')}`);
    } finally {
      await client.close();
      files.cleanup();
    }
  });
});

void describe('mock-upstream HTTP framing', { timeout: 300_000 }, () => {
  const files = mockFiles(SCRIPT);
  let mock: HttpMock;
  let session = '';
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(mock.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session && { 'mcp-session-id': session }),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  before(async () => {
    mock = await httpMock(files.flags);
    const r = await post(INIT);
    session = r.headers.get('mcp-session-id') ?? '';
    assert.match(session, /^[0-9a-f-]{36}$/);
    await r.json();
  });
  after(async () => (await mock.stop(), files.cleanup()));

  void test('single-frame variants answer as JSON, multi-frame ones as SSE', async () => {
    const invalid = await post(call(1, 'invalid'));
    assert.equal(invalid.headers.get('content-type'), 'application/json');
    const body = await invalid.text();
    assert.ok(body.startsWith('{"jsonrpc":"2.0","id":1,'));
    assert.throws(() => JSON.parse(body), SyntaxError);
    const wrong = await post(call(2, 'wrongver'));
    assert.equal(((await wrong.json()) as { jsonrpc: string }).jsonrpc, '1.0');
    for (const [id, name, ids] of [
      [3, 'stray', ['mock-unknown-3', 3]],
      [4, 'dup', [4, 4]],
    ] as const) {
      const r = await post(call(id, name));
      assert.equal(r.headers.get('content-type'), 'text/event-stream');
      const events = (await r.text()).split('\n\n').filter(Boolean);
      assert.deepEqual(
        events.map((e) => JSON.parse(e.replace(/^event: message\ndata: /, '')).id),
        ids,
      );
    }
  });

  void test('httpStatus + retryAfterMs: 503 with Retry-After and the JSON-RPC error body', async () => {
    const r = await post(call(5, 'pushback'));
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.deepEqual(((await r.json()) as { error: unknown }).error, {
      code: -32000,
      message: 'mock-upstream: overloaded, retry later',
      data: { retryAfterMs: 1500 },
    });
    const { client, transport } = await httpClient(mock.url);
    // The SDK surfaces a non-2xx POST as a transport error carrying the status, not as the JSON-RPC error.
    await assert.rejects(client.callTool({ name: 'pushback' }), (e: { data?: { status?: number } }) => e.data?.status === 503);
    await transport.terminateSession(); // DELETE, so the session count below is ours alone
    await client.close();
  });

  void test('sessions: missing 400, unknown 404, GET needs SSE, DELETE ends it; batches and bad JSON are 400', async () => {
    assert.equal((await post(call(6, 'echo'), { 'mcp-session-id': '' })).status, 400);
    assert.equal((await post(call(6, 'echo'), { 'mcp-session-id': 'nope' })).status, 404);
    assert.equal((await post([call(7, 'echo')])).status, 400);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await fetch(mock.url, { headers: { 'mcp-session-id': session, accept: 'application/json' } })).status, 406);
    assert.equal((await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
    assert.equal((await mock.stats()).sessions, 1);
    assert.equal((await fetch(mock.url, { method: 'DELETE', headers: { 'mcp-session-id': session } })).status, 200);
    assert.equal((await mock.stats()).sessions, 0);
    assert.equal((await post(call(8, 'echo'))).status, 404);
  });

  void test('modern requests: server/discover without a session; an unknown version is -32022 with data.supported', async () => {
    const meta = (v: string) => ({
      _meta: { 'io.modelcontextprotocol/protocolVersion': v, 'io.modelcontextprotocol/clientCapabilities': {} },
    });
    const headers = { 'mcp-session-id': '', 'mcp-protocol-version': '2026-07-28' };
    const r = await post({ jsonrpc: '2.0', id: 9, method: 'server/discover', params: meta('2026-07-28') }, headers);
    const discover = ((await r.json()) as { result: { supportedVersions: string[]; resultType: string } }).result;
    assert.deepEqual([discover.supportedVersions[0], discover.resultType], ['2026-07-28', 'complete']);
    const bad = await post({ jsonrpc: '2.0', id: 10, method: 'tools/list', params: meta('2099-01-01') }, headers);
    assert.equal(bad.status, 400);
    const { error } = (await bad.json()) as { error: { code: number; data: { supported: string[] } } };
    assert.equal(error.code, -32022);
    assert.ok(error.data.supported.includes('2025-11-25'));
  });

  void test('the SDK client rejects an invalid JSON body', async () => {
    const { client } = await httpClient(mock.url);
    await assert.rejects(client.callTool({ name: 'invalid' }));
    assert.ok(await client.callTool({ name: 'dup' }));
    await client.close();
  });
});
