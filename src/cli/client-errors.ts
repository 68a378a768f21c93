/**
 * One line for a failed client request: what failed, at which URL, why (the deepest cause of a network
 * error, e.g. "connect ECONNREFUSED 127.0.0.1:8080"), the JSON-RPC code, `data.code` and HTTP status.
 */
export function describeClientError(err: unknown, what: string, url: string): string {
  const e = err as { message?: unknown; code?: unknown; data?: unknown; cause?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cause = deepestCause(err);
  const parts: string[] = [];
  if (typeof e?.code === 'number') parts.push(`JSON-RPC ${e.code}`);
  const data = typeof e?.data === 'object' && e.data !== null ? (e.data as Record<string, unknown>) : undefined;
  if (typeof data?.code === 'string') parts.push(`data.code ${data.code}`);
  if (typeof data?.status === 'number') parts.push(`HTTP ${data.status}`);
  const extra = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  if (cause !== undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT/.test(cause))
    return `${what} failed: cannot reach ${url}: ${cause} (is the gateway running? start it with: breakwater serve, or pass --url)`;
  const reason = cause !== undefined && !message.includes(cause) ? `${message}: ${cause}` : message;
  return `${what} failed at ${url}: ${reason.split('\n')[0]}${extra}`;
}

function deepestCause(err: unknown): string | undefined {
  let found: string | undefined;
  let cur = (err as { cause?: unknown })?.cause;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const c = cur as { message?: unknown; code?: unknown; errors?: unknown };
    // AggregateError (both ::1 and 127.0.0.1 refused) carries the reasons in `errors`.
    const first = Array.isArray(c.errors) ? (c.errors[0] as { message?: unknown } | undefined) : undefined;
    const text =
      typeof first?.message === 'string' ? first.message : typeof c.message === 'string' && c.message !== '' ? c.message : c.code;
    if (typeof text === 'string' && text !== '') found = text;
    cur = (cur as { cause?: unknown }).cause;
  }
  return found;
}
