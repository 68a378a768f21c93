// Issue 6 (items 3, 9, 10, 14 and caller-side JSON limits) reproduced against a live gateway over real
// sockets: each attack below worked before the fix. A gateway with a mock stdio upstream serves the call
// tests; one without upstreams, on a manual clock, serves the session lifecycle tests.
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock, silentLogger } from '../../src/core/index.js';
import { StdioServer } from '../../src/transport/stdio/stdio-server.js';
import { connect, startGateway, type TestGateway } from '../helpers/gateway.js';
import { mockFiles, nodeArgs, waitFor } from '../helpers/mock-upstream.js';
import { post, type RawReply } from '../helpers/raw-http.js';

const V = '2025-11-25';
const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const DEEP = '['.repeat(10_000) + ']'.repeat(10_000);

/** Opens a legacy session with raw HTTP; returns its headers for later requests. */
async function open(url: string, init: unknown = INIT): Promise<Record<string, string>> {
  const reply = await post(url, init);
  const id = reply.headers.get('mcp-session-id');
  if (!id) throw new Error(`no session (status ${reply.status}: ${JSON.stringify(reply.body)})`);
  return { 'mcp-session-id': id, 'mcp-protocol-version': V };
}

/** Fails the test instead of hanging when `promise` does not settle within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

void describe('caller input hardening with an upstream', () => {
  let gw: TestGateway;
  let files: ReturnType<typeof mockFiles>;

  before(async () => {
    files = mockFiles({ tools: { echo: {}, hang: { hang: true } } });
    gw = await startGateway({
      server: { sessions: { maxSessions: 20 } },
      upstreams: { mock: { command: process.execPath, args: nodeArgs(files.flags) } },
    });
  });
  after(async () => {
    await gw?.stop();
    files?.cleanup();
  });

  void it('a 10,000-deep arguments body over HTTP is GW_LIMIT_EXCEEDED (400) and the gateway keeps serving', async () => {
    const h = await open(gw.url);
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"mock__echo","arguments":{"x":${DEEP}}}}`;
    const reply = await post(gw.url, body, h);
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error?.code, -32600);
    assert.match(reply.body.error?.message ?? '', /server\.limits\.maxJsonDepth/);
    assert.deepEqual(reply.body.error?.data, { code: 'GW_LIMIT_EXCEEDED', limit: 'server.limits.maxJsonDepth', max: 128 });
    const bad = await post(gw.url, '{"jsonrpc":"2.0",', h);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.code, -32700);
    assert.equal((bad.body.error?.data as { code: string }).code, 'GW_PARSE_ERROR');
    const ok = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'mock__echo', arguments: { a: 1 } } }, h);
    assert.equal(ok.status, 200);
    assert.ok(ok.body.result, JSON.stringify(ok.body));
    assert.equal(gw.gateway.counts().upstreamInFlight, 0);
    await fetch(gw.url, { method: 'DELETE', headers: h });
  });

  void it('a 10,000-deep line over stdio is GW_LIMIT_EXCEEDED and the stdio server keeps serving', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const replies: Record<string, unknown>[] = [];
    createInterface({ input: output }).on('line', (line) => replies.push(JSON.parse(line) as Record<string, unknown>));
    new StdioServer(gw.gateway.layer, input, output, silentLogger);
    const send = async (line: string, count: number) => {
      input.write(line + '\n');
      await waitFor(() => replies.length >= count, 10_000, `stdio reply ${count}`);
      return replies[count - 1] as {
        id: unknown;
        result?: unknown;
        error?: { code: number; message: string; data: Record<string, unknown> };
      };
    };
    // An oversized handshake is answered (it used to be thrown away with only a log line).
    const huge = await send(JSON.stringify({ ...INIT, params: { ...INIT.params, clientInfo: { name: 'x'.repeat(20_000) } } }), 1);
    assert.equal(huge.error?.data.code, 'GW_LIMIT_EXCEEDED');
    assert.equal(huge.error?.data.limit, 'server.sessions.maxStateBytes');
    assert.ok((await send(JSON.stringify(INIT), 2)).result);
    const deep = await send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"mock__echo","arguments":${DEEP}}}`, 3);
    assert.equal(deep.id, null);
    assert.equal(deep.error?.code, -32600);
    assert.equal(deep.error?.data.code, 'GW_LIMIT_EXCEEDED');
    assert.match(deep.error?.message ?? '', /server\.limits\.maxJsonDepth/);
    const ok = await send(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'mock__echo', arguments: {} } }),
      4,
    );
    assert.equal(ok.id, 2);
    assert.ok(ok.result, JSON.stringify(ok));
    input.end();
  });

  void it('stdio: a line over the size limit is discarded as it streams, answered GW_PAYLOAD_TOO_LARGE, and the next line is served', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const replies: { id: unknown; result?: unknown; error?: { code: number; message: string; data: Record<string, unknown> } }[] = [];
    createInterface({ input: output }).on('line', (line) => replies.push(JSON.parse(line) as (typeof replies)[number]));
    new StdioServer(gw.gateway.layer, input, output, silentLogger, undefined, 64 * 1024);
    // 8 MiB in 64 KiB chunks with no newline: before, readline buffered all of it (a caller could grow memory without bound).
    const chunk = 'x'.repeat(64 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    input.write('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"');
    for (let i = 0; i < 128; i++) input.write(chunk);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    input.write('"}}\n');
    await waitFor(() => replies.length >= 1, 10_000, 'the oversized line answered');
    assert.equal(replies[0]!.id, null);
    assert.equal(replies[0]!.error?.code, -32600);
    assert.equal(replies[0]!.error?.data.code, 'GW_PAYLOAD_TOO_LARGE');
    assert.match(replies[0]!.error?.message ?? '', /65536 bytes/);
    input.write(JSON.stringify(INIT) + '\n');
    await waitFor(() => replies.length >= 2, 10_000, 'the next line served');
    assert.ok(replies[1]!.result, JSON.stringify(replies[1]));
    input.end();
    // A diagnostic, not a bound: GC timing varies; the property is that the line was never kept whole.
    assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew ${heapGrowth} bytes while 8 MiB streamed`);
  });

  void it('stdio, modern era: a request id already in flight is refused and the first stays cancellable', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const replies: { id: unknown; result?: unknown; error?: { code: number; message: string; data: Record<string, unknown> } }[] = [];
    createInterface({ input: output }).on('line', (line) => replies.push(JSON.parse(line) as (typeof replies)[number]));
    new StdioServer(gw.gateway.layer, input, output, silentLogger);
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'dup', version: '1' },
    };
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 'm1',
      method: 'tools/call',
      params: { name: 'mock__hang', arguments: {}, _meta: meta },
    });
    const cancelledBefore = files.readStats().cancellations.hang ?? 0;
    input.write(call + '\n');
    await waitFor(() => gw.gateway.counts().upstreamInFlight >= 1 || undefined, 10_000, 'first call upstream');
    input.write(call + '\n');
    const refused = await waitFor(() => replies.find((r) => r.id === 'm1'), 10_000, 'the duplicate to be refused');
    assert.equal(refused.error?.code, -32600);
    assert.match(refused.error?.message ?? '', /already in use/);
    input.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'm1' } }) + '\n');
    await waitFor(
      () => (files.readStats().cancellations.hang ?? 0) > cancelledBefore || undefined,
      10_000,
      'the first call cancelled upstream',
    );
    await waitFor(() => gw.gateway.counts().upstreamInFlight === 0 || undefined, 10_000, 'no upstream request left');
    input.end();
  });

  void it('a second request with an id in flight is refused (-32600) and the first stays cancellable', async (t) => {
    const h = await open(gw.url);
    const sid = h['mcp-session-id']!;
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'mock__hang', arguments: {} } };
    const cancelledBefore = files.readStats().cancellations.hang ?? 0;
    const first = post(gw.url, call, h);
    await waitFor(
      () => gw.gateway.counts().upstreamInFlight >= 1 && gw.gateway.layer.sessions.get(sid)?.busy,
      10_000,
      'first call upstream',
    );
    const second = await within(post(gw.url, call, h), 10_000, 'the duplicate-id request');
    assert.equal(second.body.id, 7);
    assert.equal(second.body.error?.code, -32600);
    assert.equal((second.body.error?.data as { code: string }).code, 'GW_INVALID_REQUEST');
    assert.match(second.body.error?.message ?? '', /already in use/);
    const cancel = await post(gw.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'test' } }, h);
    assert.equal(cancel.status, 202);
    const answer: RawReply = await within(first, 10_000, 'the cancelled first call');
    t.diagnostic(`first call answered ${JSON.stringify(answer.body.error ?? answer.body.result)}`);
    await waitFor(
      () => (files.readStats().cancellations.hang ?? 0) > cancelledBefore || undefined,
      10_000,
      'the upstream to see the cancellation',
    );
    await waitFor(() => gw.gateway.counts().upstreamInFlight === 0 || undefined, 10_000, 'no upstream request left');
    await fetch(gw.url, { method: 'DELETE', headers: h });
  });

  void it('maxSessions 20: five working SDK sessions survive 100 initializes from a flooder', async (t) => {
    const clients: Client[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await connect(gw.url, 'legacy');
      await c.callTool({ name: 'mock__echo', arguments: { i } });
      clients.push(c);
    }
    const statuses = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      const reply = await post(gw.url, INIT);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
    t.diagnostic(`flood statuses ${JSON.stringify([...statuses])}, sessions held ${gw.gateway.layer.sessions.size}`);
    assert.ok(gw.gateway.layer.sessions.size <= 20);
    let errors = 0;
    for (const [i, c] of clients.entries()) {
      try {
        const result = await c.callTool({ name: 'mock__echo', arguments: { again: i } });
        if (result.isError) errors++;
      } catch (err) {
        t.diagnostic(`client ${i}: ${String(err)}`);
        errors++;
      }
    }
    assert.equal(errors, 0);
    await Promise.all(clients.map((c) => c.close()));
  });
});

void describe('session lifecycle on a manual clock', () => {
  const clock = new ManualClock();
  let gateway: Gateway;
  let url: string;

  before(async () => {
    const config = parseConfig(
      { server: { port: 0, sessions: { idleTimeoutMs: 60_000, maxSessions: 50, maxPerClient: 8, maxStreams: 2 } } },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger, clock });
    await gateway.start();
    url = gateway.url;
  });
  after(async () => {
    await gateway?.stop();
  });

  const ping = async (h: Record<string, string>) => (await post(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, h)).status;
  const end = async (h: Record<string, string>) => void (await fetch(url, { method: 'DELETE', headers: h }));

  void it('an open GET stream keeps its session alive; DELETE ends the stream', async () => {
    const streamed = await open(url);
    const quiet = await open(url);
    const get = await openGet(url, streamed);
    assert.equal(get.status, 200);
    clock.advance(10 * 60_000); // the sweeper runs on this clock
    assert.equal(await ping(quiet), 404, 'the session without a stream idled out');
    assert.equal(await ping(streamed), 200, 'the session with an open stream did not');
    await end(streamed);
    await within(get.ended, 10_000, 'the GET stream to end after DELETE');
    await waitFor(() => gateway.layer.sessions.streams === 0 || undefined, 10_000, 'the stream to be released');
  });

  void it('GET streams count against maxStreams (503 GW_OVERLOADED), and a closed one frees its slot', async () => {
    const sessions = [await open(url), await open(url), await open(url)];
    const a = await openGet(url, sessions[0]!);
    const b = await openGet(url, sessions[1]!);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const refused = await openGet(url, sessions[2]!);
    assert.equal(refused.status, 503);
    assert.equal((JSON.parse(refused.text) as { error: { data: { limit: string } } }).error.data.limit, 'server.sessions.maxStreams');
    a.close();
    await waitFor(() => gateway.layer.sessions.streams === 1 || undefined, 10_000, 'the closed stream to be released');
    const c = await openGet(url, sessions[2]!);
    assert.equal(c.status, 200);
    for (const h of sessions) await end(h);
    await within(Promise.all([b.ended, c.ended]), 10_000, 'the streams to end');
  });

  void it('an initialize larger than maxStateBytes is GW_LIMIT_EXCEEDED (400)', async () => {
    const before = gateway.layer.sessions.size;
    const reply = await post(url, { ...INIT, params: { ...INIT.params, capabilities: { experimental: { pad: 'x'.repeat(20_000) } } } });
    assert.equal(reply.status, 400);
    assert.equal((reply.body.error?.data as { code: string; limit: string }).code, 'GW_LIMIT_EXCEEDED');
    assert.equal((reply.body.error?.data as { limit: string }).limit, 'server.sessions.maxStateBytes');
    assert.equal(gateway.layer.sessions.size, before);
  });

  void it('one client (one address when anonymous) holds at most maxPerClient sessions', async () => {
    for (const s of [...gateway.layer.sessions.values()]) gateway.layer.end(s.id);
    const held: Record<string, string>[] = [];
    for (let i = 0; i < 8; i++) held.push(await open(url));
    const refused = await post(url, INIT);
    assert.equal(refused.status, 503);
    assert.equal((refused.body.error?.data as { limit: string }).limit, 'server.sessions.maxPerClient');
    assert.equal(typeof (refused.body.error?.data as { retryAfterMs: unknown }).retryAfterMs, 'number');
    await end(held[0]!);
    held[0] = await open(url);
    for (const h of held) await end(h);
  });
});

/** A raw GET stream: status, the first bytes (or the error body), a promise of its end, and a way to drop it. */
function openGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      let text = '';
      const ended = new Promise<void>((r) => res.on('end', () => r()));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const first = text === '';
        text += chunk;
        if (first && res.statusCode === 200) resolve({ status: 200, text, ended, close: () => req.destroy() });
      });
      res.on('end', () => {
        if (res.statusCode !== 200) resolve({ status: res.statusCode ?? 0, text, ended, close: () => req.destroy() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
