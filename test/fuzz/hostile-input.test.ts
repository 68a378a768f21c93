// The hostile-input suite (issue 6): generated requests (random JSON, deep nesting, huge keys and strings,
// random headers, random session behaviour) against a live gateway with a real stdio upstream, while a
// well-behaved SDK client calls a tool beside them. Properties: the gateway never crashes or answers 500,
// every request gets an answer, nothing leaks (sessions, upstream requests, HTTP requests), and the
// well-behaved client sees no error and exactly its own results. A short run is part of `npm test`;
// `npm run fuzz` runs it long (FUZZ_RUNS, FUZZ_SEED).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Client } from '@modelcontextprotocol/client';
import { connect, startGateway, type TestGateway } from '../helpers/gateway.js';
import { mockFiles, nodeArgs, waitFor } from '../helpers/mock-upstream.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 80);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

interface HostileRequest {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

interface Answer {
  status: number;
  bytes: number;
  /** The first 64 KiB of the body: enough to see the error code. */
  head: string;
}

let gw: TestGateway;
let files: ReturnType<typeof mockFiles>;
const sessionPool: string[] = [];

before(async () => {
  files = mockFiles({ tools: { echo: {}, slow: { progress: { count: 3, intervalMs: 5 } } } });
  gw = await startGateway({
    server: { sessions: { maxSessions: 200 } },
    upstreams: { mock: { command: process.execPath, args: nodeArgs(files.flags) } },
  });
});

after(async () => {
  await gw.stop();
  files.cleanup();
});

/** One raw HTTP exchange; long-lived streams (a GET that opened) are read briefly, then closed. */
function send(url: string, r: HostileRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: r.method, headers: r.headers, timeout: 15_000 }, (res) => {
      const sid = res.headers['mcp-session-id'];
      if (typeof sid === 'string' && !sessionPool.includes(sid)) sessionPool.push(sid);
      let bytes = 0;
      let head = '';
      // A GET stream or a subscriptions/listen stream stays open by design: seeing it open is the answer.
      const sse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      const longLived = res.statusCode === 200 && (r.method === 'GET' || (sse && (r.body ?? '').includes('"subscriptions/listen"')));
      if (longLived) setImmediate(() => res.destroy());
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (head.length < 65_536) head += c.toString('utf8', 0, Math.min(c.length, 65_536));
      });
      const done = () => resolve({ status: res.statusCode ?? 0, bytes, head });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 15 s: ${r.method} ${r.body?.slice(0, 120) ?? ''}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The gateway may close a connection on purpose (a refused body); a reset is an answer, a hang is not.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve({ status: 0, bytes: 0, head: '' });
      else reject(err);
    });
    if (r.body !== undefined) req.end(r.body);
    else req.end();
  });
}

const nested = (depth: number, leaf = '0') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'resources/list',
  'resources/read',
  'resources/subscribe',
  'logging/setLevel',
  'completion/complete',
  'server/discover',
  'subscriptions/listen',
  'notifications/cancelled',
  'notifications/initialized',
  'nope/unknown',
];

const anyId = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.constant({ a: 1 }));
const bigString = fc.integer({ min: 1_000, max: 600_000 }).map((n) => 'x'.repeat(n));
const deepValue = fc.integer({ min: 100, max: 20_000 }).map((d) => nested(d));

/** A JSON-RPC-shaped body with a random method, id and params; sometimes a deep or huge part. */
const rpcBody = fc
  .record({
    method: fc.constantFrom(...METHODS),
    id: fc.option(anyId, { nil: undefined }),
    params: fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ name: fc.constantFrom('mock__echo', 'mock__slow', 'mock__nope', 'x'), arguments: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({ protocolVersion: fc.constantFrom('2025-11-25', '2026-07-28', 'bogus'), capabilities: fc.jsonValue({ maxDepth: 3 }) }),
    ),
    poison: fc.option(
      fc.oneof(
        deepValue,
        bigString.map((s) => JSON.stringify(s)),
      ),
      { nil: undefined },
    ),
    hugeKey: fc.option(fc.integer({ min: 1_000, max: 200_000 }), { nil: undefined }),
  })
  .map(({ method, id, params, poison, hugeKey }) => {
    const base = JSON.stringify({ jsonrpc: '2.0', method, ...(id !== undefined && { id }), params });
    if (poison === undefined && hugeKey === undefined) return base;
    // Splice the poison in as raw text so depth is not limited by JSON.stringify here.
    const extra = [poison && `"poison":${poison}`, hugeKey && `"${'k'.repeat(hugeKey)}":1`].filter(Boolean).join(',');
    return base.slice(0, -1) + ',' + extra + '}';
  });

/** The item-1/2 attack: a real tool call whose arguments nest deeper than any limit. */
const deepCall = fc
  .integer({ min: 1_000, max: 12_000 })
  .map((d) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"mock__echo","arguments":{"x":${nested(d)}}}}`);

const body = fc.oneof(
  { weight: 4, arbitrary: rpcBody },
  { weight: 1, arbitrary: deepCall },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')) },
);

const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constant(''),
);
const sessionHeader = fc.oneof(
  fc.constant<'pool'>('pool'),
  fc.uuid(),
  headerValue,
  fc.integer({ min: 100, max: 8_000 }).map((n) => 'a'.repeat(n)),
);

const randomHeaders = fc
  .record({
    method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT'),
    body,
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''),
    accept: fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/event-stream', 'image/png', ''),
    session: fc.option(sessionHeader, { nil: undefined }),
    version: fc.option(fc.oneof(fc.constantFrom('2025-11-25', '2026-07-28', '2025-06-18'), headerValue), { nil: undefined }),
    mcpMethod: fc.option(fc.oneof(fc.constantFrom(...METHODS), headerValue), { nil: undefined }),
  })
  .map((r): HostileRequest => {
    const headers: Record<string, string> = {};
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.accept) headers.accept = r.accept;
    if (r.session !== undefined) headers['mcp-session-id'] = r.session === 'pool' ? pooled(r.body.length) : r.session;
    if (r.version !== undefined) headers['mcp-protocol-version'] = r.version;
    if (r.mcpMethod !== undefined) headers['mcp-method'] = r.mcpMethod;
    return { method: r.method, headers, body: r.method === 'POST' || r.method === 'PUT' ? r.body : undefined };
  });

function pooled(n: number): string {
  return sessionPool.length ? sessionPool[n % sessionPool.length]! : 'none';
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const hostileArgs = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  deepValue,
  bigString.map((s) => JSON.stringify(s)),
);

/** A well-formed legacy request in a live session, carrying hostile content where the arguments go. */
// Mostly tool calls: their arguments are what reaches the upstream.
const enveloped = fc.oneof({ weight: 3, arbitrary: fc.constant('tools/call') }, { weight: 2, arbitrary: fc.constantFrom(...METHODS) });

const inSession = fc
  .record({ method: enveloped, id: anyId, args: hostileArgs, n: fc.nat() })
  .map(({ method, id, args, n }): HostileRequest => {
    const params = method === 'tools/call' ? `{"name":"mock__echo","arguments":{"x":${args}}}` : `{"x":${args}}`;
    return {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-session-id': pooled(n), 'mcp-protocol-version': '2025-11-25' },
      body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"${method}","params":${params}}`,
    };
  });

/** A well-formed modern (stateless) request, correct headers, hostile content. */
const modernRequest = fc.record({ method: enveloped, id: fc.integer(), args: hostileArgs }).map(({ method, id, args }): HostileRequest => {
  const meta = '{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}';
  const named = method === 'tools/call';
  const params = named ? `{"name":"mock__echo","arguments":{"x":${args}},"_meta":${meta}}` : `{"x":${args},"_meta":${meta}}`;
  return {
    method: 'POST',
    headers: {
      ...JSON_HEADERS,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(named && { 'mcp-name': 'mock__echo' }),
    },
    body: `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${params}}`,
  };
});

const hostile: fc.Arbitrary<HostileRequest> = fc.oneof(randomHeaders, inSession, modernRequest);

function initializeRequest(): HostileRequest {
  const params = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } };
  return { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params }) };
}

/** A well-behaved caller: echo calls in a loop until stopped; every result must be its own text. */
function wellBehaved(client: Client) {
  let stop = false;
  let calls = 0;
  const errors: string[] = [];
  const done = (async () => {
    while (!stop) {
      const text = `wb-${calls}`;
      try {
        const r = (await client.callTool({ name: 'mock__echo', arguments: { text } })) as { content: { text: string }[] };
        if (r.content[0]?.text !== text) errors.push(`got ${JSON.stringify(r.content)} for ${text}`);
      } catch (err) {
        errors.push(String(err));
      }
      calls++;
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
      return { calls, errors };
    },
  };
}

test('no generated request crashes the gateway, leaks state or changes what a concurrent client gets', async (t) => {
  const client = await connect(gw.url, 'legacy');
  const modern = await connect(gw.url, 'modern');
  for (let i = 0; i < 4; i++) await send(gw.url, initializeRequest());
  const loops = [wellBehaved(client), wellBehaved(modern)];
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(hostile, async (r) => {
      const answer = await send(gw.url, r);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const what = `${r.method} ${JSON.stringify(r.headers)} ${r.body?.slice(0, 200)}`;
      assert.notEqual(answer.status, 500, `500 for ${what}`);
      assert.ok(!answer.head.includes('"GW_INTERNAL"'), `GW_INTERNAL for ${what}: ${answer.head.slice(0, 300)}`);
      assert.ok(!/"GW_UPSTREAM_(UNAVAILABLE|PROTOCOL)"/.test(answer.head), `an upstream failure for ${what}: ${answer.head.slice(0, 300)}`);
    }),
    { numRuns: RUNS, ...(SEED !== undefined && { seed: SEED }), endOnFailure: true },
  );
  const results = await Promise.all(loops.map((l) => l.stop()));
  t.diagnostic(`statuses ${JSON.stringify(Object.fromEntries(statuses))}; well-behaved calls ${results.map((r) => r.calls).join('+')}`);
  for (const r of results) {
    assert.deepEqual(r.errors, [], 'the well-behaved clients saw no error');
    assert.ok(r.calls > 0);
  }
  // Nothing left behind: upstream requests settle, HTTP requests end, and the sessions the fuzz opened go
  // away when deleted (only the legacy well-behaved client's remains).
  await waitFor(() => gw.gateway.counts().upstreamInFlight === 0, 10_000, 'upstream requests to settle');
  for (const id of sessionPool) await fetch(gw.url, { method: 'DELETE', headers: { 'mcp-session-id': id } }).catch(() => {});
  await (client.transport as { terminateSession?: () => Promise<void> } | undefined)?.terminateSession?.();
  await client.close();
  await modern.close();
  const counts = await waitFor(
    () => {
      const c = gw.gateway.counts();
      return c.httpActive === 0 && c.sessions === 0 ? c : undefined;
    },
    10_000,
    'sessions and HTTP requests to drain',
  );
  t.diagnostic(`after the run: ${JSON.stringify(counts)}; sessions opened by the fuzz: ${sessionPool.length}`);
});
