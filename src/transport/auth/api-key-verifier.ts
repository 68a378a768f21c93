import type { Clock } from '../../core/index.js';
import type { Principal } from '../../pipeline/index.js';
import { sameHash } from './api-key.js';
import { refused, type AuthResult, type TokenVerifier } from './auth-result.js';
import type { ApiKeyRecord, KeyStore } from '../../store/key-store.js';

export interface ApiKeyVerifierOptions {
  readonly clock: Clock;
  /** Most keys held in the cache (FIFO beyond). */
  readonly maxCached?: number;
  /** A key's last-used time is written at most this often. */
  readonly touchIntervalMs?: number;
}

interface Cached {
  readonly record: ApiKeyRecord;
  readonly principal: Principal;
}

/**
 * API keys from a KeyStore, cached by hash so a call costs one SHA-256 and one Map lookup (≤ 5 µs; see
 * bench/auth-cost.ts). The cache is dropped whenever the store's version moves (`sync()`, run by a timer
 * off the request path), so `keys revoke` from the CLI takes effect within a sync interval. Last-used
 * times are batched and written by `flush()`, never on the request path.
 */
export class ApiKeyVerifier implements TokenVerifier {
  readonly kind = 'api-key';
  #cache = new Map<string, Cached>();
  #used = new Map<string, number>();
  #touched = new Map<string, number>();
  #version: number;
  readonly #maxCached: number;
  readonly #touchIntervalMs: number;

  constructor(
    private readonly store: KeyStore,
    private readonly options: ApiKeyVerifierOptions,
  ) {
    this.#version = store.version();
    this.#maxCached = options.maxCached ?? 10_000;
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  verify(_token: string, hash: string): AuthResult {
    let entry = this.#cache.get(hash);
    if (entry === undefined) {
      const record = this.store.byHash(hash);
      // The store looked the hash up by index; the constant-time compare is the explicit check.
      if (record === undefined || !sameHash(record.hash, hash)) return refused('invalid', 'unknown API key');
      entry = { record, principal: principalOf(record) };
      if (this.#cache.size >= this.#maxCached) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(hash, entry);
    }
    const { record } = entry;
    if (record.revoked) return refused('revoked', `API key ${record.id} is revoked`);
    const now = this.options.clock.wallNow();
    if (record.expiresAt !== undefined && record.expiresAt <= now) return refused('expired', `API key ${record.id} expired`);
    const last = this.#touched.get(record.id);
    if (last === undefined || now - last >= this.#touchIntervalMs) {
      this.#touched.set(record.id, now);
      this.#used.set(record.id, now);
    }
    return { ok: true, principal: entry.principal };
  }

  /** Drops the cache when another writer changed the store (revoke, rotate, new keys). */
  sync(): void {
    const version = this.store.version();
    if (version === this.#version) return;
    this.#version = version;
    this.#cache.clear();
  }

  /** Writes the batched last-used times. */
  flush(): void {
    if (this.#used.size === 0) return;
    const used = this.#used;
    this.#used = new Map();
    this.store.touch(used);
  }
}

function principalOf(record: ApiKeyRecord): Principal {
  return Object.freeze({
    id: record.name,
    kind: 'api-key',
    roles: Object.freeze([...record.roles]),
    claims: Object.freeze({ keyId: record.id }),
    scopes: Object.freeze([]) as readonly string[],
  });
}
