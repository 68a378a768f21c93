// Upstream credentials (issue 9 item 4, ADR 0022): the gateway's own OAuth token per HTTP upstream, with a
// local authorization server (test/fixtures/oauth-server.mjs) and an MCP upstream that accepts only that
// server's live tokens. Time is a ManualClock: tokens "expire" when the test says so (expireAll), and the
// proactive renewal is driven by advancing the clock, never by sleeping.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock, seededRandom, silentLogger } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { createUpstreamConnection, type UpstreamConnection } from '../../src/upstream/index.js';
import type { UpstreamAuthSpec } from '../../src/upstream/oauth/auth-spec.js';
import { sharedBearerSource } from '../../src/upstream/oauth/shared-source.js';
import { TokenSource } from '../../src/upstream/oauth/token-source.js';
import { MemoryKeyStore } from '../../src/store/memory/memory-key-store.js';
import { issueApiKey } from '../../src/transport/auth/index.js';
import { startOAuthServer } from '../fixtures/oauth-server.mjs';
import { startBearerUpstream } from '../helpers/bearer-upstream.js';

const SECRET = 'client-secret-0123456789';
const RT = 'rt-initial-abcdef012345';
const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

function authSpec(tokenUrl: string, extra: Partial<UpstreamAuthSpec> = {}): UpstreamAuthSpec {
  return {
    type: 'oauth-client-credentials',
    tokenUrl,
    clientId: 'gw',
    clientSecret: SECRET,
    clientAuth: 'client_secret_basic',
    refreshBeforeMs: 300_000,
    timeoutMs: 5_000,
    ...extra,
  };
}

const deps = (clock: ManualClock) => ({ upstream: 'api', clock, random: seededRandom(7), log: silentLogger });

async function setup(auth: (tokenUrl: string) => UpstreamAuthSpec, server: Parameters<typeof startOAuthServer>[0] = {}) {
  const as = await startOAuthServer({ clients: { gw: SECRET }, ...server });
  open.push(as);
  const upstream = await startBearerUpstream((t) => as.valid(t));
  open.push(upstream);
  const clock = new ManualClock();
  const conn: UpstreamConnection = createUpstreamConnection(
    { name: 'api', kind: 'streamable-http', url: upstream.url, era: 'legacy', auth: auth(as.tokenUrl) },
    { clock, log: silentLogger, random: seededRandom(3) },
  );
  open.push(conn);
  await conn.start();
  const call = () => conn.request('tools/call', { name: 'whoami', arguments: {} }, { signal: AbortSignal.timeout(5_000) });
  return { as, upstream, clock, conn, call };
}

void describe('upstream OAuth credentials', () => {
  void it('token source: proactive jittered renewal while the held token is still sent, single flight', async () => {
    const as = await startOAuthServer({ clients: { gw: SECRET }, lifetimeSec: 3600 });
    open.push(as);
    const clock = new ManualClock();
    const source = new TokenSource(authSpec(as.tokenUrl, { scope: 'mcp', resource: 'http://127.0.0.1/mcp' }), deps(clock));
    const first = await Promise.all(Array.from({ length: 10 }, () => source.token()));
    assert.equal(new Set(first).size, 1, 'ten concurrent callers share one token');
    assert.equal(as.requests.length, 1, 'one token request for ten callers (single flight)');
    assert.deepEqual(as.requests[0], {
      grant: 'client_credentials',
      client: 'gw',
      scope: 'mcp',
      resource: 'http://127.0.0.1/mcp',
      audience: null,
    });
    // 5 min ± 10 % before expiry: not due at 3600 − 330 s, due by 3600 − 270 s.
    clock.advance(3_270_000 - 1);
    assert.equal(await source.token(), first[0]);
    assert.equal(as.requests.length, 1, 'not due before 330 s before expiry');
    clock.advance(60_000);
    const answered = as.nextAnswer();
    assert.equal(await source.token(), first[0], 'due: the held (still valid) token is sent while renewing');
    assert.equal((await answered).ok, true);
    await source.renewing;
    const renewed = await source.token();
    assert.notEqual(renewed, first[0]);
    assert.equal(as.requests.length, 2);
  });

  void it('an upstream token is renewed before expiry without a failed call', async (t) => {
    let spec!: UpstreamAuthSpec;
    const { as, upstream, clock, call } = await setup((u) => (spec = authSpec(u)));
    await call();
    const before = as.requests.length;
    clock.advance(3_400_000); // inside the renewal window, before expiry
    const renewal = as.nextAnswer();
    await call(); // sent with the held token; the renewal runs beside it
    const renewed = await renewal;
    assert.equal(renewed.ok, true);
    await (sharedBearerSource(spec, deps(clock)) as TokenSource).renewing;
    as.expireAll(renewed.token); // the old token's time is up at the upstream: only the renewed one is accepted
    for (let i = 0; i < 5; i++) await call();
    assert.equal(upstream.refused(), 0, 'no request was refused');
    assert.equal(as.requests.length, before + 1, 'exactly one renewal');
    assert.equal(upstream.executed(), 7);
    t.diagnostic(`token requests: ${as.requests.length}, upstream 401s: ${upstream.refused()}`);
  });

  void it('a 401 from the upstream forces one renewal and one retry; a second 401 is GW_UPSTREAM_AUTH', async () => {
    let acceptAll = true;
    const as = await startOAuthServer({ clients: { gw: SECRET } });
    open.push(as);
    const upstream = await startBearerUpstream((tok) => acceptAll && as.valid(tok));
    open.push(upstream);
    const conn = createUpstreamConnection(
      { name: 'api', kind: 'streamable-http', url: upstream.url, era: 'legacy', auth: authSpec(as.tokenUrl) },
      { clock: new ManualClock(), log: silentLogger },
    );
    open.push(conn);
    await conn.start();
    const call = () => conn.request('tools/call', { name: 'whoami', arguments: {} }, { signal: AbortSignal.timeout(5_000) });
    as.expireAll(); // revoked at the server before its time: the gateway only learns it from the 401
    await call();
    assert.equal(upstream.refused(), 1);
    assert.equal(upstream.executed(), 1, 'executed once, after the renewal');
    // Five concurrent calls all refused with the same stale token: one renewal between them, all executed.
    as.expireAll();
    const asked = as.requests.length;
    await Promise.all(Array.from({ length: 5 }, () => call()));
    assert.equal(as.requests.length, asked + 1, 'one renewal for five refused requests');
    assert.equal(upstream.executed(), 6);
    const refusedBefore = upstream.refused();
    acceptAll = false;
    const err = await call().catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_AUTH', String(err));
    assert.match(err.message, /Upstream api.*refused a freshly issued access token/);
    assert.equal(upstream.refused(), refusedBefore + 2, 'one retry, no loop');
    assert.equal(upstream.executed(), 6);
  });

  void it('a rotated refresh token is used next; a revoked one gives a clear error naming the upstream, held for a backoff', async () => {
    const { as, clock, call, upstream } = await setup(
      (u) => authSpec(u, { type: 'oauth-refresh-token', refreshToken: RT, clientAuth: 'client_secret_post' }),
      { refreshTokens: { [RT]: 'gw' }, rotate: true },
    );
    await call();
    assert.equal(as.requests[0]!.grant, 'refresh_token');
    // The server rotated RT away: this refresh succeeds only with the refresh token it sent back.
    clock.advance(3_600_000);
    await call();
    assert.equal(as.requests.length, 2);
    assert.equal(upstream.refused(), 0);
    as.revokeAll();
    as.expireAll();
    clock.advance(3_600_000);
    const err = await call().catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.code, 'GW_UPSTREAM_AUTH');
    assert.match(err.message, /^Upstream api: refreshing the access token failed: HTTP 400 invalid_grant/);
    assert.deepEqual({ upstream: err.data?.upstream, oauthError: err.data?.oauthError }, { upstream: 'api', oauthError: 'invalid_grant' });
    assert.doesNotMatch(`${err.message} ${JSON.stringify(err.data)}`, /rt-|at-|client-secret/);
    const asked = as.requests.length;
    const again = await call().catch((e: unknown) => e);
    assert.equal((again as GatewayError).code, 'GW_UPSTREAM_AUTH');
    assert.equal(as.requests.length, asked, 'within the backoff the failure is answered without asking the server');
    clock.advance(1_000);
    await call().catch(() => {});
    assert.equal(as.requests.length, asked + 1, 'after the backoff the server is asked again');
  });

  void it('the caller’s own token never reaches the upstream; config errors name the field', async () => {
    const as = await startOAuthServer({ clients: { gw: SECRET } });
    open.push(as);
    const upstream = await startBearerUpstream((tok) => as.valid(tok));
    open.push(upstream);
    const store = new MemoryKeyStore();
    const key = issueApiKey({ name: 'alice', roles: ['dev'], now: Date.now() });
    store.add(key.record);
    const input = {
      server: { port: 0 },
      auth: { apiKeys: { enabled: true } },
      upstreams: {
        api: { url: upstream.url, auth: { type: 'oauth-client-credentials', issuer: as.url, clientId: 'gw', clientSecret: SECRET } },
      },
    };
    const config = parseConfig(input, '<test>').config;
    const gateway = new Gateway({ config, log: silentLogger, keyStore: store });
    open.push({ close: () => gateway.stop() });
    await gateway.start();
    await gateway.aggregator.whenLoaded(10_000);
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { Authorization: `Bearer ${key.key}` } } }),
    );
    const result = await client.callTool({ name: 'api__whoami', arguments: {} });
    assert.match(JSON.stringify(result.content), /ok at-/);
    await client.close();
    assert.ok(upstream.authorizations.length > 0);
    assert.ok(!upstream.authorizations.some((a) => a?.includes(key.key)), 'the caller’s API key never went upstream');
    assert.ok(
      upstream.authorizations.every((a) => /^Bearer at-/.test(a ?? '')),
      'every request carried the gateway’s own token',
    );
    const bad = () =>
      parseConfig(
        {
          upstreams: {
            x: {
              url: upstream.url,
              headers: { Authorization: 'Bearer x' },
              auth: { type: 'oauth-client-credentials', clientId: 'gw', clientSecret: 's' },
            },
          },
        },
        '<t>',
      );
    assert.throws(bad, /tokenUrl[\s\S]*set exactly one of tokenUrl and issuer|set exactly one of tokenUrl and issuer/);
    assert.throws(
      () =>
        parseConfig(
          {
            upstreams: {
              x: {
                url: upstream.url,
                auth: { type: 'oauth-client-credentials', tokenUrl: 'http://auth.example.com/token', clientId: 'gw', clientSecret: 's' },
              },
            },
          },
          '<t>',
        ),
      /https:\/\/ URL/,
    );
  });
});
