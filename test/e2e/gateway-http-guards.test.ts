// The HTTP endpoint's guards: Origin/Host, batches, body size, sessions, eras, health probes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { post, rawPost, rawSession } from '../helpers/raw-http.js';

const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const modernHeaders = (method: string, name?: string): Record<string, string> => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name ? { 'mcp-name': name } : {}),
});

describe('HTTP endpoint guards', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({
      server: { maxBodyBytes: 64 * 1024, sessions: { maxSessions: 1000, idleTimeoutMs: 60_000 } },
      upstreams: { everything: everythingStdio() },
    });
  });
  after(() => gw?.stop());

  it('refuses a foreign Origin and a foreign Host with 403 (DNS rebinding)', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const badOrigin = await post(gw.url, init, { origin: 'http://evil.example' });
    assert.equal(badOrigin.status, 403);
    assert.match(badOrigin.body.error?.message ?? '', /Invalid Origin/);
    const badHost = await rawPost(gw.url, init, { host: 'evil.example' });
    assert.equal(badHost, 403);
    const goodOrigin = await post(gw.url, init, { origin: 'http://localhost:3000' });
    assert.equal(goodOrigin.status, 200);
  });

  it('rejects JSON-RPC batches, invalid JSON and non-objects with 400 and a specific error', async () => {
    const batch = await post(gw.url, [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'ping' },
    ]);
    assert.equal(batch.status, 400);
    assert.equal(batch.body.error?.code, -32600);
    assert.match(batch.body.error?.message ?? '', /batch/i);
    const garbage = await post(gw.url, '{"jsonrpc": "2.0", "id": 1,');
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error?.code, -32700);
    const scalar = await post(gw.url, '42');
    assert.equal(scalar.status, 400);
    assert.equal(scalar.body.error?.code, -32600);
  });

  it('limits the body size (413) and keeps serving afterwards', async () => {
    const big = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100 * 1024) } });
    assert.equal(big.status, 413);
    const s = await rawSession(gw.url);
    assert.deepEqual((await s.call('ping')).result, {});
    await s.close();
  });

  it('legacy sessions: missing id → 400, unknown id → 404, DELETE ends the session', async () => {
    const missing = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(missing.status, 400);
    const unknown = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' });
    assert.equal(unknown.status, 404);
    const s = await rawSession(gw.url);
    const listed = await s.call('tools/list');
    assert.ok(Array.isArray(listed.result?.tools));
    await s.close();
    const after = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': s.id });
    assert.equal(after.status, 404);
  });

  it('modern requests are stateless and validated: headers against body, removed methods 404', async () => {
    const ok = await post(
      gw.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } },
      modernHeaders('tools/list'),
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.result?.resultType, 'complete');
    assert.equal(typeof ok.body.result?.ttlMs, 'number');
    const mismatch = await post(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'everything__echo', arguments: { message: 'x' }, _meta: MODERN_META },
      },
      modernHeaders('tools/call', 'everything__other'),
    );
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error?.code, -32020);
    const ping = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'ping', params: { _meta: MODERN_META } }, modernHeaders('ping'));
    assert.equal(ping.status, 404);
    assert.equal(ping.body.error?.code, -32601);
    const discover = await post(
      gw.url,
      { jsonrpc: '2.0', id: 4, method: 'server/discover', params: { _meta: MODERN_META } },
      modernHeaders('server/discover'),
    );
    assert.deepEqual(discover.body.result?.supportedVersions, ['2026-07-28']);
    assert.ok((discover.body.result?.capabilities as Record<string, unknown>).tools);
  });

  it('GET without a session is 405 (no modern GET stream); health and readiness answer', async () => {
    const get = await fetch(gw.url, { headers: { accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
    const base = gw.url.replace(/\/mcp$/, '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    const detail = (await ready.json()) as { status: string; upstreams: Record<string, { ready: boolean; replicas: { state: string }[] }> };
    assert.equal(detail.status, 'ready');
    assert.equal(detail.upstreams.everything?.ready, true);
    assert.equal(detail.upstreams.everything?.replicas[0]?.state, 'ready');
  });
});
