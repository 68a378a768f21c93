import { DEFAULT_MAX_JSON_DEPTH, parseJsonWithin } from '../core/index.js';

/**
 * Error texts servers send with a 400 for a session they do not know. The spec says 404, but the SDK's
 * example servers (and server-everything) say 400 "Bad Request: No valid session ID provided", and the
 * SDK transport says 400 "Bad Request: Server not initialized" when a restarted process sees an old id.
 */
const SESSION_ERROR = /\bsession\b|not initiali[sz]ed/i;

/**
 * True when an HTTP answer to a request carrying our session id says the server no longer knows that
 * session: a 404, or a 400 whose body names a session problem (`body` undefined: not read yet).
 */
export function sessionGone(status: number, body: string | undefined): boolean {
  if (status === 404) return true;
  if (status !== 400 || body === undefined) return false;
  return SESSION_ERROR.test(errorMessage(body) ?? body.slice(0, 512));
}

/** The JSON-RPC error message of a body, if it is one (a body nested too deep is none). */
function errorMessage(body: string): string | undefined {
  try {
    const parsed = parseJsonWithin(body, DEFAULT_MAX_JSON_DEPTH) as { error?: { message?: unknown } } | null;
    return typeof parsed?.error?.message === 'string' ? parsed.error.message : undefined;
  } catch {
    return undefined;
  }
}
