import { scrubSecrets, scrubSecretsDeep } from '../core/index.js';
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
    // Secrets are scrubbed here, the one place errors reach the wire: an upstream echoing a credential it
    // was sent, or a gateway message quoting a config value, never shows it to the caller.
    const message = scrubSecrets(err.message);
    return err.hasData ? { code: err.rpcCode, message, data: scrubSecretsDeep(err.data) } : { code: err.rpcCode, message };
  }
  if (err instanceof GatewayError) {
    return { code: err.rpcCode, message: scrubSecrets(err.message), data: scrubSecretsDeep({ code: err.code, ...err.data }) };
  }
  return { code: -32603, message: 'Internal error', data: { code: 'GW_INTERNAL' } };
}
