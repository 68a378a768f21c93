// Issue 11 acceptance: with tracing on (in-memory exporter), each call is one span tree — a SERVER span
// per call and a CLIENT span per upstream attempt, MCP semantic-convention attributes — joined to the
// caller's trace whether the context came in `_meta` or in the `traceparent` header, and the upstream
// receives the client span's context in its HTTP headers and in `_meta`.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { waitFor } from '../helpers/mock-upstream.js';

/** What the upstream saw of one tools/call: the traceparent header and `_meta.traceparent`. */
interface Seen {
  header: string | undefined;
  meta: string | undefined;
}

/** A minimal legacy Streamable HTTP MCP server (JSON answers) that records each call's trace context. */
function recordingUpstream(seen: Seen[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(body) as { id?: number; method: string; params?: { _meta?: Record<string, unknown> } };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const reply = (result: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      };
      if (msg.method === 'initialize')
        return reply({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'rec', version: '1' } });
      if (msg.method === 'tools/list')
        return reply({
          tools: [
            { name: 'whoami', inputSchema: { type: 'object' } },
            { name: 'fail', inputSchema: { type: 'object' } },
          ],
        });
      if (msg.method === 'tools/call' && (msg.params as { name?: string }).name === 'fail') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32603, message: 'boom' } }));
      }
      if (msg.method === 'tools/call') {
        seen.push({ header: header(req.headers), meta: msg.params?._meta?.traceparent as string | undefined });
        return reply({ content: [{ type: 'text', text: 'ok' }] });
      }
      reply({});
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` })),
  );
}
const header = (h: IncomingHttpHeaders) => (typeof h.traceparent === 'string' ? h.traceparent : undefined);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

void describe('OpenTelemetry traces', () => {
  const exporter = new InMemorySpanExporter();
  const seen: Seen[] = [];
  let upstream: Server;
  let gateway: Gateway;

  before(async () => {
    const rec = await recordingUpstream(seen);
    upstream = rec.server;
    const config = parseConfig(
      {
        server: { port: 0 },
        observability: { tracing: { enabled: true, endpoint: 'http://127.0.0.1:9/v1/traces' } },
        upstreams: { rec: { url: rec.url, era: 'legacy', prefix: '' } },
      },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger, spanExporter: exporter });
    await gateway.start();
    await waitFor(() => gateway.readiness().ready, 20_000, 'gateway ready');
    await gateway.aggregator.whenLoaded(20_000);
  });
  after(async () => {
    await gateway?.stop();
    upstream?.close();
  });

  const client = async (headers?: Record<string, string>) => {
    const c = new Client({ name: 'trace-test', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(gateway.url), headers ? { requestInit: { headers } } : undefined));
    return c;
  };

  /** The spans of one trace, the SERVER one and its CLIENT children. */
  const tree = (traceId: string): { server: ReadableSpan; clients: ReadableSpan[]; all: ReadableSpan[] } => {
    const all = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const servers = all.filter((s) => s.kind === SpanKind.SERVER);
    assert.equal(servers.length, 1, `one server span in ${traceId}`);
    const server = servers[0]!;
    const clients = all.filter((s) => s.kind === SpanKind.CLIENT);
    for (const c of clients) assert.equal(c.parentSpanContext?.spanId, server.spanContext().spanId);
    return { server, clients, all };
  };

  const checkPropagated = (client: ReadableSpan, at: Seen) => {
    const expected = `00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`;
    assert.deepEqual(at, { header: expected, meta: expected }, 'the upstream got the client span in its headers and in _meta');
  };

  void it("joins the caller's trace from params._meta and propagates the client span upstream", async () => {
    const c = await client();
    try {
      await c.callTool({ name: 'whoami', arguments: {}, _meta: { traceparent: CALLER } });
    } finally {
      await c.close();
    }
    const { server, clients, all } = tree(TRACE_ID);
    assert.equal(all.length, 2);
    assert.equal(server.parentSpanContext?.spanId, CALLER_SPAN);
    assert.equal(server.name, 'tools/call whoami');
    assert.equal(server.attributes['mcp.method.name'], 'tools/call');
    assert.equal(server.attributes['gen_ai.tool.name'], 'whoami');
    assert.equal(typeof server.attributes['mcp.session.id'], 'string');
    assert.equal(typeof server.attributes['jsonrpc.request.id'], 'string');
    assert.equal(server.attributes['error.type'], undefined);
    assert.equal(clients.length, 1);
    assert.equal(clients[0]!.attributes['breakwater.upstream'], 'rec');
    checkPropagated(clients[0]!, seen.at(-1)!);
  });

  void it('joins the trace from the traceparent header too', async () => {
    const other = '0af7651916cd43dd8448eb211c80319c';
    const c = await client({ traceparent: `00-${other}-b7ad6b7169203331-01` });
    try {
      await c.callTool({ name: 'whoami', arguments: {} });
    } finally {
      await c.close();
    }
    const { server, clients } = tree(other);
    assert.equal(server.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(clients.length, 1);
    checkPropagated(clients[0]!, seen.at(-1)!);
  });

  void it('a call without context starts its own trace; a failed call carries error.type', async () => {
    const before = exporter.getFinishedSpans().length;
    const c = await client();
    try {
      await assert.rejects(c.callTool({ name: 'nope', arguments: {} }));
      await c.callTool({ name: 'whoami', arguments: {} });
      await assert.rejects(c.callTool({ name: 'fail', arguments: {} }), /boom/);
    } finally {
      await c.close();
    }
    const fresh = exporter.getFinishedSpans().slice(before);
    assert.equal(fresh.length, 4, 'unknown tools are refused before any span (no route)');
    const [ok, failed] = fresh.filter((s) => s.kind === SpanKind.SERVER);
    assert.equal(ok!.parentSpanContext, undefined, 'a root span');
    assert.equal(failed!.attributes['error.type'], '-32603');
    assert.equal(failed!.status.code, 2 /* ERROR */);
    const failedClient = fresh.find((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === failed!.spanContext().traceId)!;
    assert.equal(failedClient.attributes['error.type'], '-32603');
    assert.equal(gateway.operations.tracing?.open, 0, 'no span left open');
  });
});
