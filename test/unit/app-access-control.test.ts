// AccessControl in the compiled pipeline: rate limit → authorization at the front of every route, and
// neither a refusal nor a denial counts against the upstream's breaker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessControl } from '../../src/app/access-control.js';
import { PipelineCompiler } from '../../src/app/pipeline-compiler.js';
import { ResilienceRegistry } from '../../src/app/upstream-resilience.js';
import { parseConfig } from '../../src/config/index.js';
import { seededRandom } from '../../src/core/index.js';
import { describe as names, type Principal, type Route } from '../../src/pipeline/index.js';
import { LruCacheStore } from '../../src/store/memory/lru-cache-store.js';
import { crashed, makeCtx, ManualClock, ok } from './policies/_support.js';

const route: Route = { upstream: 'u', kind: 'tool', name: 'u__x', target: 'x' };
const analyst: Principal = { id: 'ann', kind: 'api-key', roles: ['analyst'] };

function setup(fail: () => boolean) {
  const { config } = parseConfig(
    {
      upstreams: { u: { url: 'http://127.0.0.1:9/mcp', policies: { breaker: { consecutiveFailures: 2 } } } },
      authorization: { default: 'deny', rules: [{ id: 'small', action: 'allow', roles: ['analyst'], when: 'args.n <= 10' }] },
      rateLimits: { principal: { perHour: 100, burst: 5 } },
    },
    '<unit>',
  );
  const clock = new ManualClock();
  const resilience = new ResilienceRegistry(config, {
    clock,
    random: seededRandom(1),
    cacheStore: new LruCacheStore({ maxBytes: 1 << 20, clock }),
  });
  const access = new AccessControl(config);
  let upstream = 0;
  const compiler = new PipelineCompiler(config, async () => (upstream++, fail() ? Promise.reject(crashed()) : ok()), {
    resilience,
    front: (r) => access.policiesFor(r),
  });
  return { compiler, clock, calls: () => upstream };
}

void describe('AccessControl in the pipeline', () => {
  void it('puts rate limit, then authorization, in front of the route', () => {
    const { compiler } = setup(() => false);
    assert.deepEqual(names(compiler.policiesFor(route)).slice(0, 2), ['rate-limit', 'authorization']);
  });

  void it('denials and rate-limit refusals never open the breaker; upstream failures do', async () => {
    let failing = false;
    const { compiler, clock, calls } = setup(() => failing);
    const next = compiler.forRoute(route);
    const call = (n: number) =>
      next(makeCtx(clock, { route, principal: analyst, params: { name: 'x', arguments: { n } } })).catch((e: unknown) => e);
    // Three denials: nothing upstream, breaker closed.
    for (let i = 0; i < 3; i++) assert.equal(((await call(500)) as { code?: string }).code, 'GW_NOT_FOUND');
    assert.equal(calls(), 0);
    // Two allowed calls spend the rest of the burst of 5 (denied calls counted too: the rate limit comes first).
    assert.deepEqual(await call(1), ok());
    assert.deepEqual(await call(1), ok());
    for (let i = 0; i < 3; i++) assert.equal(((await call(1)) as { code?: string }).code, 'GW_RATE_LIMITED');
    assert.equal(calls(), 2);
    assert.equal(compiler.resilience.get('u').breakers[0]?.state, 'closed');
    // Real upstream failures still open it (two consecutive), proving the breaker was listening.
    clock.advance(3_600_000);
    failing = true;
    await call(1);
    await call(1);
    assert.equal(compiler.resilience.get('u').breakers[0]?.state, 'open');
  });
});
