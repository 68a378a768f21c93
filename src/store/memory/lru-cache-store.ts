import type { Clock } from '../../core/index.js';
import type { CacheEntry, CacheStore } from '../../policies/cache/cache-store.js';

export interface LruCacheStoreOptions {
  /** Upper bound on the UTF-8 bytes of keys and bodies held (plus a small fixed overhead per entry). */
  readonly maxBytes: number;
  readonly clock: Clock;
}

/** Per-entry bookkeeping cost counted against maxBytes, so many tiny entries are bounded too. */
const ENTRY_OVERHEAD = 64;

/**
 * The embedded CacheStore: an LRU bounded in bytes. An entry past its `staleUntil` is dropped when read;
 * inserting beyond the budget evicts least recently used entries; one entry larger than the whole
 * budget is not stored. Map insertion order is the recency order (a read re-inserts).
 */
export class LruCacheStore implements CacheStore {
  readonly maxBytes: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, { entry: CacheEntry; bytes: number }>();
  #bytes = 0;
  #evictions = 0;

  constructor(options: LruCacheStoreOptions) {
    this.maxBytes = options.maxBytes;
    this.#clock = options.clock;
  }

  /** Bytes currently accounted. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Entries evicted for space (not counting expiry or invalidation). */
  get evictions(): number {
    return this.#evictions;
  }

  get(key: string): Promise<CacheEntry | undefined> {
    const held = this.#entries.get(key);
    if (!held) return Promise.resolve(undefined);
    this.#entries.delete(key);
    if (this.#clock.now() >= held.entry.staleUntil) {
      this.#bytes -= held.bytes;
      return Promise.resolve(undefined);
    }
    this.#entries.set(key, held);
    return Promise.resolve(held.entry);
  }

  set(key: string, entry: CacheEntry): Promise<void> {
    this.#remove(key);
    const bytes = Buffer.byteLength(key, 'utf8') + Buffer.byteLength(entry.body, 'utf8') + ENTRY_OVERHEAD;
    if (bytes > this.maxBytes) return Promise.resolve();
    this.#entries.set(key, { entry, bytes });
    this.#bytes += bytes;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest);
      this.#evictions++;
    }
    return Promise.resolve();
  }

  delete(match: string | ((key: string) => boolean)): Promise<number> {
    const test = typeof match === 'string' ? (key: string) => key.startsWith(match) : match;
    let removed = 0;
    for (const key of [...this.#entries.keys()]) if (test(key) && this.#remove(key)) removed++;
    return Promise.resolve(removed);
  }

  #remove(key: string): boolean {
    const held = this.#entries.get(key);
    if (!held) return false;
    this.#entries.delete(key);
    this.#bytes -= held.bytes;
    return true;
  }
}
