import type { IncomingHttpHeaders } from 'node:http';

const KEYS = ['traceparent', 'tracestate', 'baggage'] as const;
/** Longest header value adopted: W3C limits tracestate to 32 members; baggage to 8192 bytes. */
const MAX = 8192;

/**
 * Copies the request's W3C trace context headers into the JSON-RPC request's `params._meta` (MCP's
 * place for it), unless `_meta` already carries its own: from here on one place holds the caller's
 * context, whichever way it came, and the gateway reads it from there (tracing) and passes it on.
 */
export function adoptTraceHeaders(headers: IncomingHttpHeaders, message: Record<string, unknown>): void {
  if (headers.traceparent === undefined) return;
  const params = message.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params) || typeof message.method !== 'string') return;
  const p = params as Record<string, unknown>;
  const prior = p._meta;
  if (prior !== undefined && (typeof prior !== 'object' || prior === null || Array.isArray(prior))) return;
  const meta = (prior ?? {}) as Record<string, unknown>;
  if (meta.traceparent !== undefined) return;
  const added: Record<string, string> = {};
  for (const key of KEYS) {
    const v = headers[key];
    if (typeof v === 'string' && v.length <= MAX) added[key] = v;
  }
  p._meta = { ...meta, ...added };
}
