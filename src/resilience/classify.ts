import { GatewayError, UpstreamRpcError } from '../errors/index.js';

/**
 * What a failed call means for resilience decisions. Only `upstream-failure` ever counts against a
 * breaker or an ejection, or makes a call retryable; the other kinds are answers (caller errors),
 * the gateway's own decisions (rejections) or the caller giving up (cancelled).
 */
export type FailureKind = 'upstream-failure' | 'caller-error' | 'gateway-rejection' | 'cancelled';

/** Gateway codes that mean the upstream itself failed (transport, protocol, per-attempt timeout). */
const UPSTREAM_CODES: ReadonlySet<string> = new Set(['GW_UPSTREAM_UNAVAILABLE', 'GW_UPSTREAM_PROTOCOL', 'GW_TIMEOUT']);

/** Gateway codes that describe a bad request: the caller's fault, never the upstream's. */
const CALLER_CODES: ReadonlySet<string> = new Set([
  'GW_PARSE_ERROR',
  'GW_INVALID_REQUEST',
  'GW_METHOD_NOT_FOUND',
  'GW_INVALID_PARAMS',
  'GW_NOT_FOUND',
  'GW_HEADER_MISMATCH',
  'GW_MISSING_CLIENT_CAPABILITY',
  'GW_UNSUPPORTED_VERSION',
  'GW_SESSION_NOT_FOUND',
  'GW_SESSION_REQUIRED',
  'GW_PAYLOAD_TOO_LARGE',
  'GW_LIMIT_EXCEEDED',
]);

/** Node/undici error codes of a connection that failed or broke: the upstream is unreachable. */
const TRANSPORT_CODE = /^(E(CONNREFUSED|CONNRESET|CONNABORTED|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|HOSTDOWN|AI_AGAIN|NOTFOUND)|UND_ERR_)/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Classifies a thrown value. `isError` tool results are results, not errors, and never reach this.
 * A deadline-scope GW_TIMEOUT is `cancelled`: the call's own time budget ran out, which says nothing
 * about the upstream attempt it cut short. Unknown throwables are gateway bugs, so they never count.
 */
export function classify(err: unknown): FailureKind {
  if (err instanceof GatewayError) {
    if (err.code === 'GW_CANCELLED') return 'cancelled';
    if (err.code === 'GW_TIMEOUT' && err.data?.scope === 'deadline') return 'cancelled';
    if (UPSTREAM_CODES.has(err.code) || err.upstreamFault) return 'upstream-failure';
    return CALLER_CODES.has(err.code) ? 'caller-error' : 'gateway-rejection';
  }
  if (err instanceof UpstreamRpcError) return err.upstreamFault ? 'upstream-failure' : 'caller-error';
  if (!isRecord(err)) return 'gateway-rejection';
  if (err.name === 'AbortError') return 'cancelled';
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : undefined;
  if (status !== undefined) return status >= 500 || status === 408 || status === 429 ? 'upstream-failure' : 'caller-error';
  if (err.name === 'TimeoutError') return 'upstream-failure';
  if (typeof err.code === 'string' && TRANSPORT_CODE.test(err.code)) return 'upstream-failure';
  return 'gateway-rejection';
}

/** Classifies from a policy's point of view: once its own signal aborted, any failure is a cancellation. */
export function classifyAttempt(err: unknown, signal: AbortSignal): FailureKind {
  return signal.aborted ? 'cancelled' : classify(err);
}

/** True when the request provably never reached the upstream (safe to retry even if not idempotent). */
export function neverSent(err: unknown): boolean {
  return err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE' && err.data?.maybeExecuted === false;
}

/** True for a GatewayError with the given code (a string so codes added later need no import here). */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof GatewayError && err.code === code;
}

/**
 * Pushback carried by an error, in ms: `data.retryAfterMs` (gateway or upstream JSON-RPC error), or a
 * `retry-after` header in seconds. Negative means "do not retry" (gRPC pushback); undefined means none.
 */
export function retryAfterMs(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  const data = err.data;
  if (isRecord(data) && typeof data.retryAfterMs === 'number' && Number.isFinite(data.retryAfterMs)) return data.retryAfterMs;
  if (typeof err.retryAfterMs === 'number' && Number.isFinite(err.retryAfterMs)) return err.retryAfterMs;
  const headers = err.headers;
  if (isRecord(headers)) {
    const value = headers['retry-after'];
    const seconds =
      typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
    if (Number.isFinite(seconds)) return seconds * 1000;
  }
  return undefined;
}

/** The retry-on categories of an upstream failure (config `retry.retryOn`); `tool-error` is an isError result. */
export type RetryOn = 'unavailable' | 'timeout' | 'server-error' | 'tool-error';

/** Which retry-on category an error falls in; undefined unless it is an upstream failure. */
export function failureCategory(err: unknown): Exclude<RetryOn, 'tool-error'> | undefined {
  if (classify(err) !== 'upstream-failure') return undefined;
  if (hasCode(err, 'GW_UPSTREAM_UNAVAILABLE')) return 'unavailable';
  if (hasCode(err, 'GW_TIMEOUT') || (isRecord(err) && err.name === 'TimeoutError')) return 'timeout';
  if (isRecord(err) && typeof err.code === 'string' && TRANSPORT_CODE.test(err.code)) return 'unavailable';
  return 'server-error';
}

/** True for a tool result reporting a tool-level failure (`isError: true`): a result, not an error. */
export function isToolError(result: Record<string, unknown>): boolean {
  return result.isError === true;
}
