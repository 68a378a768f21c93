import type { Readable } from 'node:stream';
import { GatewayError } from '../errors/index.js';
import { NAMED_METHODS, type JsonRpcMessage, type RequestId } from '../protocol/index.js';
import type { UpstreamLogger } from './spec.js';
import { protocolError, reasonText, unavailable } from './upstream-errors.js';

/** What every HTTP channel needs to reach its endpoint. */
export interface HttpEndpointOptions {
  readonly name: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxMessageBytes: number;
  /** Deepest nesting accepted in an upstream message (see deliverJson). */
  readonly maxJsonDepth: number;
  readonly maxConnections: number;
  readonly log: UpstreamLogger;
}

/** undici/net error codes meaning no byte of the request reached the server. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Maps a thrown transport error to the gateway's error (or the caller's abort reason, unchanged). */
export function transportError(upstream: string, err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof GatewayError) return err;
  const code = (err as { code?: unknown }).code;
  const notSent = typeof code === 'string' && NOT_SENT.has(code);
  return unavailable(upstream, typeof code === 'string' ? `${code}: ${reasonText(err)}` : reasonText(err), !notSent, err);
}

/** An HTTP status without a usable JSON-RPC body: 5xx ⇒ unavailable, 4xx ⇒ protocol error; `data.status` kept. */
export function statusError(upstream: string, status: number, body: string): GatewayError {
  const snippet = body.slice(0, 512);
  if (status >= 500 || status === 429) {
    return new GatewayError('GW_UPSTREAM_UNAVAILABLE', `Upstream ${upstream} unavailable: HTTP ${status}`, {
      data: { upstream, maybeExecuted: status !== 503 && status !== 429, status, body: snippet },
      upstreamFault: true,
    });
  }
  return protocolError(upstream, `HTTP ${status}`, { status, body: snippet });
}

/** Reads a whole body as text, failing once it exceeds `max` bytes. */
export async function readText(body: Readable, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new RangeError(`body exceeds ${max} bytes`);
    }
    parts.push(chunk);
  }
  return parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts, size).toString('utf8');
}

/** True for a response-shaped object answering `id` (a JSON-RPC error sent with a 4xx status). */
export function answers(message: unknown, id: RequestId | undefined): boolean {
  if (id === undefined || typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return m.id === id && ('result' in m || 'error' in m);
}

/** Header value safe for HTTP: ASCII as is, anything else in the spec's `=?base64?…?=` form. */
export function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) && value.trim() === value ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The modern era's per-message headers: Mcp-Method, and Mcp-Name for named methods. */
export function modernHeaders(base: Record<string, string>, message: JsonRpcMessage): Record<string, string> {
  if (!('method' in message)) return base;
  const headers: Record<string, string> = { ...base, 'mcp-method': message.method };
  const field = NAMED_METHODS[message.method];
  const name = field !== undefined ? message.params?.[field] : undefined;
  if (typeof name === 'string') headers['mcp-name'] = headerValue(name);
  return headers;
}
