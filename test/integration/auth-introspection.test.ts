// Opaque bearer tokens checked by RFC 7662 introspection (issue 9 item 1) against a local introspection
// endpoint on 127.0.0.1: an active token for this gateway reaches the upstream, its answer is cached (one
// introspection for many requests), an inactive token or one for another audience is 401, and the
// gateway authenticates itself to the endpoint with its client credentials.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { startRecordingUpstream, type RecordingUpstream } from '../helpers/auth-fixtures.js';

const RESOURCE = 'http://localhost/mcp';
const TOKENS: Record<string, Record<string, unknown>> = {
  'opaque-good': { active: true, sub: 'dana', aud: RESOURCE, scope: 'mcp', exp: Math.floor(Date.now() / 1000) + 600 },
  'opaque-other-aud': { active: true, sub: 'eve', aud: 'http://localhost/elsewhere', scope: 'mcp' },
  'opaque-revoked': { active: false },
};

void describe('token introspection', () => {
  let upstream: RecordingUpstream;
  let gateway: Gateway;
  let calls = 0;
  let authorization: string | undefined;
  const endpoint = createServer((req, res) => {
    calls++;
    authorization = req.headers.authorization;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(TOKENS[token] ?? { active: false }));
    });
  });

  before(async () => {
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    upstream = await startRecordingUpstream();
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/introspect`;
    const config = parseConfig(
      {
        server: { port: 0 },
        upstreams: { rec: { url: upstream.url } },
        auth: { resource: RESOURCE, apiKeys: { enabled: false }, introspection: { url, clientId: 'gateway', clientSecret: 's3cret' } },
      },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger });
    await gateway.start();
    await gateway.aggregator.whenLoaded(10_000);
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
    endpoint.closeAllConnections();
    await new Promise((r) => endpoint.close(r));
  });

  const call = (token: string) =>
    fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });

  void it('an active token for this gateway passes; the answer is reused; the gateway sends its client credentials', async () => {
    const before = calls;
    for (let i = 0; i < 5; i++) {
      const res = await call('opaque-good');
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.equal(calls - before, 1, 'one introspection for five requests');
    assert.equal(authorization, `Basic ${Buffer.from('gateway:s3cret').toString('base64')}`);
    assert.ok(
      upstream.headers.every((h) => !JSON.stringify(h).includes('opaque-good')),
      'the token never reaches the upstream',
    );
  });

  void it('an inactive token and a token for another audience: 401 invalid_token', async () => {
    for (const token of ['opaque-revoked', 'opaque-other-aud', 'opaque-unknown']) {
      const res = await call(token);
      assert.equal(res.status, 401, token);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });
});
