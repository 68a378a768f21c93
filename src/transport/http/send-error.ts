import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { GatewayError, toJsonRpcError } from '../../errors/index.js';
import { failure } from '../../protocol/index.js';

/**
 * The one renderer of an HTTP rejection (ARCHITECTURE §6, docs/adr/0007-one-error-path-to-the-wire.md):
 * every request the HTTP transport refuses before a JSON-RPC exchange ends here, as a JSON-RPC error
 * with `data.code`, under the HTTP status the catalogue gives its code. Anything that is not a
 * `GatewayError` is a fault of ours: GW_INTERNAL, 500, details stay in the log.
 */
export function sendError(res: ServerResponse, id: string | number | null, err: unknown, headers?: OutgoingHttpHeaders): void {
  if (res.headersSent) return void res.end();
  const status = err instanceof GatewayError ? err.httpStatus : 500;
  const body = JSON.stringify(failure(id, toJsonRpcError(err)));
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * HTTP status of a modern-era answer that carries a JSON-RPC error *in band* (the request passed the
 * edge and was dispatched): 200, as the SDK server does, except unknown method (404) and a missing
 * client capability (400), whoever raised them (the gateway, or an upstream whose error is relayed).
 * Why not the catalogue's status (504 for GW_TIMEOUT, …): the SDK client reads a JSON-RPC error body
 * only on 2xx (and on a 400 to a modern request); any other status becomes a transport error
 * (`SdkHttpError`, the body as text) and the caller loses `data.code` as data.
 */
export function modernInBandStatus(error: { readonly code: number }): number {
  return error.code === -32601 ? 404 : error.code === -32021 ? 400 : 200;
}

/** A 405 naming the methods this path serves (header and `data.allow`). */
export function methodNotAllowed(res: ServerResponse, allow: string, message = `Method Not Allowed: use ${allow}`): void {
  sendError(res, null, new GatewayError('GW_METHOD_NOT_ALLOWED', message, { data: { allow } }), { allow });
}
