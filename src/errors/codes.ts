/**
 * The stable error catalogue. Each code maps to one JSON-RPC code and one HTTP status (used where the
 * error ends a request before any JSON-RPC exchange, or for modern-era responses). docs/errors.md mirrors
 * this table; test/unit/errors-doc.test.ts keeps them in sync.
 */
export const ERROR_CODES = {
  GW_PARSE_ERROR: { rpc: -32700, http: 400, summary: 'The body is not valid JSON.' },
  GW_INVALID_REQUEST: { rpc: -32600, http: 400, summary: 'The message is not a valid JSON-RPC 2.0 request (or is a batch).' },
  GW_METHOD_NOT_FOUND: { rpc: -32601, http: 404, summary: 'The method is unknown, or removed in the caller’s protocol era.' },
  GW_INVALID_PARAMS: { rpc: -32602, http: 400, summary: 'A parameter is missing or malformed; the message names it.' },
  GW_NOT_FOUND: { rpc: -32602, http: 404, summary: 'No tool, prompt or resource has the requested name or URI.' },
  GW_INTERNAL: { rpc: -32603, http: 500, summary: 'An unexpected gateway fault; the log line with the request id has details.' },
  GW_HEADER_MISMATCH: { rpc: -32020, http: 400, summary: 'Mcp-Method / Mcp-Name / MCP-Protocol-Version disagree with the body.' },
  GW_MISSING_CLIENT_CAPABILITY: { rpc: -32021, http: 400, summary: 'The call needs a client capability the caller did not declare.' },
  GW_UNSUPPORTED_VERSION: {
    rpc: -32022,
    http: 400,
    summary: 'The protocol version is not supported; data.supported lists those that are.',
  },
  GW_SESSION_NOT_FOUND: { rpc: -32001, http: 404, summary: 'The Mcp-Session-Id is unknown, expired or terminated; initialize again.' },
  GW_SESSION_REQUIRED: { rpc: -32600, http: 400, summary: 'A legacy request arrived without the Mcp-Session-Id header.' },
  GW_FORBIDDEN_ORIGIN: { rpc: -32600, http: 403, summary: 'The Origin or Host header is not allowed (DNS-rebinding protection).' },
  GW_UNAUTHENTICATED: {
    rpc: -32030,
    http: 401,
    summary:
      'No valid credential: missing, unknown, expired or revoked API key, or a token that fails verification (signature, issuer, audience, time). The WWW-Authenticate header names the resource metadata.',
  },
  GW_INSUFFICIENT_SCOPE: {
    rpc: -32031,
    http: 403,
    summary:
      'The token is valid but lacks a scope the gateway requires; data.scope and the WWW-Authenticate header name the scopes needed.',
  },
  GW_AUTH_BLOCKED: {
    rpc: -32032,
    http: 429,
    summary:
      'Too many failed authentication attempts from this address or with this credential; blocked until data.retryAfterMs passes (or an operator unblocks it).',
  },
  GW_METHOD_NOT_ALLOWED: {
    rpc: -32600,
    http: 405,
    summary: 'The HTTP method is not allowed on this path; data.allow and the Allow header list those that are.',
  },
  GW_NOT_ACCEPTABLE: { rpc: -32600, http: 406, summary: 'The Accept header allows neither application/json nor text/event-stream.' },
  GW_STREAM_CONFLICT: { rpc: -32600, http: 409, summary: 'A stream is already open for this session.' },
  GW_PAYLOAD_TOO_LARGE: { rpc: -32600, http: 413, summary: 'The request body exceeds the configured limit.' },
  GW_LIMIT_EXCEEDED: {
    rpc: -32600,
    http: 400,
    summary: 'A structural limit was exceeded (JSON nesting depth, session state size); data.limit names the setting.',
  },
  GW_TIMEOUT: { rpc: -32001, http: 504, summary: 'A deadline or per-attempt timeout expired; data.limitMs names the limit.' },
  GW_UPSTREAM_UNAVAILABLE: {
    rpc: -32003,
    http: 502,
    summary: 'The upstream could not be reached, crashed or closed; data.maybeExecuted tells whether it may have run.',
  },
  GW_UPSTREAM_PROTOCOL: {
    rpc: -32005,
    http: 502,
    summary: 'The upstream sent something that is not valid MCP (malformed, oversized, wrong id).',
  },
  GW_UPSTREAM_AUTH: {
    rpc: -32006,
    http: 502,
    summary:
      'The gateway could not obtain or renew its credentials for the upstream (token endpoint refused or unreachable, e.g. a revoked refresh token), or the upstream refused a fresh token; data.upstream names it. Nothing was executed.',
  },
  GW_CIRCUIT_OPEN: {
    rpc: -32004,
    http: 503,
    summary: 'The upstream’s circuit breaker is open; data.retryAfterMs says when it will be probed.',
  },
  GW_OVERLOADED: {
    rpc: -32000,
    http: 503,
    summary:
      'A capacity bound is reached (bulkhead or queue, session admission, per-client, in-flight or stream limits, isolation pool); nothing reached the upstream. data.limit names the setting where one applies.',
  },
  GW_CANCELLED: { rpc: -32800, http: 499, summary: 'The caller cancelled the request (never sent on the wire; logged and counted).' },
  GW_SHUTTING_DOWN: { rpc: -32000, http: 503, summary: 'The gateway is draining; retry against another instance.' },
  GW_RATE_LIMITED: {
    rpc: -32029,
    http: 429,
    summary:
      'A rate limit or daily quota refused the call (nothing reached the upstream); data.retryAfterMs says when to retry, data.limit and data.window which limit. HTTP adds Retry-After and the RateLimit-Policy / RateLimit headers.',
  },
  GW_TOOL_BLOCKED: {
    rpc: -32040,
    http: 403,
    summary:
      'The tool’s definition changed since it was approved (or it awaits approval, or was rejected): hidden from tools/list and refused until `breakwater pins approve`; data.reason says which.',
  },
  GW_GUARD_REJECTED: {
    rpc: -32602,
    http: 400,
    summary:
      'A guard refused the call: data.guard, data.rule and data.path (JSON pointer of the argument, or /result/…) say which; the value is never echoed. Not counted against a breaker.',
  },
  GW_AUDIT_UNAVAILABLE: {
    rpc: -32050,
    http: 503,
    summary:
      'The audit log cannot be written (disk full, database unavailable) and audit.onFailure is closed: the call was refused before reaching any upstream. Calls resume as soon as it can be written.',
  },
  GW_UNATTRIBUTABLE: {
    rpc: -32603,
    http: 500,
    summary: 'Sent to an upstream: its server→client request could not be attributed to one caller (shared connection).',
  },
} as const satisfies Record<string, { rpc: number; http: number; summary: string }>;

export type GatewayErrorCode = keyof typeof ERROR_CODES;
