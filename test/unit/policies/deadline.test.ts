import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { CallResult, Next } from '../../../src/pipeline/index.js';
import { compose, noopPolicy } from '../../../src/pipeline/index.js';
import { createAttemptTimeoutPolicy, createDeadlinePolicy } from '../../../src/policies/deadline/index.js';
import { makeCtx, ok, outcome, scriptedUpstream } from './_support.js';

const isTimeout = (scope: string, limitMs: number) => (e: unknown) =>
  e instanceof GatewayError && e.code === 'GW_TIMEOUT' && e.data?.scope === scope && e.data?.limitMs === limitMs;

void describe('deadline policy', () => {
  void it('is off without a limit', () => {
    assert.equal(createDeadlinePolicy({}), noopPolicy);
    assert.equal(createDeadlinePolicy({ deadlineMs: 0 }), noopPolicy);
  });

  void it('aborts at the deadline with GW_TIMEOUT naming the limit, and the upstream sees the abort', async () => {
    const clock = new ManualClock();
    const up = scriptedUpstream(clock);
    const res = outcome(createDeadlinePolicy({ deadlineMs: 2000 }).execute(makeCtx(clock), up.next));
    await clock.advanceAsync(1999);
    assert.equal(res.done, false);
    assert.equal(up.calls[0]!.ctx.deadline, 2000, 'inner policies see the absolute deadline');
    await clock.advanceAsync(1);
    assert.ok(res.done && isTimeout('deadline', 2000)(res.error));
    assert.equal((res.error as GatewayError).data?.setBy, 'route');
    assert.equal(up.cancelled(), 1);
    assert.equal(clock.pendingTimers, 0);
  });

  void it('the caller may ask for less, never more', async () => {
    const clock = new ManualClock(100);
    const up = scriptedUpstream(clock);
    const policy = createDeadlinePolicy({ deadlineMs: 2000 });
    const shorter = outcome(policy.execute(makeCtx(clock, { deadline: 600 }), up.next));
    const longer = outcome(policy.execute(makeCtx(clock, { deadline: 100_000 }), up.next));
    assert.equal(up.calls[0]!.ctx.deadline, 600);
    assert.equal(up.calls[1]!.ctx.deadline, 2100);
    await clock.advanceAsync(500);
    assert.ok(isTimeout('deadline', 500)(shorter.error));
    assert.equal((shorter.error as GatewayError).data?.setBy, 'caller');
    await clock.advanceAsync(1500);
    assert.ok(isTimeout('deadline', 2000)(longer.error));
  });

  void it('an already expired deadline never calls next', async () => {
    const clock = new ManualClock(1000);
    const up = scriptedUpstream(clock);
    await assert.rejects(
      createDeadlinePolicy({ deadlineMs: 50 }).execute(makeCtx(clock, { deadline: 1000 }), up.next),
      isTimeout('deadline', 0),
    );
    assert.equal(up.calls.length, 0);
  });

  void it('answers at the deadline even if the callee ignores its signal, and swallows the late answer', async () => {
    const clock = new ManualClock();
    let late: (v: CallResult) => void = () => {};
    const deaf: Next = () => new Promise((resolve) => (late = resolve));
    const res = outcome(createDeadlinePolicy({ deadlineMs: 100 }).execute(makeCtx(clock), deaf));
    await clock.advanceAsync(100);
    assert.ok(isTimeout('deadline', 100)(res.error));
    late(ok());
  });

  void it('a caller abort passes through as the caller’s reason, not a timeout', async () => {
    const clock = new ManualClock();
    const up = scriptedUpstream(clock);
    const caller = new AbortController();
    const res = outcome(createDeadlinePolicy({ deadlineMs: 100 }).execute(makeCtx(clock, { signal: caller.signal }), up.next));
    caller.abort(new Error('client went away'));
    await clock.advanceAsync(0);
    assert.equal((res.error as Error).message, 'client went away');
    assert.equal(clock.pendingTimers, 0);
  });
});

void describe('attempt timeout policy', () => {
  void it('each attempt gets min(attemptTimeoutMs, remaining)', async () => {
    const clock = new ManualClock();
    const up = scriptedUpstream(clock);
    const policy = createAttemptTimeoutPolicy({ attemptTimeoutMs: 500 });
    const a = outcome(policy.execute(makeCtx(clock, { deadline: 10_000 }), up.next));
    const b = outcome(policy.execute(makeCtx(clock, { deadline: 300 }), up.next));
    await clock.advanceAsync(300);
    assert.ok(isTimeout('deadline', 300)(b.error), 'the deadline was the tighter bound');
    assert.equal(a.done, false);
    await clock.advanceAsync(200);
    assert.ok(isTimeout('attempt', 500)(a.error));
    assert.equal((a.error as GatewayError).upstreamFault, true, 'an attempt timeout is an upstream failure');
    assert.equal(up.cancelled(), 2);
  });

  void it('R13: progress restarts the attempt timer but the call still ends at the overall deadline', async () => {
    const clock = new ManualClock();
    let outerProgress = 0;
    let attemptCtxProgress: (() => void) | undefined;
    const up = scriptedUpstream(clock);
    const next: Next = (ctx) => {
      attemptCtxProgress = ctx.onProgress;
      return up.next(ctx);
    };
    const pipeline = compose([createDeadlinePolicy({ deadlineMs: 3000 }), createAttemptTimeoutPolicy({ attemptTimeoutMs: 500 })], next);
    const res = outcome(pipeline(makeCtx(clock, { onProgress: () => outerProgress++ })));
    for (let t = 300; t < 3000; t += 300) {
      await clock.advanceAsync(300);
      assert.equal(res.done, false, `alive at ${t} ms thanks to progress`);
      attemptCtxProgress!();
    }
    await clock.advanceAsync(300);
    assert.ok(isTimeout('deadline', 3000)(res.error), 'cancelled at the maximum, not extended by progress');
    assert.equal(outerProgress, 9, 'the outer progress hook still runs');
    assert.equal(clock.pendingTimers, 0);
  });

  void it('without progress the attempt times out at T', async () => {
    const clock = new ManualClock();
    const up = scriptedUpstream(clock);
    const pipeline = compose([createDeadlinePolicy({ deadlineMs: 3000 }), createAttemptTimeoutPolicy({ attemptTimeoutMs: 500 })], up.next);
    const res = outcome(pipeline(makeCtx(clock)));
    await clock.advanceAsync(499);
    assert.equal(res.done, false);
    await clock.advanceAsync(1);
    assert.ok(isTimeout('attempt', 500)(res.error));
  });

  void it('extendOnProgress: false keeps a hard per-attempt limit; late progress after the end arms nothing', async () => {
    const clock = new ManualClock();
    let hook: (() => void) | undefined;
    const up = scriptedUpstream(clock);
    const res = outcome(
      createAttemptTimeoutPolicy({ attemptTimeoutMs: 500, extendOnProgress: false }).execute(makeCtx(clock), (ctx) => {
        hook = ctx.onProgress;
        return up.next(ctx);
      }),
    );
    await clock.advanceAsync(400);
    hook!();
    await clock.advanceAsync(100);
    assert.ok(isTimeout('attempt', 500)(res.error));
    hook!();
    assert.equal(clock.pendingTimers, 0);
  });
});
