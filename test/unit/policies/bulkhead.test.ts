import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import { noopPolicy } from '../../../src/pipeline/index.js';
import { Bulkhead, createBulkheadPolicy } from '../../../src/policies/bulkhead/index.js';
import { CountingController, makeCtx, ok, outcome, scriptedUpstream, serverError } from './_support.js';

const shed = (reason: string) => (e: unknown) =>
  e instanceof GatewayError &&
  e.code === 'GW_OVERLOADED' &&
  e.data?.reason === reason &&
  typeof e.data?.retryAfterMs === 'number' &&
  !e.upstreamFault;

function setup(limits = { maxConcurrent: 2, maxQueue: 2, maxQueueWaitMs: 1000 }) {
  const clock = new ManualClock();
  const bulkhead = new Bulkhead(limits);
  const policy = createBulkheadPolicy({ ...limits, bulkhead });
  const up = scriptedUpstream(clock);
  return { clock, bulkhead, policy, up };
}

void describe('bulkhead', () => {
  void it('is off when disabled', () => {
    assert.equal(createBulkheadPolicy({ enabled: false }), noopPolicy);
  });

  void it('admits maxConcurrent, queues FIFO up to maxQueue, sheds the rest at once', async () => {
    const { clock, bulkhead, policy, up } = setup();
    const calls = Array.from({ length: 5 }, (_, i) => outcome(policy.execute(makeCtx(clock, { requestId: `r${i}` }), up.next)));
    await clock.advanceAsync(0);
    assert.equal(up.calls.length, 2);
    assert.equal(bulkhead.queued, 2);
    assert.ok(shed('queue-full')(calls[4]!.error), 'the fifth is shed without waiting');
    up.calls[1]!.settle.resolve(ok('1'));
    await clock.advanceAsync(0);
    assert.deepEqual(
      up.calls.map((c) => c.ctx.requestId),
      ['r0', 'r1', 'r2'],
      'the oldest waiter goes first',
    );
    up.calls[0]!.settle.reject(serverError());
    await clock.advanceAsync(0);
    assert.deepEqual(
      up.calls.map((c) => c.ctx.requestId),
      ['r0', 'r1', 'r2', 'r3'],
      'a failed call releases its slot too',
    );
    up.calls[2]!.settle.resolve(ok());
    up.calls[3]!.settle.resolve(ok());
    await clock.advanceAsync(0);
    assert.equal(bulkhead.inFlight, 0);
    assert.equal(bulkhead.queued, 0);
  });

  void it('a waiter leaves with GW_OVERLOADED after maxQueueWaitMs', async () => {
    const { clock, bulkhead, policy, up } = setup({ maxConcurrent: 1, maxQueue: 5, maxQueueWaitMs: 1000 });
    outcome(policy.execute(makeCtx(clock), up.next));
    const waiting = outcome(policy.execute(makeCtx(clock), up.next));
    await clock.advanceAsync(999);
    assert.equal(waiting.done, false);
    await clock.advanceAsync(1);
    assert.ok(shed('queue-timeout')(waiting.error));
    assert.equal(bulkhead.queued, 0);
    assert.equal(up.calls.length, 1);
    up.calls[0]!.settle.resolve(ok());
    await clock.advanceAsync(0);
    assert.equal(bulkhead.inFlight, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  void it('a waiter that aborts leaves the queue at once, and nobody is starved (cockatiel #112)', async () => {
    const { clock, bulkhead, policy, up } = setup({ maxConcurrent: 1, maxQueue: 3, maxQueueWaitMs: 10_000 });
    outcome(policy.execute(makeCtx(clock), up.next));
    const callers = [new CountingController(), new CountingController(), new CountingController()];
    const waits = callers.map((c, i) => outcome(policy.execute(makeCtx(clock, { signal: c.signal, requestId: `w${i}` }), up.next)));
    await clock.advanceAsync(0);
    callers[0]!.abort(new Error('gone'));
    callers[1]!.abort(new Error('gone'));
    await clock.advanceAsync(0);
    assert.equal((waits[0]!.error as Error).message, 'gone');
    assert.equal(bulkhead.queued, 1);
    assert.equal(callers[0]!.live + callers[1]!.live, 0, 'no abort listener left behind');
    up.calls[0]!.settle.resolve(ok());
    await clock.advanceAsync(0);
    assert.equal(up.calls.at(-1)!.ctx.requestId, 'w2', 'the live waiter got the slot');
    up.calls.at(-1)!.settle.resolve(ok());
    await clock.advanceAsync(0);
    assert.deepEqual(waits[2]!.value, ok());
    assert.equal(callers[2]!.live, 0);
    assert.equal(bulkhead.inFlight, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  void it('maxQueue 0 sheds as soon as all slots are busy', async () => {
    const { clock, policy, up } = setup({ maxConcurrent: 1, maxQueue: 0, maxQueueWaitMs: 1000 });
    outcome(policy.execute(makeCtx(clock), up.next));
    await assert.rejects(policy.execute(makeCtx(clock), up.next), shed('queue-full'));
  });
});
