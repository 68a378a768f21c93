import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError, UpstreamRpcError, errors } from '../../../src/errors/index.js';
import { classify, classifyAttempt, failureCategory, failureOutcome, neverSent, retryAfterMs } from '../../../src/resilience/index.js';
import { deadlineError } from '../../../src/policies/deadline/index.js';

const sysErr = (code: string): Error => Object.assign(new Error(code), { code });

void describe('failure classification', () => {
  const table: [string, unknown, ReturnType<typeof classify>][] = [
    ['crash (maybe executed)', errors.upstreamUnavailable('u', 'exit', true), 'upstream-failure'],
    ['connect refused (never sent)', errors.upstreamUnavailable('u', 'refused', false), 'upstream-failure'],
    ['protocol error', new GatewayError('GW_UPSTREAM_PROTOCOL', 'bad frame', { upstreamFault: true }), 'upstream-failure'],
    ['protocol error without the flag', new GatewayError('GW_UPSTREAM_PROTOCOL', 'bad frame'), 'upstream-failure'],
    ['attempt timeout', errors.timeout(500, 'attempt'), 'upstream-failure'],
    ['deadline timeout', deadlineError(2000, 'route'), 'cancelled'],
    ['JSON-RPC -32603', new UpstreamRpcError({ code: -32603, message: 'x' }), 'upstream-failure'],
    ['JSON-RPC -32000', new UpstreamRpcError({ code: -32000, message: 'x' }), 'upstream-failure'],
    ['JSON-RPC -32099', new UpstreamRpcError({ code: -32099, message: 'x' }), 'upstream-failure'],
    ['JSON-RPC -32602', new UpstreamRpcError({ code: -32602, message: 'x' }), 'caller-error'],
    ['JSON-RPC -32601', new UpstreamRpcError({ code: -32601, message: 'x' }), 'caller-error'],
    ['JSON-RPC app code 1', new UpstreamRpcError({ code: 1, message: 'x' }), 'caller-error'],
    ['HTTP 503', Object.assign(new Error('x'), { status: 503 }), 'upstream-failure'],
    ['HTTP 429', Object.assign(new Error('x'), { statusCode: 429 }), 'upstream-failure'],
    ['HTTP 404', Object.assign(new Error('x'), { status: 404 }), 'caller-error'],
    ['ECONNRESET', sysErr('ECONNRESET'), 'upstream-failure'],
    ['undici socket', sysErr('UND_ERR_SOCKET'), 'upstream-failure'],
    ['overloaded', new GatewayError('GW_OVERLOADED', 'x'), 'gateway-rejection'],
    ['circuit open', new GatewayError('GW_CIRCUIT_OPEN', 'x'), 'gateway-rejection'],
    ['shutting down', new GatewayError('GW_SHUTTING_DOWN', 'x'), 'gateway-rejection'],
    ['invalid params (guard)', new GatewayError('GW_INVALID_PARAMS', 'x'), 'caller-error'],
    ['cancelled', errors.cancelled(), 'cancelled'],
    ['AbortError', new DOMException('aborted', 'AbortError'), 'cancelled'],
    ['a gateway bug', new TypeError('x is undefined'), 'gateway-rejection'],
    ['a thrown string', 'oops', 'gateway-rejection'],
  ];
  for (const [name, err, kind] of table) void it(`${name} → ${kind}`, () => assert.equal(classify(err), kind));

  void it('a failure after the policy’s own signal aborted is a cancellation', () => {
    const c = new AbortController();
    c.abort();
    assert.equal(classifyAttempt(errors.upstreamUnavailable('u', 'x', true), c.signal), 'cancelled');
  });

  void it('neverSent only for GW_UPSTREAM_UNAVAILABLE with maybeExecuted false', () => {
    assert.equal(neverSent(errors.upstreamUnavailable('u', 'refused', false)), true);
    assert.equal(neverSent(errors.upstreamUnavailable('u', 'crash', true)), false);
    assert.equal(neverSent(errors.timeout(5, 'attempt')), false);
    assert.equal(neverSent(new Error('x')), false);
  });

  void it('retry-on categories', () => {
    assert.equal(failureCategory(errors.upstreamUnavailable('u', 'x', false)), 'unavailable');
    assert.equal(failureCategory(sysErr('ECONNREFUSED')), 'unavailable');
    assert.equal(failureCategory(errors.timeout(5, 'attempt')), 'timeout');
    assert.equal(failureCategory(new UpstreamRpcError({ code: -32603, message: 'x' })), 'server-error');
    assert.equal(failureCategory(new UpstreamRpcError({ code: -32602, message: 'x' })), undefined);
    assert.equal(failureCategory(new GatewayError('GW_OVERLOADED', 'x')), undefined);
  });

  void it('pushback from data.retryAfterMs, a property or a Retry-After header in seconds', () => {
    assert.equal(retryAfterMs(new UpstreamRpcError({ code: -32000, message: 'x', data: { retryAfterMs: 1500 } })), 1500);
    assert.equal(retryAfterMs(new GatewayError('GW_OVERLOADED', 'x', { data: { retryAfterMs: 20 } })), 20);
    assert.equal(retryAfterMs(Object.assign(new Error('x'), { status: 503, headers: { 'retry-after': '2' } })), 2000);
    assert.equal(retryAfterMs(Object.assign(new Error('x'), { headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } })), undefined);
    assert.equal(retryAfterMs(new Error('x')), undefined);
  });

  void it('breaker outcome: only upstream failures count, pushback is ignored unless asked', () => {
    const live = new AbortController().signal;
    assert.equal(failureOutcome(new UpstreamRpcError({ code: -32603, message: 'x' }), live), 'failure');
    assert.equal(failureOutcome(new UpstreamRpcError({ code: -32602, message: 'x' }), live), 'ignored');
    assert.equal(failureOutcome(new GatewayError('GW_OVERLOADED', 'x'), live), 'ignored');
    const pushback = new UpstreamRpcError({ code: -32000, message: 'slow down', data: { retryAfterMs: 1000 } });
    assert.equal(failureOutcome(pushback, live), 'ignored');
    assert.equal(failureOutcome(pushback, live, true), 'failure');
  });
});
