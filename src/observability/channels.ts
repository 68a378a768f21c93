/**
 * The one list of observability events (ARCHITECTURE §4.6). Every layer publishes here; metrics, traces,
 * access logs, audit, the dashboard and alerts subscribe. In the spirit of undici's diagnostics module, but
 * one instance per gateway (not node:diagnostics_channel's process-global names), so two gateways in one
 * process (tests, hot reload) never see each other's events
 * (docs/adr/0023-per-gateway-observability-channels.md).
 *
 * Rules for publishers: check `channel.active` before building a payload on a hot path; payloads are
 * plain frozen-by-convention objects, never live state. Subscribers must be cheap and synchronous; one that
 * throws is reported through `onSubscriberError` and never fails the call that published.
 */

/** Where a call is going, as every call event names it. */
export interface CallTarget {
  readonly requestId: string;
  readonly method: string;
  readonly upstream: string;
  /** Client-visible name (namespaced tool/prompt or resource URI); empty for methods without one. */
  readonly name: string;
  readonly principal: string;
  readonly era: 'legacy' | 'modern';
  readonly sessionId: string | undefined;
}

export type CallOutcome = 'ok' | 'tool-error' | 'upstream-error' | 'gateway-error' | 'cancelled';

export interface CallStartEvent extends CallTarget {
  /** Monotonic ms (Clock.now()). */
  readonly at: number;
  /** The caller's JSON-RPC id (`jsonrpc.request.id` on spans). */
  readonly rpcId?: string | number;
  /** The caller's W3C trace context (`traceparent`, `tracestate`, `baggage` from `_meta` or HTTP headers). */
  readonly trace?: TraceCarrier;
}

/** W3C trace context as text-map entries (what a `_meta` or an HTTP request carries). */
export type TraceCarrier = Readonly<Record<string, string>>;

export interface CallEndEvent extends CallTarget {
  readonly at: number;
  readonly outcome: CallOutcome;
  /** `GW_*` code for gateway errors, the JSON-RPC code as a string for upstream errors. */
  readonly errorCode?: string;
  readonly durationMs: number;
  /** Time spent upstream across attempts; durationMs − upstreamMs is what the gateway added. */
  readonly upstreamMs?: number;
  readonly attempts: number;
}

export interface AttemptEvent {
  readonly requestId: string;
  readonly upstream: string;
  readonly replica: number;
  readonly attempt: number;
  readonly outcome: 'ok' | 'error';
  readonly durationMs: number;
  readonly errorCode?: string;
}

export interface RetryEvent {
  readonly requestId: string;
  readonly upstream: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface HedgeEvent {
  readonly requestId: string;
  readonly upstream: string;
  readonly replica: number;
}

export interface BreakerTransitionEvent {
  readonly upstream: string;
  readonly replica: number;
  readonly from: string;
  readonly to: string;
}

export interface EjectionEvent {
  readonly upstream: string;
  readonly replica: number;
  readonly ejected: boolean;
}

export interface BulkheadEvent {
  readonly upstream: string;
  readonly tool: string | undefined;
  readonly event: 'queued' | 'admitted' | 'rejected' | 'timeout';
  readonly inFlight: number;
  readonly queued: number;
}

export interface RateLimitDecisionEvent {
  readonly requestId: string | undefined;
  readonly principal: string;
  /** Which limit (e.g. `principal`, `principal-tool`, `upstream`, `global`, `auth-failures`). */
  readonly limit: string;
  readonly key: string;
  readonly allowed: boolean;
  /** True in shadow mode: the decision was logged, not enforced. */
  readonly shadow: boolean;
  readonly retryAfterMs: number;
}

export interface AuthenticationEvent {
  readonly outcome: 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked' | 'insufficient-scope' | 'blocked';
  readonly method: 'anonymous' | 'api-key' | 'jwt' | 'introspection' | 'none';
  readonly principal: string | undefined;
  readonly remoteAddress: string | undefined;
  /** Never the credential: a stable short reason. */
  readonly reason?: string;
  /** Set when this failure started a temporary block: the subject (`address:…`/`credential:<id>`) and its end (epoch ms). */
  readonly block?: { readonly subject: string; readonly until: number };
}

export interface AuthorizationDecisionEvent {
  readonly requestId: string | undefined;
  readonly principal: string;
  readonly method: string;
  readonly upstream: string;
  readonly name: string;
  readonly allowed: boolean;
  /** The deciding rule's id, or `default`. */
  readonly rule: string;
}

export interface GuardDecisionEvent {
  readonly requestId: string;
  readonly upstream: string;
  readonly name: string;
  /** schema, sql, path, url, code, content, pin, … */
  readonly guard: string;
  readonly rule: string;
  /** JSON pointer of the argument (or `/result`). */
  readonly path: string;
  readonly mode: 'enforce' | 'monitor';
  readonly decision: 'allow' | 'deny' | 'redact';
}

export interface CacheEvent {
  readonly upstream: string;
  readonly name: string;
  readonly event: 'hit' | 'miss' | 'store' | 'evict' | 'stale';
  readonly bytes?: number;
}

export interface UpstreamStateEvent {
  readonly upstream: string;
  readonly replica: number;
  readonly state: string;
  readonly reason?: string;
}

export interface UpstreamExitEvent {
  readonly upstream: string;
  readonly replica: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly restarts: number;
}

export interface SessionEvent {
  readonly sessionId: string;
  readonly era: 'legacy' | 'modern';
  readonly principal: string;
  readonly event: 'open' | 'close';
  readonly reason?: string;
}

/** One named channel: a fan-out to synchronous subscribers. */
export class Channel<T> {
  readonly #subscribers: Array<(event: T) => void> = [];
  #active = false;

  constructor(
    readonly name: string,
    private readonly onSubscriberError: (channel: string, error: unknown) => void,
  ) {}

  /** True when someone listens: publishers skip building payloads otherwise. */
  get active(): boolean {
    return this.#active;
  }

  /** Delivers to every subscriber; a throwing subscriber is reported and skipped, never rethrown. */
  publish(event: T): void {
    if (!this.#active) return;
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        this.onSubscriberError(this.name, error);
      }
    }
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(subscriber: (event: T) => void): () => void {
    this.#subscribers.push(subscriber);
    this.#active = true;
    return () => {
      const i = this.#subscribers.indexOf(subscriber);
      if (i >= 0) this.#subscribers.splice(i, 1);
      this.#active = this.#subscribers.length > 0;
    };
  }
}

/** Every channel of one gateway. Add a channel here (and nowhere else) when a layer gains an event. */
export interface Channels {
  readonly callStart: Channel<CallStartEvent>;
  readonly callEnd: Channel<CallEndEvent>;
  readonly attempt: Channel<AttemptEvent>;
  readonly retry: Channel<RetryEvent>;
  readonly hedge: Channel<HedgeEvent>;
  readonly breaker: Channel<BreakerTransitionEvent>;
  readonly ejection: Channel<EjectionEvent>;
  readonly bulkhead: Channel<BulkheadEvent>;
  readonly rateLimit: Channel<RateLimitDecisionEvent>;
  readonly authentication: Channel<AuthenticationEvent>;
  readonly authorization: Channel<AuthorizationDecisionEvent>;
  readonly guard: Channel<GuardDecisionEvent>;
  readonly cache: Channel<CacheEvent>;
  readonly upstreamState: Channel<UpstreamStateEvent>;
  readonly upstreamExit: Channel<UpstreamExitEvent>;
  readonly session: Channel<SessionEvent>;
}

/** Builds one gateway's channels; `onSubscriberError` is where a failing subscriber is reported (a throttled log). */
export function createChannels(onSubscriberError: (channel: string, error: unknown) => void = () => {}): Channels {
  const c = <T>(name: string) => new Channel<T>(`breakwater:${name}`, onSubscriberError);
  return {
    callStart: c('call:start'),
    callEnd: c('call:end'),
    attempt: c('attempt'),
    retry: c('retry'),
    hedge: c('hedge'),
    breaker: c('breaker'),
    ejection: c('ejection'),
    bulkhead: c('bulkhead'),
    rateLimit: c('rate-limit'),
    authentication: c('authentication'),
    authorization: c('authorization'),
    guard: c('guard'),
    cache: c('cache'),
    upstreamState: c('upstream:state'),
    upstreamExit: c('upstream:exit'),
    session: c('session'),
  };
}
