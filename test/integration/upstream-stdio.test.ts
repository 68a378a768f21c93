import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.js';
import { GatewayError, UpstreamRpcError } from '../../src/errors/index.js';
import { createUpstreamConnection, type UpstreamConnection, type UpstreamSpec } from '../../src/upstream/index.js';
import { EVERYTHING, captureLogger, rawStdioConnection, within } from '../helpers/upstream-harness.js';

const open: UpstreamConnection[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
});

async function raw(extra: Partial<UpstreamSpec> = {}, env: Record<string, string> = {}) {
  const made = rawStdioConnection(open, extra, env);
  if (extra.restart?.maxRestarts !== 0) await made.conn.start();
  return made;
}

const call = (conn: UpstreamConnection, name: string, args: Record<string, unknown> = {}, extra = {}) =>
  conn.request('tools/call', { name, arguments: args }, { signal: within(5_000), ...extra });

void describe('stdio upstream: server-everything', () => {
  void it('negotiates legacy, lists and calls tools', async () => {
    const log = captureLogger();
    const conn = createUpstreamConnection(
      { name: 'everything', kind: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] },
      { clock: systemClock, log },
    );
    open.push(conn);
    await conn.start();
    assert.equal(conn.state, 'ready');
    assert.equal(conn.info?.era, 'legacy');
    assert.equal(conn.info?.protocolVersion, '2025-11-25');
    const list = await conn.request('tools/list', undefined, { signal: within(5_000) });
    const names = (list.tools as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes('echo') && names.includes('trigger-sampling-request'), names.join());
    const echo = await conn.request('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { signal: within(5_000) });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: hi' }]);
    await conn.close();
    assert.equal(conn.state, 'closed');
  });
});

void describe('stdio upstream: raw fixture', () => {
  void it('delivers 100 progress notifications in order, including the final one, before the result', async () => {
    const { conn } = await raw();
    const seen: number[] = [];
    const result = await call(conn, 'progress', { count: 100 }, { onProgress: (p: { progress: number }) => seen.push(p.progress) });
    assert.deepEqual(
      seen,
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.deepEqual(result.content, [{ type: 'text', text: 'done' }]);
  });

  void it('passes an upstream error through with code, message and data unchanged', async () => {
    const { conn } = await raw();
    const err = await call(conn, 'fail').catch((e: unknown) => e);
    assert.ok(err instanceof UpstreamRpcError);
    assert.equal(err.rpcCode, -32042);
    assert.equal(err.message, 'Custom failure: exact text');
    assert.deepEqual(err.data, { detail: [1, 2, 3] });
  });

  void it('abort rejects at once and the upstream receives notifications/cancelled', async () => {
    const { conn } = await raw();
    const controller = new AbortController();
    const pending = call(conn, 'hang', {}, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await assert.rejects(pending, /caller gave up/);
    const seen = await call(conn, 'cancellations');
    const cancelled = (seen.structuredContent as { cancelled: { requestId: number; reason: string }[] }).cancelled;
    assert.equal(cancelled.length, 1);
    assert.equal(cancelled[0]!.reason, 'caller gave up');
    assert.equal(typeof cancelled[0]!.requestId, 'number');
  });
});

void describe('stdio upstream: routing and hygiene', () => {
  void it('routes a server→client request to the in-flight call, and log messages to its onNotification', async () => {
    const { conn } = await raw();
    const list: unknown[] = [];
    conn.events.on('notification', (n) => list.push(n.method));
    const asked: string[] = [];
    const sampled = await call(
      conn,
      'sample',
      {},
      {
        onRequest: async (req: { method: string }) => {
          asked.push(req.method);
          return { model: 'm', role: 'assistant', content: { type: 'text', text: 'hi' } };
        },
      },
    );
    assert.deepEqual(asked, ['sampling/createMessage']);
    assert.equal((sampled.structuredContent as { reply: { model: string } }).reply.model, 'm');
    const logs: unknown[] = [];
    await call(conn, 'log', {}, { onNotification: (n: { method: string }) => logs.push(n.method) });
    assert.deepEqual(logs, ['notifications/message']);
    assert.deepEqual(list, ['notifications/tools/list_changed'], 'list_changed is a connection event');
  });

  void it('uses the fallback handler without a related call, and refuses (GW_UNATTRIBUTABLE) without one', async () => {
    const { conn } = await raw();
    const noHandler = await call(conn, 'sample');
    const reply = (noHandler.structuredContent as { reply: { code: number; data: { code: string } } }).reply;
    assert.deepEqual([reply.code, reply.data.code], [-32603, 'GW_UNATTRIBUTABLE']);
    conn.setFallbackRequestHandler(async () => ({ fallback: true }));
    const viaFallback = await call(conn, 'sample');
    assert.deepEqual((viaFallback.structuredContent as { reply: unknown }).reply, { fallback: true });
  });

  void it('turns malformed and oversized responses into GW_UPSTREAM_PROTOCOL and counts strays', async () => {
    const { conn } = await raw({ maxMessageBytes: 2048 });
    const isProtocol = (e: unknown) => e instanceof GatewayError && e.code === 'GW_UPSTREAM_PROTOCOL';
    await assert.rejects(call(conn, 'bad-result'), isProtocol);
    await assert.rejects(call(conn, 'huge', { bytes: 10_000 }), isProtocol);
    const ok = await call(conn, 'garbage');
    assert.deepEqual(ok.content, [{ type: 'text', text: 'after garbage' }]);
    await call(conn, 'unknown-id');
    assert.deepEqual((await call(conn, 'echo', { message: 'still fine' })).content, [{ type: 'text', text: 'echo:still fine' }]);
    const stats = (conn as unknown as { stats: { malformed: number; unknownResponses: number } }).stats;
    assert.equal(stats.unknownResponses, 2, 'an invented id and a duplicate');
    assert.ok(stats.malformed >= 3);
  });

  void it('forwards stderr lines to the log and passes only allowlisted env plus the configured env', async () => {
    const { conn, log } = await raw({}, { RAW_STDERR_LINES: '3', CONFIGURED: 'yes' });
    await log.waitFor(/stderr line 2/);
    const env = ((await call(conn, 'env')).structuredContent as { env: Record<string, string> }).env;
    assert.equal(env.CONFIGURED, 'yes');
    assert.equal(env.PATH, process.env.PATH);
    assert.deepEqual(
      Object.keys(env).filter(
        (k) => !['PATH', 'HOME', 'LOGNAME', 'SHELL', 'TERM', 'USER', 'LANG', 'TMPDIR', 'CONFIGURED', 'RAW_STDERR_LINES'].includes(k),
      ),
      [],
    );
  });

  void it('rate-limits a stderr flood without dropping it silently', async () => {
    const { conn, log } = await raw({}, { RAW_STDERR_LINES: '1000' });
    await conn.close();
    const forwarded = log.lines.filter((l) => /^stderr line/.test(l.msg)).length;
    const suppressed = log.lines.reduce((n, l) => n + ((l.obj as { suppressed?: number }).suppressed ?? 0), 0);
    assert.ok(forwarded < 1000, `forwarded ${forwarded}`);
    assert.equal(forwarded + suppressed, 1000, 'every line is either logged or counted');
  });
});

void describe('stdio upstream: era negotiation', () => {
  void it('probes a modern server, caches the verdict and sends the modern envelope', async () => {
    const { conn } = await raw({}, { RAW_ERA: 'modern' });
    assert.equal(conn.info?.era, 'modern');
    assert.equal(conn.info?.protocolVersion, '2026-07-28');
    assert.equal(conn.info?.serverInfo.name, 'raw-modern');
    const list = await conn.request('tools/list', { _meta: { mine: 1 } }, { signal: within(5_000), meta: { extra: 2 } });
    const meta = list.meta as Record<string, unknown>;
    assert.equal(meta['io.modelcontextprotocol/protocolVersion'], '2026-07-28');
    assert.ok(meta['io.modelcontextprotocol/clientCapabilities']);
    assert.equal(meta.mine, 1);
    assert.equal(meta.extra, 2);
  });

  void it('treats a server that exits on the probe as legacy and initialises a fresh child', async () => {
    const { conn } = await raw({}, { RAW_ERA: 'exit-on-probe' });
    assert.equal(conn.info?.era, 'legacy');
    assert.deepEqual((await call(conn, 'echo', { message: 'x' })).content, [{ type: 'text', text: 'echo:x' }]);
  });

  void it('treats a silent probe as legacy on stdio', async () => {
    const { conn } = await raw({ connectTimeoutMs: 600 }, { RAW_PROBE_SILENT: '1' });
    assert.equal(conn.info?.era, 'legacy');
  });

  void it('skips the probe when the era is configured', async () => {
    const { conn } = await raw({ era: 'legacy' }, { RAW_ERA: 'exit-on-probe' });
    assert.equal(conn.info?.era, 'legacy');
    const list = await conn.request('tools/list', undefined, { signal: within(5_000) });
    assert.equal(list.meta, null, 'no envelope on legacy requests');
  });
});
