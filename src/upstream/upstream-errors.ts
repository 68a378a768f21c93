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

/** The human reason carried by an abort signal, for notifications/cancelled. */
export function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'cancelled' : String(reason);
}
