import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock } from '../../../src/core/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { CallContext, CallResult } from '../../../src/pipeline/index.js';
import type { CacheEvents, CacheOptions } from '../../../src/policies/cache/index.js';
import { STALE_META_KEY, cacheKeyPrefix, canonicalJson, createCachePolicy } from '../../../src/policies/cache/index.js';
import { LruCacheStore } from '../../../src/store/memory/lru-cache-store.js';
import { alice, bob, crashed, instantUpstream, invalidParams, makeCtx, ok, outcome, scriptedUpstream } from './_support.js';

function setup(clock: ManualClock, options: Partial<CacheOptions> = {}, maxBytes = 1_000_000) {
  const store = new LruCacheStore({ maxBytes, clock });
  const events = new Emitter<CacheEvents>();
  const seen: string[] = [];
  for (const e of ['hit', 'miss', 'stale', 'coalesced', 'store'] as const) events.on(e, () => seen.push(e));
  const policy = createCachePolicy({ ttlMs: 1000, store, events, ...options });
  return { policy, store, seen };
}

const read =
  (uri: string, principal = alice, extra: Partial<CallContext> = {}) =>
  (clock: ManualClock) =>
    makeCtx(clock, {
      method: 'resources/read',
      route: { upstream: 'docs', kind: 'resource', name: uri, target: uri },
      params: { uri },
      principal,
      ...extra,
    });

void describe('cache keys', () => {
  void it('canonical JSON sorts keys at every depth and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  });

  void it('argument order and _meta do not split entries', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { scope: 'public' });
    const up = instantUpstream(() => ok());
    await policy.execute(makeCtx(clock, { params: { name: 'echo', arguments: { a: 1, b: 2 }, _meta: { progressToken: 1 } } }), up.next);
    await policy.execute(makeCtx(clock, { params: { arguments: { b: 2, a: 1 }, name: 'echo' } }), up.next);
    assert.equal(up.calls.length, 1);
  });
});

void describe('cache policy', () => {
  void it('serves hits within ttlMs, misses after; every hit is a fresh copy', async () => {
    const clock = new ManualClock();
    const { policy, seen } = setup(clock);
    const up = instantUpstream((_, n) => ok(`v${n}`));
    const first = await policy.execute(makeCtx(clock), up.next);
    clock.advance(999);
    const second = await policy.execute(makeCtx(clock), up.next);
    assert.deepEqual(second, ok('v0'));
    assert.notEqual(first, second);
    (second.content as unknown[]).length = 0;
    assert.deepEqual(await policy.execute(makeCtx(clock), up.next), ok('v0'), 'mutating a hit does not touch the cache');
    clock.advance(1);
    assert.deepEqual(await policy.execute(makeCtx(clock), up.next), ok('v1'));
    assert.deepEqual(seen, ['miss', 'store', 'hit', 'hit', 'miss', 'store']);
    assert.deepEqual(policy.stats(), { hits: 2, misses: 2, stale: 0, coalesced: 0, stores: 2 });
  });

  void it('is a pass-through when disabled', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { enabled: false });
    const up = instantUpstream(() => ok());
    await policy.execute(makeCtx(clock), up.next);
    await policy.execute(makeCtx(clock), up.next);
    assert.equal(up.calls.length, 2);
  });

  void it('never caches errors, isError results, input_required results or calls that sent progress', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock);
    const failing = instantUpstream(() => invalidParams());
    await assert.rejects(policy.execute(makeCtx(clock), failing.next));
    await assert.rejects(policy.execute(makeCtx(clock), failing.next));
    assert.equal(failing.calls.length, 2);
    for (const result of [
      { content: [], isError: true },
      { resultType: 'input_required', inputRequests: {} },
    ]) {
      const up = instantUpstream(() => result);
      await policy.execute(makeCtx(clock, { requestId: 'x' }), up.next);
      await policy.execute(makeCtx(clock, { requestId: 'x' }), up.next);
      assert.equal(up.calls.length, 2, JSON.stringify(result));
    }
    const progressing = { next: async (ctx: CallContext): Promise<CallResult> => (ctx.onProgress?.(), ok()), calls: 0 };
    const ctx = makeCtx(clock, { params: { name: 'slow' } });
    let outer = 0;
    await policy.execute({ ...ctx, onProgress: () => outer++ }, progressing.next);
    const up = instantUpstream(() => ok());
    await policy.execute(makeCtx(clock, { params: { name: 'slow' } }), up.next);
    assert.equal(up.calls.length, 1, 'the progressing call was not cached');
    assert.equal(outer, 1, 'progress still reached the outer hook');
  });

  void it('honours the modern ttlMs / cacheScope hints', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { scope: 'public', ttlMs: 10_000 });
    const noCache = instantUpstream(() => ({ ...ok(), ttlMs: 0, cacheScope: 'public' }));
    await policy.execute(read('a')(clock), noCache.next);
    await policy.execute(read('a')(clock), noCache.next);
    assert.equal(noCache.calls.length, 2, 'ttlMs 0 → not cached');
    const short = instantUpstream(() => ({ ...ok(), ttlMs: 100, cacheScope: 'public' }));
    await policy.execute(read('b')(clock), short.next);
    clock.advance(100);
    await policy.execute(read('b')(clock), short.next);
    assert.equal(short.calls.length, 2, 'the shorter hint wins');
    const long = instantUpstream(() => ({ ...ok(), ttlMs: 999_999 }));
    await policy.execute(read('c')(clock), long.next);
    clock.advance(10_000);
    await policy.execute(read('c')(clock), long.next);
    assert.equal(long.calls.length, 2, 'a longer hint is capped by the configured ttlMs');
  });

  void it('R18: private scope isolates principals; a public config still keys private results by principal', async () => {
    const clock = new ManualClock();
    const priv = setup(clock, { scope: 'private' }).policy;
    const up = instantUpstream((_, n) => ok(`secret-${n}`));
    assert.deepEqual(await priv.execute(read('x', alice)(clock), up.next), ok('secret-0'));
    assert.deepEqual(await priv.execute(read('x', bob)(clock), up.next), ok('secret-1'));
    assert.deepEqual(await priv.execute(read('x', alice)(clock), up.next), ok('secret-0'));

    const pub = setup(clock, { scope: 'public' }).policy;
    const hinted = instantUpstream((_, n) => ({ ...ok(`mine-${n}`), cacheScope: 'private' }));
    await pub.execute(read('y', alice)(clock), hinted.next);
    assert.deepEqual(await pub.execute(read('y', bob)(clock), hinted.next), { ...ok('mine-1'), cacheScope: 'private' });
    assert.deepEqual(await pub.execute(read('y', alice)(clock), hinted.next), { ...ok('mine-0'), cacheScope: 'private' });
    assert.equal(hinted.calls.length, 2);

    const shared = instantUpstream((_, n) => ok(`public-${n}`));
    await pub.execute(read('z', alice)(clock), shared.next);
    assert.deepEqual(await pub.execute(read('z', bob)(clock), shared.next), ok('public-0'), 'public results are shared');
  });

  void it('R18: stale-if-error serves the expired result, marked, within staleIfErrorMs only', async () => {
    const clock = new ManualClock();
    const { policy, seen } = setup(clock, { staleIfErrorMs: 5000 });
    await policy.execute(makeCtx(clock), instantUpstream(() => ok('old')).next);
    clock.advance(1000);
    const down = instantUpstream(() => crashed());
    const stale = await policy.execute(makeCtx(clock), down.next);
    assert.deepEqual(stale, { ...ok('old'), _meta: { [STALE_META_KEY]: true } });
    await assert.rejects(policy.execute(makeCtx(clock), instantUpstream(() => invalidParams()).next), 'caller errors get no stale answer');
    await policy.execute(makeCtx(clock), instantUpstream(() => new GatewayError('GW_CIRCUIT_OPEN', 'open')).next);
    clock.advance(5000);
    await assert.rejects(policy.execute(makeCtx(clock), down.next), 'past the stale window');
    assert.equal(seen.filter((e) => e === 'stale').length, 2);
  });

  void it('coalesces identical concurrent misses into one upstream call; joiners get their own copy', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock);
    const up = scriptedUpstream(clock);
    const calls = [0, 1, 2].map(() => outcome(policy.execute(makeCtx(clock), up.next)));
    await clock.advanceAsync(0);
    assert.equal(up.calls.length, 1);
    up.calls[0]!.settle.resolve(ok('shared'));
    await clock.advanceAsync(0);
    assert.ok(calls.every((c) => JSON.stringify(c.value) === JSON.stringify(ok('shared'))));
    assert.notEqual(calls[0]!.value, calls[1]!.value);
    assert.equal(policy.stats().coalesced, 2);
  });

  void it('a joiner’s abort only detaches it; the last one out cancels the upstream call', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock);
    const up = scriptedUpstream(clock);
    const [a, b] = [new AbortController(), new AbortController()];
    const ra = outcome(policy.execute(makeCtx(clock, { signal: a.signal }), up.next));
    const rb = outcome(policy.execute(makeCtx(clock, { signal: b.signal }), up.next));
    await clock.advanceAsync(0);
    a.abort(new Error('a left'));
    await clock.advanceAsync(0);
    assert.equal((ra.error as Error).message, 'a left');
    assert.equal(up.calls[0]!.signal.aborted, false, 'the leader leaving does not cancel a shared call');
    b.abort(new Error('b left'));
    await clock.advanceAsync(0);
    assert.equal((rb.error as Error).message, 'b left');
    assert.equal(up.calls[0]!.signal.aborted, true);
    const rc = outcome(policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(0);
    assert.equal(up.calls.length, 2, 'a cancelled flight is never joined');
    up.calls[1]!.settle.resolve(ok());
    await clock.advanceAsync(0);
    assert.deepEqual(rc.value, ok());
  });

  void it('a coalesced private result is not handed to another principal', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { scope: 'public' });
    const up = scriptedUpstream(clock);
    const ra = outcome(policy.execute(read('p', alice)(clock), up.next));
    const rb = outcome(policy.execute(read('p', bob)(clock), up.next));
    await clock.advanceAsync(0);
    up.calls[0]!.settle.resolve({ ...ok('alice-only'), cacheScope: 'private' });
    await clock.advanceAsync(0);
    assert.equal(up.calls.length, 2, 'bob made his own call');
    assert.equal(up.calls[1]!.ctx.principal.id, 'bob');
    up.calls[1]!.settle.resolve({ ...ok('bob-only'), cacheScope: 'private' });
    await clock.advanceAsync(0);
    assert.deepEqual(ra.value, { ...ok('alice-only'), cacheScope: 'private' });
    assert.deepEqual(rb.value, { ...ok('bob-only'), cacheScope: 'private' });
  });

  void it('invalidate by prefix (list_changed, resources/updated) and in-flight results are not stored after it', async () => {
    const clock = new ManualClock();
    const { policy, store } = setup(clock, { scope: 'public' });
    const up = instantUpstream(() => ok());
    await policy.execute(read('file:///a')(clock), up.next);
    await policy.execute(read('file:///b')(clock), up.next);
    const list = makeCtx(clock, {
      method: 'tools/list',
      route: { upstream: 'docs', kind: 'list', name: 'tools/list', target: 'tools/list' },
      params: {},
    });
    await policy.execute(list, up.next);
    assert.equal(store.size, 3);
    assert.equal(await policy.invalidate(cacheKeyPrefix({ upstream: 'docs', method: 'resources/read', target: 'file:///a' })), 1);
    assert.equal(await policy.invalidate(cacheKeyPrefix({ upstream: 'docs', method: 'tools/list' })), 1);
    assert.equal(store.size, 1);

    const slow = scriptedUpstream(clock);
    const pending = outcome(policy.execute(read('file:///c')(clock), slow.next));
    await clock.advanceAsync(0);
    await policy.invalidate(cacheKeyPrefix({ upstream: 'docs' }));
    slow.calls[0]!.settle.resolve(ok('pre-invalidation'));
    await clock.advanceAsync(0);
    assert.deepEqual(pending.value, ok('pre-invalidation'));
    assert.equal(store.size, 0, 'a result fetched before the invalidation is not stored after it');
  });

  void it('results larger than maxBytes are not cached', async () => {
    const clock = new ManualClock();
    const { policy } = setup(clock, { maxBytes: 100 });
    const up = instantUpstream(() => ok('x'.repeat(200)));
    await policy.execute(makeCtx(clock), up.next);
    await policy.execute(makeCtx(clock), up.next);
    assert.equal(up.calls.length, 2);
  });
});

void describe('LRU cache store', () => {
  const entry = (clock: ManualClock, body: string, ttl = 1000) => ({
    body,
    scope: 'public' as const,
    freshUntil: clock.now() + ttl,
    staleUntil: clock.now() + ttl,
  });

  void it('stays within maxBytes, evicting the least recently used', async () => {
    const clock = new ManualClock();
    const store = new LruCacheStore({ maxBytes: 3 * (64 + 1 + 100), clock });
    for (const k of ['a', 'b', 'c']) await store.set(k, entry(clock, k.repeat(100)));
    assert.equal(store.size, 3);
    await store.get('a');
    await store.set('d', entry(clock, 'd'.repeat(100)));
    assert.equal(await store.get('b'), undefined, 'b was least recently used');
    assert.ok(await store.get('a'));
    assert.ok(store.bytes <= store.maxBytes);
    assert.equal(store.evictions, 1);
  });

  void it('byte bound holds for any sequence of writes (multi-byte bodies counted in UTF-8)', async () => {
    const clock = new ManualClock();
    const store = new LruCacheStore({ maxBytes: 2000, clock });
    for (let i = 0; i < 500; i++) {
      await store.set(`k${i % 37}`, entry(clock, 'é€'.repeat((i * 7) % 300)));
      assert.ok(store.bytes <= 2000, `${store.bytes} bytes after write ${i}`);
    }
  });

  void it('drops entries past staleUntil and refuses entries larger than the whole budget', async () => {
    const clock = new ManualClock();
    const store = new LruCacheStore({ maxBytes: 500, clock });
    await store.set('a', entry(clock, 'x', 100));
    clock.advance(100);
    assert.equal(await store.get('a'), undefined);
    assert.equal(store.bytes, 0);
    await store.set('big', entry(clock, 'x'.repeat(1000)));
    assert.equal(store.size, 0);
  });

  void it('deletes by prefix or predicate', async () => {
    const clock = new ManualClock();
    const store = new LruCacheStore({ maxBytes: 10_000, clock });
    for (const k of ['u|a', 'u|b', 'v|a']) await store.set(k, entry(clock, k));
    assert.equal(await store.delete('u|'), 2);
    assert.equal(await store.delete((k) => k.endsWith('a')), 1);
    assert.equal(store.size, 0);
    assert.equal(store.bytes, 0);
  });
});
