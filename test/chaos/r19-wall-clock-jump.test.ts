// R19 — wall-clock jump (unit level, as the matrix allows): the compiled stack (deadline, attempt timeout,
// breaker, cache) runs on a ManualClock whose wall time jumps ±1 h while monotonic time advances normally;
// everything behaves exactly as without the jump, because no decision reads the wall clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PipelineCompiler } from '../../src/app/pipeline-compiler.js';
import { ResilienceRegistry } from '../../src/app/upstream-resilience.js';
import { parseConfig } from '../../src/config/index.js';
import { seededRandom } from '../../src/core/index.js';
import type { Route } from '../../src/pipeline/index.js';
import { LruCacheStore } from '../../src/store/memory/lru-cache-store.js';
import { crashed, makeCtx, ManualClock, ok, outcome, scriptedUpstream } from '../unit/policies/_support.js';

const HOUR = 3_600_000;
const route: Route = { upstream: 'u', kind: 'tool', name: 'u__t', target: 't' };

function stack(jump: number) {
  const clock = new ManualClock();
  const up = scriptedUpstream(clock);
  const config = parseConfig(
    {
      upstreams: {
        u: {
          url: 'http://127.0.0.1:9/mcp',
          policies: { timeoutMs: 2_000, attemptTimeoutMs: 500, breaker: { consecutiveFailures: 2, openMs: 1_000, maxOpenMs: 1_000 } },
          toolPolicies: { t: { idempotent: true, cache: { enabled: true, ttlMs: 1_000 } } },
        },
      },
    },
    '<r19>',
  ).config;
  const resilience = new ResilienceRegistry(config, {
    clock,
    random: seededRandom(1),
    cacheStore: new LruCacheStore({ maxBytes: 1 << 20, clock }),
  });
  const compiler = new PipelineCompiler(config, up.next, { resilience });
  const run = (args: Record<string, unknown>) =>
    outcome(compiler.forRoute(route)(makeCtx(clock, { route, params: { name: 't', arguments: args } })));
  const log: string[] = [];
  const advance = async (ms: number): Promise<void> => {
    clock.jumpWall(jump);
    await clock.advanceAsync(ms);
    clock.jumpWall(-jump / 2);
  };
  return { clock, up, run, log, advance, breaker: () => resilience.get('u').breakers[0]! };
}

/** One scripted scenario; returns what happened, to compare runs with and without wall-clock jumps. */
async function scenario(jump: number): Promise<string[]> {
  const s = stack(jump);
  const note = (what: string, o: { done: boolean; error?: unknown }): void => {
    const e = o.error as { code?: string; data?: { scope?: string } } | undefined;
    s.log.push(`${s.clock.now()} ${what}: ${!o.done ? 'pending' : e ? `${e.code}/${e.data?.scope ?? ''}` : 'ok'}`);
  };
  // Attempt timeout (hung upstream), twice: also opens the breaker (2 failures).
  const hung = s.run({ a: 1 });
  await s.advance(499);
  note('hung at 499', hung);
  await s.advance(1);
  note('hung at 500', hung);
  const crash = s.run({ a: 2 });
  await s.advance(0);
  s.up.calls.at(-1)!.settle.reject(crashed());
  await s.advance(0);
  note('crash', crash);
  s.log.push(`breaker ${s.breaker().state}`);
  const fast = s.run({ a: 3 });
  await s.advance(0);
  note('while open', fast);
  await s.advance(1_300);
  s.log.push(`breaker after open time ${s.breaker().state}`);
  // Probes succeed: closed again; the cache stores the answer for 1 s of monotonic time.
  for (let i = 0; i < 3; i++) {
    const p = s.run({ probe: i });
    await s.advance(0);
    s.up.calls.at(-1)!.settle.resolve(ok());
    await s.advance(0);
    note(`probe ${i}`, p);
  }
  s.log.push(`breaker ${s.breaker().state}`);
  const calls = s.up.calls.length;
  await s.advance(900);
  const hit = s.run({ probe: 0 });
  await s.advance(0);
  note('cached at +900', hit);
  s.log.push(`upstream calls ${s.up.calls.length - calls}`);
  await s.advance(200);
  s.run({ probe: 0 });
  await s.advance(0);
  s.log.push(`after TTL upstream calls ${s.up.calls.length - calls}`);
  return s.log;
}

test('R19 ±1 h wall-clock jumps change nothing: timeouts, breaker and cache TTL follow monotonic time', async (t) => {
  const steady = await scenario(0);
  t.diagnostic(steady.join(' | '));
  assert.deepEqual(await scenario(+HOUR), steady);
  assert.deepEqual(await scenario(-HOUR), steady);
  assert.ok(steady.includes('500 hung at 500: GW_TIMEOUT/attempt'), steady.join('\n'));
  assert.ok(steady.includes('breaker open') && steady.includes('breaker after open time half-open'), steady.join('\n'));
  assert.ok(
    steady.includes('2700 cached at +900: ok') && steady.includes('upstream calls 0') && steady.includes('after TTL upstream calls 1'),
    steady.join('\n'),
  );
});
