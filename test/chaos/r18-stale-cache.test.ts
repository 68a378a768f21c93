// R18 — every replica down: cacheable tools answer from the stale cache (marked stale) within staleIfError,
// uncacheable calls are never served from cache, and the tool list is still served from the aggregate.
// list_changed invalidates cached results and recompiles the upstream's tool pipelines.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Route } from '../../src/pipeline/index.js';
import { STALE_META_KEY } from '../../src/policies/cache/index.js';
import { call, gwCode, httpMocks, signal, startGateway, stdioUpstream, waitFor, type Harness } from './_harness.js';

let h: Harness;
let mocks: Awaited<ReturnType<typeof httpMocks>>;
let flappy: ReturnType<typeof stdioUpstream>;

before(async () => {
  const script = { tools: { get: { latency: 2 }, put: { latency: 2 }, lookup: { annotations: { readOnlyHint: true } } } };
  mocks = await httpMocks([script, script]);
  flappy = stdioUpstream({ listChangedEveryMs: 300, tools: { get: { latency: 2 } } });
  const cache = { enabled: true, ttlMs: 1_000, staleIfErrorMs: 60_000 };
  h = await startGateway(
    {
      upstreams: {
        docs: {
          url: mocks[0]!.url,
          replicas: [{ url: mocks[1]!.url }],
          trusted: true,
          policies: { timeoutMs: 2_000, healthCheck: { intervalMs: 0 } },
          toolPolicies: { get: { idempotent: true, cache } },
        },
        inv: { ...flappy.config, policies: { healthCheck: { intervalMs: 0 } }, toolPolicies: { get: { idempotent: true, cache } } },
      },
    },
    ['docs__get', 'docs__put', 'docs__lookup', 'inv__get'],
  );
});

after(async () => {
  await h?.stop();
  await Promise.all(mocks.map((m) => m.stop()));
  for (const f of [flappy, ...mocks]) f.files.cleanup();
});

const upstreamCalls = async (tool: string): Promise<number> =>
  ((await mocks[0]!.stats()).calls[tool] ?? 0) + ((await mocks[1]!.stats()).calls[tool] ?? 0);

test('R18 trusted readOnlyHint tools are cached without configuration', async () => {
  const client = await h.client();
  for (let i = 0; i < 3; i++) assert.equal((await call(client, 'docs__lookup', { q: 1 })).ok, true);
  assert.equal(await upstreamCalls('lookup'), 1);
});

test('R18 replicas down: cacheable reads served stale and marked; uncacheable calls fail; tools/list still served', async () => {
  const client = await h.client();
  const fresh = await call(client, 'docs__get', { q: 1 });
  assert.equal(fresh.ok, true);
  assert.equal((await call(client, 'docs__get', { q: 1 })).ok, true);
  assert.equal(await upstreamCalls('get'), 1, 'the second call was a hit');
  assert.equal((await call(client, 'docs__put', { q: 1 })).ok, true);
  h.clock.skip(1_500); // past the TTL, inside staleIfError
  for (const m of mocks) signal(m.proc.pid!, 'SIGKILL');
  await Promise.all(mocks.map((m) => m.exit));
  const stale = await call(client, 'docs__get', { q: 1 });
  assert.equal(stale.ok, true, stale.message);
  assert.equal((stale.result?._meta as Record<string, unknown>)[STALE_META_KEY], true);
  assert.deepEqual(stale.result?.content, fresh.result?.content);
  assert.equal(gwCode(await call(client, 'docs__put', { q: 1 })), 'GW_UPSTREAM_UNAVAILABLE', 'never served from cache');
  assert.equal(gwCode(await call(client, 'docs__get', { q: 2 })), 'GW_UPSTREAM_UNAVAILABLE', 'other arguments, other key');
  const listed = await client.listTools();
  assert.ok(
    listed.tools.some((t) => t.name === 'docs__get'),
    'the aggregate keeps the last tool list',
  );
});

test('R18 list_changed invalidates cached results and recompiles the tool pipelines', async () => {
  const client = await h.client();
  const route: Route = { upstream: 'inv', kind: 'tool', name: 'inv__get', target: 'get' };
  const calls = (): number => flappy.files.readStats().calls.get ?? 0;
  assert.equal((await call(client, 'inv__get', { q: 1 })).ok, true);
  const compiled = h.gateway.pipelines.forRoute(route);
  const before = calls();
  await new Promise<void>((resolve) => {
    const off = h.gateway.aggregator.events.on('changed', (e) => {
      if (e.upstream !== 'inv' || e.kind !== 'tools') return;
      off();
      resolve();
    });
  });
  await waitFor(() => h.gateway.pipelines.forRoute(route) !== compiled, 20_000, 'recompiled pipeline');
  assert.equal((await call(client, 'inv__get', { q: 1 })).ok, true);
  assert.ok(calls() > before, 'the cached result was invalidated: the call reached the upstream');
});
