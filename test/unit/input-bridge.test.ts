// The input bridge (modern caller, legacy upstream): parked calls are bounded in number and age, the
// requestState is an opaque single-use key bound to the caller, an expired or abandoned call is cancelled
// upstream, and a call needing a capability the caller lacks fails with -32021.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/index.js';
import type { CallContext, CallResult } from '../../src/pipeline/index.js';
import { createDispatch, InputBridge } from '../../src/router/index.js';
import type { UpstreamConnection, UpstreamRequestOptions } from '../../src/upstream/types.js';
import { alice, bob, deferred, flushMicrotasks, makeCtx, ManualClock, type Deferred } from './policies/_support.js';

interface Seen {
  options: UpstreamRequestOptions;
  result: Deferred<Record<string, unknown>>;
}

/** A legacy upstream whose calls the test drives: it sees each request's options and settles it by hand. */
function legacyUpstream(): { connection: UpstreamConnection; seen: Seen[] } {
  const seen: Seen[] = [];
  const connection = {
    name: 'up',
    info: {
      era: 'legacy',
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'up', version: '1' },
      capabilities: {},
      instructions: undefined,
    },
    inFlight: 0,
    request: (_method: string, _params: unknown, options: UpstreamRequestOptions) => {
      const result = deferred<Record<string, unknown>>();
      options.signal.addEventListener('abort', () => result.reject(options.signal.reason), { once: true });
      seen.push({ options, result });
      return result.promise;
    },
  } as unknown as UpstreamConnection;
  return { connection, seen };
}

const ALL = { sampling: {}, elicitation: {}, roots: {} };
const modernCtx = (clock: ManualClock, overrides: Partial<CallContext> = {}): CallContext =>
  makeCtx(clock, {
    era: 'modern',
    caller: { notify: () => {}, request: () => Promise.reject(new Error('no relay to a modern caller')), capabilities: ALL },
    ...overrides,
  });
const ask = (s: Seen, method = 'sampling/createMessage') =>
  s.options.onRequest!({ jsonrpc: '2.0', id: 7, method, params: { maxTokens: 5 } }, new AbortController().signal);

function setup(maxParked = 8, ttlMs = 1000) {
  const clock = new ManualClock();
  const bridge = new InputBridge({ clock, maxParked, ttlMs });
  const { connection, seen } = legacyUpstream();
  const dispatch = createDispatch(() => connection, bridge);
  return { clock, bridge, seen, dispatch };
}

/** Runs a first round until the upstream asks: the InputRequiredResult and the upstream call. */
async function firstRound(
  env: ReturnType<typeof setup>,
  ctx: CallContext,
): Promise<{ irr: CallResult; seen: Seen; answer: Promise<unknown> }> {
  const pending = env.dispatch(ctx);
  await flushMicrotasks();
  const seen = env.seen.at(-1)!;
  const answer = ask(seen);
  return { irr: await pending, seen, answer };
}

void describe('input bridge', () => {
  void it('answers the parked request with the retry and returns the upstream result', async () => {
    const env = setup();
    const { irr, seen, answer } = await firstRound(env, modernCtx(env.clock));
    assert.equal(irr.resultType, 'input_required');
    const [key] = Object.keys(irr.inputRequests as object);
    assert.deepEqual((irr.inputRequests as Record<string, unknown>)[key!], { method: 'sampling/createMessage', params: { maxTokens: 5 } });
    assert.match(String(irr.requestState), /^bw1\.[A-Za-z0-9_-]{32}$/);
    assert.equal(env.bridge.parked, 1);
    const retry = modernCtx(env.clock, {
      params: { name: 'echo', inputResponses: { [key!]: { content: 'hi' } }, requestState: irr.requestState },
    });
    const done = env.dispatch(retry);
    assert.deepEqual(await answer, { content: 'hi' });
    seen.result.resolve({ content: [{ type: 'text', text: 'done' }] });
    assert.deepEqual(await done, { content: [{ type: 'text', text: 'done' }] });
    assert.equal(retry.state.committed, true, 'a resumed call is never retried nor cached');
    assert.equal(env.bridge.parked, 0);
  });

  void it('cancels the upstream call when the caller never retries (ttl), and the key then resumes nothing', async () => {
    const env = setup(8, 1000);
    const { irr, seen } = await firstRound(env, modernCtx(env.clock));
    env.clock.advance(999);
    assert.equal(seen.options.signal.aborted, false);
    env.clock.advance(1);
    assert.equal(seen.options.signal.aborted, true, 'the upstream call was cancelled');
    assert.equal((seen.options.signal.reason as GatewayError).code, 'GW_TIMEOUT');
    assert.equal(env.bridge.parked, 0);
    const retry = modernCtx(env.clock, { params: { name: 'echo', inputResponses: {}, requestState: irr.requestState } });
    await assert.rejects(env.dispatch(retry), (e: GatewayError) => e.code === 'GW_INVALID_PARAMS');
  });

  void it('bounds the table: one call more than maxParked fails with GW_LIMIT_EXCEEDED and is cancelled upstream', async () => {
    const env = setup(1);
    await firstRound(env, modernCtx(env.clock));
    const second = env.dispatch(modernCtx(env.clock, { requestId: 'r2' }));
    await flushMicrotasks();
    void ask(env.seen[1]!).catch(() => {});
    await assert.rejects(second, (e: GatewayError) => e.code === 'GW_LIMIT_EXCEEDED');
    assert.equal(env.seen[1]!.options.signal.aborted, true);
    assert.equal(env.bridge.parked, 1);
  });

  void it('binds the key to the principal and the call, and uses it once', async () => {
    const env = setup();
    const { irr, seen } = await firstRound(env, modernCtx(env.clock));
    const params = { name: 'echo', inputResponses: {}, requestState: irr.requestState };
    const invalid = (e: GatewayError) => e.code === 'GW_INVALID_PARAMS';
    await assert.rejects(env.dispatch(modernCtx(env.clock, { principal: bob, params })), invalid);
    const otherTool = { upstream: 'up', kind: 'tool' as const, name: 'up.other', target: 'other' };
    await assert.rejects(env.dispatch(modernCtx(env.clock, { route: otherTool, params })), invalid);
    await assert.rejects(env.dispatch(modernCtx(env.clock, { params: { ...params, requestState: 'bw1.forged' } })), invalid);
    assert.equal(env.bridge.parked, 1, 'a wrong caller consumes nothing');
    // The rightful caller (alice) resumes once; the unanswered request is asked again.
    const again = await env.dispatch(modernCtx(env.clock, { principal: alice, params }));
    assert.equal(again.resultType, 'input_required');
    assert.notEqual(again.requestState, irr.requestState, 'every round gets a new key');
    await assert.rejects(env.dispatch(modernCtx(env.clock, { params })), invalid);
    seen.result.resolve({});
  });

  void it('fails with -32021 and cancels upstream when the caller lacks the capability', async () => {
    const env = setup();
    const ctx = modernCtx(env.clock, { caller: { notify: () => {}, request: () => Promise.reject(new Error('x')), capabilities: {} } });
    const pending = env.dispatch(ctx);
    await flushMicrotasks();
    const refused = ask(env.seen[0]!);
    await assert.rejects(refused, (e: GatewayError) => e.code === 'GW_MISSING_CLIENT_CAPABILITY');
    await assert.rejects(pending, (e: GatewayError) => {
      assert.equal(e.code, 'GW_MISSING_CLIENT_CAPABILITY');
      assert.equal(e.rpcCode, -32021);
      assert.deepEqual(e.data?.requiredCapabilities, { sampling: {} });
      return true;
    });
    assert.equal(env.seen[0]!.options.signal.aborted, true);
    assert.equal(env.bridge.parked, 0);
  });

  void it('cancels the upstream call when the caller goes away while attached', async () => {
    const env = setup();
    const caller = new AbortController();
    const pending = env.dispatch(modernCtx(env.clock, { signal: caller.signal }));
    await flushMicrotasks();
    caller.abort(new Error('caller gone'));
    await assert.rejects(pending, /caller gone/);
    assert.equal(env.seen[0]!.options.signal.aborted, true);
  });

  void it('leaves legacy callers and non-MRTR methods to the existing paths', async () => {
    const env = setup();
    const legacyCtx = makeCtx(env.clock);
    const legacy = env.dispatch(legacyCtx);
    await flushMicrotasks();
    assert.equal(env.seen[0]!.options.signal, legacyCtx.signal, 'not bridged: the call runs on the caller signal');
    env.seen[0]!.result.resolve({ ok: true });
    assert.deepEqual(await legacy, { ok: true });
    const complete = env.dispatch(modernCtx(env.clock, { method: 'completion/complete' }));
    await flushMicrotasks();
    await assert.rejects(ask(env.seen[1]!), /no relay to a modern caller/);
    env.seen[1]!.result.resolve({});
    await complete;
    assert.equal(env.bridge.parked, 0);
  });
});
