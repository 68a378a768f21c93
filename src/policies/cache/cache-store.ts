/** Who may read a cached result: anyone on the route (`public`) or only the principal that caused it. */
export type CacheScope = 'public' | 'private';

/** One cached result. Times are monotonic ms on the gateway's Clock. */
export interface CacheEntry {
  /** The result as JSON: every hit parses a fresh copy, so no caller can mutate another's result. */
  readonly body: string;
  readonly scope: CacheScope;
  /** Served as a hit until then. */
  readonly freshUntil: number;
  /** Kept until then for stale-if-error (equal to freshUntil without it); the store may drop it after. */
  readonly staleUntil: number;
}

/**
 * Port for cached results. The embedded implementation is an in-process LRU bounded in bytes
 * (store/memory/lru-cache-store.ts); a shared one (Redis) must convert the monotonic times to TTLs.
 * Keys are opaque strings built by cacheKey(); `delete` takes a key prefix or a predicate.
 */
export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry): Promise<void>;
  /** Removes matching entries; resolves with how many were removed. */
  delete(match: string | ((key: string) => boolean)): Promise<number>;
}
