import type { Principal } from '../../pipeline/index.js';

/**
 * True when `principal` may use a legacy session whose admission key is `client`. A session opened by an
 * authenticated principal (`principal:<id>`) belongs to it: a session id is a handle, not a credential
 * (MCP security best practices, session hijacking), so another principal holding the id is told the
 * session does not exist. Anonymous sessions (keyed by address) are not bound.
 */
export function mayUseSession(client: string, principal: Principal): boolean {
  return !client.startsWith('principal:') || client === `principal:${principal.id}`;
}
