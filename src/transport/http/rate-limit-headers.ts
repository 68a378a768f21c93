import type { JsonRpcResponse } from '../../protocol/index.js';

/**
 * The HTTP form of a GW_RATE_LIMITED answer: status 429 with `Retry-After` (RFC 9110) and the IETF
 * `RateLimit-Policy` / `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers: a policy named after the
 * refusing limit, `q` its count per `w` seconds; `r` calls left, `t` seconds until one is). Read from the
 * error's data, so the JSON-RPC error and the headers always agree. Undefined for any other answer.
 */
export function rateLimitedAnswer(response: JsonRpcResponse): { status: number; headers: Record<string, string> } | undefined {
  if (!('error' in response)) return undefined;
  const data = response.error.data as Record<string, unknown> | undefined;
  if (data?.code !== 'GW_RATE_LIMITED') return undefined;
  const retryAfterMs = typeof data.retryAfterMs === 'number' ? data.retryAfterMs : 1000;
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const name = `${String(data.limit)}-${String(data.window)}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const headers: Record<string, string> = { 'retry-after': String(seconds), ratelimit: `"${name}";r=0;t=${seconds}` };
  if (typeof data.quota === 'number' && typeof data.windowSeconds === 'number')
    headers['ratelimit-policy'] = `"${name}";q=${data.quota};w=${data.windowSeconds}`;
  return { status: 429, headers };
}
