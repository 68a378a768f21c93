import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/index.js';
import { GatewayError } from '../errors/index.js';

/** The prefix of every `requestState` the gateway mints for a parked call (anything else is an upstream's). */
export const PARKED_STATE_PREFIX = 'bw1.';

/** Bounds of the parked-call table. */
export interface ParkedCallsOptions {
  readonly clock: Clock;
  /** Most calls parked at once; one more fails with GW_LIMIT_EXCEEDED. */
  readonly maxParked: number;
  /** How long a parked call waits for its caller's retry before it is cancelled upstream. */
  readonly ttlMs: number;
  /** Key source (tests); default: 24 random bytes, base64url. */
  readonly newKey?: () => string;
}

/** Who may resume a parked call: the same principal, calling the same thing. */
export interface ParkedOwner {
  readonly principal: string;
  readonly method: string;
  readonly route: string;
}

interface Entry<T> {
  readonly value: T;
  readonly owner: ParkedOwner;
  readonly timer: TimerHandle;
}

/**
 * Upstream calls waiting for a modern caller's retry, keyed by an unguessable random `requestState`
 * (the key is all the caller holds: nothing of the parked call is in it, so there is nothing to
 * forge or decode). Bounded in size and age: an entry not taken within `ttlMs` is handed to
 * `expire` (which cancels the upstream call). A key is single-use.
 */
export class ParkedCalls<T> {
  readonly #o: ParkedCallsOptions;
  readonly #expire: (value: T) => void;
  readonly #entries = new Map<string, Entry<T>>();

  constructor(options: ParkedCallsOptions, expire: (value: T) => void) {
    this.#o = options;
    this.#expire = expire;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Parks `value`; returns its key. Throws GW_LIMIT_EXCEEDED when the table is full. */
  park(value: T, owner: ParkedOwner): string {
    if (this.#entries.size >= this.#o.maxParked) {
      throw new GatewayError('GW_LIMIT_EXCEEDED', `Too many calls are waiting for client input (${this.#o.maxParked})`, {
        data: { limit: 'server.inputBridge.maxParked', max: this.#o.maxParked },
      });
    }
    const key = PARKED_STATE_PREFIX + (this.#o.newKey?.() ?? randomBytes(24).toString('base64url'));
    const timer = this.#o.clock.setTimeout(() => {
      if (this.#entries.get(key)?.value !== value) return;
      this.#entries.delete(key);
      this.#expire(value);
    }, this.#o.ttlMs);
    timer.unref?.();
    this.#entries.set(key, { value, owner, timer });
    return key;
  }

  /**
   * Takes the call parked under `key` for `owner`. Unknown, expired, already taken or someone else's:
   * one indistinguishable GW_INVALID_PARAMS (an entry is never consumed by a caller it does not belong to).
   */
  take(key: string, owner: ParkedOwner): T {
    const entry = this.#entries.get(key);
    if (
      entry === undefined ||
      entry.owner.principal !== owner.principal ||
      entry.owner.method !== owner.method ||
      entry.owner.route !== owner.route
    ) {
      throw new GatewayError('GW_INVALID_PARAMS', 'requestState is unknown, expired or was already used: call again without it', {
        data: { param: 'requestState' },
      });
    }
    this.#entries.delete(key);
    this.#o.clock.clearTimeout(entry.timer);
    return entry.value;
  }

  /** Expires every entry now (shutdown). */
  close(): void {
    const values = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of values) {
      this.#o.clock.clearTimeout(entry.timer);
      this.#expire(entry.value);
    }
  }
}
