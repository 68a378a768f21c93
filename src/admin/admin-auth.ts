import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Who may reach a route: anyone (liveness/readiness), the token holder, or `/metrics` (public when allowed). */
export type RouteAccess = 'public' | 'token' | 'metrics';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Checks the admin bearer token (`Authorization: Bearer <token>`) in constant time. With no token
 * configured, every protected route is refused: the admin API is never open by accident.
 */
export class AdminAuth {
  readonly #token: Buffer | undefined;

  constructor(
    token: string | undefined,
    private readonly metricsPublic: boolean,
  ) {
    this.#token = token === undefined ? undefined : digest(token);
  }

  /** True when a token is configured. */
  get configured(): boolean {
    return this.#token !== undefined;
  }

  /** Whether this request may use a route of `access`. */
  allows(req: IncomingMessage, access: RouteAccess): boolean {
    if (access === 'public' || (access === 'metrics' && this.metricsPublic)) return true;
    if (this.#token === undefined) return false;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    return timingSafeEqual(digest(header.slice(7).trim()), this.#token);
  }
}

/** True for addresses only this host can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
