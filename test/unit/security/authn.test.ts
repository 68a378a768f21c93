// Authentication building blocks (issue 9 items 1 and 7), with a manual clock: the failure guard, the
// API key verifier (cache, revocation seen through the store's version, throttled last-used), the KeyStore
// contract against both implementations, claims → principal, the token cache, challenges, metadata, IP lists.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/index.js';
import type { KeyStore } from '../../../src/store/key-store.js';
import { MemoryKeyStore } from '../../../src/store/memory/memory-key-store.js';
import { SqliteKeyStore } from '../../../src/store/sqlite/sqlite-key-store.js';
import {
  ApiKeyVerifier,
  bearerChallenge,
  FailureGuard,
  generateApiKey,
  hashApiKey,
  issueApiKey,
  looksLikeApiKey,
  principalFromClaims,
  resourceMetadata,
  TokenCache,
} from '../../../src/transport/auth/index.js';
import { createIpFilter } from '../../../src/transport/edge/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-authn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('API key format', () => {
  void it('bwk_ + 43 base64url characters, distinct each time, hashed to 64 hex digits', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a, /^bwk_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.ok(looksLikeApiKey(a));
    assert.ok(!looksLikeApiKey('bwk_short'));
    assert.match(hashApiKey(a), /^[0-9a-f]{64}$/);
  });
});

const stores: [string, () => KeyStore][] = [
  ['memory', () => new MemoryKeyStore()],
  ['sqlite', () => new SqliteKeyStore(join(dir, `keys-${Math.random()}.db`))],
];
for (const [kind, make] of stores)
  void describe(`KeyStore contract: ${kind}`, () => {
    void it('stores the hash only, finds by hash/id/name, revokes, expires on request, touches, blocks and unblocks', () => {
      const store = make();
      try {
        const { key, record } = issueApiKey({ name: 'alice', roles: ['dev'], now: 1000 });
        store.add(record);
        assert.ok(!JSON.stringify(store.list()).includes(key), 'the key itself is never stored');
        assert.deepEqual(store.byHash(hashApiKey(key))?.roles, ['dev']);
        assert.equal(store.find(record.id)?.name, 'alice');
        assert.equal(store.find('alice')?.id, record.id);
        const v0 = store.version();
        assert.ok(store.revoke(record.id, 5000));
        assert.equal(store.find(record.id)?.expiresAt, 5000);
        assert.ok(store.revoke(record.id));
        assert.equal(store.find(record.id)?.revoked, true);
        assert.notEqual(store.version(), v0, 'writes move the version');
        assert.equal(store.revoke('nope'), false);
        store.touch(new Map([[record.id, 4242]]));
        assert.equal(store.byHash(record.hash)?.lastUsedAt, 4242);
        store.block({ subject: 'address:10.0.0.1', until: 9000, reason: 'invalid', createdAt: 1 });
        assert.deepEqual(
          store.blocks(100).map((b) => b.subject),
          ['address:10.0.0.1'],
        );
        assert.deepEqual(store.blocks(9000), [], 'a block past its end is not in force');
        assert.ok(store.unblock('address:10.0.0.1'));
        assert.equal(store.unblock('address:10.0.0.1'), false);
      } finally {
        store.close();
      }
    });
  });

void describe('SQLite key store file', () => {
  void it('is created 0600 in its folder', () => {
    const file = join(dir, 'sub', 'keys.db');
    new SqliteKeyStore(file).close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  void it('sees another connection’s revocation through version()', () => {
    const file = join(dir, 'shared.db');
    const server = new SqliteKeyStore(file);
    const cli = new SqliteKeyStore(file);
    try {
      const { record } = issueApiKey({ name: 'a', roles: [], now: 1 });
      cli.add(record);
      const v = server.version();
      cli.revoke(record.id);
      assert.notEqual(server.version(), v);
      assert.equal(server.byHash(record.hash)?.revoked, true);
    } finally {
      server.close();
      cli.close();
    }
  });
});

void describe('ApiKeyVerifier', () => {
  void it('accepts a valid key as its name and roles, refuses unknown, expired and (after sync) revoked keys', () => {
    const clock = new ManualClock(0, 1_000_000);
    const store = new MemoryKeyStore();
    const { key, record } = issueApiKey({ name: 'ci', roles: ['dev'], now: clock.wallNow(), expiresAt: clock.wallNow() + 60_000 });
    store.add(record);
    const verifier = new ApiKeyVerifier(store, { clock });
    const ok = verifier.verify(key, hashApiKey(key));
    assert.ok(ok.ok);
    assert.deepEqual(ok.ok && { id: ok.principal.id, kind: ok.principal.kind, roles: ok.principal.roles }, {
      id: 'ci',
      kind: 'api-key',
      roles: ['dev'],
    });
    const other = generateApiKey();
    assert.deepEqual(verifier.verify(other, hashApiKey(other)), { ok: false, reason: 'invalid', detail: 'unknown API key' });
    store.revoke(record.id);
    assert.ok(verifier.verify(key, hashApiKey(key)).ok, 'cached until the next sync');
    verifier.sync();
    assert.equal((verifier.verify(key, hashApiKey(key)) as { reason: string }).reason, 'revoked');
    const fresh = issueApiKey({ name: 'x', roles: [], now: clock.wallNow(), expiresAt: clock.wallNow() + 1000 });
    store.add(fresh.record);
    verifier.sync();
    assert.ok(verifier.verify(fresh.key, fresh.record.hash).ok);
    clock.advance(1000);
    assert.equal((verifier.verify(fresh.key, fresh.record.hash) as { reason: string }).reason, 'expired');
  });

  void it('writes last-used times only on flush, at most once per interval per key', () => {
    const clock = new ManualClock(0, 1_000_000);
    const store = new MemoryKeyStore();
    let touches = 0;
    const touch = store.touch.bind(store);
    store.touch = (used) => {
      touches += used.size;
      touch(used);
    };
    const { key, record } = issueApiKey({ name: 'ci', roles: [], now: clock.wallNow() });
    store.add(record);
    const verifier = new ApiKeyVerifier(store, { clock, touchIntervalMs: 60_000 });
    for (let i = 0; i < 100; i++) verifier.verify(key, record.hash);
    assert.equal(touches, 0, 'nothing written on the request path');
    verifier.flush();
    assert.equal(touches, 1);
    assert.equal(store.byHash(record.hash)?.lastUsedAt, clock.wallNow());
    clock.advance(30_000);
    verifier.verify(key, record.hash);
    verifier.flush();
    assert.equal(touches, 1, 'throttled within the interval');
    clock.advance(30_000);
    verifier.verify(key, record.hash);
    verifier.flush();
    assert.equal(touches, 2);
  });
});

void describe('FailureGuard', () => {
  const threshold = { maxFailures: 3, windowMs: 10_000, blockMs: 60_000 };

  void it('blocks a subject at the threshold within the window, for blockMs, and reports each block once', () => {
    const clock = new ManualClock(0, 5_000_000);
    const blocks: string[] = [];
    const guard = new FailureGuard({
      clock,
      address: threshold,
      credential: { ...threshold, maxFailures: 2 },
      onBlock: (b) => blocks.push(b.subject),
    });
    guard.fail('address:1.2.3.4', 'invalid');
    guard.fail('address:1.2.3.4', 'invalid');
    assert.equal(guard.blockedFor('address:1.2.3.4'), 0);
    guard.fail('address:1.2.3.4', 'invalid');
    assert.equal(guard.blockedFor('address:1.2.3.4'), 60_000);
    assert.deepEqual(blocks, ['address:1.2.3.4']);
    guard.fail('credential:abc', 'expired');
    guard.fail('credential:abc', 'expired');
    assert.ok(guard.blockedFor('credential:abc') > 0, 'credentials use their own threshold');
    clock.advance(60_000);
    assert.equal(guard.blockedFor('address:1.2.3.4'), 0, 'the block lifts by itself');
  });

  void it('forgets failures outside the window; an operator unblock (store view) lifts a block', () => {
    const clock = new ManualClock(0, 5_000_000);
    const guard = new FailureGuard({ clock, address: threshold, credential: threshold });
    guard.fail('address:a', 'invalid');
    guard.fail('address:a', 'invalid');
    clock.advance(10_000);
    guard.fail('address:a', 'invalid');
    assert.equal(guard.blockedFor('address:a'), 0, 'a new window started');
    for (let i = 0; i < 3; i++) guard.fail('address:b', 'invalid');
    assert.ok(guard.blockedFor('address:b') > 0);
    guard.replaceBlocks([]);
    assert.equal(guard.blockedFor('address:b'), 0);
  });

  void it('tracks a bounded number of subjects whatever the flood', () => {
    const guard = new FailureGuard({ clock: new ManualClock(), address: threshold, credential: threshold, maxTracked: 100 });
    for (let i = 0; i < 10_000; i++) guard.fail(`address:10.0.${i >> 8}.${i & 255}`, 'invalid');
    assert.ok(guard.tracked <= 100);
  });
});

void describe('claims → principal', () => {
  const mapping = {
    subjectClaim: 'sub',
    rolesClaim: 'realm.roles',
    scopeRoles: { 'tools:write': ['writer'] },
    claimRoles: [{ claim: 'groups', value: 'eng', roles: ['dev'] }],
  };

  void it('takes the id from sub, roles from a claim path, scopes and claim rules; scopes from scope or scp', () => {
    const p = principalFromClaims(
      { sub: 'u1', realm: { roles: ['admin'] }, scope: 'tools:write read', groups: ['eng', 'ops'] },
      'jwt',
      mapping,
    );
    assert.ok(typeof p === 'object');
    assert.deepEqual([...p.roles].sort(), ['admin', 'dev', 'writer']);
    assert.deepEqual(p.scopes, ['tools:write', 'read']);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.claims));
    const q = principalFromClaims({ sub: 'u2', scp: ['tools:write'] }, 'introspection', mapping);
    assert.ok(typeof q === 'object' && q.roles.includes('writer'));
    assert.equal(principalFromClaims({ scope: 'x' }, 'jwt', mapping), 'token has no sub claim');
  });
});

void describe('TokenCache', () => {
  void it('answers until the expiry and stays bounded', () => {
    const cache = new TokenCache(2);
    const p = { id: 'a', kind: 'jwt' as const, roles: [] };
    cache.set('h1', p, 1000);
    assert.equal(cache.get('h1', 999), p);
    assert.equal(cache.get('h1', 1000), undefined);
    cache.set('h2', p, 5000);
    cache.set('h3', p, 5000);
    cache.set('h4', p, 5000);
    assert.equal(cache.size, 2);
  });
});

void describe('challenge and metadata', () => {
  void it('formats RFC 6750 / RFC 9728 challenges', () => {
    assert.equal(bearerChallenge({}), 'Bearer');
    assert.equal(bearerChallenge({ metadataUrl: 'https://g/.well-known/x' }), 'Bearer resource_metadata="https://g/.well-known/x"');
    assert.equal(
      bearerChallenge({ metadataUrl: 'u', error: 'insufficient_scope', scope: ['a', 'b'] }),
      'Bearer resource_metadata="u", error="insufficient_scope", scope="a b"',
    );
  });

  void it('serves the bare and path-suffixed well-known paths and names the suffixed URL', () => {
    const m = resourceMetadata({
      resource: 'https://mcp.example.com/team/mcp',
      authorizationServers: ['https://idp'],
      scopesSupported: [],
      resourceName: 'bw',
    });
    assert.deepEqual([...m.paths], ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/team/mcp']);
    assert.equal(m.url, 'https://mcp.example.com/.well-known/oauth-protected-resource/team/mcp');
    assert.deepEqual(JSON.parse(m.body), {
      resource: 'https://mcp.example.com/team/mcp',
      authorization_servers: ['https://idp'],
      bearer_methods_supported: ['header'],
      resource_name: 'bw',
    });
  });
});

void describe('IP allow and deny lists', () => {
  void it('deny wins, allow restricts, CIDR and IPv6 work, IPv4-mapped IPv6 is checked as IPv4', () => {
    const accept = createIpFilter({ allow: ['10.0.0.0/8', 'fd00::/8'], deny: ['10.6.6.6'] })!;
    assert.equal(accept('10.1.2.3'), true);
    assert.equal(accept('::ffff:10.1.2.3'), true);
    assert.equal(accept('10.6.6.6'), false);
    assert.equal(accept('::ffff:10.6.6.6'), false);
    assert.equal(accept('192.168.1.1'), false);
    assert.equal(accept('fd12::1'), true);
    assert.equal(accept(undefined), false);
    assert.equal(createIpFilter({ allow: [], deny: [] }), undefined);
  });
});
