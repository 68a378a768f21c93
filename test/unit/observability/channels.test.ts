import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Emitter } from '../../../src/core/index.js';
import { createChannels } from '../../../src/observability/index.js';

test('a channel is inactive until subscribed and inactive again after the last unsubscribe', () => {
  const ch = createChannels();
  assert.equal(ch.callEnd.active, false);
  const seen: string[] = [];
  const off = ch.callEnd.subscribe((e) => seen.push(e.requestId));
  assert.equal(ch.callEnd.active, true);
  ch.callEnd.publish({
    requestId: 'r1',
    method: 'tools/call',
    upstream: 'u',
    name: 'u__t',
    principal: 'p',
    era: 'legacy',
    sessionId: undefined,
    at: 0,
    outcome: 'ok',
    durationMs: 1,
    attempts: 1,
  });
  off();
  assert.equal(ch.callEnd.active, false);
  ch.callEnd.publish({
    requestId: 'r2',
    method: 'tools/call',
    upstream: 'u',
    name: 'u__t',
    principal: 'p',
    era: 'legacy',
    sessionId: undefined,
    at: 0,
    outcome: 'ok',
    durationMs: 1,
    attempts: 1,
  });
  assert.deepEqual(seen, ['r1']);
});

test('a throwing subscriber is reported and never stops the publisher or later subscribers', () => {
  const errors: string[] = [];
  const ch = createChannels((name, error) => errors.push(`${name}: ${(error as Error).message}`));
  const seen: number[] = [];
  ch.hedge.subscribe(() => {
    throw new Error('boom');
  });
  ch.hedge.subscribe((e) => seen.push(e.replica));
  assert.doesNotThrow(() => ch.hedge.publish({ requestId: 'r', upstream: 'u', replica: 3 }));
  assert.deepEqual(seen, [3]);
  assert.deepEqual(errors, ['breakwater:hedge: boom']);
});

test("two gateways in one process never see each other's events", () => {
  const a = createChannels();
  const b = createChannels();
  const seen: string[] = [];
  a.session.subscribe((e) => seen.push(e.sessionId));
  b.session.publish({ sessionId: 'b1', era: 'modern', principal: 'p', event: 'open' });
  assert.deepEqual(seen, []);
});

test('Emitter: a throwing listener never fails the emitter and is reported', () => {
  const errors: string[] = [];
  const e = new Emitter<{ x: number }>((event) => errors.push(event));
  const seen: number[] = [];
  e.on('x', () => {
    throw new Error('no');
  });
  e.on('x', (n) => seen.push(n));
  assert.doesNotThrow(() => e.emit('x', 7));
  assert.deepEqual(seen, [7]);
  assert.deepEqual(errors, ['x']);
});
