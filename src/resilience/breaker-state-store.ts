/** The persisted part of a breaker: enough to restore it (hydration) or to share an open state. */
export interface BreakerSnapshot {
  readonly state: 'closed' | 'open' | 'half-open';
  /** Monotonic ms (the writer's Clock) when an open breaker may be probed. */
  readonly openUntil: number;
  /** Consecutive opens without a close (drives the growing open time). */
  readonly openCount: number;
}

/**
 * Port for breaker state, keyed by breaker name. In-process by default; a shared implementation
 * (Redis broadcast) must translate `openUntil` between instances' monotonic clocks (e.g. store a
 * remaining duration) and keep `load` synchronous from a local mirror, because it runs on the hot path.
 */
export interface BreakerStateStore {
  load(key: string): BreakerSnapshot | undefined;
  save(key: string, snapshot: BreakerSnapshot): void;
}

/** The embedded BreakerStateStore: a Map (lets a rebuilt pipeline, e.g. after reload, keep breaker state). */
export function createInProcessBreakerStateStore(): BreakerStateStore {
  const map = new Map<string, BreakerSnapshot>();
  return {
    load: (key) => map.get(key),
    save: (key, snapshot) => void map.set(key, snapshot),
  };
}
