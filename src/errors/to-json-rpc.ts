import { GatewayError, UpstreamRpcError } from './gateway-error.js';

/** The wire form of a JSON-RPC error object. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * The one mapping from any thrown value to a JSON-RPC error. Upstream errors pass through verbatim;
 * gateway errors carry their stable code in `data.code`; anything else is an internal error whose
 * details stay in the log, not on the wire.
 */
export function toJsonRpcError(err: unknown): JsonRpcErrorObject {
  if (err instanceof UpstreamRpcError) {
    return err.hasData ? { code: err.rpcCode, message: err.message, data: err.data } : { code: err.rpcCode, message: err.message };
  }
  if (err instanceof GatewayError) {
    return { code: err.rpcCode, message: err.message, data: { code: err.code, ...err.data } };
  }
  return { code: -32603, message: 'Internal error', data: { code: 'GW_INTERNAL' } };
}
