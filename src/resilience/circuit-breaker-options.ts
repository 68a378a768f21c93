import type { Clock, Emitter, Random } from '../core/index.js';
import type { BreakerStateStore } from './breaker-state-store.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Published on every state change; `retryAfterMs` is set when the breaker opens. */
export interface BreakerTransition {
  readonly name: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: string;
  readonly retryAfterMs?: number;
}

export type BreakerEvents = {
  transition: BreakerTransition;
  rejected: { readonly name: string; readonly state: BreakerState; readonly retryAfterMs: number };
};

export interface CircuitBreakerOptions {
  /** Names the breaker in events, errors and the state store (e.g. `upstream#replica`). */
  readonly name?: string;
  /** Open after this many upstream failures in a row; 0 disables (default 5). */
  readonly consecutiveFailures?: number;
  /** Open when failures ≥ this fraction of the calls in the window; 0 disables (default 0.5). */
  readonly failureRateThreshold?: number;
  /** Length of the sliding window (default 10 000 ms), split into `windowBuckets` (default 10). */
  readonly windowMs?: number;
  readonly windowBuckets?: number;
  /** Rate thresholds apply only once the window holds this many calls (default 20). */
  readonly minimumCalls?: number;
  /** A call slower than this is slow; 0 disables slow-call tracking (default 0). */
  readonly slowCallMs?: number;
  /** Open when slow calls ≥ this fraction of the calls in the window (default 0.8). */
  readonly slowCallRateThreshold?: number;
  /** Half-open admits exactly this many probes and closes after as many successes (default 3). */
  readonly halfOpenProbes?: number;
  /** First open duration; doubles on each reopen without a close, capped by `maxOpenMs` (5 000 / 60 000). */
  readonly openMs?: number;
  readonly maxOpenMs?: number;
  /** Open duration spread ±this fraction (default 0.2), capped at `maxOpenMs`. */
  readonly openJitter?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly events?: Emitter<BreakerEvents>;
  readonly store?: BreakerStateStore;
}

/** Defaults (research §2.6): consecutive-5 fast path, 50 % over 10 s with ≥ 20 calls, 3 probes, 5 s × 2^k up to 60 s ±20 %. */
export const BREAKER_DEFAULTS = Object.freeze({
  name: 'breaker',
  consecutiveFailures: 5,
  failureRateThreshold: 0.5,
  windowMs: 10_000,
  windowBuckets: 10,
  minimumCalls: 20,
  slowCallMs: 0,
  slowCallRateThreshold: 0.8,
  halfOpenProbes: 3,
  openMs: 5_000,
  maxOpenMs: 60_000,
  openJitter: 0.2,
});

/** Proof that a call was admitted; hand it back to `release` exactly once. */
export interface BreakerPermit {
  readonly generation: number;
  readonly probe: boolean;
  readonly startedAt: number;
}
