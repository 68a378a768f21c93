// Authentication at the transport edge (issue 9 items 1 and 7) with real components: a JWKS on 127.0.0.1,
// a real HTTP upstream that records the headers it receives, the SDK v1 and v2 clients sending credentials
// in headers (both eras), and raw sockets where the wire itself is the point.
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { MemoryKeyStore } from '../../src/store/memory/memory-key-store.js';
import { issueApiKey } from '../../src/transport/auth/index.js';
import { startJwks, startRecordingUpstream, type JwksServer, type RecordingUpstream } from '../helpers/auth-fixtures.js';

const RESOURCE = 'http://localhost/mcp';
const ISSUER = 'http://localhost/issuer';
const METADATA = 'http://localhost/.well-known/oauth-protected-resource/mcp';

void describe('authentication at the edge', () => {
  let jwks: JwksServer;
  let upstream: RecordingUpstream;
  let gateway: Gateway;
  let base: string;
  const store = new MemoryKeyStore();
  const now = Date.now();
  const valid = issueApiKey({ name: 'alice', roles: ['dev'], now });
  const expired = issueApiKey({ name: 'old', roles: [], now: now - 86_400_000, expiresAt: now - 1000 });
  const revoked = issueApiKey({ name: 'gone', roles: [], now });
  const bob = issueApiKey({ name: 'bob', roles: [], now });

  before(async () => {
    jwks = await startJwks();
    upstream = await startRecordingUpstream();
    for (const k of [valid, expired, revoked, bob]) store.add(k.record);
    store.revoke(revoked.record.id);
    const config = parseConfig(
      {
        server: { port: 0 },
        upstreams: { rec: { url: upstream.url } },
        auth: {
          resource: RESOURCE,
          authorizationServers: [ISSUER],
          requiredScopes: ['mcp'],
          jwt: { issuer: ISSUER, jwksUri: jwks.url, jwksCooldownMs: 60_000 },
          claims: { scopeRoles: { mcp: ['user'] } },
          failures: { address: { maxFailures: 1000 }, credential: { maxFailures: 3 } },
        },
      },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger, keyStore: store });
    await gateway.start();
    await gateway.aggregator.whenLoaded(10_000);
    base = gateway.url.replace(/\/mcp$/, '');
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
    await jwks?.close();
  });

  const post = (headers: Record<string, string>) =>
    fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });

  void it('publishes Protected Resource Metadata at the bare and the path-suffixed well-known URL', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      const doc = (await res.json()) as Record<string, unknown>;
      assert.equal(doc.resource, RESOURCE);
      assert.deepEqual(doc.authorization_servers, [ISSUER]);
      assert.deepEqual(doc.scopes_supported, ['mcp']);
    }
  });

  void it('no credential: 401 with the resource metadata challenge (no error attribute), and security headers', async () => {
    const res = await post({});
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Bearer resource_metadata="${METADATA}"`);
    const body = (await res.json()) as { error: { data: { code: string } } };
    assert.equal(body.error.data.code, 'GW_UNAUTHENTICATED');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
  });

  void it('a token for another audience: 401 invalid_token with the metadata header', async () => {
    const token = await jwks.sign({ sub: 'mallory', aud: 'http://localhost/other', iss: ISSUER, scope: 'mcp' }, { expiresIn: '5m' });
    const res = await post({ authorization: `Bearer ${token}` });
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /resource_metadata="http:\/\/localhost\/\.well-known\/oauth-protected-resource\/mcp"/);
    assert.match(challenge, /error="invalid_token"/);
  });

  void it('an expired JWT, a wrong issuer and a foreign signature: 401', async () => {
    const expiredJwt = await jwks.sign({ sub: 'a', aud: RESOURCE, iss: ISSUER, scope: 'mcp', exp: Math.floor(Date.now() / 1000) - 3600 });
    const wrongIssuer = await jwks.sign({ sub: 'a', aud: RESOURCE, iss: 'http://localhost/evil', scope: 'mcp' }, { expiresIn: '5m' });
    const forged = await jwks.sign({ sub: 'a', aud: RESOURCE, iss: ISSUER, scope: 'mcp' }, { expiresIn: '5m', key: 'stranger' });
    for (const token of [expiredJwt, wrongIssuer, forged]) assert.equal((await post({ authorization: `Bearer ${token}` })).status, 401);
  });

  void it('a valid token without the required scope: 403 insufficient_scope naming it', async () => {
    const token = await jwks.sign({ sub: 'bob', aud: RESOURCE, iss: ISSUER, scope: 'other' }, { expiresIn: '5m' });
    const res = await post({ authorization: `Bearer ${token}` });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope", scope="mcp"/);
    const body = (await res.json()) as { error: { data: { code: string; scope: string } } };
    assert.deepEqual(body.error.data, { code: 'GW_INSUFFICIENT_SCOPE', scope: 'mcp' });
  });

  void it('an expired API key and a revoked one: 401; a malformed Authorization header: 401 invalid_request', async () => {
    assert.equal((await post({ authorization: `Bearer ${expired.key}` })).status, 401);
    assert.equal((await post({ authorization: `Bearer ${revoked.key}` })).status, 401);
    const malformed = await post({ authorization: `Basic ${valid.key}` });
    assert.equal(malformed.status, 401);
    assert.match(malformed.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
  });

  for (const era of ['legacy', 'modern'] as const)
    void it(`SDK v2 (${era}) with a valid API key reaches the real upstream; the key never reaches it`, async () => {
      const client = new ClientV2(
        { name: `auth-${era}`, version: '1.0.0' },
        era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
      );
      await client.connect(new TransportV2(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${valid.key}` } } }));
      try {
        const result = await client.callTool({ name: 'rec__whoami', arguments: {} });
        assert.match(JSON.stringify(result.content), /hello from the recorder/);
      } finally {
        await client.close();
      }
      assertNeverForwarded(upstream, [valid.key]);
    });

  void it('SDK v1 (legacy) with a valid JWT reaches the real upstream; the token never reaches it; a repeat hits the cache', async () => {
    const token = await jwks.sign({ sub: 'carol', aud: RESOURCE, iss: ISSUER, scope: 'mcp' }, { expiresIn: '5m' });
    const client = new ClientV1({ name: 'auth-v1', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const result = await client.callTool({ name: 'rec__whoami', arguments: {} });
      assert.match(JSON.stringify(result.content), /hello from the recorder/);
    } finally {
      await client.close();
    }
    assertNeverForwarded(upstream, [token]);
  });

  void it('an unknown kid refetches the JWKS once; more unknown kids within the cooldown fetch nothing', async () => {
    const before = jwks.fetches();
    for (let i = 0; i < 5; i++) {
      const token = await jwks.sign(
        { sub: 'x', aud: RESOURCE, iss: ISSUER, scope: 'mcp' },
        { expiresIn: '5m', kid: `unknown-${i}`, key: 'stranger' },
      );
      assert.equal((await post({ authorization: `Bearer ${token}` })).status, 401);
    }
    assert.ok(jwks.fetches() - before <= 1, `JWKS fetched ${jwks.fetches() - before} times for 5 unknown kids`);
  });

  void it('the body of an unauthenticated request is never read: a 50 MB POST gets its 401 before sending a byte of body', async () => {
    const { port } = new URL(gateway.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tcpConnect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: ${50 * 1024 * 1024}\r\n\r\n`,
        );
      });
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => reject(new Error(`no answer; got ${text}`)));
    });
    assert.match(answer, /^HTTP\/1\.1 401/);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /GW_UNAUTHENTICATED/);
    // The socket closed by itself (the server does not wait for the body).
    assert.ok(answer.length < 4096);
  });

  void it('a session opened by one principal is unknown to another holding its id (a handle, not a credential)', async () => {
    const init = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${valid.key}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const as = (key: string, method = 'POST') =>
      fetch(gateway.url, {
        method,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${key}`,
          'mcp-session-id': session,
          'mcp-protocol-version': '2025-06-18',
        },
        ...(method === 'POST' && { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) }),
      });
    const stolen = await as(bob.key);
    assert.equal(stolen.status, 404);
    assert.equal(((await stolen.json()) as { error: { data: { code: string } } }).error.data.code, 'GW_SESSION_NOT_FOUND');
    assert.equal((await as(bob.key, 'DELETE')).status, 404);
    const own = await as(valid.key);
    assert.equal(own.status, 200);
    await own.text();
    assert.equal((await as(valid.key, 'DELETE')).status, 204);
  });

  void it('the legacy SSE transport needs a credential too', async () => {
    const res = await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /resource_metadata=/);
    await res.body?.cancel();
  });

  void it('repeated failures with one credential block it (429 with Retry-After) before any verification', async () => {
    const bogus = 'bwk_' + 'A'.repeat(43);
    for (let i = 0; i < 3; i++) assert.equal((await post({ authorization: `Bearer ${bogus}` })).status, 401);
    const blocked = await post({ authorization: `Bearer ${bogus}` });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    const body = (await blocked.json()) as { error: { data: { code: string } } };
    assert.equal(body.error.data.code, 'GW_AUTH_BLOCKED');
    // Another credential from the same address is unaffected.
    assert.equal((await post({ authorization: `Bearer ${valid.key}` })).status !== 429, true);
  });
});

/** No request the upstream received carried any of the caller's credentials, in any header. */
function assertNeverForwarded(upstream: RecordingUpstream, secrets: readonly string[]): void {
  assert.ok(upstream.headers.length > 0, 'the upstream saw requests');
  for (const headers of upstream.headers) {
    assert.equal(headers.authorization, undefined, 'no Authorization header upstream');
    const all = JSON.stringify(headers);
    for (const s of secrets) assert.ok(!all.includes(s), 'the caller credential reached the upstream');
  }
}
