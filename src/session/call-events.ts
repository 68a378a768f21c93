import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import type { CallEndEvent, CallOutcome, CallTarget, Channels, TraceCarrier } from '../observability/index.js';
import type { CallContext, CallResult } from '../pipeline/index.js';

/** The target every call event names, from the call's context. */
export function callTarget(ctx: CallContext): CallTarget {
  return {
    requestId: ctx.requestId,
    method: ctx.method,
    upstream: ctx.route.upstream,
    name: ctx.route.name,
    principal: ctx.principal.id,
    era: ctx.era,
    sessionId: ctx.sessionId,
  };
}

/**
 * How a call ended, for metrics, logs and audit: a result with `isError` is the tool's own failure; an
 * upstream JSON-RPC error, or a gateway error caused upstream (unavailable, timeout), is the upstream's;
 * a caller's cancellation is its own outcome; everything else the gateway refused or failed.
 */
export function callOutcome(
  result: CallResult | undefined,
  err: unknown,
  signal: AbortSignal,
): { outcome: CallOutcome; errorCode?: string } {
  if (err === undefined) return { outcome: result?.isError === true ? 'tool-error' : 'ok' };
  if (err instanceof UpstreamRpcError) return { outcome: 'upstream-error', errorCode: String(err.rpcCode) };
  if (err instanceof GatewayError) {
    if (err.code === 'GW_CANCELLED' || (signal.aborted && !err.upstreamFault && err.code !== 'GW_SHUTTING_DOWN'))
      return { outcome: 'cancelled', errorCode: err.code };
    return { outcome: err.upstreamFault ? 'upstream-error' : 'gateway-error', errorCode: err.code };
  }
  return { outcome: signal.aborted ? 'cancelled' : 'gateway-error', errorCode: 'GW_INTERNAL' };
}

const TRACE_KEYS = ['traceparent', 'tracestate', 'baggage'] as const;

/** The caller's W3C trace context from `params._meta` (the HTTP transport copies its headers there). */
export function traceOf(params: CallContext['params']): TraceCarrier | undefined {
  const meta = params._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  let out: Record<string, string> | undefined;
  for (const key of TRACE_KEYS) {
    const v = (meta as Record<string, unknown>)[key];
    if (typeof v === 'string' && v.length <= 8192) (out ??= {})[key] = v;
  }
  return out;
}

/** Publishes call start (the caller checked `callStart.active`). Literal objects, no spreads: per call. */
export function publishCallStart(channels: Channels, ctx: CallContext, at: number): void {
  channels.callStart.publish({
    requestId: ctx.requestId,
    method: ctx.method,
    upstream: ctx.route.upstream,
    name: ctx.route.name,
    principal: ctx.principal.id,
    era: ctx.era,
    sessionId: ctx.sessionId,
    at,
    rpcId: ctx.rpcId,
    trace: traceOf(ctx.params),
  });
}

/** Publishes call end (the caller checked `callEnd.active`). Literal objects, no spreads: per call. */
export function publishCallEnd(channels: Channels, ctx: CallContext, started: number, result: CallResult | undefined, err: unknown): void {
  const at = ctx.clock.now();
  const { outcome, errorCode } = err === undefined ? (result?.isError === true ? TOOL_ERROR : OK) : callOutcome(result, err, ctx.signal);
  const event: CallEndEvent = {
    requestId: ctx.requestId,
    method: ctx.method,
    upstream: ctx.route.upstream,
    name: ctx.route.name,
    principal: ctx.principal.id,
    era: ctx.era,
    sessionId: ctx.sessionId,
    at,
    outcome,
    errorCode,
    durationMs: at - started,
    upstreamMs: ctx.state.upstreamMs,
    attempts: ctx.state.attempts,
  };
  channels.callEnd.publish(event);
}

const OK = { outcome: 'ok', errorCode: undefined } as const;
const TOOL_ERROR = { outcome: 'tool-error', errorCode: undefined } as const;
