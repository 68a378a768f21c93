// Shared helpers for the resilience policy unit tests: contexts on a ManualClock, scripted upstreams,
// deferred promises and a signal that counts its live listeners (leak checks).
import { ManualClock, flushMicrotasks, silentLogger } from '../../../src/core/index.js';
import { GatewayError, UpstreamRpcError, errors } from '../../../src/errors/index.js';
import type { CallContext, CallResult, Next, Principal } from '../../../src/pipeline/index.js';

export { ManualClock, flushMicrotasks };

/** A signal whose add/removeEventListener calls are tracked; `live` is listeners still attached. */
type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };
type AddFn = (type: string, listener: Listener | null, options?: boolean | { once?: boolean }) => void;

/** A signal whose add/removeEventListener calls are tracked; `live` is listeners still attached. */
export class CountingController extends AbortController {
  readonly #live = new Set<Listener>();
  added = 0;

  constructor() {
    super();
    const signal = this.signal as unknown as { addEventListener: AddFn; removeEventListener: AddFn };
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    const wrappers = new Map<Listener, (event: Event) => void>();
    signal.addEventListener = (type, listener, options) => {
      if (!listener) return;
      this.added++;
      const once = typeof options === 'object' && options.once === true;
      const wrapped = (event: Event): void => {
        if (once) {
          this.#live.delete(listener);
          wrappers.delete(listener);
        }
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      wrappers.set(listener, wrapped);
      this.#live.add(listener);
      add(type, wrapped, options);
    };
    signal.removeEventListener = (type, listener, options) => {
      const wrapped = listener ? wrappers.get(listener) : undefined;
      if (!listener || !wrapped) return;
      this.#live.delete(listener);
      wrappers.delete(listener);
      remove(type, wrapped, options);
    };
  }

  get live(): number {
    return this.#live.size;
  }
}

export const alice: Principal = { id: 'alice', kind: 'api-key', roles: [] };
export const bob: Principal = { id: 'bob', kind: 'api-key', roles: [] };

/** A CallContext for tests; `deadline` defaults to none (Infinity). */
export function makeCtx(clock: ManualClock, overrides: Partial<CallContext> = {}): CallContext {
  return {
    requestId: 'r1',
    rpcId: 1,
    method: 'tools/call',
    route: { upstream: 'up', kind: 'tool', name: 'up.echo', target: 'echo' },
    params: { name: 'echo', arguments: { a: 1 } },
    principal: alice,
    era: 'legacy',
    sessionId: undefined,
    signal: new AbortController().signal,
    deadline: Infinity,
    clock,
    log: silentLogger,
    caller: { notify: () => {}, request: async () => ({}), capabilities: {} },
    state: { committed: false, attempts: 0 },
    ...overrides,
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One upstream call seen by a scripted terminal. */
export interface SeenCall {
  ctx: CallContext;
  replica: number | undefined;
  signal: AbortSignal;
  at: number;
  settle: Deferred<CallResult>;
}

/**
 * A terminal `next` that records each call and lets the test settle it; it rejects with the signal's
 * reason on abort (as a well-behaved dispatch does) and removes its listener when settled.
 */
export function scriptedUpstream(clock: ManualClock): { next: Next; calls: SeenCall[]; cancelled: () => number } {
  const calls: SeenCall[] = [];
  let cancelled = 0;
  const next: Next = (ctx) => {
    const settle = deferred<CallResult>();
    calls.push({ ctx, replica: ctx.replica, signal: ctx.signal, at: clock.now(), settle });
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
    return new Promise<CallResult>((resolve, reject) => {
      const onAbort = (): void => {
        cancelled++;
        reject(ctx.signal.reason);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      settle.promise.then(
        (v) => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          ctx.signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  };
  return { next, calls, cancelled: () => cancelled };
}

/** A terminal answering at once from a function of (replica, call index). */
export function instantUpstream(answer: (replica: number | undefined, n: number) => CallResult | Error): {
  next: Next;
  calls: (number | undefined)[];
} {
  const calls: (number | undefined)[] = [];
  return {
    calls,
    next: async (ctx) => {
      const out = answer(ctx.replica, calls.length);
      calls.push(ctx.replica);
      if (out instanceof Error) throw out;
      return out;
    },
  };
}

export const ok = (text = 'ok'): CallResult => ({ content: [{ type: 'text', text }] });
export const serverError = (): UpstreamRpcError => new UpstreamRpcError({ code: -32603, message: 'Internal error' });
export const invalidParams = (): UpstreamRpcError => new UpstreamRpcError({ code: -32602, message: 'bad params' });
export const crashed = (): GatewayError => errors.upstreamUnavailable('up', 'process exited', true);
export const refused = (): GatewayError => errors.upstreamUnavailable('up', 'connect ECONNREFUSED', false);
export const overloaded = (): GatewayError => new GatewayError('GW_OVERLOADED', 'shed', { data: { retryAfterMs: 100 } });

/** Settles a promise into a tagged outcome without throwing (for assertions after clock moves). */
export function outcome<T>(p: Promise<T>): { readonly value?: T; readonly error?: unknown; readonly done: boolean } {
  const box: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (v) => Object.assign(box, { value: v, done: true }),
    (e: unknown) => Object.assign(box, { error: e, done: true }),
  );
  return box;
}
