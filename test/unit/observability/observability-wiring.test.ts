// The bridges from the per-upstream resilience emitters to the gateway channels, and the attempt timer:
// breaker transitions, retries (with the call's request id), bulkhead sheds and attempts are published.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgeResilience, gatewayChannels, observeAttempts } from '../../../src/app/observability-wiring.js';
import { PipelineCompiler } from '../../../src/app/pipeline-compiler.js';
import { ResilienceRegistry } from '../../../src/app/upstream-resilience.js';
import { parseConfig } from '../../../src/config/index.js';
import { seededRandom, silentLogger, type Logger } from '../../../src/core/index.js';
import type { AttemptEvent, BreakerTransitionEvent, BulkheadEvent, RetryEvent } from '../../../src/observability/index.js';
import type { Next, Route } from '../../../src/pipeline/index.js';
import { LruCacheStore } from '../../../src/store/memory/lru-cache-store.js';
import { makeCtx, ManualClock, ok, refused } from '../policies/_support.js';

const route: Route = { upstream: 'u', kind: 'tool', name: 'echo', target: 'echo' };

function setup(policies: Record<string, unknown>, terminal: Next) {
  const config = parseConfig({ upstreams: { u: { url: 'http://127.0.0.1:9/mcp', prefix: '', policies } } }, '<unit>').config;
  const clock = new ManualClock();
  const resilience = new ResilienceRegistry(config, {
    clock,
    random: seededRandom(1),
    cacheStore: new LruCacheStore({ maxBytes: 1 << 20, clock }),
  });
  const channels = gatewayChannels(silentLogger, clock);
  const compiler = new PipelineCompiler(config, observeAttempts(terminal, channels, clock), { resilience });
  const run = compiler.forRoute(route);
  const off = bridgeResilience(channels, resilience);
  return { clock, channels, run, off, resilience };
}

void describe('observability wiring', () => {
  void it('publishes attempts, retries with the request id, and the breaker opening', async () => {
    let n = 0;
    const { clock, channels, run, off } = setup(
      { retry: { enabled: true, maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 }, breaker: { consecutiveFailures: 2 } },
      async (ctx) => {
        ctx.state.attempts++;
        clock.advance(5);
        n++;
        throw refused();
      },
    );
    const attempts: AttemptEvent[] = [];
    const retries: RetryEvent[] = [];
    const breakers: BreakerTransitionEvent[] = [];
    channels.attempt.subscribe((e) => attempts.push(e));
    channels.retry.subscribe((e) => retries.push(e));
    channels.breaker.subscribe((e) => breakers.push(e));
    const ctx = makeCtx(clock, { route, requestId: 'req-9' });
    const call = run(ctx);
    await clock.advanceAsync(0);
    await assert.rejects(call);
    assert.equal(n, 2);
    assert.deepEqual(
      attempts.map((a) => [a.requestId, a.attempt, a.outcome, a.errorCode, a.durationMs]),
      [
        ['req-9', 1, 'error', 'GW_UPSTREAM_UNAVAILABLE', 5],
        ['req-9', 2, 'error', 'GW_UPSTREAM_UNAVAILABLE', 5],
      ],
    );
    assert.equal(ctx.state.upstreamMs, 10);
    assert.deepEqual(
      retries.map((r) => [r.requestId, r.upstream, r.attempt]),
      [['req-9', 'u', 1]],
    );
    assert.deepEqual(breakers, [{ upstream: 'u', replica: 0, from: 'closed', to: 'open' }]);
    off();
    await assert.rejects(run(makeCtx(clock, { route })), /Circuit|open/i);
    assert.equal(retries.length, 1, 'unbridged: no more events');
  });

  void it('publishes a bulkhead shed with the in-flight count', async () => {
    let release!: () => void;
    const { clock, channels, run } = setup({ bulkhead: { maxConcurrent: 1, maxQueue: 0 } }, (ctx) => {
      ctx.state.attempts++;
      return new Promise((resolve) => (release = () => resolve(ok())));
    });
    const events: BulkheadEvent[] = [];
    channels.bulkhead.subscribe((e) => events.push(e));
    const first = run(makeCtx(clock, { route }));
    await assert.rejects(run(makeCtx(clock, { route })), /Overloaded/);
    // The policy announces the wait before the queue refuses it (maxQueue 0): both are published.
    assert.deepEqual(events.at(-1), { upstream: 'u', tool: 'echo', event: 'rejected', inFlight: 1, queued: 0 });
    release();
    await first;
  });

  void it('costs nothing when nobody listens: the terminal is called as is, nothing timed', async () => {
    const { clock, run } = setup({}, async (ctx) => {
      ctx.state.attempts++;
      return ok();
    });
    const ctx = makeCtx(clock, { route });
    await run(ctx);
    assert.equal(ctx.state.upstreamMs, undefined);
  });

  void it('reports a failing subscriber through a throttled log line', () => {
    const lines: unknown[] = [];
    const log = { ...silentLogger, warn: (o: unknown) => void lines.push(o) } as Logger;
    const channels = gatewayChannels(log, new ManualClock());
    channels.session.subscribe(() => {
      throw new Error('boom');
    });
    for (let i = 0; i < 100; i++) channels.session.publish({ sessionId: 's', era: 'legacy', principal: 'p', event: 'open' });
    assert.ok(lines.length >= 1 && lines.length <= 10, `${lines.length} lines`);
    assert.equal((lines[0] as { channel: string }).channel, 'breakwater:session');
  });
});
