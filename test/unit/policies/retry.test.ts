import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, seededRandom } from '../../../src/core/index.js';
import { UpstreamRpcError } from '../../../src/errors/index.js';
import type { CallContext } from '../../../src/pipeline/index.js';
import { noopPolicy } from '../../../src/pipeline/index.js';
import type { RetryEvents, RetryOptions } from '../../../src/policies/retry/index.js';
import { createRetryPolicy } from '../../../src/policies/retry/index.js';
import { RetryBudget } from '../../../src/resilience/index.js';
import { crashed, instantUpstream, invalidParams, makeCtx, ok, outcome, refused, scriptedUpstream, serverError } from './_support.js';

function setup(options: Partial<RetryOptions> = {}) {
  const events = new Emitter<RetryEvents>();
  const log: string[] = [];
  events.on('attempt', (e) => log.push(`attempt ${e.attempt}`));
  events.on('retry', (e) => log.push(`retry ${e.attempt} ${e.reason} ${Math.round(e.delayMs)}`));
  events.on('budget-exhausted', () => log.push('budget-exhausted'));
  const policy = createRetryPolicy({ enabled: true, random: seededRandom(5), events, ...options });
  return { policy, log };
}

/** Runs a call to completion, advancing the clock 1 ms at a time (backoff timers fire). */
async function run(clock: ManualClock, p: Promise<unknown>, maxMs = 5000): Promise<{ value?: unknown; error?: unknown }> {
  const res = outcome(p);
  for (let i = 0; i < maxMs && !res.done; i++) await clock.advanceAsync(1);
  assert.ok(res.done, 'call settled');
  return res;
}

void describe('retry policy', () => {
  void it('is off unless enabled', () => {
    assert.equal(createRetryPolicy({}), noopPolicy);
    assert.equal(createRetryPolicy({ enabled: true, maxAttempts: 1 }), noopPolicy);
  });

  void it('retries a safe call on upstream failure, with full-jitter delays within bounds', async () => {
    const clock = new ManualClock();
    const { policy, log } = setup({ isSafe: true, maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 250 });
    const times: number[] = [];
    const up = instantUpstream((_, n) => (n < 2 ? serverError() : ok()));
    const res = await run(
      clock,
      policy.execute(makeCtx(clock), (ctx) => (times.push(clock.now()), up.next(ctx))),
    );
    assert.deepEqual(res.value, ok());
    assert.equal(times.length, 3);
    assert.ok(times[1]! - times[0]! <= 25 && times[2]! - times[1]! <= 50, `delays ${times}`);
    assert.deepEqual(
      log.map((l) => (l.startsWith('retry') ? l.replace(/ \d+$/, '') : l)),
      ['attempt 1', 'retry 1 server-error', 'attempt 2', 'retry 2 server-error', 'attempt 3'],
    );
  });

  void it('does not retry an unsafe call that may have executed (R1/R4)', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: false });
    const up = instantUpstream(() => crashed());
    const res = await run(clock, policy.execute(makeCtx(clock), up.next));
    assert.equal(up.calls.length, 1);
    assert.equal((res.error as { data?: { maybeExecuted?: boolean } }).data?.maybeExecuted, true);
  });

  void it('retries an unsafe call that provably never reached the upstream (R3)', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: false });
    const up = instantUpstream((_, n) => (n === 0 ? refused() : ok()));
    assert.deepEqual((await run(clock, policy.execute(makeCtx(clock), up.next))).value, ok());
    assert.equal(up.calls.length, 2);
  });

  void it('evaluates the safety predicate per call', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: (ctx: CallContext) => ctx.route.target === 'read' });
    const up = instantUpstream(() => serverError());
    await run(clock, policy.execute(makeCtx(clock, { route: { upstream: 'up', kind: 'tool', name: 'up.read', target: 'read' } }), up.next));
    assert.equal(up.calls.length, 3);
    await run(clock, policy.execute(makeCtx(clock), up.next));
    assert.equal(up.calls.length, 4);
  });

  void it('never retries caller errors, gateway rejections, or once committed', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: true });
    const bad = instantUpstream(() => invalidParams());
    await run(clock, policy.execute(makeCtx(clock), bad.next));
    assert.equal(bad.calls.length, 1);
    const ctx = makeCtx(clock);
    const committing = instantUpstream(() => {
      ctx.state.committed = true;
      return serverError();
    });
    await run(clock, policy.execute(ctx, committing.next));
    assert.equal(committing.calls.length, 1);
  });

  void it('retryOn selects categories; tool-error retries isError results and returns the last one', async () => {
    const clock = new ManualClock();
    const onlyUnavailable = setup({ isSafe: true, retryOn: ['unavailable'] }).policy;
    const up = instantUpstream(() => serverError());
    await run(clock, onlyUnavailable.execute(makeCtx(clock), up.next));
    assert.equal(up.calls.length, 1);
    const toolErrors = setup({ isSafe: true, retryOn: ['tool-error'] }).policy;
    const flaky = instantUpstream(() => ({ content: [], isError: true }));
    const res = await run(clock, toolErrors.execute(makeCtx(clock), flaky.next));
    assert.equal(flaky.calls.length, 3);
    assert.deepEqual(res.value, { content: [], isError: true });
  });

  void it('R17: honours pushback — no retry before Retry-After', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: true });
    const times: number[] = [];
    const pushback = new UpstreamRpcError({ code: -32000, message: 'busy', data: { retryAfterMs: 1000 } });
    const up = instantUpstream((_, n) => (n === 0 ? pushback : ok()));
    await run(
      clock,
      policy.execute(makeCtx(clock, { deadline: 5000 }), (ctx) => (times.push(clock.now()), up.next(ctx))),
    );
    assert.ok(times[1]! - times[0]! >= 1000);
  });

  void it('R17: pushback beyond the deadline fails at once with the error (and its retryAfterMs)', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: true });
    const pushback = new UpstreamRpcError({ code: -32000, message: 'busy', data: { retryAfterMs: 3000 } });
    const up = instantUpstream(() => pushback);
    const res = outcome(policy.execute(makeCtx(clock, { deadline: 2000 }), up.next));
    await clock.advanceAsync(0);
    assert.equal(res.error, pushback);
    assert.equal(up.calls.length, 1);
    assert.equal(clock.now(), 0, 'failed at once, no waiting');
  });

  void it('negative pushback means do not retry (gRPC)', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: true });
    const up = instantUpstream(() => new UpstreamRpcError({ code: -32000, message: 'no', data: { retryAfterMs: -1 } }));
    await run(clock, policy.execute(makeCtx(clock), up.next));
    assert.equal(up.calls.length, 1);
  });

  void it('a backoff that would pass the deadline is not started', async () => {
    const clock = new ManualClock();
    const { policy } = setup({ isSafe: true, baseDelayMs: 1000, maxDelayMs: 1000, random: { next: () => 0.99 } });
    const up = instantUpstream(() => serverError());
    await run(clock, policy.execute(makeCtx(clock, { deadline: 500 }), up.next));
    assert.equal(up.calls.length, 1);
  });

  void it('gives up when the budget is spent and says so', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 0, minConcurrency: 0 });
    const { policy, log } = setup({ isSafe: true, budget });
    const up = instantUpstream(() => serverError());
    await run(clock, policy.execute(makeCtx(clock), up.next));
    assert.equal(up.calls.length, 1);
    assert.deepEqual(log, ['attempt 1', 'budget-exhausted']);
    assert.equal(budget.activeRequests, 0);
  });

  void it('an abort during backoff ends the call with the abort reason and frees timer and budget', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget();
    const { policy } = setup({ isSafe: true, budget, baseDelayMs: 1000, maxDelayMs: 1000, random: { next: () => 0.5 } });
    const caller = new AbortController();
    const up = scriptedUpstream(clock);
    const res = outcome(policy.execute(makeCtx(clock, { signal: caller.signal }), up.next));
    await clock.advanceAsync(0);
    up.calls[0]!.settle.reject(serverError());
    await clock.advanceAsync(100);
    assert.equal(budget.activeRetries, 1, 'the scheduled retry holds its slot through the backoff');
    caller.abort(new Error('bye'));
    await clock.advanceAsync(0);
    assert.equal((res.error as Error).message, 'bye');
    assert.equal(up.calls.length, 1);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(budget.activeRetries, 0);
    assert.equal(budget.activeRequests, 0);
  });
});
