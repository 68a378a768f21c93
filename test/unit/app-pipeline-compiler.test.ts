// The route compiler: policy order, what is shared per upstream, safety and cacheability from config and
// trusted annotations, recompilation on list changes, cache invalidation, and the supervisor → breaker feed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineCompiler } from '../../src/app/pipeline-compiler.js';
import { feedBreakers } from '../../src/app/resilience-wiring.js';
import { ResilienceRegistry, sharedInToolScope } from '../../src/app/upstream-resilience.js';
import { upstreamSpecs } from '../../src/app/upstream-specs.js';
import { parseConfig, type BreakwaterConfigInput } from '../../src/config/index.js';
import { Emitter, seededRandom, silentLogger } from '../../src/core/index.js';
import { describe as names, type Next, type Route } from '../../src/pipeline/index.js';
import { createAttemptTimeoutPolicy } from '../../src/policies/deadline/index.js';
import { LruCacheStore } from '../../src/store/memory/lru-cache-store.js';
import type { UpstreamConnection, UpstreamEvents } from '../../src/upstream/index.js';
import { crashed, instantUpstream, makeCtx, ManualClock, ok, outcome, scriptedUpstream } from './policies/_support.js';

const tool = (upstream: string, target: string): Route => ({ upstream, kind: 'tool', name: `${upstream}__${target}`, target });

function setup(
  input: BreakwaterConfigInput,
  terminal: Next,
  annotations: Record<string, Record<string, unknown>> = {},
): { compiler: PipelineCompiler; clock: ManualClock } {
  const config = parseConfig(input, '<unit>').config;
  const clock = new ManualClock();
  const resilience = new ResilienceRegistry(config, {
    clock,
    random: seededRandom(1),
    cacheStore: new LruCacheStore({ maxBytes: 1 << 20, clock }),
  });
  const compiler = new PipelineCompiler(config, terminal, { resilience, toolAnnotations: (r) => annotations[r.target] });
  return { compiler, clock };
}

const url = (n: number): string => `http://127.0.0.1:${9000 + n}/mcp`;

void describe('PipelineCompiler', () => {
  void it('orders the stack deadline → fallback → cache → retry → replicas → bulkhead → attempt timeout', () => {
    const { compiler } = setup(
      {
        upstreams: {
          multi: {
            url: url(1),
            replicas: [{ url: url(2) }],
            policies: { attemptTimeoutMs: 500, retry: { enabled: true } },
            toolPolicies: { get: { idempotent: true, cache: { enabled: true }, fallback: { result: { content: [] } } } },
          },
          single: { url: url(3), policies: { attemptTimeoutMs: 500 } },
        },
      },
      instantUpstream(() => ok()).next,
    );
    assert.deepEqual(names(compiler.policiesFor(tool('multi', 'get'))), [
      'deadline',
      'fallback',
      'cache',
      'retry',
      'replicas',
      'bulkhead',
      'attempt-timeout',
    ]);
    // One replica: a single breaker policy instead of the replica policy (never both); retries off by default.
    assert.deepEqual(names(compiler.policiesFor(tool('single', 'x'))), ['deadline', 'circuit-breaker', 'bulkhead', 'attempt-timeout']);
    // A tool scope may turn things off.
    const { compiler: off } = setup(
      { upstreams: { u: { url: url(1), policies: { timeoutMs: 0, breaker: { enabled: false }, bulkhead: { enabled: false } } } } },
      instantUpstream(() => ok()).next,
    );
    assert.deepEqual(names(off.policiesFor(tool('u', 'x'))), []);
    // An attempt limit at or beyond the deadline could never fire: left out.
    const { compiler: long } = setup(
      { upstreams: { u: { url: url(1), policies: { timeoutMs: 1_000, attemptTimeoutMs: 1_000 } } } },
      instantUpstream(() => ok()).next,
    );
    assert.deepEqual(names(long.policiesFor(tool('u', 'x'))), ['deadline', 'circuit-breaker', 'bulkhead']);
  });

  void it('shares one bulkhead, one breaker per replica and one retry budget across the routes of an upstream', async () => {
    const up = scriptedUpstream(new ManualClock());
    const { compiler, clock } = setup(
      { upstreams: { u: { url: url(1), policies: { bulkhead: { maxConcurrent: 1, maxQueue: 0 }, breaker: { consecutiveFailures: 1 } } } } },
      up.next,
    );
    const a = outcome(compiler.forRoute(tool('u', 'a'))(makeCtx(clock)));
    const b = outcome(compiler.forRoute(tool('u', 'b'))(makeCtx(clock)));
    await clock.advanceAsync(0);
    assert.equal((b.error as { code?: string }).code, 'GW_OVERLOADED', 'tool b is shed by the slot tool a holds');
    up.calls[0]!.settle.reject(crashed());
    await clock.advanceAsync(0);
    assert.ok(a.done);
    const c = outcome(compiler.forRoute(tool('u', 'c'))(makeCtx(clock)));
    await clock.advanceAsync(0);
    assert.equal((c.error as { code?: string }).code, 'GW_CIRCUIT_OPEN', "tool a's failure opened the upstream's breaker for tool c");
    assert.equal(up.calls.length, 1);
  });

  void it('retries maybe-executed failures only for safe tools: idempotent, or trusted + readOnlyHint/idempotentHint', async () => {
    const run = async (trusted: boolean, idempotent: boolean, hints: Record<string, unknown>): Promise<number> => {
      const up = instantUpstream((_, n) => (n === 0 ? crashed() : ok()));
      const { compiler, clock } = setup(
        { upstreams: { u: { url: url(1), trusted, policies: { retry: { enabled: true } }, toolPolicies: { t: { idempotent } } } } },
        up.next,
        { t: hints },
      );
      const res = outcome(compiler.forRoute(tool('u', 't'))(makeCtx(clock)));
      await clock.advanceAsync(300, 10);
      assert.ok(res.done);
      return up.calls.length;
    };
    assert.equal(await run(false, false, {}), 1, 'unsafe: one attempt');
    assert.equal(await run(false, false, { readOnlyHint: true }), 1, 'hints of an untrusted upstream are ignored');
    assert.equal(await run(true, false, { readOnlyHint: true }), 2);
    assert.equal(await run(true, false, { idempotentHint: true }), 2);
    assert.equal(await run(false, true, {}), 2, 'operator-declared idempotent');
  });

  void it('caches trusted readOnlyHint tools and cache.enabled safe tools, never unsafe ones', () => {
    const { compiler } = setup(
      {
        upstreams: {
          t: { url: url(1), trusted: true, toolPolicies: { nocache: { cache: { enabled: false } } } },
          u: { url: url(2), policies: { cache: { enabled: true } }, toolPolicies: { safe: { idempotent: true } } },
        },
      },
      instantUpstream(() => ok()).next,
      { ro: { readOnlyHint: true }, nocache: { readOnlyHint: true } },
    );
    const has = (r: Route): boolean => names(compiler.policiesFor(r)).includes('cache');
    assert.equal(has(tool('t', 'ro')), true);
    assert.equal(has(tool('t', 'nocache')), false, 'an explicit cache.enabled: false wins over the hint');
    assert.equal(has(tool('u', 'safe')), true);
    assert.equal(has(tool('u', 'unsafe')), false, 'cache.enabled does not make a non-idempotent tool cacheable');
    assert.equal(has({ upstream: 'u', kind: 'resource', name: 'file:///a', target: 'file:///a' }), true);
    assert.equal(has({ upstream: 't', kind: 'resource', name: 'file:///a', target: 'file:///a' }), false);
  });

  void it('a tool list change drops compiled tool pipelines (annotations re-read) and invalidates cached results', async () => {
    const up = instantUpstream(() => ok());
    const annotations: Record<string, Record<string, unknown>> = { ro: { readOnlyHint: true } };
    const { compiler, clock } = setup({ upstreams: { t: { url: url(1), trusted: true } } }, up.next, annotations);
    const route = tool('t', 'ro');
    const first = compiler.forRoute(route);
    await first(makeCtx(clock, { route }));
    await first(makeCtx(clock, { route }));
    assert.equal(up.calls.length, 1, 'cached');
    annotations.ro = {};
    await compiler.listChanged('t', 'tools');
    const second = compiler.forRoute(route);
    assert.notEqual(second, first);
    assert.equal(names(compiler.policiesFor(route)).includes('cache'), false, 'the new annotations apply');
    await first(makeCtx(clock, { route }));
    assert.equal(up.calls.length, 2, 'the old pipeline’s cache was invalidated too');
  });

  void it('resources/updated drops only that resource’s cached reads', async () => {
    const up = instantUpstream(() => ok());
    const { compiler, clock } = setup({ upstreams: { u: { url: url(1), policies: { cache: { enabled: true } } } } }, up.next);
    const read = (uri: string) => {
      const route: Route = { upstream: 'u', kind: 'resource', name: uri, target: uri };
      return compiler.forRoute(route)(makeCtx(clock, { route, method: 'resources/read', params: { uri } }));
    };
    await read('a://1');
    await read('a://2');
    assert.equal(await compiler.resourceUpdated('u', 'a://1'), 1);
    await read('a://1');
    await read('a://2');
    assert.equal(up.calls.length, 3, 'a://1 fetched again, a://2 still cached');
  });

  void it('a tool scope with bulkhead limits gets its own bulkhead in front of the upstream one', async () => {
    const up = scriptedUpstream(new ManualClock());
    const { compiler, clock } = setup(
      {
        upstreams: {
          u: {
            url: url(1),
            policies: { bulkhead: { maxConcurrent: 10 } },
            toolPolicies: { slow: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } } },
          },
        },
      },
      up.next,
    );
    assert.deepEqual(names(compiler.policiesFor(tool('u', 'slow'))), ['deadline', 'circuit-breaker', 'bulkhead', 'bulkhead']);
    outcome(compiler.forRoute(tool('u', 'slow'))(makeCtx(clock)));
    const second = outcome(compiler.forRoute(tool('u', 'slow'))(makeCtx(clock)));
    const other = outcome(compiler.forRoute(tool('u', 'fast'))(makeCtx(clock)));
    await clock.advanceAsync(0);
    assert.equal((second.error as { code?: string }).code, 'GW_OVERLOADED');
    assert.equal(other.done, false, 'other tools still have room');
    assert.equal(compiler.resilience.get('u').bulkhead!.inFlight, 2);
  });

  void it('with a route deadline outside, the attempt timeout never reports the deadline itself', async () => {
    const clock = new ManualClock();
    const up = scriptedUpstream(clock);
    const policy = createAttemptTimeoutPolicy({ attemptTimeoutMs: 500, deadlineOutside: true });
    const res = outcome(policy.execute(makeCtx(clock, { deadline: 300 }), up.next));
    await clock.advanceAsync(300);
    assert.equal(res.done, false, 'the deadline policy (outside) owns the deadline');
    await clock.advanceAsync(200);
    assert.equal((res.error as { data?: { scope?: string } }).data?.scope, 'attempt');
  });
});

void describe('supervisor and health feed the breakers', () => {
  void it("'down' trips the replica's breaker; 'ready' leaves it to probe half-open after its open time", () => {
    const { compiler, clock } = setup(
      { upstreams: { u: { url: url(1), replicas: [{ url: url(2) }], policies: { breaker: { openMs: 1_000, maxOpenMs: 1_000 } } } } },
      instantUpstream(() => ok()).next,
    );
    const events = [new Emitter<UpstreamEvents>(), new Emitter<UpstreamEvents>()];
    const connections = events.map((e, i) => ({ name: `u#${i}`, events: e }) as unknown as UpstreamConnection);
    const { breakers } = compiler.resilience.get('u');
    const off = feedBreakers(connections, breakers, silentLogger);
    events[1]!.emit('state', { state: 'down', reason: 'crash loop' });
    assert.equal(breakers[1]!.state, 'open');
    assert.equal(breakers[0]!.state, 'closed');
    events[1]!.emit('state', { state: 'ready' });
    assert.equal(breakers[1]!.state, 'open');
    clock.advance(1_200);
    assert.equal(breakers[1]!.state, 'half-open');
    off();
    events[0]!.emit('state', { state: 'down' });
    assert.equal(breakers[0]!.state, 'closed', 'unsubscribed');
  });

  void it('reports per-upstream settings written in a tool scope (they cannot apply per tool)', () => {
    const config = parseConfig(
      {
        upstreams: {
          u: { url: url(1), toolPolicies: { 'get*': { breaker: { openMs: 1 }, retry: { budgetPercent: 5, maxAttempts: 2 } } } },
        },
      },
      '<unit>',
    ).config;
    assert.deepEqual(sharedInToolScope(config), [
      'upstreams.u.toolPolicies.get*.breaker',
      'upstreams.u.toolPolicies.get*.retry.budgetPercent',
    ]);
  });

  void it('passes the upstream scope’s healthCheck to every replica spec (interval 0 = none)', () => {
    const config = parseConfig(
      {
        upstreams: {
          u: { url: url(1), replicas: [{ url: url(2) }], policies: { healthCheck: { intervalMs: 250, method: 'list' } } },
          v: { url: url(3), policies: { healthCheck: { intervalMs: 0 } } },
        },
      },
      '<unit>',
    ).config;
    const specs = upstreamSpecs('u', config.upstreams.u!, { intervalMs: 250, timeoutMs: 5_000, method: 'list' });
    assert.deepEqual(
      specs.map((s) => s.healthCheck),
      [
        { intervalMs: 250, timeoutMs: 5_000, method: 'list' },
        { intervalMs: 250, timeoutMs: 5_000, method: 'list' },
      ],
    );
    assert.equal(upstreamSpecs('v', config.upstreams.v!, { intervalMs: 0, timeoutMs: 5_000, method: 'ping' })[0]!.healthCheck, undefined);
  });
});
