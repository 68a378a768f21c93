import type { RequestId } from '../protocol/index.js';

/** Notifications that always go to the connection's `notification` event (they are about the server, not a call). */
export const CONNECTION_NOTIFICATIONS = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);

/** Longest head/tail snippet looked at when guessing an id. */
const SNIPPET_MAX = 512;
const TAIL_ID = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*\}\s*$/;
const HEAD_ID = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/;

/**
 * Best-effort id of a message we could not parse (oversized or truncated): serializers put the id
 * first or last, so look at both ends. Wrong guesses are harmless: only a pending id is acted on.
 */
export function guessId(head: string | undefined, tail: string | undefined): RequestId | undefined {
  // Snippets are 256 characters where channels build them; cut again so no caller can make the regexes slow.
  const m =
    (tail !== undefined ? TAIL_ID.exec(tail.slice(-SNIPPET_MAX)) : null) ??
    (head !== undefined ? HEAD_ID.exec(head.slice(0, SNIPPET_MAX)) : null);
  if (!m || m[1] === undefined) return undefined;
  const raw = m[1];
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return undefined;
    }
  }
  return Number(raw);
}

/** Counters a peer keeps; read by health checks and metrics. */
export interface PeerStats {
  /** Responses that arrived after their request was aborted. */
  lateResponses: number;
  /** Responses with an id that is not (or no longer) pending: duplicates, inventions. */
  unknownResponses: number;
  /** Undecodable or invalid messages (each also logged). */
  malformed: number;
  /** Progress for a token nobody waits for. */
  strayProgress: number;
  /** Notifications tagged with a listen stream we already replaced (its successor carried them). */
  staleSubscription: number;
  /** Server→client requests refused because several callers shared the channel (or their call had ended). */
  unattributedRequests: number;
  /** Call-related notifications (logs) dropped for the same reason: never guessed, never broadcast. */
  unattributedNotifications: number;
  /** `application/json` bodies that carried several messages, one per line (accepted; see JsonBody). */
  ndjsonBodies: number;
}

/** The error a server→client request gets when it cannot be attributed to one caller. */
export const UNATTRIBUTABLE_MESSAGE =
  'Breakwater cannot attribute this request to one caller: several callers share this upstream connection ' +
  '(use `isolation: per-session` on the upstream, or relate the request to its call with the progress token)';

/** The `_meta.progressToken` a server-initiated message carries, if any (it names the call it belongs to). */
export function progressTokenOf(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as Record<string, unknown>)._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const token = (meta as Record<string, unknown>).progressToken;
  return typeof token === 'string' ? token : undefined;
}
