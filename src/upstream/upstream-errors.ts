import { GatewayError, errors } from '../errors/index.js';

/** GW_UPSTREAM_PROTOCOL: the upstream sent something that is not valid MCP. */
export function protocolError(upstream: string, detail: string, extra?: Record<string, unknown>): GatewayError {
  return new GatewayError('GW_UPSTREAM_PROTOCOL', `Upstream ${upstream} protocol error: ${detail}`, {
    data: { upstream, ...extra },
    upstreamFault: true,
  });
}

/** GW_UPSTREAM_UNAVAILABLE (re-exported here so adapters import one module). */
export const unavailable = errors.upstreamUnavailable;

/**
 * A message the gateway could not serialise for an upstream: nothing was written, so it is the
 * caller's problem (nesting too deep for JSON.stringify's recursion), never the upstream's.
 */
export function unserialisable(upstream: string, err: unknown): GatewayError {
  const reason = reasonText(err);
  if (err instanceof RangeError) {
    return new GatewayError('GW_LIMIT_EXCEEDED', `Request to upstream ${upstream} is nested too deep to serialise (${reason})`, {
      data: { upstream, limit: 'maxJsonDepth', maybeExecuted: false },
      cause: err,
    });
  }
  return new GatewayError('GW_INVALID_PARAMS', `Request to upstream ${upstream} cannot be serialised as JSON (${reason})`, {
    data: { upstream, maybeExecuted: false },
    cause: err,
  });
}

/** The human reason carried by an abort signal, for notifications/cancelled. */
export function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'cancelled' : String(reason);
}
