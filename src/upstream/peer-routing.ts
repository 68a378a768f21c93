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
}
