import { onAbort, type Clock } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import type { CallContext, CallResult } from '../pipeline/index.js';
import { SERVER_TO_CLIENT_METHODS, type JsonRpcRequest, type Params } from '../protocol/index.js';
import type { UpstreamConnection, UpstreamRequestOptions } from '../upstream/types.js';
import { PARKED_STATE_PREFIX, ParkedCalls } from './parked-calls.js';

/** The methods whose result may be an InputRequiredResult (2026-07-28). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Bound on rounds for one bridged call (a server asking forever is a bug). */
const MAX_ROUNDS = 16;

/** Settings of the bridge (config `server.inputBridge`). */
export interface InputBridgeOptions {
  readonly clock: Clock;
  readonly maxParked: number;
  readonly ttlMs: number;
  readonly newKey?: () => string;
}

type Outcome = { readonly ok: true; readonly value: CallResult } | { readonly ok: false; readonly error: unknown };

interface Pending {
  readonly request: { method: string; params?: Params };
  resolve(result: Record<string, unknown>): void;
}

/**
 * One legacy-upstream call made for a modern caller. The upstream call runs on its own signal, so it
 * outlives the caller's round: when the upstream sends a server→client request, the round ends with
 * an InputRequiredResult and the call is parked; the caller's retry answers the waiting requests and
 * becomes the next round. Notifications go to whichever round is attached (none while parked).
 */
class BridgedCall {
  readonly upstream = new AbortController();
  readonly #pending = new Map<string, Pending>();
  #outcome: Outcome | undefined;
  #failure: unknown;
  #wake: (() => void) | undefined;
  #round: CallContext;
  #attached = false;
  #seq = 0;
  rounds = 0;

  constructor(first: CallContext) {
    this.#round = first;
  }

  /** Starts the upstream request; its server→client requests wait here for the caller. */
  start(connection: UpstreamConnection, options: UpstreamRequestOptions): void {
    const ctx = this.#round;
    const bridged: UpstreamRequestOptions = {
      ...options,
      signal: this.upstream.signal,
      onRequest: (request, signal) => this.#ask(request, signal),
      onNotification: (message) => {
        if (!this.#attached) return;
        this.#round.state.committed = true;
        this.#round.caller.notify(message);
      },
      ...(options.onProgress !== undefined && {
        onProgress: (progress: { progress: number; total?: number; message?: string }) => {
          const round = this.#round;
          if (!this.#attached || round.progressToken === undefined) return;
          round.state.committed = true;
          round.onProgress?.();
          round.caller.notify({
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: { ...progress, progressToken: round.progressToken },
          });
        },
      }),
    };
    connection.request(ctx.method, ctx.params, bridged).then(
      (value) => this.#settle({ ok: true, value }),
      (error: unknown) => this.#settle({ ok: false, error }),
    );
  }

  /** Hands the caller's answers to the waiting requests (keys not answered are asked again). */
  answer(responses: unknown): void {
    if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) return;
    for (const [key, pending] of [...this.#pending]) {
      const response = (responses as Record<string, unknown>)[key];
      if (typeof response !== 'object' || response === null || Array.isArray(response)) continue;
      this.#pending.delete(key);
      pending.resolve(response as Record<string, unknown>);
    }
  }

  /**
   * One round with the caller attached: ends with the upstream's outcome, or — as soon as the upstream
   * waits for input — with the requests to show the caller (the call is then parked by `park`).
   */
  async run(ctx: CallContext, park: (call: BridgedCall) => string): Promise<CallResult> {
    this.#round = ctx;
    this.#attached = true;
    // While attached, the caller cancelling (or its deadline) cancels the upstream call.
    const detach = onAbort(ctx.signal, (reason) => this.upstream.abort(reason));
    try {
      for (;;) {
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#outcome !== undefined) {
          if (this.#outcome.ok) return this.#outcome.value;
          throw this.#outcome.error;
        }
        if (this.#pending.size > 0) return this.#inputRequired(ctx, park);
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } catch (err) {
      this.cancel(err);
      throw err;
    } finally {
      this.#attached = false;
      detach();
    }
  }

  /** Cancels the upstream call (caller gone, parked too long, failed). */
  cancel(reason: unknown): void {
    if (this.#outcome === undefined) this.upstream.abort(reason);
  }

  #inputRequired(ctx: CallContext, park: (call: BridgedCall) => string): CallResult {
    if (++this.rounds > MAX_ROUNDS) {
      throw new GatewayError('GW_LIMIT_EXCEEDED', `The upstream asked for client input more than ${MAX_ROUNDS} times in one call`, {
        data: { limit: 'inputRounds', max: MAX_ROUNDS },
      });
    }
    const inputRequests: Record<string, unknown> = {};
    for (const [key, pending] of this.#pending) inputRequests[key] = pending.request;
    const requestState = park(this);
    ctx.state.committed = true;
    return { resultType: 'input_required', inputRequests, requestState };
  }

  /** A server→client request: waits for the caller's answer (the caller must have declared the capability). */
  #ask(request: JsonRpcRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    const capability = SERVER_TO_CLIENT_METHODS[request.method];
    if (capability === undefined) {
      return Promise.reject(
        new GatewayError('GW_MISSING_CLIENT_CAPABILITY', `${request.method} cannot be relayed to a modern caller`, {
          data: { method: request.method },
        }),
      );
    }
    if (this.#round.caller.capabilities[capability] === undefined) {
      const err = new GatewayError('GW_MISSING_CLIENT_CAPABILITY', `The caller did not declare the ${capability} capability`, {
        // The 2026-07-28 schema's MissingRequiredClientCapabilityError names what is missing.
        data: { method: request.method, capability, requiredCapabilities: { [capability]: {} } },
      });
      // roots/list may still be answered by the upstream's configured roots; the call goes on then.
      if (capability !== 'roots') this.#fail(err);
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const key = `${capability}-${++this.#seq}`;
      const request_ = request.params === undefined ? { method: request.method } : { method: request.method, params: request.params };
      this.#pending.set(key, { request: request_, resolve });
      onAbort(signal, (reason) => {
        if (this.#pending.delete(key)) reject(reason);
      });
      this.#wake?.();
    });
  }

  #fail(err: unknown): void {
    this.#failure ??= err;
    this.#wake?.();
  }

  #settle(outcome: Outcome): void {
    this.#outcome = outcome;
    this.#pending.clear();
    this.#wake?.();
  }
}

/**
 * Modern callers of legacy upstreams (MRTR bridged to server→client requests, the mirror of what
 * dispatch does for legacy callers of modern upstreams): a legacy upstream's sampling, elicitation
 * and roots requests reach the modern caller as an InputRequiredResult whose `requestState` is a
 * random key into a bounded, TTL'd table of parked upstream calls; the retried call (same principal,
 * same method and name, with `inputResponses`) answers the parked requests and carries on.
 */
export class InputBridge {
  readonly #parked: ParkedCalls<BridgedCall>;

  constructor(options: InputBridgeOptions) {
    this.#parked = new ParkedCalls<BridgedCall>(options, (call) =>
      call.cancel(
        new GatewayError('GW_TIMEOUT', `The caller did not retry within ${options.ttlMs} ms: the upstream call was cancelled`, {
          data: { limitMs: options.ttlMs, scope: 'inputBridge' },
        }),
      ),
    );
  }

  /** Calls parked now (leak checks, metrics). */
  get parked(): number {
    return this.#parked.size;
  }

  /** True when the call carries a `requestState` this bridge minted (it resumes a parked call). */
  resumes(ctx: CallContext): boolean {
    const state = ctx.params.requestState;
    return ctx.era === 'modern' && typeof state === 'string' && state.startsWith(PARKED_STATE_PREFIX);
  }

  /** Runs a modern caller's call on a legacy link through the bridge. */
  start(ctx: CallContext, connection: UpstreamConnection, options: UpstreamRequestOptions): Promise<CallResult> {
    const call = new BridgedCall(ctx);
    call.start(connection, options);
    return call.run(ctx, (c) => this.#park(c, ctx));
  }

  /** The caller's retry: answers the parked call's requests and runs its next round. */
  resume(ctx: CallContext): Promise<CallResult> {
    const call = this.#parked.take(ctx.params.requestState as string, owner(ctx));
    // A resumed call has had effects upstream: never retried, never cached.
    ctx.state.committed = true;
    call.answer(ctx.params.inputResponses);
    return call.run(ctx, (c) => this.#park(c, ctx));
  }

  /** Cancels every parked call (shutdown). */
  close(): void {
    this.#parked.close();
  }

  #park(call: BridgedCall, ctx: CallContext): string {
    return this.#parked.park(call, owner(ctx));
  }
}

function owner(ctx: CallContext): { principal: string; method: string; route: string } {
  return { principal: ctx.principal.id, method: ctx.method, route: ctx.route.name };
}
