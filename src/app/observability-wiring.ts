import type { Clock, Logger } from '../core/index.js';
import { LogThrottle } from '../core/index.js';
import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import { createChannels, type Channels } from '../observability/index.js';
import type { Next } from '../pipeline/index.js';
import type { AttemptTracer } from '../observability/tracing/index.js';
import type { LegacySession } from '../session/index.js';
import type { UpstreamConnection } from '../upstream/index.js';
import type { ResilienceRegistry, UpstreamResilience } from './upstream-resilience.js';

/**
 * The gateway's channels (docs/adr/0023-per-gateway-observability-channels.md), a failing subscriber
 * reported through a throttled warn line: a subscriber that
 * throws on every call must not flood the log (nor, being synchronous, ever fail the call).
 */
export function gatewayChannels(log: Logger, clock: Clock): Channels {
  const throttle = new LogThrottle(clock, { burst: 10, perSecond: 1 });
  return createChannels((channel, error) => {
    const suppressed = throttle.take();
    if (suppressed < 0) return;
    log.warn(
      { channel, err: error instanceof Error ? error.message : String(error), ...(suppressed > 0 && { suppressed }) },
      'observability subscriber failed',
    );
  });
}

/** The stable code of a failure: `GW_*`, or the upstream's JSON-RPC code as a string. */
export function errorCodeOf(err: unknown): string {
  if (err instanceof GatewayError) return err.code;
  if (err instanceof UpstreamRpcError) return String(err.rpcCode);
  return 'GW_INTERNAL';
}

/**
 * Wraps the pipeline's terminal step (one upstream attempt) to time it: the time is added to
 * `ctx.state.upstreamMs` (call end reports gateway-added time from it) and an `attempt` event is
 * published when someone listens; with tracing on, the attempt runs in a client span. Two clock reads per
 * attempt; nothing else when nobody subscribes.
 */
export function observeAttempts(terminal: Next, channels: Channels, clock: Clock, hooks: AttemptHooks = {}): Next {
  const { attempt, callEnd } = channels;
  return async (ctx) => {
    if (!attempt.active && !callEnd.active) return terminal(ctx);
    // Tracing on: the attempt's client span, whose context dispatch sends upstream (`_meta`, HTTP headers).
    const span = hooks.tracer?.startAttempt(ctx.requestId, ctx.route.upstream, ctx.replica ?? 0, ctx.state.attempts + 1);
    const started = clock.now();
    let error: unknown;
    try {
      return await terminal(span === undefined ? ctx : { ...ctx, traceCarrier: span.carrier });
    } catch (err) {
      error = err;
      throw err;
    } finally {
      const durationMs = clock.now() - started;
      ctx.state.upstreamMs = (ctx.state.upstreamMs ?? 0) + durationMs;
      const errorCode = error === undefined ? undefined : errorCodeOf(error);
      span?.end(errorCode);
      if (attempt.active)
        attempt.publish({
          requestId: ctx.requestId,
          upstream: ctx.route.upstream,
          replica: ctx.replica ?? 0,
          attempt: ctx.state.attempts,
          outcome: error === undefined ? 'ok' : 'error',
          durationMs,
          ...(errorCode !== undefined && { errorCode }),
        });
    }
  };
}

/** Per-attempt hooks the operations side fills in after the pipelines exist (tracing). */
export interface AttemptHooks {
  tracer?: AttemptTracer;
}

/**
 * Republishes the per-upstream resilience emitters (breakers, replica group, retry, bulkheads, caches)
 * on the gateway channels. Each bridge checks `active` first, so with nobody subscribed it costs one
 * function call per event. Returns the function that disconnects everything.
 */
export function bridgeResilience(channels: Channels, registry: ResilienceRegistry): () => void {
  const offs: (() => void)[] = [];
  for (const [name, up] of registry.entries()) offs.push(...bridgeUpstream(channels, name, up));
  return () => {
    for (const off of offs) off();
  };
}

function bridgeUpstream(ch: Channels, upstream: string, up: UpstreamResilience): (() => void)[] {
  const replicaOf = new Map(up.breakers.map((b, i) => [b.name, i]));
  const { events } = up;
  const cache = (event: 'hit' | 'miss' | 'stale') => (e: { route: string }) => {
    if (ch.cache.active) ch.cache.publish({ upstream, name: e.route, event });
  };
  const bulkhead = up.bulkhead;
  const counts = () => ({ inFlight: bulkhead?.inFlight ?? 0, queued: bulkhead?.queued ?? 0 });
  return [
    events.breaker.on('transition', (t) => {
      if (ch.breaker.active) ch.breaker.publish({ upstream, replica: replicaOf.get(t.name) ?? 0, from: t.from, to: t.to });
    }),
    events.replica.on('ejected', (e) => {
      if (ch.ejection.active) ch.ejection.publish({ upstream, replica: e.replica, ejected: true });
    }),
    events.replica.on('returned', (e) => {
      if (ch.ejection.active) ch.ejection.publish({ upstream, replica: e.replica, ejected: false });
    }),
    events.replica.on('hedge', (e) => {
      if (ch.hedge.active) ch.hedge.publish({ requestId: e.requestId ?? '', upstream, replica: e.replica });
    }),
    events.replica.on('failover', (e) => {
      if (ch.retry.active) ch.retry.publish({ requestId: e.requestId ?? '', upstream, attempt: 0, delayMs: 0, reason: 'failover' });
    }),
    events.retry.on('retry', (e) => {
      if (ch.retry.active)
        ch.retry.publish({ requestId: e.requestId ?? '', upstream, attempt: e.attempt, delayMs: e.delayMs, reason: e.reason });
    }),
    events.bulkhead.on('queued', (e) => {
      if (ch.bulkhead.active) ch.bulkhead.publish({ upstream, tool: toolOf(e.route), event: 'queued', ...counts() });
    }),
    events.bulkhead.on('rejected', (e) => {
      if (ch.bulkhead.active)
        ch.bulkhead.publish({ upstream, tool: toolOf(e.route), event: e.reason === 'queue-timeout' ? 'timeout' : 'rejected', ...counts() });
    }),
    events.cache.on('hit', cache('hit')),
    events.cache.on('miss', cache('miss')),
    events.cache.on('stale', cache('stale')),
    events.cache.on('store', (e) => {
      if (ch.cache.active) ch.cache.publish({ upstream, name: e.route, event: 'store', bytes: e.bytes });
    }),
  ];
}

const toolOf = (route: string): string | undefined => (route === '' ? undefined : route);

/** Publishes every replica's lifecycle (state changes, child exits) on the gateway channels. */
export function bridgeUpstreams(channels: Channels, upstreams: ReadonlyMap<string, readonly UpstreamConnection[]>): () => void {
  const offs: (() => void)[] = [];
  for (const [upstream, replicas] of upstreams)
    replicas.forEach((connection, replica) => {
      offs.push(
        connection.events.on('state', ({ state, reason }) => {
          if (channels.upstreamState.active)
            channels.upstreamState.publish({ upstream, replica, state, ...(reason !== undefined && { reason }) });
        }),
        connection.events.on('exit', ({ code, signal, restarts }) => {
          if (channels.upstreamExit.active) channels.upstreamExit.publish({ upstream, replica, code, signal, restarts });
        }),
      );
    });
  return () => {
    for (const off of offs) off();
  };
}

/** A legacy session's open/close event (modern callers are stateless: they open no session). */
export function publishSession(channels: Channels, session: LegacySession, event: 'open' | 'close', reason?: string): void {
  if (!channels.session.active) return;
  const principal = session.client.startsWith('principal:') ? session.client.slice('principal:'.length) : 'anonymous';
  channels.session.publish({ sessionId: session.id, era: 'legacy', principal, event, ...(reason !== undefined && { reason }) });
}
