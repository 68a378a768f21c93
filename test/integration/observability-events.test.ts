// The gateway's observability surface: call start/end (outcome, timings, attempts), attempts and sessions
// are published for calls of both eras over HTTP and over stdio; a throwing subscriber never fails a call.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AttemptEvent, CallEndEvent, CallStartEvent, SessionEvent } from '../../src/observability/index.js';
import { silentLogger } from '../../src/core/index.js';
import { StdioServer } from '../../src/transport/stdio/stdio-server.js';
import { connect, fixtureStdio, startGateway, type TestGateway } from '../helpers/gateway.js';

void describe('observability channels in the gateway', () => {
  let gw: TestGateway;
  const starts: CallStartEvent[] = [];
  const ends: CallEndEvent[] = [];
  const attempts: AttemptEvent[] = [];
  const sessions: SessionEvent[] = [];

  before(async () => {
    gw = await startGateway({ upstreams: { fixture: { ...fixtureStdio(), prefix: '' } } });
    const ch = gw.gateway.channels;
    ch.callStart.subscribe((e) => starts.push(e));
    ch.callEnd.subscribe((e) => ends.push(e));
    ch.attempt.subscribe((e) => attempts.push(e));
    ch.session.subscribe((e) => sessions.push(e));
  });
  after(() => gw?.stop());

  const endOf = (requestId: string) => ends.find((e) => e.requestId === requestId);

  void it('publishes start, attempt and end of a legacy call, and the session open and close', async (t) => {
    const transport = new StreamableHTTPClientTransport(new URL(gw.url));
    const client = new Client({ name: 'obs', version: '1' });
    await client.connect(transport);
    const before = ends.length;
    await client.callTool({ name: 'test_simple_text', arguments: {} });
    const start = starts.at(-1)!;
    assert.equal(start.method, 'tools/call');
    assert.equal(start.name, 'test_simple_text');
    assert.equal(start.upstream, 'fixture');
    assert.equal(start.era, 'legacy');
    assert.ok(start.sessionId);
    const end = endOf(start.requestId)!;
    assert.equal(ends.length, before + 1);
    assert.equal(end.outcome, 'ok');
    assert.equal(end.attempts, 1);
    assert.equal(end.errorCode, undefined);
    assert.ok(end.upstreamMs !== undefined && end.upstreamMs >= 0 && end.upstreamMs <= end.durationMs, JSON.stringify(end));
    const attempt = attempts.find((a) => a.requestId === start.requestId)!;
    assert.deepEqual([attempt.upstream, attempt.replica, attempt.attempt, attempt.outcome], ['fixture', 0, 1, 'ok']);
    t.diagnostic(`legacy call: ${end.durationMs.toFixed(2)} ms total, ${end.upstreamMs!.toFixed(2)} ms upstream`);

    assert.ok(sessions.some((s) => s.event === 'open' && s.sessionId === start.sessionId && s.era === 'legacy'));
    await transport.terminateSession();
    await client.close();
    assert.ok(sessions.some((s) => s.event === 'close' && s.sessionId === start.sessionId && s.reason === 'deleted'));
  });

  void it('classifies a tool error, an upstream error and a modern call', async () => {
    const client = await connect(gw.url, 'modern');
    try {
      await client.callTool({ name: 'test_error_handling', arguments: {} });
      const toolError = ends.at(-1)!;
      assert.equal(toolError.era, 'modern');
      assert.equal(toolError.sessionId, undefined);
      assert.equal(toolError.outcome, 'tool-error');
      // A prompt the fixture rejects (missing argument): the upstream's JSON-RPC error, code kept.
      await assert.rejects(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: {} }));
      const upstreamError = ends.at(-1)!;
      assert.equal(upstreamError.method, 'prompts/get');
      assert.equal(upstreamError.outcome, 'upstream-error');
      assert.match(upstreamError.errorCode ?? '', /^-?\d+$/);
    } finally {
      await client.close();
    }
  });

  void it('a throwing subscriber never fails the call', async () => {
    const off = gw.gateway.channels.callEnd.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const client = await connect(gw.url, 'modern');
    try {
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
      assert.equal(result.isError, undefined);
      assert.equal(ends.at(-1)!.outcome, 'ok');
    } finally {
      off();
      await client.close();
    }
  });

  void it('publishes calls that arrive over stdio', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const server = new StdioServer(gw.gateway.layer, input, output, silentLogger);
    const reply = new Promise<unknown>((resolve) => createInterface({ input: output }).once('line', resolve));
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'stdio-obs', version: '1' },
    };
    input.write(
      JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_simple_text', arguments: {}, _meta: meta } }) +
        '\n',
    );
    await reply;
    const end = ends.at(-1)!;
    assert.deepEqual([end.method, end.name, end.era, end.outcome, end.attempts], ['tools/call', 'test_simple_text', 'modern', 'ok', 1]);
    input.end();
    void server;
  });
});
