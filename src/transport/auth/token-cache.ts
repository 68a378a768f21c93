import type { Principal } from '../../pipeline/index.js';

/**
 * Verified tokens by hash (never the token itself), each until its own expiry: a repeated bearer token
 * costs one SHA-256 and one Map lookup instead of a signature check or an introspection round trip.
 * Bounded: the oldest entry goes when full (ADR 0021).
 */
export class TokenCache {
  #entries = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The principal for this token hash while `now` (epoch ms) is before its expiry. */
  get(hash: string, now: number): Principal | undefined {
    const entry = this.#entries.get(hash);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.principal;
    this.#entries.delete(hash);
    return undefined;
  }

  /** Remembers a verified token until `until` (epoch ms). */
  set(hash: string, principal: Principal, until: number): void {
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(hash)) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { principal, until });
  }

  get size(): number {
    return this.#entries.size;
  }
}
